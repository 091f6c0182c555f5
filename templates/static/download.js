// Download of a file larger than one response may carry.
//
// The server answers at most data-slice bytes per response (Vercel and
// Lambda cap response bodies), so the Download button fetches the file as
// successive ranges, a few at a time, checks every 206's Content-Range and
// length, retries a failed slice with backoff, and writes the slices in order
// to one of these sinks, best first:
//
//   1. the File System Access API (showSaveFilePicker): straight to disk;
//   2. the service worker static/sw.js: the page navigates to
//      /static/download/<token>, the worker answers with a streamed
//      attachment and the page feeds it slice by slice, so the browser's own
//      download manager writes to disk;
//   3. a Blob, only for files small enough to hold in memory.
//
// At most a few slices are held in memory at any time.
'use strict';

(function () {
  const link = document.getElementById('download');
  if (!link) return;
  const url = link.dataset.url;
  const name = link.dataset.name || 'download';
  const size = Number(link.dataset.size);
  const slice = Number(link.dataset.slice);
  const mimeType = link.dataset.type || 'application/octet-stream';
  if (!url || !(slice > 0) || !(size > slice)) return; // a plain link does

  const MiB = 1 << 20;
  const TRIES = 6; // attempts per slice
  const BLOB_LIMIT = 256 * MiB; // largest file assembled in memory
  const BUFFER_BUDGET = 64 * MiB; // fetched but not yet written
  // Slices in flight, and slices started but not yet written.
  const PARALLEL = Math.max(1, Math.min(4, Math.floor(BUFFER_BUDGET / 2 / slice)));
  const AHEAD = Math.max(PARALLEL, Math.min(2 * PARALLEL, Math.floor(BUFFER_BUDGET / slice)));

  const ui = {
    box: document.getElementById('progress'),
    bar: document.getElementById('progress-bar'),
    text: document.getElementById('progress-text'),
    cancel: document.getElementById('progress-cancel'),
  };

  // A service worker is registered up front where it will be needed, so it is
  // active by the time the button is pressed.
  let workerRegistration = null;
  if (typeof window.showSaveFilePicker !== 'function' && 'serviceWorker' in navigator && window.isSecureContext) {
    workerRegistration = navigator.serviceWorker
      .register('/static/sw.js', { scope: '/static/', updateViaCache: 'none' })
      .catch(() => null);
  }

  let current = null; // the running download's AbortController

  link.addEventListener('click', (ev) => {
    ev.preventDefault();
    if (current) return;
    const abort = new AbortController();
    current = abort;
    run(abort).finally(() => {
      current = null;
      link.removeAttribute('aria-disabled');
    });
  });
  if (ui.cancel) {
    ui.cancel.addEventListener('click', () => {
      if (current) current.abort(new DownloadError('Cancelled.'));
    });
  }
  // If the page goes anyway, tell the sink, so a download the service worker
  // streams fails at once instead of hanging.
  window.addEventListener('pagehide', () => {
    if (current && current.sink) current.sink.abort('the page was closed').catch(() => {});
  });
  window.addEventListener('beforeunload', (ev) => {
    if (current && current.unloadGuard) {
      ev.preventDefault();
      ev.returnValue = '';
    }
  });

  class DownloadError extends Error {
    constructor(message, { retry = false, after = 0 } = {}) {
      super(message);
      this.name = 'DownloadError';
      this.retry = retry; // worth another attempt
      this.after = after; // Retry-After, in milliseconds
    }
  }

  async function run(abort) {
    link.setAttribute('aria-disabled', 'true');
    let sink;
    try {
      // showSaveFilePicker needs the click's user activation: openSink calls
      // it before its first await.
      sink = await openSink(abort);
    } catch (err) {
      if (err && err.name === 'AbortError') return; // the person closed the picker
      show('failed', 'Download failed: ' + reason(err));
      return;
    }
    abort.sink = sink;
    abort.unloadGuard = true; // leaving the page would stop the download
    const progress = new Progress();
    show('', 'Starting…');
    progress.start();
    try {
      await fetchSlices(abort, sink, progress);
      await sink.close();
      progress.stop();
      show('finished', `Saved ${name} (${formatBytes(size)}) in ${formatDuration(progress.elapsed())}.`);
      ui.bar.value = 1;
    } catch (err) {
      progress.stop();
      const why = abort.signal.aborted ? abort.signal.reason : err;
      try {
        await sink.abort(reason(why));
      } catch (e) {
        // The sink is gone already.
      }
      show('failed', (why instanceof DownloadError && why.message === 'Cancelled.') ? 'Cancelled.' : 'Download failed: ' + reason(why));
    }
  }

  function show(state, text) {
    if (!ui.box) return;
    ui.box.hidden = false;
    ui.box.classList.toggle('failed', state === 'failed');
    ui.box.classList.toggle('finished', state === 'finished');
    ui.cancel.hidden = state !== '';
    ui.text.textContent = text;
  }

  function reason(err) {
    if (!err) return 'unknown error';
    if (err instanceof DownloadError) return err.message;
    if (err.name === 'AbortError') return 'Cancelled.';
    return err.message || String(err);
  }

  // ---- sinks: { write(Uint8Array): Promise, close(): Promise, abort(why): Promise }

  function openSink(abort) {
    if (typeof window.showSaveFilePicker === 'function') {
      return openFileSink().catch((err) => {
        if (err && err.name === 'AbortError') throw err;
        return openFallbackSink(abort); // e.g. SecurityError in a frame
      });
    }
    return openFallbackSink(abort);
  }

  async function openFallbackSink(abort) {
    const worker = await openWorkerSink(abort).catch(() => null);
    if (worker) return worker;
    if (size <= BLOB_LIMIT) return openBlobSink();
    throw new DownloadError(`this browser cannot stream ${formatBytes(size)} to disk; ` +
      'use a current Chrome, Edge, Firefox or Safari, or a download manager that fetches by ranges');
  }

  async function openFileSink() {
    const handle = await window.showSaveFilePicker({ suggestedName: safeFileName(name) });
    const writable = await handle.createWritable();
    return {
      write: (chunk) => writable.write(chunk),
      close: () => writable.close(),
      abort: () => writable.abort(),
    };
  }

  async function openWorkerSink(abort) {
    if (!workerRegistration) return null;
    const registration = await workerRegistration;
    if (!registration) return null;
    const worker = await activeWorker(registration, 10000);
    const token = randomToken();
    const channel = new MessageChannel();
    const port = channel.port1;
    let acks = 0; // chunks the worker has room for
    let wakeWriter = null;
    let failed = null;
    let ready = null;
    let started = null;
    const readyP = new Promise((resolve) => { ready = resolve; });
    const startedP = new Promise((resolve) => { started = resolve; });
    port.onmessage = (ev) => {
      const m = ev.data || {};
      if (m.type === 'ack') {
        acks++;
        if (wakeWriter) wakeWriter();
      } else if (m.type === 'ready') {
        ready();
      } else if (m.type === 'started') {
        started();
      } else if (m.type === 'cancel') {
        failed = new DownloadError('cancelled in the browser\'s downloads');
        abort.abort(failed);
        if (wakeWriter) wakeWriter();
      }
    };
    port.start();
    const post = (m, transfer) => worker.postMessage(Object.assign({ token }, m), transfer || []);
    post({ type: 'ftl-download', name, size, mimeType }, [channel.port2]);
    acks = 1; // the worker's stream takes the first chunk at once
    await withTimeout(readyP, 10000, 'the download service worker did not answer');

    // The worker answers the navigation with the streamed file; the browser
    // turns the attachment into a download and this page stays.
    window.location.assign('/static/download/' + encodeURIComponent(token));
    await withTimeout(startedP, 15000, 'the service worker did not start the download');
    // Messages to the worker keep it alive; ping while slices are slow.
    const ping = setInterval(() => post({ type: 'ftl-ping' }), 10000);

    return {
      async write(chunk) {
        while (acks === 0) {
          if (failed) throw failed;
          await new Promise((resolve) => { wakeWriter = resolve; });
          wakeWriter = null;
        }
        if (failed) throw failed;
        acks--;
        const buf = chunk.buffer.byteLength === chunk.byteLength ? chunk.buffer : chunk.slice().buffer;
        post({ type: 'ftl-chunk', data: buf }, [buf]);
      },
      async close() {
        clearInterval(ping);
        post({ type: 'ftl-end' });
        port.close();
      },
      async abort(why) {
        clearInterval(ping);
        post({ type: 'ftl-abort', message: String(why) });
        port.close();
      },
    };
  }

  function activeWorker(registration, timeout) {
    const ready = () => registration.active && registration.active.state === 'activated';
    if (ready()) return Promise.resolve(registration.active);
    return withTimeout(new Promise((resolve) => {
      const check = () => {
        if (ready()) resolve(registration.active);
      };
      for (const w of [registration.installing, registration.waiting, registration.active]) {
        if (w) w.addEventListener('statechange', check);
      }
      registration.addEventListener('updatefound', () => {
        if (registration.installing) registration.installing.addEventListener('statechange', check);
      });
      check();
    }), timeout, 'the download service worker did not start');
  }

  function openBlobSink() {
    const parts = [];
    return {
      write: async (chunk) => { parts.push(chunk); },
      close: async () => {
        const blob = new Blob(parts, { type: mimeType });
        parts.length = 0;
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      },
      abort: async () => { parts.length = 0; },
    };
  }

  // ---- fetching

  // fetchSlices fetches every slice, PARALLEL at once, and writes them to
  // sink in order. A slice that fails after its retries fails the download
  // and stops the others.
  async function fetchSlices(abort, sink, progress) {
    const count = Math.ceil(size / slice);
    const signal = abort.signal;
    const slots = new Semaphore(PARALLEL);
    const pending = new Map(); // index -> Promise<Uint8Array>
    let next = 0;
    const startUpTo = (limit) => {
      for (; next < count && next < limit; next++) {
        const i = next;
        const p = slots.run(() => fetchSlice(i, signal, progress));
        p.catch((err) => { if (!signal.aborted) abort.abort(err); });
        pending.set(i, p);
      }
    };
    for (let i = 0; i < count; i++) {
      startUpTo(i + AHEAD);
      const data = await pending.get(i);
      pending.delete(i);
      if (signal.aborted) throw signal.reason;
      await sink.write(data);
      progress.written += data.byteLength;
    }
  }

  async function fetchSlice(i, signal, progress) {
    const first = i * slice;
    const last = Math.min(size, first + slice) - 1;
    const want = last - first + 1;
    for (let attempt = 1; ; attempt++) {
      let got = 0;
      try {
        if (signal.aborted) throw signal.reason;
        const res = await fetch(url, {
          headers: { Range: `bytes=${first}-${last}` },
          signal,
          cache: 'no-store',
          credentials: 'omit',
          referrerPolicy: 'no-referrer',
        });
        await checkResponse(res, first, last);
        const body = new Uint8Array(want);
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (got + value.byteLength > want) {
            reader.cancel().catch(() => {});
            throw new DownloadError(`slice ${first}-${last}: more bytes than asked for`);
          }
          body.set(value, got);
          got += value.byteLength;
          progress.add(value.byteLength);
        }
        if (got !== want) {
          throw new DownloadError(`slice ${first}-${last}: ${got} of ${want} bytes`, { retry: true });
        }
        return body;
      } catch (err) {
        progress.add(-got);
        if (signal.aborted) throw signal.reason;
        const retry = err instanceof DownloadError ? err.retry : true; // network errors are TypeErrors
        if (!retry || attempt >= TRIES) throw err instanceof DownloadError ? err : new DownloadError(reason(err));
        progress.retries++;
        const backoff = Math.min(8000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
        await sleep(Math.max(backoff, err.after || 0), signal);
      }
    }
  }

  async function checkResponse(res, first, last) {
    if (res.status === 206) {
      const cr = res.headers.get('Content-Range');
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((cr || '').trim());
      if (!m) throw new DownloadError(`the server sent no usable Content-Range (${cr === null ? 'none' : JSON.stringify(cr)})`);
      if (Number(m[1]) !== first || Number(m[2]) !== last || Number(m[3]) !== size) {
        throw new DownloadError(`asked for bytes ${first}-${last}/${size}, got ${m[1]}-${m[2]}/${m[3]}: the file changed or the server is wrong`);
      }
      return;
    }
    let text = '';
    try {
      text = (await res.text()).split('\n')[0].slice(0, 200);
    } catch (e) {
      text = '';
    }
    const what = `HTTP ${res.status}${text ? ': ' + text : ''}`;
    if (res.status === 200) throw new DownloadError(`the server ignored the Range request (${what})`);
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      const after = Number(res.headers.get('Retry-After'));
      throw new DownloadError(what, { retry: true, after: after > 0 ? Math.min(after, 60) * 1000 : 0 });
    }
    throw new DownloadError(what);
  }

  // ---- helpers

  class Semaphore {
    constructor(n) {
      this.free = n;
      this.waiting = [];
    }
    async run(fn) {
      if (this.free > 0) this.free--;
      else await new Promise((resolve) => this.waiting.push(resolve));
      try {
        return await fn();
      } finally {
        const w = this.waiting.shift();
        if (w) w();
        else this.free++;
      }
    }
  }

  // Progress counts bytes received (including slices not yet written) and
  // shows them with the speed over the last seconds and the time left.
  class Progress {
    constructor() {
      this.received = 0;
      this.written = 0;
      this.retries = 0;
      this.samples = [];
      this.timer = 0;
      this.began = 0;
    }
    add(n) { this.received += n; }
    start() {
      this.began = performance.now();
      this.samples = [{ t: this.began, b: 0 }];
      this.timer = setInterval(() => this.render(), 250);
      this.render();
    }
    stop() {
      clearInterval(this.timer);
    }
    elapsed() { return (performance.now() - this.began) / 1000; }
    speed() {
      const now = performance.now();
      this.samples.push({ t: now, b: this.received });
      while (this.samples.length > 2 && now - this.samples[0].t > 5000) this.samples.shift();
      const a = this.samples[0];
      const dt = (now - a.t) / 1000;
      return dt > 0.2 ? Math.max(0, (this.received - a.b) / dt) : 0;
    }
    render() {
      const done = Math.min(this.received, size);
      ui.bar.value = size > 0 ? done / size : 0;
      const rate = this.speed();
      let text = `${formatBytes(done)} of ${formatBytes(size)}`;
      if (rate > 0) {
        text += ` · ${formatBytes(rate)}/s · ${formatDuration((size - done) / rate)} left`;
      }
      if (this.retries > 0) text += ` · ${this.retries} ${this.retries === 1 ? 'retry' : 'retries'}`;
      ui.text.textContent = text;
    }
  }

  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        reject(signal.reason);
      }, { once: true });
    });
  }

  function withTimeout(promise, ms, message) {
    let t;
    return Promise.race([
      promise,
      new Promise((_, reject) => { t = setTimeout(() => reject(new DownloadError(message)), ms); }),
    ]).finally(() => clearTimeout(t));
  }

  function randomToken() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // safeFileName keeps a name the save dialog accepts on every system.
  function safeFileName(s) {
    const cleaned = s.replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_').replace(/^[\s.]+|[\s.]+$/g, '');
    return cleaned || 'download';
  }

  function formatBytes(n) {
    if (n < 1024) return `${Math.round(n)} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let u = '';
    for (u of units) {
      v /= 1024;
      if (v < 1024) break;
    }
    let text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
    if (text.includes('.')) text = text.replace(/\.?0+$/, '');
    return `${text} ${u}`;
  }

  function formatDuration(s) {
    if (!isFinite(s)) return '–';
    s = Math.max(0, Math.round(s));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
    return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
  }
})();
