// FileToLink edge proxy for Cloudflare Workers.
//
// Forwards the service's routes (/, /healthz, /static/*, /stream/*, /dl/*)
// to ORIGIN (the Vercel, Lambda or server URL) and keeps in Cloudflare's
// cache what the origin marks cacheable (Cache-Control: public, max-age):
// static assets, whole files up to CACHE_MAX_BYTES, and single byte ranges
// keyed by URL and Range. Other answers pass through untouched: status
// (200, 206, 303, 304, 416, 429, 503 ...), Content-Range, Retry-After, ETag.
//
// Whole files from a capped origin. A file request (GET or HEAD /dl/…
// without Range or with one range) always reaches the origin as a range
// (no Range becomes bytes=0-), so a capped origin (Vercel's classic
// functions, Lambda BUFFERED: 4-6 MiB per response) answers a 206 slice
// instead of 413. When that slice ends before what the client asked for,
// the Worker fetches the following slices itself, the first answer's size
// apart, a few at a time, each with If-Range set to the first
// answer's strong ETag, and streams ONE response: 200 with the whole
// file's Content-Length for a request without Range, 206 with exactly the
// requested range otherwise; HEAD gets the same headers. A slice that
// fails, or whose status, Content-Range or ETag differs (the file changed),
// errors the body stream: the client's connection is cut and it resumes
// with Range; it never gets a short or mixed body.
//
// Cloudflare's limits per client request, and what happens beyond them
// (developers.cloudflare.com/workers/platform/limits):
//   - Subrequests: 50 on the Free plan, 10,000 on Paid; fetch() and every
//     Cache API call count. MAX_SUBREQUESTS (default 50) is the budget used.
//     With 4 MiB slices a Free plan completes up to 49 slices (196 MiB from
//     the first byte asked; 192 MiB for a request with Range, whose cache
//     lookup costs one call more); a longer answer is cut there, after its
//     headers promised the whole length: clients resume with Range from
//     the cut (wget and aria2c do so by themselves, curl with -C -), and
//     each resumption has a budget of its own. Paid: 10,000 slices, 39 GiB.
//   - Simultaneous outgoing connections: 6 (more wait). The Worker keeps
//     the slice being sent and SLICES_AHEAD more (3, at most 5) open.
//   - CPU time (10 ms on Free, up to 5 min on Paid) counts only work, not
//     waiting; slices are piped stream to stream inside the runtime, so
//     the JavaScript cost is per slice, not per byte.
//   - Memory (128 MB): slices are streamed, never held; a slice waiting its
//     turn holds at most what the connection buffers. An answer being
//     cached is held until it is whole (at most CACHE_MAX_BYTES).
//
// Settings (wrangler.toml [vars] or the dashboard):
//   ORIGIN           https://your-app.vercel.app   (required; no path)
//   CACHE_MAX_BYTES  largest body kept in the cache (default 33554432)
//   MAX_SUBREQUESTS  subrequests per request: 50 (Free, default) or 10000 (Paid)
//   SLICES_AHEAD     slices requested ahead of the one being sent (default 3, 1-5)
//
// See deploy/README.md and docs/worker.md.

const ROUTES = [/^\/$/, /^\/healthz$/, /^\/static\/./, /^\/stream\/[^/]+$/, /^\/dl\/[^/]+$/];

// Request headers the origin needs: content negotiation, ranges and
// validators, the navigation hints /dl uses to choose between a file and
// the player page, and CORS preflight. Cookies and anything else stay here.
const FORWARD_HEADERS = [
  "accept", "accept-language", "user-agent",
  "range", "if-range", "if-none-match", "if-modified-since",
  "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-site",
  "origin", "access-control-request-method", "access-control-request-headers",
];

const DEFAULT_CACHE_MAX_BYTES = 32 << 20;

// Cloudflare's Free plan allows 50 subrequests per request (Paid: 10,000).
const DEFAULT_MAX_SUBREQUESTS = 50;

// SLICES_AHEAD slices are requested while one is being sent: 3 by default
// (each may be an invocation of a serverless origin, with its own
// Telegram session), at most 5: 6 connections are the most Cloudflare
// keeps open at once for one request.
const DEFAULT_AHEAD = 3;
const MAX_AHEAD = 5;

// Range-keyed entries live under this path, which no client request can
// reach (it matches no route), so a client cannot plant one.
const RANGE_KEY_PREFIX = "/__edge-range/";

