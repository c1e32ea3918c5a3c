// Opens every generated page in headless Debian Chromium and checks it as a visitor would:
// axe-core with the WCAG 2.1 A/AA rules, at desktop and phone widths, in light and dark mode;
// no horizontal scrolling on a phone; no request to another origin; no cookie set.
// The pages are served over loopback HTTP by a small static server started here, as a
// visitor would load them: from `file://`, a protocol-relative `//cdn.example/x.css`
// would count as local and no cookie could be stored, so neither check could fail.
// A request to another origin is recorded and aborted: nothing leaves the machine.
// Usage: node axe.mjs <html file>...   Exit status 1 on any finding.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const files = process.argv.slice(2).map((f) => path.resolve(f));
if (files.length === 0) {
  console.error('usage: node axe.mjs <html file>...');
  process.exit(2);
}

// The server's root: the deepest folder that holds every page (and so their sites).
let common = path.dirname(files[0]).split(path.sep);
for (const f of files) {
  const p = path.dirname(f).split(path.sep);
  let i = 0;
  while (i < common.length && i < p.length && common[i] === p[i]) i += 1;
  common = common.slice(0, i);
}
const root = common.join(path.sep) || path.sep;

const types = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml',
};
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
  if (file !== root && !file.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
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
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const urlOf = (file) => origin + path.relative(root, file).split(path.sep)
  .map(encodeURIComponent).map((s) => `/${s}`).join('');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // No name resolves but the loopback address: a request that escaped the route below
    // still could not leave the machine.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});

const views = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];
let problems = 0;
let checked = 0;
try {
  for (const file of files) {
    for (const view of views) {
      for (const scheme of ['light', 'dark']) {
        const context = await browser.newContext({
          viewport: { width: view.width, height: view.height },
          colorScheme: scheme,
        });
        const foreign = [];
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (new URL(url).origin === origin) return route.continue();
          foreign.push(url);
          return route.abort();
        });
        const page = await context.newPage();
        const where = `${file} [${view.name}, ${scheme}]`;
        await page.goto(urlOf(file), { waitUntil: 'load' });
        await page.addScriptTag({ path: axePath });
        const result = await page.evaluate(async () => {
          // eslint-disable-next-line no-undef
          return await axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
          });
        });
        for (const v of result.violations) {
          problems += 1;
          console.log(`${where}: ${v.id} (${v.impact}): ${v.help}`);
          for (const n of v.nodes.slice(0, 5)) console.log(`    ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 0) {
          problems += 1;
          console.log(`${where}: the page scrolls sideways by ${overflow}px`);
        }
        if (foreign.length > 0) {
          problems += 1;
          console.log(`${where}: loads from another origin: ${[...new Set(foreign)].join(', ')}`);
        }
        const cookies = await context.cookies();
        if (cookies.length > 0) {
          problems += 1;
          console.log(`${where}: sets cookies: ${cookies.map((c) => c.name).join(', ')}`);
        }
        checked += 1;
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`axe: ${checked} page views checked, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
