// Shared pieces of the browser tests: the server under test, the browser,
// and a page that records what the tests check (console errors, requests).
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifacts = path.resolve(here, '..', 'artifacts');

// baseURL is the demo server's address; run.sh starts it and sets
// E2E_BASE_URL (see README in run.sh).
export function baseURL() {
  const u = process.env.E2E_BASE_URL;
  if (!u) throw new Error('E2E_BASE_URL is not set: run the tests with e2e/run.sh');
  return u.replace(/\/+$/, '');
}

// demoItems waits for the demo server to answer and returns its items
// ([{messageId, caption, name, kind, mimeType, size, streamUrl, downloadUrl}]).
export async function demoItems({ timeout = 90_000 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    const pid = Number(process.env.E2E_SERVER_PID);
    if (pid > 0 && !alive(pid)) throw new Error(`the demo server (pid ${pid}) exited; see e2e/artifacts/server.log`);
    try {
      const res = await fetch(baseURL() + '/demo.json', { signal: AbortSignal.timeout(5000) });
      if (res.ok) {
        const items = await res.json();
        if (Array.isArray(items) && items.length > 0) return items;
        last = new Error('/demo.json is empty');
      } else {
        last = new Error(`/demo.json: HTTP ${res.status}`);
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`demo server at ${baseURL()} not ready: ${last && last.message}`);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// pick returns the demo item that satisfies pred, or fails naming what is there.
export function pick(items, what, pred) {
  const it = items.find(pred);
  if (!it) throw new Error(`no ${what} in /demo.json: ${JSON.stringify(items.map((i) => i.name))}`);
  return it;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-gpu',
      '--disable-quic',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

// watch records a page's console errors, uncaught exceptions, dialogs and
// requests, for the assertions that nothing went wrong.
export function watch(page) {
  const log = { errors: [], dialogs: [], requests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') log.errors.push(`console: ${msg.text()} @ ${JSON.stringify(msg.location())}`);
  });
  page.on('pageerror', (err) => log.errors.push(`pageerror: ${err.message}`));
  page.on('dialog', (d) => {
    log.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('request', (req) => {
    log.requests.push({ url: req.url(), range: req.headers()['range'] || '', time: Date.now(), type: req.resourceType() });
  });
  return log;
}

export async function screenshot(page, name) {
  await mkdir(artifacts, { recursive: true });
  const file = path.join(artifacts, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// sha256ByRanges hashes a file by fetching it in slices from the server, the
// way any client must when one response is capped. Each 206 is checked.
export async function sha256ByRanges(url, size, slice = 1 << 20) {
  const h = createHash('sha256');
  for (let first = 0; first < size; first += slice) {
    const last = Math.min(size, first + slice) - 1;
    const res = await fetch(url, { headers: { Range: `bytes=${first}-${last}` } });
    if (res.status !== 206) throw new Error(`bytes=${first}-${last}: HTTP ${res.status}`);
    const cr = res.headers.get('content-range');
    if (cr !== `bytes ${first}-${last}/${size}`) throw new Error(`bytes=${first}-${last}: Content-Range ${cr}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length !== last - first + 1) throw new Error(`bytes=${first}-${last}: ${body.length} bytes`);
    h.update(body);
  }
  return h.digest('hex');
}
