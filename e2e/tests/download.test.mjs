import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { demoItems, launch, pick, screenshot, sha256ByRanges, watch } from '../lib/harness.mjs';

const CAP = 1 << 20; // run.sh starts the demo with MAX_RESPONSE_BYTES=1048576

let browser;
let big;
let want; // the source's SHA-256
let dir;
before(async () => {
  const items = await demoItems();
  big = pick(items, 'big.bin', (i) => i.name === 'big.bin');
  assert.ok(big.size > CAP, `big.bin (${big.size} bytes) is over the cap`);
  want = big.sha256 || (await sha256ByRanges(big.downloadUrl, big.size, CAP));
  browser = await launch();
  dir = await mkdtemp(path.join(tmpdir(), 'ftl-e2e-'));
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sha256File(file) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk);
  return h.digest('hex');
}

// download opens big.bin's player, presses Download and returns the saved
// file's path, the page log and the page.
async function download(initScript, name) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  await context.addInitScript(initScript);
  const page = await context.newPage();
  const log = watch(page);
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
  return { context, page, log, file };
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
  const { context, page, log, file } = await download(() => { delete window.showSaveFilePicker; }, 'sw-big.bin');
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

test('Download over the cap falls back to a Blob without a service worker', async () => {
  const { context, log, file } = await download(() => {
    delete window.showSaveFilePicker;
    Object.defineProperty(Navigator.prototype, 'serviceWorker', { get: () => undefined });
    delete Navigator.prototype.serviceWorker;
  }, 'blob-big.bin');
  assert.equal(await sha256File(file), want, 'SHA-256 of the saved file');
  checkSlices(log);
  assert.deepEqual(log.errors, []);
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
