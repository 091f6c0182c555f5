// The download service worker (scope /static/).
//
// It lets the player page save a file it assembles from ranges through the
// browser's own download manager, streaming, without holding the file in
// memory. The page:
//   1. posts {type: 'ftl-download', token, name, size, mimeType} with a
//      MessagePort; the worker answers 'ready' on that port;
//   2. navigates to /static/download/<token>; the worker answers it with an
//      attachment whose body is a ReadableStream and posts 'started';
//   3. posts {type: 'ftl-chunk', token, data} in file order; the worker posts
//      'ack' whenever its stream has room for one more chunk;
//   4. posts 'ftl-end' (or 'ftl-abort' with a message).
// Each message from the page is an event that keeps this worker alive; the
// page also pings while it waits for slow slices. A download that hears
// nothing from its page for a while (the tab was closed) fails, so the
// browser does not show it in progress forever.
'use strict';

const PREFIX = '/static/download/';
const downloads = new Map(); // token -> download
const SILENCE = 60000; // ms without a message from the page before giving up

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('message', (ev) => {
  const m = ev.data;
  if (!m || typeof m !== 'object' || typeof m.token !== 'string') return;
  const known = downloads.get(m.token);
  if (known) known.heard = Date.now();
  switch (m.type) {
    case 'ftl-download':
      if (ev.ports[0]) begin(m, ev.ports[0]);
      break;
    case 'ftl-chunk': {
      const d = downloads.get(m.token);
      if (d) d.push(m.data);
      break;
    }
    case 'ftl-end': {
      const d = downloads.get(m.token);
      if (d) d.end();
      break;
    }
    case 'ftl-abort': {
      const d = downloads.get(m.token);
      if (d) d.fail(String(m.message || 'aborted'));
      break;
    }
    default: // 'ftl-ping' and anything else: the event alone keeps us alive
  }
});

function begin(m, port) {
  const size = Number(m.size);
  if (!/^[0-9a-f]{32}$/.test(m.token) || !(size >= 0) || downloads.has(m.token)) {
    port.close();
    return;
  }
  let controller;
  let waiting = false; // an ack owed once the stream has room
  let sent = 0;
  const watchdog = setInterval(() => {
    if (Date.now() - d.heard > SILENCE) d.fail('the page that fed this download went away');
  }, 10000);
  let over = false;
  const forget = () => {
    over = true;
    clearInterval(watchdog);
    downloads.delete(m.token);
    port.close();
  };
  const d = {
    name: String(m.name || 'download'),
    size,
    taken: false,
    heard: Date.now(),
    port,
    stream: null,
    push(data) {
      if (over) return;
      const chunk = new Uint8Array(data);
      sent += chunk.byteLength;
      if (sent > size) {
        d.fail('more bytes than the file has');
        return;
      }
      controller.enqueue(chunk);
      if (controller.desiredSize > 0) port.postMessage({ type: 'ack' });
      else waiting = true;
    },
    end() {
      if (over) return;
      forget();
      if (sent !== size) controller.error(new Error(`got ${sent} of ${size} bytes`));
      else controller.close();
    },
    fail(message) {
      if (over) return;
      forget();
      controller.error(new Error(message));
    },
  };
  d.stream = new ReadableStream({
    start(c) { controller = c; },
    pull() {
      if (waiting) {
        waiting = false;
        port.postMessage({ type: 'ack' });
      }
    },
    cancel() {
      // The person cancelled the download in the browser.
      port.postMessage({ type: 'cancel' });
      forget();
    },
  }, new CountQueuingStrategy({ highWaterMark: 2 }));
  downloads.set(m.token, d);
  port.postMessage({ type: 'ready' });
}

self.addEventListener('fetch', (ev) => {
  const url = new URL(ev.request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(PREFIX)) return;
  const token = decodeURIComponent(url.pathname.slice(PREFIX.length));
  const d = downloads.get(token);
  if (!d || d.taken) {
    ev.respondWith(new Response('This download link is used up: start the download again from the player page.\n', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    }));
    return;
  }
  d.taken = true;
  d.port.postMessage({ type: 'started' });
  ev.respondWith(new Response(d.stream, {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(d.size),
      'Content-Disposition': contentDisposition(d.name),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'",
      'Cache-Control': 'no-store',
    },
  }));
});

// contentDisposition names the file for the download manager: an ASCII
// fallback and the real name in RFC 8187 form.
function contentDisposition(name) {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
