// Opens every generated page in headless Debian Chromium and checks it as a visitor would:
// axe-core with the WCAG 2.1 A/AA rules, at desktop and phone widths, in light and dark mode;
// no horizontal scrolling on a phone; no request to another host; no cookie set.
// Usage: node axe.mjs <html file>...   Exit status 1 on any finding.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node axe.mjs <html file>...');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const views = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
];
let problems = 0;
let checked = 0;
for (const file of files) {
  for (const view of views) {
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({
        viewport: { width: view.width, height: view.height },
        colorScheme: scheme,
      });
      const page = await context.newPage();
      const foreign = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file://')) foreign.push(r.url());
      });
      const where = `${file} [${view.name}, ${scheme}]`;
      await page.goto(pathToFileURL(file).href);
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
        console.log(`${where}: loads from another host: ${foreign.join(', ')}`);
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
await browser.close();
console.log(`axe: ${checked} page views checked, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
