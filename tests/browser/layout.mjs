// Measures generated pages in headless Debian Chromium, at desktop (1280 px), tablet
// (820 px) and phone (390 px) widths, and reports what a reader would see as broken typesetting:
// - two header cells of a cookie table whose texts overlap or touch (less than 4 px apart),
//   or a header cell whose content overflows its box;
// - a word broken across two lines without a hyphen. Each word's characters are measured
//   (Range.getClientRects): a word on two lines must break after a hyphen (`-`, `‐`, a soft
//   hyphen), or where only automatic hyphenation could have broken it (computed `hyphens:
//   auto` with `overflow-wrap: normal` and `word-break: normal`: Chromium then draws the
//   hyphen; the hyphen it adds is not in the DOM, so this is how it can be told). Cookie
//   names in <code> may break anywhere: they are identifiers, not words; so may web and
//   e-mail addresses, which no hyphen may change;
// - a table cell whose content overflows its box, a table wider than the text, or a page
//   that scrolls sideways;
// - on phones and tablets, a cookie card that does not lead with the cookie's name, or that
//   a screen reader reads without its provider (each row's name in Chromium's accessibility
//   tree, as Playwright's ariaSnapshot gives it, must include its provider's name);
// - on every width, a provider shown more than once for its group of rows.
// Usage: node layout.mjs <html file>...   Exit status 1 on any finding.
import { chromium } from 'playwright-core';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const files = process.argv.slice(2).map((f) => path.resolve(f));
if (files.length === 0) {
  console.error('usage: node layout.mjs <html file>...');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const views = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'tablet', width: 820, height: 1180 },
  { name: 'phone', width: 390, height: 844 },
];

// Runs in the page: every finding as a sentence.
function measure(phone) {
  const out = [];
  // Drawn: neither it nor a box around it is reduced to the 1 px of text meant for
  // screen readers only (a visually hidden caption, header row or note).
  const visible = (el) => {
    if (getComputedStyle(el).visibility === 'hidden') return false;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      if (r.width <= 2 || r.height <= 2) return false;
    }
    return true;
  };
  const snippet = (s) => s.replace(/\s+/g, ' ').trim().slice(0, 60);
  const textBox = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    if (rects.length === 0) return null;
    return {
      left: Math.min(...rects.map((r) => r.left)),
      right: Math.max(...rects.map((r) => r.right)),
      top: Math.min(...rects.map((r) => r.top)),
      bottom: Math.max(...rects.map((r) => r.bottom)),
    };
  };

  // Header cells: apart from each other, and holding their text.
  for (const row of document.querySelectorAll('table.cookies thead tr')) {
    const cells = [...row.cells].filter(visible);
    const boxes = cells.map((c) => ({ cell: c, box: textBox(c) })).filter((b) => b.box);
    boxes.sort((a, b) => a.box.left - b.box.left);
    for (let i = 1; i < boxes.length; i += 1) {
      const a = boxes[i - 1];
      const b = boxes[i];
      const apart = b.box.left - a.box.right;
      const sameLines = a.box.top < b.box.bottom && b.box.top < a.box.bottom;
      if (sameLines && apart < 4) {
        out.push(`header "${snippet(a.cell.textContent)}" ${apart < 0 ? 'runs into' : 'touches'} "${snippet(b.cell.textContent)}" (${apart.toFixed(1)} px apart)`);
      }
    }
  }
  for (const cell of document.querySelectorAll('table.cookies th, table.cookies td')) {
    if (!visible(cell)) continue;
    if (cell.scrollWidth > cell.clientWidth + 1) {
      out.push(`the content of the cell "${snippet(cell.textContent)}" overflows it by ${cell.scrollWidth - cell.clientWidth} px`);
    }
  }
  for (const table of document.querySelectorAll('table.cookies')) {
    const over = table.getBoundingClientRect().width - table.parentElement.clientWidth;
    if (over > 1) out.push(`the table "${snippet(table.caption ? table.caption.textContent : '')}" is wider than the text by ${over.toFixed(0)} px`);
  }
  const sideways = document.documentElement.scrollWidth - window.innerWidth;
  if (sideways > 0) out.push(`the page scrolls sideways by ${sideways} px`);

  // Words: measured character by character.
  const hyphens = new Set(['-', '\u2010', '\u00ad', '\u2013', '\u2014']);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('code, script, style') || !visible(el)) continue;
    const style = getComputedStyle(el);
    const onlyHyphenation = style.hyphens === 'auto' && style.overflowWrap === 'normal'
      && (style.wordBreak === 'normal' || style.wordBreak === 'keep-all') && style.lineBreak !== 'anywhere';
    for (const m of node.data.matchAll(/\S+/g)) {
      // An address is no word (a hyphen would change it): `break-word` may cut it anywhere.
      if (m[0].length < 2 || /^[a-z][a-z0-9+.-]*:\/\/|^www\.|@/i.test(m[0])) continue;
      // Each drawn character's line (its top); collapsed ones (width 0) are skipped.
      const chars = [];
      for (let i = 0; i < m[0].length; i += 1) {
        const r = document.createRange();
        r.setStart(node, m.index + i);
        r.setEnd(node, m.index + i + 1);
        const rect = [...r.getClientRects()].find((x) => x.width > 0);
        if (rect) chars.push({ i, top: rect.top, height: rect.height });
      }
      for (let j = 1; j < chars.length; j += 1) {
        const prev = chars[j - 1];
        const cur = chars[j];
        if (cur.top - prev.top < prev.height / 2) continue;
        const before = m[0].slice(0, cur.i);
        if (hyphens.has(before[before.length - 1]) || onlyHyphenation) continue;
        out.push(`"${m[0]}" is broken without a hyphen: "${before}" | "${m[0].slice(cur.i)}" (in <${el.localName}>, overflow-wrap: ${style.overflowWrap}, word-break: ${style.wordBreak}, hyphens: ${style.hyphens})`);
      }
    }
  }

  // A provider once per group, and on phones each card leading with the name and naming
  // its provider to a screen reader.
  const shown = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
    }
    return true;
  };
  for (const tbody of document.querySelectorAll('table.cookies tbody')) {
    const head = tbody.querySelector('th');
    const provider = head && (head.querySelector('a') || head).textContent.trim();
    // Text nodes with the provider's name: drawn (not the 1 px box of text meant for
    // screen readers only), or at least in the accessibility tree (not display: none).
    const holders = (root) => {
      const found = [];
      const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = w.nextNode(); n; n = w.nextNode()) {
        if (n.data.includes(provider) && shown(n.parentElement)) found.push(n.parentElement);
      }
      return found;
    };
    if (provider) {
      const seen = holders(tbody).filter(visible).length;
      if (seen !== 1) out.push(`the provider "${provider}" is shown ${seen} times for its ${tbody.rows.length} rows`);
    }
    if (!phone) continue;
    for (const row of tbody.rows) {
      const cells = [...row.cells].filter((c) => c !== head && visible(c));
      cells.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      const names = cells.find((c) => c.querySelector('code'));
      if (names && cells[0] !== names) {
        out.push(`the card of "${snippet(names.textContent)}" begins with "${snippet(cells[0].textContent)}", not the cookie's name`);
      }
      if (!provider) continue;
      if (row.contains(head) && cells.length > 0 && head.getBoundingClientRect().top > cells[0].getBoundingClientRect().top) {
        out.push(`the provider "${provider}" is shown below its group's first card`);
      }
    }
  }
  return out;
}

