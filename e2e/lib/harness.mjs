// Shared pieces of the browser tests: the server under test, the browser,
// and a page that records what the tests check (console errors, requests).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifacts = path.resolve(here, '..', 'artifacts');

// baseURL is the demo server's address; run.sh starts it and sets
// E2E_BASE_URL (see the header of run.sh).
export function baseURL() {
  const u = process.env.E2E_BASE_URL;
  if (!u) throw new Error('E2E_BASE_URL is not set: run the tests with e2e/run.sh');
  return u.replace(/\/+$/, '');
}

// slicedBaseURL is the address of a second demo server with a small response
// cap (E2E_SLICED_BASE_URL), so that a media element fetches even the demo
// video in many 206 slices; run.sh starts it.
export function slicedBaseURL() {
  const u = process.env.E2E_SLICED_BASE_URL;
  if (!u) throw new Error('E2E_SLICED_BASE_URL is not set: run the tests with e2e/run.sh');
  return u.replace(/\/+$/, '');
}

// demoItems waits for a demo server (by default the one at baseURL) to answer
// and returns its items ([{messageId, caption, name, kind, mimeType, size,
// sha256, streamUrl, downloadUrl}]); sha256 is computed by the fake Telegram
// from the content itself.
export async function demoItems({ base = baseURL(), timeout = 90_000 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    checkServers();
    try {
      const res = await fetch(base + '/demo.json', { signal: AbortSignal.timeout(5000) });
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
  throw new Error(`demo server at ${base} not ready: ${last && last.message}`);
}

// health returns a demo server's /healthz (maxResponseBytes is its cap).
export async function health(base = baseURL()) {
  const res = await fetch(base + '/healthz', { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${base}/healthz: HTTP ${res.status}`);
  return res.json();
}

// checkServers fails fast when a demo server run.sh started has exited.
function checkServers() {
  for (const [name, log] of [['E2E_SERVER_PID', 'server.log'], ['E2E_SLICED_SERVER_PID', 'server-sliced.log']]) {
    const pid = Number(process.env[name]);
    if (pid > 0 && !alive(pid)) throw new Error(`the demo server (pid ${pid}) exited; see e2e/artifacts/${log}`);
  }
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