export default {
  async fetch(request, env, ctx) {
    const origin = parseOrigin(env && env.ORIGIN);
    if (!origin) {
      return plain(500, "ORIGIN is not set to an http(s) URL without a path");
    }
    const url = new URL(request.url);
    if (!ROUTES.some((re) => re.test(url.pathname))) {
      return plain(404, "not found");
    }
    const range = request.headers.get("range");
    if (url.pathname.startsWith("/dl/") && (request.method === "GET" || request.method === "HEAD") &&
        (range === null || isSingleRange(range))) {
      return serveFile(request, url, origin, env, ctx);
    }
    const cache = typeof caches !== "undefined" ? caches.default : null;
    const cacheable = cache && request.method === "GET" && url.pathname.startsWith("/static/");
    if (!cacheable || (range !== null && !isSingleRange(range))) {
      // Several ranges (multipart), a foreign unit, a page: the origin decides.
      return mark(await forward(request, url, origin), "BYPASS");
    }
    const hit = await lookup(cache, url, range, null);
    if (hit) {
      const answer = answerFromCache(request, hit);
      if (answer) return mark(answer, "HIT");
    }
    const upstream = await forward(request, url, origin);
    return mark(keep(ctx, cache, url, upstream, range, positiveInt(env.CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_BYTES), null), "MISS");
  },
};

// serveFile answers GET or HEAD of a file with no Range or one range:
// from the cache, else from the origin, completing a capped answer.
async function serveFile(request, url, origin, env, ctx) {
  const budget = new Budget(positiveInt(env.MAX_SUBREQUESTS, DEFAULT_MAX_SUBREQUESTS));
  const cacheMax = positiveInt(env.CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_BYTES);
  const cache = typeof caches !== "undefined" && request.method === "GET" ? caches.default : null;
  const state = cache ? "MISS" : "BYPASS";
  let range = request.headers.get("range");

  if (cache) {
    const hit = await lookup(cache, url, range, budget);
    if (hit) {
      const answer = answerFromCache(request, hit);
      if (answer) return mark(answer, "HIT");
    }
  }

  // If-Range is judged here, against the first answer's validators: the
  // origin is never asked for a whole file (a capped one cannot send it).
  const ifRange = range === null ? null : request.headers.get("if-range");
  let ask = range === null ? "bytes=0-" : range;
  budget.take();
  let first = await forward(request, url, origin, ask);
  let got = parseContentRange(first.status === 206 ? first.headers.get("content-range") : null);
  if (got && ifRange !== null && !ifRangeHolds(ifRange, first.headers)) {
    range = null; // a changed file: the client gets all of it (RFC 9110 §13.1.5)
    const asked = resolveRange(ask, got.size);
    if (!asked || asked.first !== 0 || asked.last !== got.size - 1) {
      await cancel(first);
      ask = "bytes=0-";
      budget.take();
      first = await forward(request, url, origin, ask);
      got = parseContentRange(first.status === 206 ? first.headers.get("content-range") : null);
    }
  }
  if (!got) {
    if (first.status === 416 && range === null) {
      // An empty file has no bytes=0-: ask for it as the client did.
      await cancel(first);
      budget.take();
      first = await forward(request, url, origin, null);
    }
    // 200 (the origin ignored the range), 304, 303, 403, 404, 503 ...
    return mark(keep(ctx, cache, url, first, range, cacheMax, budget), state);
  }

  const want = resolveRange(ask, got.size);
  const whole = range === null;
  const length = got.last - got.first + 1;
  const etag = first.headers.get("etag");
  const sane = want && got.first === want.first && got.last <= want.last &&
    first.headers.get("content-length") === String(length);
  if (sane && got.last === want.last) {
    // The origin sent all of it.
    return mark(keep(ctx, cache, url, reshape(first, first.body, whole, want, got.size), range, cacheMax, budget), state);
  }
  if (!sane || !isStrongETag(etag)) {
    // Nothing to stitch safely: a ranged client gets the origin's answer,
    // which says what it holds; a whole-file request is forwarded as is.
    if (!whole) return mark(first, state);
    await cancel(first);
    budget.take();
    return mark(await forward(request, url, origin, null), "BYPASS");
  }

  if (request.method === "HEAD") {
    return mark(reshape(first, null, whole, want, got.size), state);
  }
  const out = new FixedLengthStream(want.last - want.first + 1);
  let finish;
  const finished = new Promise((ok) => { finish = ok; });
  const answer = keep(ctx, cache, url, reshape(first, out.readable, whole, want, got.size), range, cacheMax, budget, finished);
  const slice = (from, to, signal) => fetchSlice(request, url, origin, { from, to, size: got.size, etag }, signal);
  const ahead = Math.min(positiveInt(env.SLICES_AHEAD, DEFAULT_AHEAD), MAX_AHEAD);
  ctx.waitUntil(stitch(first.body, got.last + 1, want.last, length, ahead, slice, budget, out.writable).then(finish));
  return mark(answer, state);
}

