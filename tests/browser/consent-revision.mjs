// A visitor who consented is asked again exactly when the policy says so: the exported
// configurations of three versions of a site, one after the other, in one browser profile
// (so the visitor's stored choices carry over, as on a real site that is updated):
//   1. the visitor consents (at consent revision N);
//   2. a version whose changes the publisher marked `Consent: unchanged` (revision N):
//      the visitor must not be asked again;
//   3. a version whose changes need consent (revision N + 1): the visitor must be asked.
// Both cookieconsent (its `revision`) and Klaro (its `storageName`) are run in headless
// Chromium, served over loopback HTTP.
// Usage: node consent-revision.mjs <cc1.mjs> <cc2.mjs> <cc3.mjs> <klaro1.json> <klaro2.json> <klaro3.json>
// Prints one line per tool and step, then "consent revision: ok".
import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, 'node_modules');
const args = process.argv.slice(2);
if (args.length !== 6) {
  console.error('usage: node consent-revision.mjs <cc1.mjs> <cc2.mjs> <cc3.mjs> <klaro1.json> <klaro2.json> <klaro3.json>');
  process.exit(2);
}
const cc = args.slice(0, 3);
const klaro = args.slice(3).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
const problems = [];

// The version the site is at: which configuration the pages load.
let step = 0;
const files = {
  '/klaro.js': [path.join(modules, 'klaro/dist/klaro.js'), 'text/javascript'],
  '/cc.js': [path.join(modules, 'vanilla-cookieconsent/dist/cookieconsent.umd.js'), 'text/javascript'],
  '/cc.css': [path.join(modules, 'vanilla-cookieconsent/dist/cookieconsent.css'), 'text/css'],
};
const pages = {
  '/klaro.html': () => `<!DOCTYPE html><html lang="en"><title>klaro</title>
    <script>window.klaroConfig = ${JSON.stringify(klaro[step])};</script>
    <script src="/klaro.js"></script>`,
  '/cc.html': () => `<!DOCTYPE html><html lang="en"><title>cc</title><link rel="stylesheet" href="/cc.css">
    <script src="/cc.js"></script>
    <script type="module">import config from '/config.mjs?step=${step}';
      // Headless Chromium sets navigator.webdriver, and cookieconsent hides from robots.
      await CookieConsent.run({ ...config, hideFromBots: false }); window.ccReady = true;</script>`,
};
const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  if (pages[url]) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(pages[url]());
  } else if (url === '/config.mjs') {
    res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
    res.end(fs.readFileSync(cc[step]));
  } else if (files[url]) {
    res.writeHead(200, { 'Content-Type': files[url][1] });
    res.end(fs.readFileSync(files[url][0]));
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const expect = (tool, what, asked, want) => {
  console.log(`${tool}: ${what}: ${asked ? 'asked' : 'not asked'}`);
  if (asked !== want) problems.push(`${tool}: ${what}: the visitor was ${asked ? '' : 'not '}asked for consent`);
};
const steps = ['first visit', 'after a change marked `Consent: unchanged`', 'at the next consent revision'];
try {
  // cookieconsent: asked means its consent is not valid and its banner is shown.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`cookieconsent: page error: ${e.message}`));
    for (step = 0; step < 3; step += 1) {
      await page.goto(`${base}/cc.html`);
      await page.waitForFunction(() => window.ccReady === true);
      const asked = await page.evaluate(() => !window.CookieConsent.validConsent()
        && document.querySelector('#cc-main .cm') !== null);
      expect('cookieconsent', `${steps[step]} (revision ${klaro[step].storageName.replace('klaro-r', '')})`, asked, step !== 1);
      if (asked) await page.evaluate(() => window.CookieConsent.acceptCategory('all'));
    }
    await context.close();
  }
  // Klaro: asked means it holds no confirmed choices and shows its notice.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`klaro: page error: ${e.message}`));
    for (step = 0; step < 3; step += 1) {
      await page.goto(`${base}/klaro.html`);
      await page.waitForFunction(() => window.klaro !== undefined);
      await page.waitForTimeout(100);
      const asked = await page.evaluate(() => !window.klaro.getManager(window.klaroConfig).confirmed
        && document.querySelector('#klaro .cookie-notice, #klaro .cookie-modal') !== null);
      expect('klaro', `${steps[step]} (${klaro[step].storageName})`, asked, step !== 1);
      if (asked) {
        await page.evaluate(() => {
          const m = window.klaro.getManager(window.klaroConfig);
          m.changeAll(true);
          m.saveAndApplyConsents();
        });
      }
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
if (problems.length) {
  console.log(problems.join('\n'));
  process.exit(1);
}
console.log('consent revision: ok');
