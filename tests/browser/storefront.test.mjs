// The demo storefront in a real browser: Debian's headless Chromium, driven
// by playwright-core, against the real backend and the real edge host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, startStack } from './stack.mjs';

let stack;
let host;
let browser;

before(async () => {
  stack = await startStack();
  ({ host, browser } = stack);
});

after(async () => {
  await stack?.stop();
});

test('storefront shows every product image from edge renditions', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  const response = await page.goto(`${host}/`, { waitUntil: 'networkidle', timeout: 120_000 });
  assert.equal(response.status(), 200);
  const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({
    src: i.currentSrc, loaded: i.complete && i.naturalWidth > 0,
  })));
  assert.ok(images.length >= 3, `the storefront shows products (${images.length} images)`);
  for (const img of images) {
    assert.ok(img.loaded, `image loaded: ${img.src}`);
    assert.match(img.src, /\/v1\/media\//);
  }
  assert.deepEqual(failed, []);
  mkdirSync(join(root, 'target'), { recursive: true });
  await page.screenshot({ path: join(root, 'target', 'storefront.png'), fullPage: true });
});
