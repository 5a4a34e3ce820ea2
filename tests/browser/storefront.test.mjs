// The demo storefront in a real browser: Debian's headless Chromium, driven
// by playwright-core, against the real backend and the real edge host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => join(root, 'target', 'debug', name);
const children = [];

function start(cmd, args, env) {
  return new Promise((resolve, reject) => {
    if (!existsSync(cmd)) return reject(new Error(`${cmd} is missing: run cargo build first`));
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      const m = /listening on (\S+)/.exec(String(d));
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}:\n${err}`)));
    setTimeout(() => reject(new Error(`${cmd} did not start:\n${err}`)), 120_000).unref();
  });
}

let host;
let browser;

before(async () => {
  const key = 'browser-test-key';
  const backend = await start(bin('meridian-gpu-backend'), ['--listen', '127.0.0.1:0'], {
    MERIDIAN_BACKEND_SIGNING_KEY: key,
  });
  host = await start(bin('meridian-host'), [
    '--manifest', join(root, 'spin.toml'), '--listen', '127.0.0.1:0',
    '--state-dir', mkdtempSync(join(tmpdir(), 'meridian-browser-')),
  ], { SPIN_VARIABLE_BACKEND_URL_EU: backend, SPIN_VARIABLE_BACKEND_SIGNING_KEY: key });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  for (const c of children) c.kill();
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
