// FileToLink edge proxy for Cloudflare Workers.
//
// Forwards the service's routes (/, /healthz, /static/*, /stream/*, /dl/*)
// to ORIGIN (the Vercel, Lambda or server URL) and keeps in Cloudflare's
// cache what the origin marks cacheable (Cache-Control: public, max-age):
// static assets, whole files up to CACHE_MAX_BYTES, and single byte ranges
// keyed by URL and Range. Everything else passes through untouched: status
// (200, 206, 303, 304, 416, 429, 503 ...), Content-Range, Retry-After, ETag.
//
// Settings (wrangler.toml [vars] or the dashboard):
//   ORIGIN           https://your-app.vercel.app   (required; no path)
//   CACHE_MAX_BYTES  largest body kept in the cache (default 33554432)
//
// See deploy/README.md for how this interacts with PUBLIC_BASE_URL.

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
    const cacheMax = positiveInt(env.CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_BYTES);
    const cache = typeof caches !== "undefined" ? caches.default : null;
    const cacheable = cache && request.method === "GET" &&
      (url.pathname.startsWith("/static/") || url.pathname.startsWith("/dl/"));
    if (!cacheable) {
      return mark(await forward(request, url, origin), "BYPASS");
    }

    const range = request.headers.get("range");
    if (range !== null && !isSingleRange(range)) {
      // Several ranges (multipart) or a foreign unit: the origin decides.
      return mark(await forward(request, url, origin), "BYPASS");
    }

    const hit = await lookup(cache, url, range);
    if (hit) {
      const answer = answerFromCache(request, hit);
      if (answer) return mark(answer, "HIT");
    }

    const upstream = await forward(request, url, origin);
    const store = toStore(upstream, range, cacheMax);
    if (!store) {
      return mark(upstream, "MISS");
    }
    const [forClient, forCache] = upstream.body.tee();
    ctx.waitUntil(cache.put(store.key(url), new Response(forCache, store.init)).catch(() => {}));
    return mark(new Response(forClient, upstream), "MISS");
  },
};

// forward sends the request to the origin and returns its answer as is
// (redirects included: a 303 to the player page goes to the client).
async function forward(request, url, origin) {
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

// lookup finds a cached answer: for a range, first the entry of exactly
// that range, then the whole file (the cache cuts the range out of it).
async function lookup(cache, url, range) {
  if (range === null) {
    return (await cache.match(new Request(url.toString()))) || null;
  }
  const exact = await cache.match(new Request(rangeKey(url, range)));
  if (exact && exact.headers.get("x-edge-status") === "206" && exact.headers.get("content-range")) {
    return restoreRange(exact);
  }
  const whole = await cache.match(new Request(url.toString(), { headers: { range } }));
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