// stitch resolves to whether it wrote all: first, then the origin's slices [from, to] of step bytes
// each, in order, into writable; up to ahead of them are requested while
// one is being written. Any failure (a slice that cannot be fetched or does
// not match, the subrequest budget, the client going away) aborts writable,
// which cuts the client's connection.
async function stitch(first, from, to, step, ahead, slice, budget, writable) {
  const queue = []; // requested slices, in order: {to, answer}
  const abort = new AbortController();
  let next = from;
  const launch = () => {
    while (next <= to && queue.length < ahead && budget.take()) {
      const end = Math.min(next + step - 1, to);
      const answer = slice(next, end, abort.signal);
      answer.catch(() => {}); // handled in its turn
      queue.push({ to: end, answer });
      next = end + 1;
    }
  };
  try {
    launch();
    await first.pipeTo(writable, { preventClose: true });
    while (queue.length > 0) {
      const s = queue.shift();
      launch();
      let answer = s.answer;
      for (;;) {
        const part = await answer;
        await part.body.pipeTo(writable, { preventClose: true });
        if (part.last === s.to) break;
        // The origin sent less than the slice asked for: ask for the rest.
        if (!budget.take()) throw new Error("subrequest budget spent");
        answer = slice(part.last + 1, s.to, abort.signal);
      }
    }
    if (next <= to) throw new Error("subrequest budget spent at byte " + next);
    await writable.close();
    return true;
  } catch (err) {
    abort.abort();
    for (const s of queue) s.answer.then((p) => p.body.cancel()).catch(() => {});
    await writable.abort(err).catch(() => {});
    return false;
  }
}

// fetchSlice asks the origin for bytes from-to of the file the first
// answer described (its size and strong ETag): 206 with If-Range, so a
// changed file gets 200 (or the origin's 413) instead of mixed bytes. It
// resolves to {body, last} when the answer is that file's from-last with
// last <= to, and rejects otherwise.
async function fetchSlice(request, url, origin, want, signal) {
  const headers = forwardHeaders(request, url);
  for (const name of ["if-none-match", "if-modified-since", "accept"]) headers.delete(name);
  headers.set("range", `bytes=${want.from}-${want.to}`);
  headers.set("if-range", want.etag);
  const r = await fetch(origin + url.pathname + url.search, { method: "GET", headers, redirect: "manual", signal });
  const got = parseContentRange(r.status === 206 ? r.headers.get("content-range") : null);
  const ok = got && got.first === want.from && got.last <= want.to && got.size === want.size &&
    r.headers.get("etag") === want.etag && r.headers.get("content-length") === String(got.last - got.first + 1);
  if (!ok) {
    await cancel(r);
    throw new Error(`slice ${want.from}-${want.to}: origin answered ${r.status} ${r.headers.get("content-range")} ${r.headers.get("etag")}`);
  }
  return { body: r.body, last: got.last };
}

// reshape is the origin's first answer (its headers) turned into the
// answer the client asked for: 200 for the whole file, else 206 for want.
function reshape(first, body, whole, want, size) {
  const headers = new Headers(first.headers);
  if (whole) {
    headers.delete("content-range");
  } else {
    headers.set("content-range", `bytes ${want.first}-${want.last}/${size}`);
  }
  headers.set("content-length", String(want.last - want.first + 1));
  return new Response(body, { status: whole ? 200 : 206, headers });
}

// keep stores response in the cache when it may be (see toStore) and
// returns what the client gets. The entry is written only once its body
// has arrived whole: as many bytes as its Content-Length and, for a
// stitched body, finished resolving true. (A body cut mid-way can reach
// the Cache API as if it had ended: workerd's tee ends the branch of an
// aborted stream, and cache.put stores what it got.) The body is held
// meanwhile, which CACHE_MAX_BYTES bounds.
function keep(ctx, cache, url, response, range, cacheMax, budget, finished = true) {
  const store = cache ? toStore(response, range, cacheMax) : null;
  if (!store || (budget && !budget.take())) return response;
  const [forClient, forCache] = response.body.tee();
  const length = Number(response.headers.get("content-length"));
  ctx.waitUntil((async () => {
    const body = await new Response(forCache).arrayBuffer();
    if (body.byteLength === length && (await finished)) {
      await cache.put(store.key(url), new Response(body, store.init));
    }
  })().catch(() => {}));
  return new Response(forClient, response);
}

