import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoItems, health, launch, pick, screenshot, slicedBaseURL, watch } from '../lib/harness.mjs';

const HOSTILE = '<img src=x onerror=alert(1)>.mp4';

let browser;
let items;
before(async () => {
  items = await demoItems();
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function openPlayer(item, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const log = watch(page);
  const res = await page.goto(item.streamUrl, { waitUntil: 'load' });
  assert.equal(res.status(), 200, `GET ${item.streamUrl}`);
  return { context, page, log };
}

// play starts the media element muted and waits until it can play on.
async function play(page) {
  await page.evaluate(async () => {
    const v = document.getElementById('media');
    v.muted = true;
    await v.play();
  });
  await page.waitForFunction(() => document.getElementById('media').readyState >= 3, null, { timeout: 20_000 });
}

async function currentTime(page) {
  return page.evaluate(() => document.getElementById('media').currentTime);
}

// rangeStart is where a request's Range begins (NaN without one).
function rangeStart(range) {
  return Number(/^bytes=(\d+)-/.exec(range || '')?.[1]);
}

// ranges returns the Range starts of the media requests the page made since t.
function rangeStarts(log, url, since = 0) {
  return log.requests
    .filter((r) => r.url === url && r.time >= since && r.range)
    .map((r) => rangeStart(r.range));
}

describe('video', () => {
  let video;
  before(() => {
    // The largest video, the one that spans the most slices of a capped
    // server (the seek test plays it from the sliced demo server).
    const videos = items.filter((i) => i.mimeType.startsWith('video/') && i.name !== HOSTILE);
    video = pick(videos.sort((a, b) => b.size - a.size), 'video', () => true);
  });

  test('plays: readyState >= 3 and currentTime advances', async () => {
    const { context, page, log } = await openPlayer(video);
    assert.equal(await page.textContent('h1'), video.name);
    await play(page);
    const t0 = await currentTime(page);
    await page.waitForFunction((t) => document.getElementById('media').currentTime > t + 0.5, t0, { timeout: 20_000 });
    assert.ok(rangeStarts(log, video.downloadUrl).length > 0, 'the media element asked for ranges');
    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.dialogs, []);
    // Pause on a frame for the screenshot the person sees first.
    await page.evaluate(() => document.getElementById('media').pause());
    await screenshot(page, 'player.png');
    await context.close();
  });

  test('a seek ahead of what is buffered fetches a range there and playback continues', async () => {
    // The second demo server's cap is far below the video's size, so the
    // video comes in many 206 slices and a seek needs a Range request of its
    // own, as on Vercel and Lambda with a large video.
    const base = slicedBaseURL();
    const [sliced, { maxResponseBytes: slice }] = await Promise.all([demoItems({ base }), health(base)]);
    const v = pick(sliced, video.name, (i) => i.name === video.name);
    assert.ok(slice > 0 && v.size >= 6 * slice, `${base}: ${v.name} (${v.size} bytes) spans 6+ slices of ${slice} bytes`);

    // On localhost Chromium reads the whole video ahead within a second, so
    // the seek target would be in memory already: hold the read-ahead (any
    // request past the first slice) like a slow network until the seek's own
    // request has been seen. A request 2+ slices in is the seek's: the read-
    // ahead cannot get there while it is held.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const log = watch(page);
    let jump = null; // { start, time } of the seek's request
    let holding = true;
    let release;
    const released = new Promise((r) => { release = r; });
    const stopHolding = () => { holding = false; release(); };
    await page.route((u) => u.href === v.downloadUrl, async (route) => {
      const start = rangeStart(route.request().headers()['range']);
      if (holding && start >= 2 * slice) {
        jump = { start, time: Date.now() };
        stopHolding();
      } else if (holding && start > 0) {
        await released;
      }
      return route.continue().catch(() => {}); // the page may have dropped it
    });
    const res = await page.goto(v.streamUrl, { waitUntil: 'load' });
    assert.equal(res.status(), 200, `GET ${v.streamUrl}`);
    await play(page);
    const duration = await page.evaluate(() => document.getElementById('media').duration);
    assert.ok(duration > 2, `duration ${duration}`);
    // Not the middle: Chromium does not open a new request for a seek that
    // lands within 5 blocks of 32 KiB of its pending read-ahead but waits
    // for it, and the middle of the small demo video (its key frame at 4 s)
    // is that close to the second slice. 70% lands on the key frame at 6 s.
    const target = duration * 0.7;
    const since = Date.now();
    // Without a request of its own the seek waits for the held read-ahead:
    // let it go after a while so the failure below says what was asked for.
    const giveUp = setTimeout(stopHolding, 10_000);
    await page.evaluate((t) => { document.getElementById('media').currentTime = t; }, target);
    await page.waitForFunction(() => !document.getElementById('media').seeking, null, { timeout: 20_000 });
    await page.waitForFunction((t) => {
      const m = document.getElementById('media');
      return m.readyState >= 3 && m.currentTime > t + 0.5 && !m.paused;
    }, target, { timeout: 20_000 });
    clearTimeout(giveUp);
    const seen = JSON.stringify(log.requests.filter((r) => r.url === v.downloadUrl).map((r) => `${r.range} @${r.time - since}ms`));
    assert.ok(jump, `a Range request past the first slices after the seek (requests, times from the seek: ${seen})`);
    assert.ok(jump.time >= since, `the request at ${jump.start} came after the seek (${seen})`);
    assert.ok(jump.start <= v.size * (target / duration),
      `the request at ${jump.start} starts at or before the seek target's bytes (${seen})`);
    assert.ok(rangeStarts(log, v.downloadUrl, since).includes(jump.start), seen);
    assert.deepEqual(log.errors, []);
    await page.evaluate(() => document.getElementById('media').pause());
    await screenshot(page, 'player-sliced.png');
    await context.close();
  });

  test('reads well on a phone and in dark mode', async () => {
    const { context, page, log } = await openPlayer(video, {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: 'dark',
    });
    await play(page);
    await page.evaluate(() => document.getElementById('media').pause());
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
    await screenshot(page, 'player-mobile-dark.png');
    assert.deepEqual(log.errors, []);
    await context.close();
  });

  test('Copy link puts the download link on the clipboard', async () => {
    const { context, page, log } = await openPlayer(video);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('.actions [data-copy]');
    await page.waitForFunction(() => document.querySelector('.actions [data-copy]').textContent.includes('Copied'));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), video.downloadUrl);
    assert.deepEqual(log.errors, []);
    await context.close();
  });

  test('VLC and MX Player buttons show on Android only, not on desktops', async () => {
    const desktop = await openPlayer(video);
    assert.equal(await desktop.page.isVisible('a[href^="vlc://"]'), false, 'VLC button on a desktop');
    assert.equal(await desktop.page.isVisible('a[href^="intent:"]'), false, 'MX Player button on a desktop');
    await desktop.context.close();
    const android = await browser.newContext({
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
      userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
    });
    const phone = await android.newPage();
    await phone.goto(video.streamUrl, { waitUntil: 'load' });
    assert.equal(await phone.isVisible('a[href^="vlc://"]'), true, 'VLC button on Android');
    assert.equal(await phone.isVisible('a[href^="intent:"]'), true, 'MX Player button on Android');
    await android.close();
  });

  test('VLC and MX Player links carry the stream', async () => {
    const { context, page } = await openPlayer(video);
    const vlc = await page.getAttribute('a[href^="vlc://"]', 'href');
    assert.equal(vlc, 'vlc://' + video.downloadUrl);
    const mx = await page.getAttribute('a[href^="intent:"]', 'href');
    assert.match(mx, /#Intent;scheme=https?;package=com\.mxtech\.videoplayer\.ad;.*end$/);
    assert.ok(mx.startsWith('intent:' + video.downloadUrl.replace(/^https?:/, '')), mx);
    await context.close();
  });
});