// Each card (table row) as the accessibility tree gives it to a screen reader: the row's
// name must include its provider, whether the row holds the provider's cell or not.
async function announced(page) {
  const out = [];
  const tables = page.locator('table.cookies');
  for (let t = 0; t < await tables.count(); t += 1) {
    const table = tables.nth(t);
    const providers = await table.evaluate((el) => [...el.tBodies].flatMap((b) => {
      const head = b.querySelector('th');
      const name = head ? (head.querySelector('a') || head).textContent.trim() : null;
      return [...b.rows].map(() => name);
    }));
    const rows = (await table.ariaSnapshot()).split('\n')
      .map((l) => l.match(/^\s*- row ("(?:[^"\\]|\\.)*")/))
      .filter(Boolean)
      .map((m) => JSON.parse(m[1]))
      .slice(1); // the header row
    if (rows.length !== providers.length) {
      out.push(`the accessibility tree has ${rows.length} cookie rows, the table ${providers.length}`);
      continue;
    }
    rows.forEach((name, i) => {
      if (providers[i] && !name.includes(providers[i])) {
        out.push(`a screen reader reads the card "${name.slice(0, 60)}" without its provider "${providers[i]}"`);
      }
    });
  }
  return out;
}

let problems = 0;
let checked = 0;
try {
  for (const file of files) {
    for (const view of views) {
      const context = await browser.newContext({ viewport: { width: view.width, height: view.height } });
      const page = await context.newPage();
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const found = await page.evaluate(measure, view.name !== 'desktop');
      if (view.name !== 'desktop') found.push(...await announced(page));
      for (const f of found) console.log(`${file} [${view.name}]: ${f}`);
      problems += found.length;
      checked += 1;
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(`layout: ${checked} page views checked, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
