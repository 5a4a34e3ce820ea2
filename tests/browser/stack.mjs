// Starts Meridian's real processes for browser tests: the GPU backend and
// the edge host running spin.toml, each on a free loopback port, plus
// Debian's headless Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => join(root, 'target', 'debug', name);

function start(children, cmd, args, env) {
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

// Backend + edge host + browser. `hostEnv` adds SPIN_VARIABLE_* overrides;
// `browserArgs` adds Chromium flags (a fake camera, say); `collector` starts
// the EU event collector too, with its store in a temporary folder.
export async function startStack({ hostEnv = {}, browserArgs = [], collector = false } = {}) {
  const children = [];
  const key = 'browser-test-key';
  const backend = await start(children, bin('meridian-gpu-backend'), ['--listen', '127.0.0.1:0'], {
    MERIDIAN_BACKEND_SIGNING_KEY: key, MERIDIAN_DEV: '1',
  });
  let collectorUrl;
  if (collector) {
    collectorUrl = await start(children, bin('meridian-collector'), ['--listen', '127.0.0.1:0'], {
      MERIDIAN_COLLECTOR_SIGNING_KEY: key, MERIDIAN_COLLECTOR_REGION: 'eu', MERIDIAN_DEV: '1',
      MERIDIAN_COLLECTOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'meridian-collector-')),
    });
    hostEnv = { SPIN_VARIABLE_COLLECTOR_URL_EU: collectorUrl, ...hostEnv };
  }
  const host = await start(children, bin('meridian-host'), [
    '--manifest', join(root, 'spin.toml'), '--listen', '127.0.0.1:0',
    '--state-dir', mkdtempSync(join(tmpdir(), 'meridian-browser-')),
  ], { SPIN_VARIABLE_BACKEND_URL_EU: backend, SPIN_VARIABLE_BACKEND_SIGNING_KEY: key,
    SPIN_VARIABLE_DEVELOPMENT_MODE: '1', ...hostEnv });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...browserArgs],
  });
  return {
    host,
    browser,
    collector: collectorUrl,
    async stop() {
      await browser.close();
      for (const c of children) c.kill();
    },
  };
}