// Budget counts one client request's subrequests (fetch and Cache API
// calls share Cloudflare's quota): take() spends one, or returns false
// when none is left. The first answer is asked for regardless.
class Budget {
  constructor(limit) { this.left = limit; }
  take() {
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }
}

// forward sends the request to the origin and returns its answer as is
// (redirects included: a 303 to the player page goes to the client). With
// range (a string, or null for none) that Range replaces the client's,
// and the client's If-Range is not sent.
async function forward(request, url, origin, range) {
  const headers = forwardHeaders(request, url);
  if (range !== undefined) {
    headers.delete("if-range");
    if (range === null) headers.delete("range");
    else headers.set("range", range);
  }
  const init = { method: request.method, headers, redirect: "manual" };
  if (request.method !== "GET" && request.method !== "HEAD") {
    init.body = request.body;
  }
  let upstream;
  try {
    upstream = await fetch(origin + url.pathname + url.search, init);
  } catch (err) {
    return plain(502, "origin unreachable; retry shortly", { "retry-after": "5" });
  }
  const response = new Response(upstream.body, upstream);
  // An absolute redirect to the origin would take the client off the edge.
  const location = response.headers.get("location");
  if (location && location.startsWith(origin + "/")) {
    response.headers.set("location", location.slice(origin.length));
  }
  return response;
}

// forwardHeaders are the request headers the origin gets.
function forwardHeaders(request, url) {
  const headers = new Headers();
  for (const name of FORWARD_HEADERS) {
    const v = request.headers.get(name);
    if (v !== null) headers.set(name, v);
  }
  // The service builds the links in its pages from these (unless
  // PUBLIC_BASE_URL overrides them): they must name this worker.
  headers.set("x-forwarded-host", url.host);
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  const client = request.headers.get("cf-connecting-ip");
  if (client) headers.set("x-forwarded-for", client);
  return headers;
}

async function cancel(response) {
  if (response.body) await response.body.cancel().catch(() => {});
}

// lookup finds a cached answer: for a range, first the entry of exactly
// that range, then the whole file (the cache cuts the range out of it).
// An entry of a range that holds less than the range asks for (kept from
// a capped origin by an older version of this Worker) is not an answer.
// Each Cache API call is taken from budget (when there is one).
async function lookup(cache, url, range, budget) {
  const match = (req) => (budget && !budget.take() ? null : cache.match(req));
  if (range === null) {
    return (await match(new Request(url.toString()))) || null;
  }
  const exact = await match(new Request(rangeKey(url, range)));
  if (exact && exact.headers.get("x-edge-status") === "206") {
    const got = parseContentRange(exact.headers.get("content-range"));
    const want = got && resolveRange(range, got.size);
    if (want && got.first === want.first && got.last === want.last) {
      return restoreRange(exact);
    }
    await cancel(exact);
  }
  const whole = await match(new Request(url.toString(), { headers: { range } }));
  if (whole && whole.status === 206) {
    return whole;
  }
  return null;
}

// answerFromCache applies the request's validators to a cached answer: a
// matching If-None-Match gets 304; an If-Range that does not match the
// cached ETag (or is a date) goes to the origin, which sends the whole
// file. It returns null when the origin must answer.
function answerFromCache(request, cached) {
  const etag = cached.headers.get("etag");
  const ifRange = request.headers.get("if-range");
  if (ifRange !== null && (etag === null || ifRange.trim() !== etag || etag.startsWith("W/"))) {
    return null;
  }
  if (request.headers.has("if-modified-since") && !request.headers.has("if-none-match")) {
    return null; // dates are the origin's to judge
  }
  const inm = request.headers.get("if-none-match");
  if (inm !== null) {
    if (etag === null || !etagListMatches(inm, etag)) {
      return cached; // the validator differs: the cached bytes are the answer
    }
    const headers = new Headers();
    for (const name of ["etag", "cache-control", "last-modified", "content-location", "date", "expires", "vary"]) {
      const v = cached.headers.get(name);
      if (v !== null) headers.set(name, v);
    }
    return new Response(null, { status: 304, headers });
  }
  return cached;
}

