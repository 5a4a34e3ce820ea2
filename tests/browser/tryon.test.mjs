// The try-on page in a real browser: Debian's headless Chromium with a fake
// camera that films a face photograph, against the real backend (ONNX face
// models) and the real edge host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startStack } from './stack.mjs';

const faces = join(root, 'gpu-backend', 'tests', 'faces');
let stack;

before(async () => {
  // Chromium plays an MJPEG file as the camera; one JPEG is a one-frame
  // stream, looped.
  const camera = join(mkdtempSync(join(tmpdir(), 'meridian-camera-')), 'face.mjpeg');
  copyFileSync(join(faces, 'frame-720p.jpg'), camera);
  stack = await startStack({
    // Loopback stands where the CDN would, so its geo header picks the market.
    hostEnv: { SPIN_VARIABLE_MARKET_CONFIG: 'trusted_proxies = ["127.0.0.1/32"]' },
    browserArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`],
  });
});

after(async () => {
  await stack?.stop();
});

// A shopper in Germany, whose law asks for explicit biometric consent.
async function germanPage() {
  const context = await stack.browser.newContext({
    viewport: { width: 1280, height: 900 },
    extraHTTPHeaders: { 'cf-ipcountry': 'DE', 'accept-language': 'de-DE,de;q=0.9' },
  });
  const page = await context.newPage();
  const tryons = [];
  page.on('request', (r) => {
    if (r.url().includes('/v1/tryon/')) tryons.push({ ...r.headers(), url: r.url() });
  });
  const response = await page.goto(`${stack.host}/tryon`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  return { context, page, tryons };
}

test('with consent, the live camera preview comes back composited', async () => {
  const { context, page, tryons } = await germanPage();
  await page.selectOption('#product', 'EYE-AVIATOR-GOLD');
  await page.click('#start');
  const dialog = page.locator('#consent');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await page.textContent('#consent-text'), /Die virtuelle Anprobe/);
  // The page's own labels are German too.
  assert.equal(await page.textContent('#allow'), 'Erlauben');
  assert.equal(tryons.length, 0, 'nothing is sent before the shopper answers');
  await page.click('#allow');
  await page.waitForSelector('#preview[data-status="composited"]', { timeout: 180_000 });
  assert.equal(await page.getAttribute('body', 'data-state'), 'live');
  assert.ok(Number(await page.getAttribute('#preview', 'data-faces')) >= 1);
  const size = await page.$eval('#preview', (img) => [img.naturalWidth, img.naturalHeight]);
  assert.ok(size[0] >= 640 && size[1] >= 360, `a camera-sized composite (${size})`);
  for (const headers of tryons) {
    assert.equal(headers['meridian-consent'], 'biometric');
    assert.ok(headers['meridian-tryon-session'], 'live frames carry the session token');
  }
  // The shareable still stays on the device.
  await page.click('#still');
  const href = await page.getAttribute('#download', 'href');
  assert.match(href, /^blob:/);
  assert.equal(await page.getAttribute('#download', 'download'), 'try-on-EYE-AVIATOR-GOLD.jpg');
  await page.click('#stop');
  await page.screenshot({ path: join(root, 'target', 'tryon.png') });

  // The upload fallback: a photograph instead of the camera, every face dressed.
  await page.selectOption('#product', 'LIP-RUBY');
  await page.check('#everyone');
  await page.setInputFiles('#upload', join(faces, 'grace-hopper.jpg'));
  await page.waitForFunction(() => document.body.dataset.state === 'upload'
    && document.querySelector('#preview').dataset.status === 'composited', null, { timeout: 120_000 });
  const upload = tryons[tryons.length - 1];
  assert.match(upload.url, /\/v1\/tryon\/LIP-RUBY\?faces=all$/);
  assert.equal(upload['meridian-tryon-session'], undefined, 'a still photo is not a live session');
  await context.close();
});

test('without consent, no frame leaves the browser and the edge refuses one', async () => {
  const { context, page, tryons } = await germanPage();
  await page.click('#start');
  await page.locator('#consent').waitFor({ state: 'visible' });
  await page.click('#decline');
  assert.equal(await page.getAttribute('body', 'data-state'), 'declined');
  assert.match(await page.textContent('#message'), /Es wurde nichts gesendet/);
  assert.equal(await page.$eval('#camera', (v) => v.srcObject), null, 'the camera never started');
  assert.equal(tryons.length, 0);
  // A frame sent anyway, without the opt-in, is refused by the edge.
  const refused = await page.evaluate(async () => {
    const r = await fetch('/v1/tryon/EYE-AVIATOR-GOLD', {
      method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array([0xff, 0xd8]),
    });
    return { status: r.status, cache: r.headers.get('cache-control'), body: await r.json() };
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.cache, 'no-store');
  assert.equal(refused.body.code, 'consent-required');
  assert.match(refused.body.consent.prompt, /Anprobe/);
  await context.close();
});
