import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { baseURL, demoItems, launch, screenshot, watch } from '../lib/harness.mjs';

let browser;
before(async () => {
  await demoItems(); // the server is up
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('index shows the service status at a glance', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const log = watch(page);
  const res = await page.goto(baseURL() + '/', { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'] || '', /default-src 'none'/, 'the page is sent with a CSP');
  assert.equal(await page.textContent('#service'), 'Up');
  assert.match(await page.textContent('#telegram'), /^(Connected|connecting to Telegram)$/);
  // Every stylesheet rule applied: the CSP lets /static/style.css through.
  const styled = await page.evaluate(() => getComputedStyle(document.querySelector('.card')).borderRadius);
  assert.notEqual(styled, '0px', 'style.css is applied');
  await screenshot(page, 'index.png');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('index reads well on a phone and in dark mode', async () => {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    colorScheme: 'dark',
  });
  const page = await context.newPage();
  const log = watch(page);
  await page.goto(baseURL() + '/', { waitUntil: 'load' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
  await screenshot(page, 'index-mobile-dark.png');
  assert.deepEqual(log.errors, []);
  await context.close();
});
