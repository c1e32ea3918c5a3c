// Prints generated pages to PDF in headless Debian Chromium, on US Letter and on A4, and
// reads each PDF page by page with poppler's pdftotext (Debian's poppler-utils) as a reader
// of the paper copy would. Reported:
// - a page without the page's address (its canonical URL), its date ("Last updated") and
//   its version ("Version of …" and the consent revision), when it has them; an archived
//   version whose first page does not say what it is (its notice);
// - a page whose last text (the address and date aside) is a heading, a consent badge or a
//   table's header row: `pdftotext -raw` keeps the order in which the page was painted, so
//   its last lines are the last things on the page; a header row, whose cells wrap, is
//   recognised by its words in any order;
// - a header word of a cookie table that is not printed whole (cut off at the page's edge,
//   "Speicherdaue"), a word printed past the right margin (`pdftotext -bbox`: each word's
//   box; the margins are taken as equal, the left one measured), or a page too wide for the
//   paper (Chromium would shrink it): laid out for print at the paper's printable width,
//   no table may be wider than the text and the page may not scroll sideways;
// - a page but the last filled less than half of its height (from the top of its first
//   word to the address and date at its foot), e.g. a first page left half empty because
//   what follows was pushed to the next one.
// Usage: node print.mjs <html file>...   Exit status 1 on any finding.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const files = process.argv.slice(2).map((f) => path.resolve(f));
if (files.length === 0) {
  console.error('usage: node print.mjs <html file>...');
  process.exit(2);
}
try {
  execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
} catch {
  console.error('pdftotext is missing: `apt-get install poppler-utils` (as .ci/run does)');
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clause-print-'));
const norm = (s) => s.replace(/\s+/g, ' ').trim();
const words = (s) => norm(s).split(' ').filter((w) => w !== '');
const sameWords = (a, b) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

const pdftotext = (args) => execFileSync('pdftotext', args, { encoding: 'utf8', maxBuffer: 64 << 20 });

// Every page's words with their boxes, from `pdftotext -bbox` (an XHTML file).
function boxes(pdf) {
  const xml = pdftotext(['-bbox', pdf, '-']);
  const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return xml.split('<page ').slice(1).map((p) => {
    const width = Number(p.match(/width="([\d.]+)"/)[1]);
    const list = [...p.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
      .map((m) => ({
        xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]), text: unescape(m[5]),
      }));
    return { width, words: list };
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let problems = 0;
let printed = 0;
try {
  for (const file of files) {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // What the paper copy must show, and must not end a page with, from the page itself.
    const doc = await page.evaluate(() => ({
      address: document.querySelector('link[rel="canonical"]').href,
      updated: (document.querySelector('main .updated') || {}).textContent || null,
      // The version line as the screen shows it, less its link ("All versions").
      version: (() => {
        const line = document.querySelector('main p.version');
        if (!line) return null;
        const copy = line.cloneNode(true);
        copy.querySelectorAll('a').forEach((a) => a.remove());
        return copy.textContent.replace(/[\s·]+$/, '');
      })(),
      notice: (document.querySelector('main .archive-notice p') || {}).textContent || null,
      headings: [...new Set([...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')]
        .filter((h) => !h.closest('nav')).map((h) => h.textContent))],
      badges: [...new Set([...document.querySelectorAll('main .consent')].map((b) => b.textContent))],
      headerRows: [...new Map([...document.querySelectorAll('table.cookies thead tr')]
        .map((r) => [...r.cells].map((c) => c.textContent)).map((r) => [r.join('\n'), r])).values()],
    }));
    for (const format of ['Letter', 'A4']) {
      const where = `${file} [${format}]`;
      const report = (page_, what) => {
        problems += 1;
        console.log(`${where}${page_ ? ` page ${page_}` : ''}: ${what}`);
      };
      const pdf = path.join(tmp, `${printed}.pdf`);
      const paper = await browser.newPage();
      await paper.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await paper.pdf({ path: pdf, format });
      printed += 1;
      const texts = pdftotext(['-raw', pdf, '-']).split('\f').slice(0, -1);
      const geometry = boxes(pdf);
      const footer = norm(`${doc.address} ${doc.updated || ''}`);
      if (doc.notice && !norm(texts[0] || '').includes(norm(doc.notice))) report(1, `the archive's notice "${norm(doc.notice)}" is missing`);
      const headerWords = new Set(doc.headerRows.flat().flatMap(words));
      const printedWords = new Set();
      texts.forEach((text, i) => {
        const n = i + 1;
        words(text).forEach((w) => printedWords.add(w));
        if (!norm(text).includes(doc.address)) report(n, `the page's address ${doc.address} is missing`);
        if (doc.updated && !norm(text).includes(norm(doc.updated))) report(n, `the date "${norm(doc.updated)}" is missing`);

        // The page's lines, the address and date taken out, the last ones last.
        const lines = text.split('\n').map(norm).filter((l) => l !== '' && l !== footer
          && l !== doc.address && l !== norm(doc.updated || '') && l !== norm(doc.version || ''));
        const endsWith = (target) => {
          let tail = [];
          for (let k = lines.length - 1; k >= 0 && tail.length < target.length; k -= 1) {
            tail = [...words(lines[k]), ...tail];
          }
          return tail;
        };
        if (i < texts.length - 1) {
          for (const h of doc.headings) {
            if (norm(endsWith(words(h)).join(' ')) === norm(h)) report(n, `ends with the heading "${norm(h)}"`);
          }
          for (const b of doc.badges) {
            if (norm(endsWith(words(b)).join(' ')) === norm(b)) report(n, `ends with the badge "${norm(b)}"`);
          }
          for (const r of doc.headerRows) {
            const w = r.flatMap(words);
            if (sameWords(endsWith(w), w)) report(n, `ends with a table's header row (${norm(r.join(' | '))})`);
          }
        }
        // Where the page's text lies: within the margins, and filling the page.
        const g = geometry[i];
        const foot = g.words.filter((w) => w.text === doc.address).map((w) => w.yMin);
        // The version at the page's foot, with the address: on every sheet.
        const footText = g.words.filter((w) => foot.length > 0 && w.yMin >= Math.min(...foot) - 0.5)
          .map((w) => w.text).join(' ');
        if (doc.version && !norm(footText).includes(norm(doc.version))) report(n, `the version "${norm(doc.version)}" is not at the page's foot ("${norm(footText)}")`);
        const body = g.words.filter((w) => foot.length === 0 || w.yMax < Math.min(...foot) - 0.5);
        if (body.length === 0) return;
        const left = Math.min(...g.words.map((w) => w.xMin));
        for (const w of g.words) {
          if (w.xMax > g.width - left + 1) report(n, `"${w.text}" is printed past the right margin (${(w.xMax - (g.width - left)).toFixed(1)} pt)`);
        }
        if (i < texts.length - 1 && foot.length > 0) {
          const top = Math.min(...body.map((w) => w.yMin));
          const bottom = Math.max(...body.map((w) => w.yMax));
          const fill = (bottom - top) / (Math.min(...foot) - top);
          if (fill < 0.5) report(n, `is ${Math.round(100 - fill * 100)} % empty, with more to come on the next page`);
        }
      });
      for (const w of headerWords) {
        if (!printedWords.has(w)) report(null, `the header word "${w}" is not printed whole`);
      }
      // Chromium shrinks a page too wide for the paper rather than cut it: the layout at the
      // paper's printable width (the margins measured on the first page) must fit in it.
      const first = geometry[0];
      const margin = Math.min(...first.words.map((w) => w.xMin));
      const width = Math.floor(((first.width - 2 * margin) * 96) / 72);
      await paper.emulateMedia({ media: 'print' });
      await paper.setViewportSize({ width, height: 1000 });
      const wide = await paper.evaluate(() => [
        document.documentElement.scrollWidth - window.innerWidth,
        ...[...document.querySelectorAll('table.cookies')]
          .map((t) => t.getBoundingClientRect().width - t.parentElement.clientWidth),
      ].filter((over) => over > 1).map(Math.round));
      if (wide.length > 0) report(null, `too wide for the paper's ${width} px by ${wide.join(', ')} px`);
      await paper.close();
    }
    await page.close();
  }
} finally {
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`print: ${printed} PDFs checked, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
