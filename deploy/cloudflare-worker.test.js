// Tests of cloudflare-worker.js in Node (>= 18, which has fetch, Request and
// Response) against a running FileToLink server, with a model of
// Cloudflare's caches.default. Run by cmd/server's TestCloudflareWorker,
// which starts the server over the fake Telegram and sets:
//   ORIGIN      the server's base URL
//   FILE_PATH   /dl/<id>?code=<code> of a file of at least 64 KiB
//
// The model keeps what the Cache API documents: put() refuses a 206 and
// "Vary: *", keeps nothing marked no-store or private; match() of a
// request with one Range answers 206 cut from a stored 200.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import worker from "./cloudflare-worker.js";

const ORIGIN = process.env.ORIGIN;
const FILE_PATH = process.env.FILE_PATH;
const EDGE = "https://edge.example";

// A model of caches.default, keyed by URL.
class CacheModel {
  constructor() { this.entries = new Map(); this.puts = 0; }
  async put(req, resp) {
    const key = typeof req === "string" ? req : req.url;
    if (resp.status === 206) throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
    if ((resp.headers.get("vary") || "").includes("*")) throw new TypeError("Cannot cache response with 'Vary: *' header.");
    const cc = (resp.headers.get("cache-control") || "").toLowerCase();
    const body = new Uint8Array(await resp.arrayBuffer());
    if (cc.includes("no-store") || cc.includes("private")) return;
    this.puts++;
    this.entries.set(key, { status: resp.status, headers: new Headers(resp.headers), body });
  }
  async match(req) {
    const key = typeof req === "string" ? req : req.url;
    const e = this.entries.get(key);
    if (!e) return undefined;
    const range = typeof req === "string" ? null : req.headers.get("range");
    const m = range && /^bytes=(\d*)-(\d*)$/.exec(range.replace(/\s+/g, ""));
    if (!m || e.status !== 200) {
      return new Response(e.body.slice(), { status: e.status, headers: e.headers });
    }
    const size = e.body.length;
    let first, last;
    if (m[1] === "") { first = Math.max(0, size - Number(m[2])); last = size - 1; }
    else { first = Number(m[1]); last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1); }
    if (first > last || first >= size) {
      return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}` } });
    }
    const headers = new Headers(e.headers);
    headers.set("content-range", `bytes ${first}-${last}/${size}`);
    headers.set("content-length", String(last - first + 1));
    return new Response(e.body.slice(first, last + 1), { status: 206, headers });
  }
}

// originCalls counts the worker's requests to the origin.
let originCalls = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => { originCalls++; return realFetch(input, init); };

let cache;
let pending = [];
const ctx = { waitUntil: (p) => pending.push(p) };

async function edge(path, { method = "GET", headers = {}, env = { ORIGIN } } = {}) {
  const req = new Request(EDGE + path, { method, headers: { "cf-connecting-ip": "203.0.113.7", ...headers } });
  const resp = await worker.fetch(req, env, ctx);
  const body = method === "HEAD" || resp.body === null ? new Uint8Array() : new Uint8Array(await resp.arrayBuffer());
  await Promise.all(pending.splice(0)); // let the cache writes finish
  return { resp, body };
}

async function direct(path, headers = {}) {
  const resp = await realFetch(ORIGIN + path, { headers, redirect: "manual" });
  return { resp, body: new Uint8Array(await resp.arrayBuffer()) };
}

// A stand-in origin for answers the real one cannot be made to give on
// demand: 503 with Retry-After.
let busyOrigin;
before(async () => {
  assert.ok(ORIGIN && FILE_PATH, "ORIGIN and FILE_PATH must be set");
  busyOrigin = http.createServer((req, res) => {
    res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "7", "cache-control": "no-store" });
    res.end("too many downloads at once; retry shortly\n");
  });
  await new Promise((ok) => busyOrigin.listen(0, "127.0.0.1", ok));
});
after(() => busyOrigin.close());

function fresh() {
  cache = new CacheModel();
  globalThis.caches = { default: cache };
  originCalls = 0;
}

test("a range is fetched once, then served from the cache byte for byte", async () => {
  fresh();
  const want = await direct(FILE_PATH, { range: "bytes=1000-65535" });
  assert.equal(want.resp.status, 206);

  const first = await edge(FILE_PATH, { headers: { range: "bytes=1000-65535" } });
  assert.equal(first.resp.status, 206);
  assert.equal(first.resp.headers.get("x-edge-cache"), "MISS");
  assert.equal(first.resp.headers.get("content-range"), want.resp.headers.get("content-range"));
  assert.deepEqual(first.body, want.body);
  assert.equal(originCalls, 1);

  const second = await edge(FILE_PATH, { headers: { range: "bytes=1000-65535" } });
  assert.equal(second.resp.status, 206);
  assert.equal(second.resp.headers.get("x-edge-cache"), "HIT");
  assert.equal(second.resp.headers.get("content-range"), want.resp.headers.get("content-range"));
  assert.equal(second.resp.headers.get("etag"), want.resp.headers.get("etag"));
  assert.equal(second.resp.headers.get("x-edge-status"), null);
  assert.deepEqual(second.body, want.body);
  assert.equal(originCalls, 1, "the second request reached the origin");

  // Another range is another entry; so is the same range of another URL.
  await edge(FILE_PATH, { headers: { range: "bytes=0-99" } });
  assert.equal(originCalls, 2);
  const wrong = await edge(FILE_PATH.replace(/code=[^&]*/, "code=wrong"), { headers: { range: "bytes=1000-65535" } });
  assert.equal(wrong.resp.status, 403);
  assert.equal(originCalls, 3, "a wrong code was answered from the cache");
});

test("validators: If-None-Match gets 304 at the edge, a stale If-Range goes to the origin", async () => {
  fresh();
  const { resp } = await edge(FILE_PATH, { headers: { range: "bytes=0-1023" } });
  const etag = resp.headers.get("etag");
  assert.match(etag, /^"[^"]+"$/);

  const nm = await edge(FILE_PATH, { headers: { range: "bytes=0-1023", "if-none-match": etag } });
  assert.equal(nm.resp.status, 304);
  assert.equal(nm.resp.headers.get("etag"), etag);
  assert.equal(nm.body.length, 0);
  assert.equal(originCalls, 1);

  const ir = await edge(FILE_PATH, { headers: { range: "bytes=0-1023", "if-range": etag } });
  assert.equal(ir.resp.status, 206);
  assert.equal(originCalls, 1);

  const stale = await edge(FILE_PATH, { headers: { range: "bytes=0-1023", "if-range": '"stale"' } });
  assert.equal(stale.resp.status, 200, "a stale If-Range must get the whole file");
  assert.equal(originCalls, 2);
  const whole = await direct(FILE_PATH);
  assert.deepEqual(stale.body, whole.body);
});

test("a whole file is cached and later ranges are cut from it", async () => {
  fresh();
  const want = await direct(FILE_PATH);
  const w = await edge(FILE_PATH);
  assert.equal(w.resp.status, 200);
  assert.deepEqual(w.body, want.body);
  assert.equal(originCalls, 1);

  const r = await edge(FILE_PATH, { headers: { range: "bytes=-10" } });
  assert.equal(r.resp.status, 206);
  assert.equal(r.resp.headers.get("x-edge-cache"), "HIT");
  assert.deepEqual(r.body, want.body.slice(want.body.length - 10));
  assert.equal(originCalls, 1);

  // Not when the body is over CACHE_MAX_BYTES.
  fresh();
  await edge(FILE_PATH, { env: { ORIGIN, CACHE_MAX_BYTES: "100" } });
  assert.equal(cache.puts, 0);
});

test("statuses and their headers pass through: 416, 303, 403, 404, multipart", async () => {
  fresh();
  const size = Number((await direct(FILE_PATH, { range: "bytes=0-0" })).resp.headers.get("content-range").split("/")[1]);

  const r416 = await edge(FILE_PATH, { headers: { range: `bytes=${size}-` } });
  assert.equal(r416.resp.status, 416);
  assert.equal(r416.resp.headers.get("content-range"), `bytes */${size}`);

  const streamPath = FILE_PATH.replace(/code=([^&]*)/, "code=$1=stream");
  const r303 = await edge(streamPath);
  assert.equal(r303.resp.status, 303);
  assert.match(r303.resp.headers.get("location"), /^\/stream\//);

  const missing = await edge("/dl/999999?code=x");
  assert.equal(missing.resp.status, 404);
  assert.match(missing.resp.headers.get("content-type"), /^text\/plain/);

  const multi = await edge(FILE_PATH, { headers: { range: "bytes=0-9,20-29" } });
  const want = await direct(FILE_PATH, { range: "bytes=0-9,20-29" });
  assert.equal(multi.resp.status, want.resp.status);
  assert.equal(multi.resp.headers.get("x-edge-cache"), "BYPASS");

  const head = await edge(FILE_PATH, { method: "HEAD", headers: { range: "bytes=0-99" } });
  assert.equal(head.resp.status, 206);
  assert.equal(head.resp.headers.get("content-range"), `bytes 0-99/${size}`);
  assert.equal(cache.puts, 0, "nothing here should have been cached");
});

test("503 with Retry-After passes through; an unreachable origin is 502", async () => {
  fresh();
  const busy = `http://127.0.0.1:${busyOrigin.address().port}`;
  const r = await edge(FILE_PATH, { env: { ORIGIN: busy }, headers: { range: "bytes=0-9" } });
  assert.equal(r.resp.status, 503);
  assert.equal(r.resp.headers.get("retry-after"), "7");
  assert.equal(cache.puts, 0);

