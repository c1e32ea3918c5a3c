// Records a real HAR with Playwright driving headless Debian Chromium against a tiny local
// server that sets known cookies, for the end-to-end test of `clause audit`.
// Usage: node record-har.mjs <out.har>. Prints the port it used.
import { chromium } from 'playwright-core';
import http from 'node:http';

const out = process.argv[2];
const server = http.createServer((req, res) => {
  if (req.url === '/pixel') {
    // Served from another host name than the page: a third-party cookie.
    res.writeHead(200, { 'Content-Type': 'image/gif', 'Set-Cookie': '_pixel=1; Max-Age=86400; Path=/' });
    res.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
    return;
  }
  const port = server.address().port;
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Set-Cookie': [
      'sessionid=abc; Max-Age=1209600; Path=/; HttpOnly; SameSite=Lax',
      '_tracker=t; Max-Age=31536000; Path=/',
    ],
  });
  res.end(`<!DOCTYPE html><title>t</title><p>Hello</p><img alt="" src="http://localhost:${port}/pixel">`);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ recordHar: { path: out } });
const page = await context.newPage();
await page.goto(`http://127.0.0.1:${port}/`);
await page.waitForLoadState('networkidle');
await context.close(); // writes the HAR
await browser.close();
server.close();
console.log(port);
