import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { demoItems, health, launch, pick, screenshot, watch } from '../lib/harness.mjs';

const CAP = 1 << 20; // run.sh starts the demo with MAX_RESPONSE_BYTES=1048576

let browser;
let big;
let want; // the source's SHA-256, from /demo.json (computed by the fake Telegram from the content)
let dir;
before(async () => {
  const items = await demoItems();
  assert.equal((await health()).maxResponseBytes, CAP, 'the demo server runs with a 1 MiB response cap');
  big = pick(items, 'big.bin', (i) => i.name === 'big.bin');
  assert.ok(big.size > CAP, `big.bin (${big.size} bytes) is over the cap`);
  // The reference comes from the fake Telegram's own bytes, never through
  // the server under test, so a download path that corrupts every copy the
  // same way cannot match it.
  assert.match(big.sha256 || '', /^[0-9a-f]{64}$/, `/demo.json gives big.bin's sha256 (${JSON.stringify(big.sha256)})`);
  want = big.sha256;
  browser = await launch();
  dir = await mkdtemp(path.join(tmpdir(), 'ftl-e2e-'));
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function noFilePicker() {
  delete window.showSaveFilePicker;
}

async function sha256File(file) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk);
  return h.digest('hex');
}

// download opens big.bin's player, presses Download and returns the saved
// file's path, the page log and the page.
async function download(initScript, name, prepare = async () => {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  await context.addInitScript(initScript);
  const page = await context.newPage();
  const log = watch(page);
  await prepare(page);
  await page.goto(big.streamUrl, { waitUntil: 'load' });
  const [dl] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.click('#download'),
  ]);
  assert.equal(dl.suggestedFilename(), big.name);
  const file = path.join(dir, name);
  await dl.saveAs(file);
  assert.equal(await dl.failure(), null);
  await page.waitForFunction(() => document.getElementById('progress').classList.contains('finished'), null, { timeout: 120_000 });
  return { context, page, log, file, url: dl.url() };
}

function checkSlices(log) {
  const slices = log.requests.filter((r) => r.url === big.downloadUrl && r.range);
  const covered = new Set();
  for (const r of slices) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(r.range);
    assert.ok(m, `closed ranges only (${r.range})`);
    const [first, last] = [Number(m[1]), Number(m[2])];
    assert.ok(last - first + 1 <= CAP, `a slice within the cap (${r.range})`);
    covered.add(first);
  }
  assert.equal(covered.size, Math.ceil(big.size / CAP), 'every slice fetched');
}

test('Download over the cap streams through the service worker', async () => {
  // Without the File System Access API the page must use the worker.
  const { context, page, log, file, url } = await download(noFilePicker, 'sw-big.bin');
  assert.equal(new URL(url).pathname.replace(/[0-9a-f]{32}$/, '<token>'), '/static/download/<token>', url);
  assert.equal((await stat(file)).size, big.size);
  assert.equal(await sha256File(file), want, 'SHA-256 of the saved file');
  const workers = await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope));
  assert.ok(workers.some((s) => s.endsWith('/static/')), `the download worker is registered (${workers})`);
  checkSlices(log);
  assert.match(await page.textContent('#progress-text'), /^Saved big\.bin/);
  await screenshot(page, 'player-download.png');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('Download over the cap writes through the File System Access API', async () => {
  // The save dialog cannot be answered headless: a stand-in for
  // showSaveFilePicker records what the page writes, in order.
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const saved = { name: null, chunks: [], closed: false, aborted: false };
    window.__saved = saved;
    window.showSaveFilePicker = async (opts) => {
      saved.name = opts && opts.suggestedName;
      return {
        createWritable: async () => ({
          write: async (chunk) => { saved.chunks.push(new Uint8Array(chunk).slice()); },
          close: async () => { saved.closed = true; },
          abort: async () => { saved.aborted = true; },
        }),
      };
    };
    window.__savedSHA256 = async () => {
      const all = new Blob(saved.chunks);
      const digest = await crypto.subtle.digest('SHA-256', await all.arrayBuffer());
      return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    };
  });
  const page = await context.newPage();
  const log = watch(page);
  await page.goto(big.streamUrl, { waitUntil: 'load' });
  await page.click('#download');
  await page.waitForFunction(() => document.getElementById('progress').classList.contains('finished'), null, { timeout: 120_000 });
  const saved = await page.evaluate(() => ({ name: window.__saved.name, closed: window.__saved.closed, aborted: window.__saved.aborted }));
  assert.deepEqual(saved, { name: big.name, closed: true, aborted: false });
  assert.equal(await page.evaluate(() => window.__savedSHA256()), want, 'SHA-256 of what was written');
  const workers = await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length);
  assert.equal(workers, 0, 'no service worker where the File System Access API is there');
  checkSlices(log);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('Cancel stops the download', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  await context.addInitScript(noFilePicker);
  const page = await context.newPage();
  const log = watch(page);
  // Slow slices down so there is time to press Cancel.
  await page.route((u) => u.href === big.downloadUrl, async (route) => {
    await new Promise((r) => setTimeout(r, 300));
    return route.continue().catch(() => {});
  });
  await page.goto(big.streamUrl, { waitUntil: 'load' });
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await page.click('#download');
  await page.waitForFunction(() => !document.getElementById('progress').hidden);
  await page.waitForFunction(() => /left/.test(document.getElementById('progress-text').textContent), null, { timeout: 20_000 });
  await screenshot(page, 'player-downloading.png');
  await page.click('#progress-cancel');
  await page.waitForFunction(() => document.getElementById('progress').classList.contains('failed'));
  assert.equal(await page.textContent('#progress-text'), 'Cancelled.');
  const fetched = log.requests.filter((r) => r.url === big.downloadUrl).length;
  await page.waitForTimeout(1000);
  assert.equal(log.requests.filter((r) => r.url === big.downloadUrl).length, fetched, 'no slice fetched after Cancel');
  assert.ok(fetched < Math.ceil(big.size / CAP), `cancelled before the end (${fetched} slices)`);
  for (const d of downloads) assert.notEqual(await d.failure(), null, 'the browser download ends failed');
  await context.close();
});