// toStore says whether and how to keep an origin answer: a 200 without
// Range, or a single-part 206, that is public with a max-age, has a
// Content-Length within the limit, and sets no cookie. The Cache API
// refuses 206, so a range is kept as a 200 that remembers its status.
function toStore(response, range, cacheMax) {
  const h = response.headers;
  const length = Number(h.get("content-length"));
  if (!response.body || !Number.isSafeInteger(length) || length < 0 || length > cacheMax) return null;
  if (!isSharedCacheable(h.get("cache-control")) || h.has("set-cookie")) return null;
  if ((h.get("vary") || "").includes("*")) return null;
  if (range === null && response.status === 200) {
    return { key: (url) => url.toString(), init: { status: 200, headers: new Headers(h) } };
  }
  if (range !== null && response.status === 206 && h.get("content-range") &&
      !(h.get("content-type") || "").startsWith("multipart/")) {
    const headers = new Headers(h);
    headers.set("x-edge-status", "206");
    return { key: (url) => rangeKey(url, range), init: { status: 200, headers } };
  }
  return null;
}

// restoreRange turns a stored range entry back into the 206 it was.
function restoreRange(stored) {
  const headers = new Headers(stored.headers);
  headers.delete("x-edge-status");
  return new Response(stored.body, { status: 206, statusText: "Partial Content", headers });
}

// rangeKey is the cache key of one range of url: the same host, a path no
// route serves, then the range and the original path and query.
function rangeKey(url, range) {
  const r = range.replace(/\s+/g, "").toLowerCase();
  return url.origin + RANGE_KEY_PREFIX + encodeURIComponent(r) + url.pathname + url.search;
}

// parseContentRange parses "bytes first-last/size" (null if v is not that).
function parseContentRange(v) {
  const m = v && /^bytes (\d+)-(\d+)\/(\d+)$/.exec(v.trim());
  if (!m) return null;
  const [first, last, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (![first, last, size].every(Number.isSafeInteger) || first > last || last >= size) return null;
  return { first, last, size };
}

// resolveRange is the bytes one range (bytes=a-b, a-, -n) selects of a
// representation of size bytes, as RFC 9110 §14.1.2 has it; null if none.
function resolveRange(range, size) {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(range);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = Number(m[2]);
    return n > 0 && size > 0 ? { first: size - Math.min(n, size), last: size - 1 } : null;
  }
  const first = Number(m[1]);
  const last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return first < size && first <= last ? { first, last } : null;
}

function isStrongETag(etag) {
  return etag !== null && /^"[^"]*"$/.test(etag);
}

// ifRangeHolds evaluates If-Range (RFC 9110 §13.1.5) against an answer's
// validators: a strong ETag equal to the answer's, or the exact date of
// its Last-Modified.
function ifRangeHolds(value, headers) {
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith("W/")) {
    return isStrongETag(v) && v === headers.get("etag");
  }
  const modified = headers.get("last-modified");
  const date = Date.parse(v);
  return modified !== null && !Number.isNaN(date) && date === Date.parse(modified);
}

// isSingleRange reports whether v is one byte range: bytes=a-b, a- or -n.
function isSingleRange(v) {
  return /^\s*bytes\s*=\s*(\d+\s*-\s*\d*|-\s*\d+)\s*$/i.test(v);
}

function isSharedCacheable(cc) {
  if (!cc) return false;
  const d = cc.toLowerCase().split(",").map((s) => s.trim());
  if (d.some((x) => x === "no-store" || x === "private" || x === "no-cache" || x.startsWith("private="))) return false;
  const age = d.map((x) => /^(s-maxage|max-age)=(\d+)$/.exec(x)).find(Boolean);
  return d.includes("public") && !!age && Number(age[2]) > 0;
}

function etagListMatches(list, etag) {
  const weak = (t) => t.trim().replace(/^W\//, "");
  if (list.trim() === "*") return true;
  return list.split(",").some((t) => weak(t) === weak(etag));
}

function parseOrigin(v) {
  if (!v) return null;
  try {
    const u = new URL(v.includes("://") ? v : "https://" + v);
    if ((u.protocol !== "https:" && u.protocol !== "http:") || (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash) {
      return null;
    }
    return u.origin;
  } catch {
    return null;
  }
}

function positiveInt(v, fallback) {
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

// mark tells the client whether the edge answered (X-Edge-Cache).
function mark(response, state) {
  const r = new Response(response.body, response);
  r.headers.set("x-edge-cache", state);
  return r;
}

function plain(status, reason, extra = {}) {
  return new Response(reason + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff", ...extra },
  });
}
