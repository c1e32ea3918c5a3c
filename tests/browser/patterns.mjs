// Runs the cookie patterns of the exported configurations as the consent tools do, on
// sample names, for tests/browser.rs to compare with what `clause audit` matches:
//   - cookieconsent: the module is imported (it must parse, and running it must do nothing
//     but build the configuration); a `RegExp` name is matched with `test`, a string by
//     equality, as `autoClear` does;
//   - Klaro: each entry of a service's `cookies` is compiled as Klaro's
//     `updateServiceStorage` does (`new RegExp(entry)` when it starts with `^`, else the
//     escaped name between `^` and `$`), then run with `exec`.
// Usage: node patterns.mjs <cookieconsent.mjs> <klaro.json> <samples.json>
// samples.json: {"cookieconsent": [[name, ...], ...], "klaro": [[name, ...], ...]}, one list
// per entry, in order (categories then `autoClear.cookies`; services then `cookies`).
// Prints {"canary": …, "cookieconsent": [[bool, ...], ...], "klaro": [[bool, ...], ...]}.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, 'node_modules');
const [ccFile, klaroFile, samplesFile] = process.argv.slice(2);
const samples = JSON.parse(fs.readFileSync(samplesFile, 'utf8'));

// The matching below copies the tools' own: check that the installed versions still do it so.
const klaroSource = fs.readFileSync(path.join(modules, 'klaro/src/consent-manager.js'), 'utf8');
for (const line of [
  "if (cookiePattern.startsWith('^')) // we assume this is already a regex",
  'cookiePattern = new RegExp(cookiePattern)',
  "cookiePattern = new RegExp('^'+escapeRegexStr(cookiePattern)+'$')",
  'return str.replace(/[-[\\]/{}()*+?.\\\\^$|]/g, "\\\\$&");',
  'const match = cookiePattern.exec(cookie.name)',
]) {
  if (!klaroSource.includes(line)) throw new Error(`Klaro no longer matches cookies with: ${line}`);
}
const ccSource = fs.readFileSync(path.join(modules, 'vanilla-cookieconsent/dist/cookieconsent.esm.js'), 'utf8');
if (!/if\(\w+ instanceof RegExp\)return \w+\.filter\(\(\w+=>\w+\.test\(\w+\)\)\)/.test(ccSource)) {
  throw new Error('cookieconsent no longer matches RegExp cookie names with test()');
}

// Anything the module would run besides building the configuration could set this.
globalThis.canary = 'untouched';
const { default: config } = await import(pathToFileURL(ccFile).href);
const canary = globalThis.canary;

const ccEntries = Object.values(config.categories).flatMap((c) => c.autoClear.cookies.map((k) => k.name));
const ccMatch = (name, sample) => (name instanceof RegExp ? name.test(sample) : name === sample);

const escapeRegexStr = (str) => str.replace(/[-[\]/{}()*+?.\\^$|]/g, '\\$&');
const klaroConfig = JSON.parse(fs.readFileSync(klaroFile, 'utf8'));
const klaroEntries = klaroConfig.services.flatMap((s) => s.cookies).map((p) =>
  p.startsWith('^') ? new RegExp(p) : new RegExp('^' + escapeRegexStr(p) + '$'));

const run = (entries, lists, match, tool) => {
  if (entries.length !== lists.length) throw new Error(`${tool}: ${entries.length} entries, ${lists.length} sample lists`);
  return entries.map((e, i) => lists[i].map((s) => match(e, s)));
};
console.log(JSON.stringify({
  canary,
  cookieconsent: run(ccEntries, samples.cookieconsent, ccMatch, 'cookieconsent'),
  klaro: run(klaroEntries, samples.klaro, (re, s) => re.exec(s) !== null, 'klaro'),
}));