  const down = await edge("/healthz", { env: { ORIGIN: "http://127.0.0.1:1" } });
  assert.equal(down.resp.status, 502);
  assert.match(down.resp.headers.get("content-type"), /^text\/plain/);

  const unset = await edge("/healthz", { env: {} });
  assert.equal(unset.resp.status, 500);
});

test("pages link to the edge, are never cached, and other paths stop at the edge", async () => {
  fresh();
  const health = await edge("/healthz");
  assert.equal(health.resp.status, 200);
  assert.equal(JSON.parse(new TextDecoder().decode(health.body)).baseURL, EDGE);

  const page = await edge(FILE_PATH.replace("/dl/", "/stream/"), { headers: { accept: "text/html" } });
  assert.equal(page.resp.status, 200);
  const html = new TextDecoder().decode(page.body);
  assert.ok(html.includes(EDGE + "/dl/"), "the player page does not link to the edge");
  assert.ok(!html.includes(ORIGIN), "the player page links to the origin");

  await edge("/");
  await edge(FILE_PATH.replace("/dl/", "/stream/"));
  assert.equal(cache.puts, 0, "a page was cached");

  const calls = originCalls;
  for (const p of ["/robots.txt", "/__edge-range/bytes%3D0-9/dl/1", "/dl/1/extra", "/static/"]) {
    const r = await edge(p);
    assert.equal(r.resp.status, 404, p);
  }
  assert.equal(originCalls, calls, "an unrouted path reached the origin");
});

