// Tests of cloudflare-worker.js in workerd, Cloudflare's runtime (through
// miniflare, whose caches.default is workerd's), in front of the real
// server: two demo servers (`server -demo`), one capped at 4 MiB per
// response as Vercel's classic functions are, one uncapped. Two tiny Node
// origins stand in where the server cannot be made to misbehave on demand:
// a file that changes between slices, and a slice cut mid-way.
//
//   SERVER_BIN  a built ./cmd/server (built here with `go build` if unset)
//
// A counting proxy between the Worker and each demo server records every
// origin request, so the tests count cache hits and slices.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, execFileSync } from "node:child_process";
import { Miniflare } from "miniflare";

const EDGE = "https://edge.example";
const CAP = 4 << 20;
const here = path.dirname(new URL(import.meta.url).pathname);

let work, capped, plain, demo, big, video;
const children = [];
const closers = [];

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "worker-test-"));
  let bin = process.env.SERVER_BIN;
  if (!bin) {
    bin = path.join(work, "server");
    execFileSync("go", ["build", "-o", bin, "./cmd/server"], { cwd: path.join(here, ".."), stdio: "inherit" });
  }
  const [c, p] = await Promise.all([startServer(bin, { MAX_RESPONSE_BYTES: String(CAP) }), startServer(bin, {})]);
  capped = await countingProxy(c);
  plain = await countingProxy(p);
  demo = await (await fetch(p + "/demo.json")).json();
  big = demo.find((d) => d.caption === "demo-big");
  video = demo.find((d) => d.caption === "demo-video");
  assert.ok(big.size > 8 * CAP && video.size > 64 << 10 && video.size < CAP);
});

after(async () => {
  for (const close of closers.splice(0)) await close();
  for (const child of children) child.kill("SIGTERM");
  fs.rmSync(work, { recursive: true, force: true });
});

// startServer starts a demo server with env on a free port and resolves to
// its base URL once it answers.
async function startServer(bin, env) {
  const port = await freePort();
  const log = fs.openSync(path.join(work, `server-${port}.log`), "w");
  const child = spawn(bin, ["-demo"], { env: { ...process.env, PORT: String(port), ...env }, stdio: ["ignore", log, log] });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  for (const until = Date.now() + 180e3; Date.now() < until;) {
    try {
      if ((await fetch(base + "/demo.json")).ok) return base;
    } catch {}
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error("the demo server did not start; see " + work);
}

function freePort() {
  return new Promise((ok) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

function listen(server) {
  closers.push(() => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }));
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(`http://127.0.0.1:${server.address().port}`)));
}

// countingProxy forwards to target and records each request (method,
// path, Range, If-Range) in .calls.
async function countingProxy(target) {
  const p = { calls: [], target, open: 0, maxOpen: 0 };
  const server = http.createServer((req, res) => {
    p.calls.push({ method: req.method, url: req.url, range: req.headers.range, ifRange: req.headers["if-range"] });
    p.maxOpen = Math.max(p.maxOpen, ++p.open);
    res.on("close", () => p.open--);
    const up = http.request(target + req.url, { method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
      ur.on("error", () => res.destroy());
    });
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });
  p.url = await listen(server);
  return p;
}

// Miniflare instances, one per test (each has its own cache).
async function edge(bindings) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: "cloudflare-worker.js", // relative: workerd refuses paths outside its directory
    compatibilityDate: "2025-01-01",
    bindings,
  });
  await mf.ready;
  closers.push(() => mf.dispose());
  return mf;
}

// get sends a request through the Worker and reads the body, hashing it;
// a body cut short resolves with error set instead of throwing.
async function get(mf, pathAndQuery, { method = "GET", headers = {} } = {}) {
  const resp = await mf.dispatchFetch(EDGE + pathAndQuery, { method, redirect: "manual", headers: { "cf-connecting-ip": "203.0.113.7", ...headers } });
  const hash = crypto.createHash("sha256");
  const chunks = [];
  let length = 0;
  let error = null;
  if (resp.body) {
    const reader = resp.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        length += value.length;
        if (length <= 8 << 20) chunks.push(value);
      }
    } catch (err) {
      error = err;
    }
  }
  return { resp, status: resp.status, headers: resp.headers, length, sha256: hash.digest("hex"), body: length <= 8 << 20 ? Buffer.concat(chunks) : null, error };
}