test('Download over the cap falls back to a Blob without a service worker', async () => {
  const { context, log, file, url } = await download(() => {
    delete window.showSaveFilePicker;
    delete Navigator.prototype.serviceWorker;
  }, 'blob-big.bin');
  assert.match(url, /^blob:/);
  assert.equal(await sha256File(file), want, 'SHA-256 of the saved file');
  checkSlices(log);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a failed slice is retried and the file is still exact', async () => {
  // Slices 3 and 7 fail on their first tries: a dropped connection, a 503
  // with Retry-After, a short body.
  const failures = new Map([[3 * CAP, ['abort', 'short']], [7 * CAP, ['503']]]);
  const seen = [];
  const { context, page, log, file } = await download(noFilePicker, 'retry-big.bin', async (p) => {
    await p.route((u) => u.href === big.downloadUrl, async (route) => {
      const range = route.request().headers()['range'] || '';
      const first = Number(/^bytes=(\d+)-/.exec(range)?.[1]);
      const plan = failures.get(first);
      const how = plan && plan.shift();
      seen.push(how ? `${first}:${how}` : '');
      if (how === 'abort') return route.abort('connectionreset');
      if (how === '503') {
        return route.fulfill({ status: 503, headers: { 'Retry-After': '1' }, contentType: 'text/plain', body: 'busy\n' });
      }
      if (how === 'short') {
        const res = await route.fetch();
        const body = (await res.body()).subarray(0, 1000);
        return route.fulfill({ response: res, body });
      }
      return route.continue();
    });
  });
  assert.deepEqual(seen.filter(Boolean).sort(), [`${3 * CAP}:abort`, `${3 * CAP}:short`, `${7 * CAP}:503`]);
  assert.equal(await sha256File(file), want, 'SHA-256 of the saved file');
  assert.match(await page.textContent('#progress-text'), /^Saved big\.bin/);
  assert.ok(log.requests.length > 0);
  await context.close();
});

test('a slice with the wrong Content-Range fails the download with a reason', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  await context.addInitScript(noFilePicker);
  const page = await context.newPage();
  watch(page);
  await page.route((u) => u.href === big.downloadUrl, async (route) => {
    const range = route.request().headers()['range'] || '';
    if (!range.startsWith(`bytes=${2 * CAP}-`)) return route.continue();
    const res = await route.fetch();
    const headers = { ...res.headers(), 'content-range': `bytes ${2 * CAP}-${3 * CAP - 1}/${big.size + 1}` };
    return route.fulfill({ response: res, headers });
  });
  await page.goto(big.streamUrl, { waitUntil: 'load' });
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await page.click('#download');
  await page.waitForFunction(() => document.getElementById('progress').classList.contains('failed'), null, { timeout: 60_000 });
  assert.match(await page.textContent('#progress-text'), /^Download failed: asked for bytes \d+-\d+\/\d+, got \d+-\d+\/\d+/);
  // The browser's download, if it started, ends failed rather than complete.
  for (const d of downloads) assert.notEqual(await d.failure(), null, 'no complete file from a bad slice');
  await context.close();
});

test('Download below the cap is a plain link', async () => {
  const items = await demoItems();
  const small = items.find((i) => i.size > 0 && i.size <= CAP);
  if (!small) return; // the demo has nothing below the cap
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(small.streamUrl, { waitUntil: 'load' });
  assert.equal(await page.getAttribute('#download', 'href'), small.downloadUrl);
  assert.equal(await page.$('script[src$="download.js"]'), null, 'no slicing script for a small file');
  await context.close();
});
