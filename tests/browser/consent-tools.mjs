// Checks the configurations printed by `clause export` against the real consent tools:
//   - cookieconsent: type-checked by TypeScript against the package's own type definitions
//     (the module's JSDoc type, with excess-property checks), then run in headless Chromium;
//   - Klaro: every key checked against the configuration spec the package ships
//     (src/components/ide/spec.js), then run in headless Chromium.
// In the browser, each tool must show every cookie name of the inventory, and clear the
// cookies of a category the visitor refuses (so prefix and `re:` patterns really match).
// Usage: node consent-tools.mjs <klaro.json> <cookieconsent.mjs> <cookie=category>...
// Prints "consent tools: ok" on success.
import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, 'node_modules');
const [klaroFile, ccFile, ...cookieArgs] = process.argv.slice(2);
const planted = cookieArgs.map((a) => a.split('='));
const problems = [];

// --- cookieconsent: TypeScript against types/index.d.ts --------------------------------
{
  const options = {
    allowJs: true, checkJs: true, noEmit: true, strict: true, skipLibCheck: false,
    module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2020, lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'], types: [],
    baseUrl: here,
    paths: { 'vanilla-cookieconsent': [path.join(modules, 'vanilla-cookieconsent/types/index.d.ts')] },
  };
  const program = ts.createProgram([ccFile], options);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    problems.push(`tsc: ${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
}

// --- Klaro: keys against the shipped spec ----------------------------------------------
const klaroConfig = JSON.parse(fs.readFileSync(klaroFile, 'utf8'));
{
  const specText = fs.readFileSync(path.join(modules, 'klaro/src/components/ide/spec.js'), 'utf8');
  const spec = new Function(specText.replace('export default KlaroConfigSpec;', 'return KlaroConfigSpec;'))();
  const names = (list) => new Set(list.map((f) => f.name).filter(Boolean));
  const controls = (list) => Object.fromEntries(list.filter((f) => f.name).map((f) => [f.name, f.control]));
  // Keys the spec's editor handles on pages of their own.
  const rootKeys = new Set([...names(spec.globals), 'version', 'lang', 'translations', 'services']);
  const serviceKeys = new Set([...names(spec.serviceConfig), 'title', 'translations']);
  const kinds = { ...controls(spec.globals), ...controls(spec.serviceConfig) };
  const checkTypes = (obj, where) => {
    for (const [k, v] of Object.entries(obj)) {
      if (kinds[k] === 'Switch' && typeof v !== 'boolean') problems.push(`klaro: ${where}.${k} must be a boolean`);
    }
  };
  for (const k of Object.keys(klaroConfig)) if (!rootKeys.has(k)) problems.push(`klaro: unknown key ${k}`);
  checkTypes(klaroConfig, 'config');
  const purposes = new Set();
  for (const s of klaroConfig.services) {
    for (const k of Object.keys(s)) if (!serviceKeys.has(k)) problems.push(`klaro: service ${s.name}: unknown key ${k}`);
    checkTypes(s, `service ${s.name}`);
    if (!Array.isArray(s.purposes) || !Array.isArray(s.cookies)) problems.push(`klaro: service ${s.name}: purposes and cookies must be arrays`);
    s.purposes.forEach((p) => purposes.add(p));
  }
  for (const [lang, t] of Object.entries(klaroConfig.translations)) {
    for (const p of purposes) if (!t.purposes?.[p]?.title) problems.push(`klaro: ${lang}: no title for purpose ${p}`);
  }
  const unique = new Set(klaroConfig.services.map((s) => s.name));
  if (unique.size !== klaroConfig.services.length) problems.push('klaro: service names are not unique');
}

// --- Both tools in Chromium -------------------------------------------------------------
const files = {
  '/klaro.js': [path.join(modules, 'klaro/dist/klaro.js'), 'text/javascript'],
  '/cc.js': [path.join(modules, 'vanilla-cookieconsent/dist/cookieconsent.umd.js'), 'text/javascript'],
  '/cc.css': [path.join(modules, 'vanilla-cookieconsent/dist/cookieconsent.css'), 'text/css'],
  '/config.mjs': [ccFile, 'text/javascript'],
};
const pages = {
  '/klaro.html': `<!DOCTYPE html><html lang="en"><title>klaro</title>
    <script>window.klaroConfig = ${JSON.stringify(klaroConfig)};</script>
    <script src="/klaro.js"></script>`,
  '/cc.html': `<!DOCTYPE html><html lang="en"><title>cc</title><link rel="stylesheet" href="/cc.css">
    <script src="/cc.js"></script>
    <script type="module">import config from '/config.mjs'; window.ccConfig = config;
      // Headless Chromium sets navigator.webdriver, and cookieconsent hides from robots.
      await CookieConsent.run({ ...config, hideFromBots: false }); window.ccReady = true;</script>`,
};
const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  if (pages[url]) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(pages[url]);
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
const plant = async (page) => {
  await page.evaluate((cs) => { for (const [name] of cs) document.cookie = `${name}=1; path=/`; }, planted);
};
const cookieNames = async (page) => (await page.context().cookies()).map((c) => c.name);
const allNames = klaroConfig.services.flatMap((s) => s.cookies);
try {
  // Klaro: the modal lists every service; declining everything deletes the cookies of
  // every service that is not required.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`klaro: page error: ${e.message}`));
    await page.goto(`${base}/klaro.html`);
    await page.waitForFunction(() => window.klaro !== undefined);
    await plant(page);
    await page.evaluate(() => window.klaro.show(window.klaroConfig, true));
    const text = await page.locator('#klaro').textContent();
    for (const s of klaroConfig.services) {
      if (!text.includes(s.title)) problems.push(`klaro: the modal does not show the service ${s.title}`);
    }
    await page.evaluate(() => {
      const m = window.klaro.getManager(window.klaroConfig);
      m.changeAll(false);
      m.saveAndApplyConsents();
    });
    if (await page.evaluate(() => window.pwned || document.querySelectorAll('#klaro img').length)) {
      problems.push('klaro: markup from the inventory was run as HTML');
    }
    const left = await cookieNames(page);
    for (const [name, required] of planted) {
      const kept = left.includes(name);
      if (required === 'required' && kept) problems.push(`klaro: ${name} was not deleted after declining`);
      if (required === 'exempt' && !kept) problems.push(`klaro: ${name} (no consent needed) was deleted`);
    }
    await context.close();
  }
  // cookieconsent: the preferences modal shows every cookie name in its tables; rejecting
  // the optional categories clears their cookies.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`cookieconsent: page error: ${e.message}`));
    await page.goto(`${base}/cc.html`);
    await page.waitForFunction(() => window.ccReady === true);
    await plant(page);
    await page.evaluate(() => window.CookieConsent.showPreferences());
    await page.waitForSelector('#cc-main table', { state: 'attached' });
    const text = await page.locator('#cc-main').textContent();
    const shownNames = await page.$$eval('#cc-main table tbody tr td:first-child', (tds) => tds.map((t) => t.textContent.trim()));
    for (const s of klaroConfig.services) {
      if (!text.includes(s.title)) problems.push(`cookieconsent: the tables do not show the provider ${s.title}`);
    }
    if (shownNames.length === 0) problems.push('cookieconsent: no cookie table row shown');
    for (const n of allNames.filter((n) => !n.startsWith('^'))) {
      if (!shownNames.includes(n)) problems.push(`cookieconsent: no table row for ${n}`);
    }
    if (await page.evaluate(() => window.pwned || document.querySelectorAll('#cc-main img').length)) {
      problems.push('cookieconsent: markup from the inventory was run as HTML');
    }
    await page.evaluate(() => window.CookieConsent.acceptCategory([]));
    const left = await cookieNames(page);
    for (const [name, required] of planted) {
      const kept = left.includes(name);
      if (required === 'required' && kept) problems.push(`cookieconsent: ${name} was not cleared after rejecting`);
      if (required === 'exempt' && !kept) problems.push(`cookieconsent: ${name} (read-only category) was cleared`);
    }
    console.log(`cookieconsent: ${shownNames.length} table rows`);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`klaro: ${klaroConfig.services.length} services, ${allNames.length} cookie entries`);
if (problems.length) {
  console.log(problems.join('\n'));
  process.exit(1);
}
console.log('consent tools: ok');