async function direct(base, pathAndQuery, headers = {}) {
  const resp = await fetch(base + pathAndQuery, { headers, redirect: "manual" });
  return { resp, body: Buffer.from(await resp.arrayBuffer()) };
}

const sha = (b) => crypto.createHash("sha256").update(b).digest("hex");
const bigPath = () => `/dl/${big.messageId}?code=${big.caption}`;
const videoPath = () => `/dl/${video.messageId}?code=${video.caption}`;

// --- completing a capped origin --------------------------------------------

test("a whole file over the cap: one 200 with its length, byte-exact, from If-Range-checked slices", async () => {
  const mf = await edge({ ORIGIN: capped.url });
  capped.calls = [];
  capped.maxOpen = 0;
  const r = await get(mf, bigPath());
  assert.equal(r.error, null);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-length"), String(big.size));
  assert.equal(r.headers.get("content-range"), null);
  assert.equal(r.length, big.size);
  assert.equal(r.sha256, big.sha256);
  const etag = r.headers.get("etag");
  assert.match(etag, /^"[^"]+"$/);
  // bytes=0- first (never a whole-file request: it would be 413), then
  // one request per 4 MiB slice, each under If-Range.
  assert.equal(capped.calls.length, big.size / CAP);
  assert.deepEqual(capped.calls[0], { method: "GET", url: bigPath(), range: "bytes=0-", ifRange: undefined });
  const slices = capped.calls.slice(1).map((c) => [c.range, c.ifRange]).sort();
  const want = [];
  for (let s = CAP; s < big.size; s += CAP) want.push([`bytes=${s}-${s + CAP - 1}`, etag]);
  assert.deepEqual(slices, want.sort());
  // The slice being sent and 3 ahead (each slice takes the origin a
  // Telegram round trip, so the ones ahead are open together).
  assert.ok(capped.maxOpen >= 3 && capped.maxOpen <= 4, `${capped.maxOpen} origin requests at once`);
});

test("SLICES_AHEAD=5: six slices at once, Cloudflare's connection limit, the same bytes", async () => {
  const mf = await edge({ ORIGIN: capped.url, SLICES_AHEAD: "9" });
  capped.maxOpen = 0;
  const r = await get(mf, bigPath());
  assert.equal(r.sha256, big.sha256);
  assert.ok(capped.maxOpen >= 5 && capped.maxOpen <= 6, `${capped.maxOpen} origin requests at once`);
});

test("the same file from an uncapped origin: one request, the same bytes", async () => {
  const mf = await edge({ ORIGIN: plain.url });
  plain.calls = [];
  const r = await get(mf, bigPath());
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-length"), String(big.size));
  assert.equal(r.sha256, big.sha256);
  assert.equal(plain.calls.length, 1);
});

test("ranges over the cap: closed, open and suffix ranges get exactly the requested 206", async () => {
  const mf = await edge({ ORIGIN: capped.url });
  const size = big.size;
  for (const [range, first, last] of [
    ["bytes=1000-9000000", 1000, 9000000],
    [`bytes=${size - 3 * CAP - 7}-`, size - 3 * CAP - 7, size - 1],
    ["bytes=-5000000", size - 5000000, size - 1],
    [`bytes=${CAP - 10}-${CAP + 9}`, CAP - 10, CAP + 9], // two slices, 20 bytes
    ["bytes=7-99", 7, 99], // within one slice: the origin's answer as is
  ]) {
    capped.calls = [];
    const r = await get(mf, bigPath(), { headers: { range } });
    assert.equal(r.error, null, range);
    assert.equal(r.status, 206, range);
    assert.equal(r.headers.get("content-range"), `bytes ${first}-${last}/${size}`, range);
    assert.equal(r.headers.get("content-length"), String(last - first + 1), range);
    const want = await direct(plain.target, bigPath(), { range: `bytes=${first}-${last}` });
    assert.equal(r.sha256, sha(want.body), range);
    assert.equal(capped.calls.length, Math.ceil((last - first + 1) / CAP), range);
  }
});