test("static assets are cached", async () => {
  fresh();
  const a = await edge("/static/player.js");
  assert.equal(a.resp.status, 200);
  const b = await edge("/static/player.js");
  assert.equal(b.resp.headers.get("x-edge-cache"), "HIT");
  assert.deepEqual(a.body, b.body);
  assert.equal(originCalls, 1);
});

test("client headers are forwarded selectively, forwarding headers set by the edge", async () => {
  fresh();
  let seen;
  const spy = http.createServer((req, res) => { seen = req.headers; res.writeHead(204); res.end(); });
  await new Promise((ok) => spy.listen(0, "127.0.0.1", ok));
  try {
    await edge("/healthz", {
      env: { ORIGIN: `http://127.0.0.1:${spy.address().port}` },
      headers: { cookie: "session=secret", "x-forwarded-host": "evil.example", "x-forwarded-for": "198.51.100.9", range: "bytes=0-1", "if-none-match": '"x"' },
    });
  } finally {
    spy.close();
  }
  assert.equal(seen.cookie, undefined);
  assert.equal(seen["x-forwarded-host"], "edge.example");
  assert.equal(seen["x-forwarded-proto"], "https");
  assert.equal(seen["x-forwarded-for"], "203.0.113.7");
  assert.equal(seen.range, "bytes=0-1");
  assert.equal(seen["if-none-match"], '"x"');
});