test('the video shows its Telegram thumbnail as the poster, and the preview tags point at it', async () => {
  const item = items.find((i) => i.name === 'testsrc.mp4');
  assert.ok(item, 'the demo video');
  const { context, page, log } = await openPlayer(item);
  const poster = await page.getAttribute('#media', 'poster');
  assert.match(poster, /\/thumb\/\d+\?code=/);
  assert.equal(await page.getAttribute('meta[property="og:image"]', 'content'), poster);
  // The poster is drawn: the browser fetched and decoded the JPEG.
  const res = await page.request.get(poster);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'image/jpeg');
  const size = await page.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, poster);
  assert.ok(size[0] > 0 && size[1] > 0, `poster decoded as ${size}`);
  await screenshot(page, 'player-poster.png');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a hostile file name shows as text and runs nothing', async () => {
  const item = pick(items, 'hostile name', (i) => i.name === HOSTILE);
  const { context, page, log } = await openPlayer(item);
  // Give an injected handler every chance to run.
  await page.waitForTimeout(500);
  assert.equal(await page.textContent('h1'), HOSTILE, 'the name is shown verbatim');
  assert.equal(await page.title(), `${HOSTILE} · FileToLink`);
  const imgs = await page.$$eval('img', (els) => els.map((e) => e.getAttribute('src')));
  assert.deepEqual(imgs, ['/static/favicon.svg'], 'no <img> came from the name');
  assert.equal(await page.$$eval('[onerror]', (els) => els.length), 0);
  assert.equal(await page.getAttribute('#download', 'data-name'), HOSTILE);
  assert.deepEqual(log.dialogs, [], 'no dialog opened');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('audio plays', async () => {
  const item = pick(items, 'audio', (i) => i.kind === 'audio' || i.mimeType.startsWith('audio/'));
  const { context, page, log } = await openPlayer(item);
  await play(page);
  const t0 = await currentTime(page);
  await page.waitForFunction((t) => document.getElementById('media').currentTime > t + 0.3, t0, { timeout: 20_000 });
  await page.evaluate(() => document.getElementById('media').pause());
  await screenshot(page, 'player-audio.png');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('an image is shown', async () => {
  const item = pick(items, 'image', (i) => i.kind === 'photo' || i.mimeType.startsWith('image/'));
  const { context, page, log } = await openPlayer(item);
  await page.waitForFunction(() => {
    const img = document.getElementById('media');
    return img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 20_000 });
  await screenshot(page, 'player-image.png');
  assert.deepEqual(log.errors, []);
  await context.close();
});