test("HEAD answers the true size: 200 without Range, 206 with one", async () => {
  const mf = await edge({ ORIGIN: capped.url });
  capped.calls = [];
  const h = await get(mf, bigPath(), { method: "HEAD" });
  assert.equal(h.status, 200);
  assert.equal(h.headers.get("content-length"), String(big.size));
  assert.equal(h.headers.get("content-range"), null);
  assert.match(h.headers.get("etag"), /^"/);
  assert.equal(h.headers.get("accept-ranges"), "bytes");
  assert.equal(h.length, 0);
  assert.equal(capped.calls.length, 1, "a HEAD fetched slices");
  const r = await get(mf, bigPath(), { method: "HEAD", headers: { range: "bytes=100-" } });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get("content-range"), `bytes 100-${big.size - 1}/${big.size}`);
  assert.equal(r.headers.get("content-length"), String(big.size - 100));
});

test("If-Range from the client: the current ETag gets the range, a stale one the whole file", async () => {
  const mf = await edge({ ORIGIN: capped.url });
  const etag = (await direct(plain.target, bigPath(), { range: "bytes=0-0" })).resp.headers.get("etag");
  const ok = await get(mf, bigPath(), { headers: { range: `bytes=${2 * CAP}-${3 * CAP + 5}`, "if-range": etag } });
  assert.equal(ok.status, 206);
  assert.equal(ok.length, CAP + 6);
  const stale = await get(mf, bigPath(), { headers: { range: `bytes=${2 * CAP}-`, "if-range": '"stale"' } });
  assert.equal(stale.status, 200);
  assert.equal(stale.headers.get("content-length"), String(big.size));
  assert.equal(stale.sha256, big.sha256);
});

// A Node origin with a 64 KiB cap serving one 1 MiB file: in "change"
// mode the file (and its ETag) changes after the first request; in "cut"
// mode the third request's body stops half-way and the connection closes.
async function trickyOrigin(mode) {
  const size = 1 << 20, cap = 64 << 10;
  const version = (n) => crypto.createHash("sha256").update("v" + n).digest().toString("hex").repeat(size / 64).slice(0, size);
  const o = { requests: 0, size, v1: Buffer.from(version(1)) };
  const server = http.createServer((req, res) => {
    const n = ++o.requests;
    const v = mode === "change" && n > 1 ? 2 : 1;
    const body = v === 1 ? o.v1 : Buffer.from(version(2));
    const etag = `"v${v}"`;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || "");
    const ifRange = req.headers["if-range"];
    const base = { etag, "cache-control": "public, max-age=60", "content-type": "application/octet-stream", "accept-ranges": "bytes" };
    if (!m || (ifRange && ifRange !== etag)) {
      res.writeHead(413, { "content-type": "text/plain" });
      return res.end("over the cap\n");
    }
    const first = Number(m[1]);
    const last = Math.min(m[2] === "" ? size - 1 : Number(m[2]), size - 1, first + cap - 1);
    res.writeHead(206, { ...base, "content-range": `bytes ${first}-${last}/${size}`, "content-length": String(last - first + 1) });
    const part = body.subarray(first, last + 1);
    if (mode === "cut" && n === 3) {
      res.write(part.subarray(0, part.length >> 1), () => res.socket.destroy());
      return;
    }
    res.end(part);
  });
  o.url = await listen(server);
  return o;
}

