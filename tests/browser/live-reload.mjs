// Drives a page served by `clause serve` in headless Chromium: a save reloads it by
// itself, a broken save shows the error banner on the last good page, and fixing the
// file clears it.
// Usage: node live-reload.mjs <url> <site root>. Prints "live reload: ok".
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const [url, root] = process.argv.slice(2);
const save = (rel, text) => {
  const file = path.join(root, rel);
  fs.writeFileSync(file + '.tmp~', text);
  fs.renameSync(file + '.tmp~', file);
};
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  const doc = 'content/en/cookies.md';
  const original = fs.readFileSync(path.join(root, doc), 'utf8');
  const start = Date.now();
  save(doc, original.replace('# ', '# Live edit '));
  await page.waitForFunction(() => document.body.textContent.includes('Live edit'), null, { timeout: 10000 })
    .catch(() => problems.push('the page did not reload after a save'));
  console.log(`reloaded ${Date.now() - start} ms after the save`);
  const inv = 'content/cookies.toml';
  const good = fs.readFileSync(path.join(root, inv), 'utf8');
  save(inv, good + '\nbroken = [\n');
  await page.waitForSelector('#clause-error', { timeout: 10000 })
    .catch(() => problems.push('no error banner after a broken save'));
  const banner = await page.locator('#clause-error').textContent().catch(() => '');
  if (!banner.includes('content/cookies.toml:')) problems.push(`the banner does not name the file and line: ${banner}`);
  if (!(await page.locator('main h1').count())) problems.push('the last good page is not shown under the banner');
  save(inv, good);
  await page.waitForFunction(() => !document.getElementById('clause-error'), null, { timeout: 10000 })
    .catch(() => problems.push('the banner stayed after the fix'));
  save(doc, original);
} finally {
  await browser.close();
}
if (problems.length) {
  console.log(problems.join('\n'));
  process.exit(1);
}
console.log('live reload: ok');
