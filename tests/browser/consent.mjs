// The "Change your cookie settings" button of a site whose `[consent]` names its banner,
// in headless Debian Chromium, with the real banner (vanilla-cookieconsent or Klaro, from
// node_modules, copied into the site by the test) and the configuration `clause export`
// printed for it:
//   - with scripts, the banner starts with the site's texts (shown as text, even markup),
//     the button appears, and clicking it opens the banner's preferences;
//   - the French page opens the banner in French;
//   - without scripts, the button stays hidden and the sentence says what to do;
//   - nothing is requested from another origin, and no page error happens.
// Each built site is served over loopback HTTP from its output folder (the banner's
// script is loaded from the site, as a visitor's browser would).
// Usage: node consent.mjs <manager>=<output folder>...   Prints "consent pages: ok".
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const sites = process.argv.slice(2).map((a) => {
  const i = a.indexOf('=');
  return { manager: a.slice(0, i), dir: path.resolve(a.slice(i + 1)) };
});
if (sites.length === 0) {
  console.error('usage: node consent.mjs <manager>=<output folder>...');
  process.exit(2);
}

const types = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};
function serve(root) {
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400);
      res.end();
      return;
    }
    let file = path.join(root, rel);
    if (!file.startsWith(root)) {
      res.writeHead(403);
      res.end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
      res.end(data);
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

// What each banner shows, and how to tell its preferences are open.
const banners = {
  cookieconsent: {
    notice: '#cc-main .cm',
    title: '#cc-main .cm__title',
    preferences: '#cc-main .pm',
    preferencesTitle: '#cc-main .pm__title',
  },
  klaro: {
    notice: '#klaro .cookie-notice',
    title: null,
    accept: '#klaro .cookie-notice .cm-btn-success',
    preferences: '#klaro .cookie-modal .cm-modal',
    preferencesTitle: '#klaro .cookie-modal .cm-modal .title',
  },
};
const hostileTitle = '<img src=x onerror="window.pwned=1">Cookies & “you”';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});
const problems = [];
try {
  for (const { manager, dir } of sites) {
    const b = banners[manager];
    if (!b) throw new Error(`unknown manager ${manager}`);
    const server = await serve(dir);
    const origin = `http://127.0.0.1:${server.address().port}`;
    const open = async (javaScriptEnabled) => {
      const context = await browser.newContext({ javaScriptEnabled });
      // cookieconsent hides from robots (`navigator.webdriver`): be a visitor.
      await context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false });
      });
      const foreign = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (new URL(url).origin === origin) return route.continue();
        foreign.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') errors.push(m.text()); });
      return { context, page, foreign, errors };
    };
    const say = (what) => problems.push(`${manager}: ${what}`);

    // With scripts: the banner, then the button, then its preferences.
    {
      const { context, page, foreign, errors } = await open(true);
      await page.goto(`${origin}/en/cookies/`, { waitUntil: 'load' });
      const button = page.locator('button.consent-button');
      const shown = await button.waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false);
      if (!shown) say(`the button never appeared (${errors.join('; ')})`);
      if ((await button.textContent()) !== 'Change your cookie settings') say('the button\'s text');
      await page.locator(b.notice).waitFor({ state: 'visible', timeout: 10000 }).catch(() => say('the banner did not show'));
      if (b.title) {
        const title = (await page.locator(b.title).textContent())?.trim();
        if (title !== hostileTitle) say(`the banner's title is ${JSON.stringify(title)}, not the site's`);
      }
      if (b.accept) {
        const accept = (await page.locator(b.accept).first().textContent())?.trim();
        if (accept !== 'Yes to all') say(`the banner's accept button says ${JSON.stringify(accept)}, not the site's`);
      }
      if (await page.evaluate(() => window.pwned === 1 || document.querySelectorAll('#cc-main img, #klaro img').length > 0)) {
        say('markup from the site\'s texts was run as HTML');
      }
      if (await page.locator(b.preferences).isVisible()) say('the preferences were open before the click');
      try {
        if (shown) await button.click({ timeout: 5000 });
        await page.locator(b.preferences).waitFor({ state: 'visible', timeout: 10000 });
        const t = (await page.locator(b.preferencesTitle).first().textContent())?.trim();
        if (t !== 'Cookie preferences') say(`the preferences' title is ${JSON.stringify(t)}`);
      } catch {
        say('clicking the button did not open the preferences');
      }
      if (foreign.length) say(`requests to another origin: ${foreign.join(', ')}`);
      if (errors.length) say(`errors: ${errors.join('; ')}`);
      await context.close();
    }
    // The French page: the button and the banner in French.
    {
      const { context, page } = await open(true);
      await page.goto(`${origin}/fr/cookies/`, { waitUntil: 'load' });
      const button = page.locator('button.consent-button');
      if ((await button.textContent()) !== 'Modifier vos paramètres de cookies') say('fr: the button\'s text');
      try {
        await button.click({ timeout: 10000 });
        await page.locator(b.preferences).waitFor({ state: 'visible', timeout: 10000 });
        const t = (await page.locator(b.preferencesTitle).first().textContent())?.trim();
        if (t !== 'Préférences en matière de cookies') say(`fr: the preferences' title is ${JSON.stringify(t)}`);
      } catch {
        say('fr: clicking the button did not open the preferences');
      }
      await context.close();
    }
    // Without scripts: no button, and the sentence says what to do.
    {
      const { context, page } = await open(false);
      await page.goto(`${origin}/en/cookies/`, { waitUntil: 'load' });
      if (await page.locator('button.consent-button').isVisible()) say('without scripts, the button shows');
      const sentence = page.locator('.consent-settings p');
      if (!(await sentence.isVisible())) say('without scripts, the sentence is not shown');
      if (!(await sentence.textContent()).includes("delete this site's cookies")) say('the sentence does not say how');
      await context.close();
    }
    server.close();
    console.log(`consent ${manager}: checked`);
  }
} finally {
  await browser.close();
}
if (problems.length) {
  console.log(problems.join('\n'));
  process.exit(1);
}
console.log('consent pages: ok');