for (const mode of ["change", "cut"]) {
  test(`a file that ${mode === "change" ? "changes between slices" : "is cut mid-slice"}: the client's connection is cut, never a wrong body`, async () => {
    const o = await trickyOrigin(mode);
    const mf = await edge({ ORIGIN: o.url });
    const r = await get(mf, "/dl/1?code=x");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-length"), String(o.size));
    assert.ok(r.error, "the body ended without an error");
    assert.ok(r.length < o.size, `got ${r.length} of ${o.size} bytes`);
    assert.deepEqual(r.body, o.v1.subarray(0, r.length), "the bytes received are not the file's first bytes");
    // The cut answer was not kept: the next request is not a hit.
    await new Promise((ok) => setTimeout(ok, 200));
    const again = await get(mf, "/dl/1?code=x");
    assert.equal(again.headers.get("x-edge-cache"), "MISS");
    assert.equal(again.error, null);
    // Resuming from the cut (as curl -C - and wget -c do) is served.
    if (mode === "cut") {
      const rest = await get(mf, "/dl/1?code=x", { headers: { range: `bytes=${r.length}-` } });
      assert.equal(rest.error, null);
      assert.deepEqual(Buffer.concat([r.body, rest.body]), o.v1);
    }
  });
}

test("an origin answer cut mid-body reaches the client cut and is not cached", async () => {
  const body = Buffer.alloc(200000, 7);
  const server = http.createServer((req, res) => {
    res.writeHead(206, { etag: '"a"', "content-type": "application/octet-stream", "cache-control": "public, max-age=60", "content-range": `bytes 0-${body.length - 1}/${body.length}`, "content-length": String(body.length) });
    res.write(body.subarray(0, 50000), () => res.socket.destroy());
  });
  const mf = await edge({ ORIGIN: await listen(server) });
  for (let i = 0; i < 2; i++) {
    const r = await get(mf, "/dl/1?code=x");
    assert.equal(r.headers.get("x-edge-cache"), "MISS");
    assert.ok(r.error && r.length < body.length, `${r.status} ${JSON.stringify([...r.headers])} ${r.length} bytes, error ${r.error}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
});

test("past the subrequest budget the answer is cut, and resuming with Range goes on", async () => {
  const mf = await edge({ ORIGIN: capped.url, MAX_SUBREQUESTS: "6" });
  // 6 subrequests: the cache lookup, the first answer and 4 slices.
  const r = await get(mf, bigPath());
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-length"), String(big.size));
  assert.ok(r.error);
  assert.equal(r.length, 5 * CAP);
  const next = await get(mf, bigPath(), { headers: { range: `bytes=${r.length}-` } });
  assert.equal(next.status, 206);
  assert.equal(next.headers.get("content-range"), `bytes ${r.length}-${big.size - 1}/${big.size}`);
  assert.ok(next.error);
  assert.equal(next.length, 4 * CAP, "a ranged request: two cache lookups, the first answer and 3 slices");
});

test("a completed range is cached whole and served again without the origin", async () => {
  const mf = await edge({ ORIGIN: capped.url });
  capped.calls = [];
  const range = `bytes=100-${2 * CAP + 100}`;
  const a = await get(mf, bigPath(), { headers: { range } });
  assert.equal(a.headers.get("x-edge-cache"), "MISS");
  const calls = capped.calls.length;
  assert.equal(calls, 3);
  await new Promise((ok) => setTimeout(ok, 200)); // the cache write runs after the answer
  const b = await get(mf, bigPath(), { headers: { range } });
  assert.equal(b.headers.get("x-edge-cache"), "HIT");
  assert.equal(b.headers.get("content-range"), a.headers.get("content-range"));
  assert.equal(b.sha256, a.sha256);
  assert.equal(capped.calls.length, calls);
});

// --- the proxy and cache behaviour (uncapped origin) ------------------------

test("a range is fetched once, then served from the cache byte for byte", async () => {
  const mf = await edge({ ORIGIN: plain.url });
  plain.calls = [];
  const want = await direct(plain.target, videoPath(), { range: "bytes=1000-65535" });
  assert.equal(want.resp.status, 206);

  const first = await get(mf, videoPath(), { headers: { range: "bytes=1000-65535" } });
  assert.equal(first.status, 206);
  assert.equal(first.headers.get("x-edge-cache"), "MISS");
  assert.equal(first.headers.get("content-range"), want.resp.headers.get("content-range"));
  assert.deepEqual(first.body, want.body);
  assert.equal(plain.calls.length, 1);
  await new Promise((ok) => setTimeout(ok, 200));

  const second = await get(mf, videoPath(), { headers: { range: "bytes=1000-65535" } });
  assert.equal(second.status, 206);
  assert.equal(second.headers.get("x-edge-cache"), "HIT");
  assert.equal(second.headers.get("content-range"), want.resp.headers.get("content-range"));
  assert.equal(second.headers.get("etag"), want.resp.headers.get("etag"));
  assert.equal(second.headers.get("x-edge-status"), null);
  assert.deepEqual(second.body, want.body);
  assert.equal(plain.calls.length, 1, "the second request reached the origin");

  // Another range is another entry; so is the same range of another URL.
  await get(mf, videoPath(), { headers: { range: "bytes=0-99" } });
  assert.equal(plain.calls.length, 2);
  const wrong = await get(mf, videoPath().replace(/code=[^&]*/, "code=wrong"), { headers: { range: "bytes=1000-65535" } });
  assert.equal(wrong.status, 403);
  assert.equal(plain.calls.length, 3, "a wrong code was answered from the cache");
});

test("validators: If-None-Match gets 304 at the edge, a stale If-Range the whole file", async () => {
  const mf = await edge({ ORIGIN: plain.url });
  plain.calls = [];
  const { headers } = await get(mf, videoPath(), { headers: { range: "bytes=0-1023" } });
  const etag = headers.get("etag");
  assert.match(etag, /^"[^"]+"$/);
  await new Promise((ok) => setTimeout(ok, 200));

  const nm = await get(mf, videoPath(), { headers: { range: "bytes=0-1023", "if-none-match": etag } });
  assert.equal(nm.status, 304);
  assert.equal(nm.headers.get("etag"), etag);
  assert.equal(nm.length, 0);
  assert.equal(plain.calls.length, 1);

  const ir = await get(mf, videoPath(), { headers: { range: "bytes=0-1023", "if-range": etag } });
  assert.equal(ir.status, 206);
  assert.equal(plain.calls.length, 1);

  const stale = await get(mf, videoPath(), { headers: { range: "bytes=0-1023", "if-range": '"stale"' } });
  assert.equal(stale.status, 200, "a stale If-Range must get the whole file");
  assert.equal(stale.sha256, video.sha256);
});

test("a whole file is cached and later ranges are cut from it; not over CACHE_MAX_BYTES", async () => {
  let mf = await edge({ ORIGIN: plain.url });
  plain.calls = [];
  const w = await get(mf, videoPath());
  assert.equal(w.status, 200);
  assert.equal(w.sha256, video.sha256);
  assert.equal(plain.calls.length, 1);
  await new Promise((ok) => setTimeout(ok, 200));

  const r = await get(mf, videoPath(), { headers: { range: "bytes=-10" } });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get("x-edge-cache"), "HIT");
  assert.deepEqual(r.body, w.body.subarray(w.body.length - 10));
  assert.equal(plain.calls.length, 1);

  mf = await edge({ ORIGIN: plain.url, CACHE_MAX_BYTES: "100" });
  await get(mf, videoPath());
  await new Promise((ok) => setTimeout(ok, 200));
  const again = await get(mf, videoPath());
  assert.equal(again.headers.get("x-edge-cache"), "MISS");
  assert.equal(plain.calls.length, 3);
});

test("statuses and their headers pass through: 416, 303, 403, 404, multipart", async () => {
  const mf = await edge({ ORIGIN: plain.url });
  const size = video.size;
  const r416 = await get(mf, videoPath(), { headers: { range: `bytes=${size}-` } });
  assert.equal(r416.status, 416);
  assert.equal(r416.headers.get("content-range"), `bytes */${size}`);

  const r303 = await get(mf, videoPath().replace(/code=([^&]*)/, "code=$1=stream"));
  assert.equal(r303.status, 303);
  assert.match(r303.headers.get("location"), /^\/stream\//);

  const missing = await get(mf, "/dl/999999?code=x");
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get("content-type"), /^text\/plain/);

  const multi = await get(mf, videoPath(), { headers: { range: "bytes=0-9,20-29" } });
  const want = await direct(plain.target, videoPath(), { range: "bytes=0-9,20-29" });
  assert.equal(multi.status, want.resp.status);
  assert.equal(multi.headers.get("x-edge-cache"), "BYPASS");

  const head = await get(mf, videoPath(), { method: "HEAD", headers: { range: "bytes=0-99" } });
  assert.equal(head.status, 206);
  assert.equal(head.headers.get("content-range"), `bytes 0-99/${size}`);
});

test("503 with Retry-After passes through; an unreachable origin is 502; no ORIGIN is 500", async () => {
  const busy = http.createServer((req, res) => {
    res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "7", "cache-control": "no-store" });
    res.end("too many downloads at once; retry shortly\n");
  });
  let mf = await edge({ ORIGIN: await listen(busy) });
  const r = await get(mf, videoPath(), { headers: { range: "bytes=0-9" } });
  assert.equal(r.status, 503);
  assert.equal(r.headers.get("retry-after"), "7");

  mf = await edge({ ORIGIN: "http://127.0.0.1:1" });
  const down = await get(mf, "/healthz");
  assert.equal(down.status, 502);
  assert.match(down.headers.get("content-type"), /^text\/plain/);
  const downFile = await get(mf, videoPath());
  assert.equal(downFile.status, 502);

  mf = await edge({});
  assert.equal((await get(mf, "/healthz")).status, 500);
});

test("pages link to the edge, are never cached, and other paths stop at the edge", async () => {
  const mf = await edge({ ORIGIN: plain.url });
  const health = await get(mf, "/healthz");
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body.toString()).baseURL, EDGE);

  const page = await get(mf, videoPath().replace("/dl/", "/stream/"), { headers: { accept: "text/html" } });
  assert.equal(page.status, 200);
  const html = page.body.toString();
  assert.ok(html.includes(EDGE + "/dl/"), "the player page does not link to the edge");
  assert.ok(!html.includes(plain.target) && !html.includes(plain.url), "the player page links to the origin");

  plain.calls = [];
  await get(mf, "/");
  await get(mf, "/");
  assert.equal(plain.calls.length, 2, "a page was cached");

  for (const p of ["/robots.txt", "/__edge-range/bytes%3D0-9/dl/1", "/dl/1/extra", "/static/"]) {
    const r = await get(mf, p);
    assert.equal(r.status, 404, p);
  }
  assert.equal(plain.calls.length, 2, "an unrouted path reached the origin");
});

test("static assets are cached", async () => {
  const mf = await edge({ ORIGIN: plain.url });
  plain.calls = [];
  const a = await get(mf, "/static/player.js");
  assert.equal(a.status, 200);
  await new Promise((ok) => setTimeout(ok, 200));
  const b = await get(mf, "/static/player.js");
  assert.equal(b.headers.get("x-edge-cache"), "HIT");
  assert.deepEqual(a.body, b.body);
  assert.equal(plain.calls.length, 1);
});

test("client headers are forwarded selectively, forwarding headers set by the edge", async () => {
  let seen;
  const spy = http.createServer((req, res) => { seen = req.headers; res.writeHead(204); res.end(); });
  const mf = await edge({ ORIGIN: await listen(spy) });
  await get(mf, "/healthz", {
    headers: { cookie: "session=secret", "x-forwarded-host": "evil.example", "x-forwarded-for": "198.51.100.9", range: "bytes=0-1", "if-none-match": '"x"' },
  });
  assert.equal(seen.cookie, undefined);
  assert.equal(seen["x-forwarded-host"], "edge.example");
  assert.equal(seen["x-forwarded-proto"], "https");
  assert.equal(seen["x-forwarded-for"], "203.0.113.7");
  assert.equal(seen.range, "bytes=0-1");
  assert.equal(seen["if-none-match"], '"x"');
});
