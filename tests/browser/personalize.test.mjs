// Personalization in a real browser: Chromium against the real edge host
// and the real event collector. With consent (the US: an opt-out market
// where no opt-out was sent) the storefront shows a variant, keeps it on
// reload and sends exposure and click beacons; without consent (Germany,
// no TC string) it sets no cookie and sends no beacon or identifier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './stack.mjs';

let stack;

before(async () => {
  stack = await startStack({
    collector: true,
    // Loopback stands in for the CDN whose geo header sets the market.
    hostEnv: { SPIN_VARIABLE_MARKET_CONFIG: 'trusted_proxies = ["127.0.0.1/32"]' },
  });
});

after(async () => {
  await stack?.stop();
});

// A browser context in `country`, recording every beacon it sends.
async function shopper(country) {
  const context = await stack.browser.newContext({ extraHTTPHeaders: { 'cf-ipcountry': country } });
  // The browser does not show beacon bodies to the driver: the test wraps
  // sendBeacon (in the test's context only) to read what the page sends.
  await context.addInitScript(() => {
    const send = navigator.sendBeacon.bind(navigator);
    window.__beacons = [];
    navigator.sendBeacon = (url, data) => {
      data.text().then((t) => window.__beacons.push(JSON.parse(t)));
      return send(url, data);
    };
  });
  const page = await context.newPage();
  const sent = [];
  const beacons = {
    async read() { sent.splice(0, sent.length, ...(await page.evaluate(() => window.__beacons))); return sent; },
    some(f) { return sent.some(f); },
    flatMap(f) { return sent.flatMap(f); },
    [Symbol.iterator]() { return sent[Symbol.iterator](); },
  };
  page.on('request', (r) => {
    if (r.url().endsWith('/v1/events')) beacons.read().catch(() => {});
  });
  return { context, page, beacons };
}

async function until(what, ok, ms = 15_000, refresh = async () => {}) {
  const end = Date.now() + ms;
  while ((await refresh(), !ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('with consent: a variant, kept on reload, with exposure and click beacons', async () => {
  const { context, page, beacons } = await shopper('US');
  const first = await page.goto(`${stack.host}/`, { waitUntil: 'networkidle', timeout: 120_000 });
  assert.equal(first.status(), 200);
  assert.equal(await page.getAttribute('body', 'data-personalized'), 'true');
  const cookies = await context.cookies();
  const identity = cookies.find((c) => c.name === 'meridian_p');
  assert.ok(identity, `the identity cookie is set: ${JSON.stringify(cookies)}`);
  assert.ok(identity.httpOnly && identity.secure, 'HttpOnly and Secure');
  const variant = await page.getAttribute('body', 'data-variant');

  // The variant shows: with the hero experiment, its preset is the cards' image.
  const src = await page.getAttribute('.card:not(.blocked) img', 'src');
  if (variant.includes('hero-preset=square')) assert.match(src, /square-1080/);
  else assert.match(src, /\/product\.webp$/);

  // Recommendations render, each with its reasons.
  await page.waitForSelector('#recs .rec', { timeout: 30_000 });
  const why = await page.$$eval('#recs .rec .why', (els) => els.map((e) => e.textContent));
  assert.ok(why.length > 0 && why.every((w) => /^why: \S/i.test(w)), JSON.stringify(why));

  // Exposure beacons name the experiments of the variant.
  const experiments = variant.split(';').filter(Boolean).map((p) => p.split('=')[0]);
  if (experiments.length > 0) {
    await until(`exposure beacon (variant ${variant})`, () => beacons.some((b) => b.events?.some((e) => e.kind === 'exposure')), 15_000, () => beacons.read());
    const exposed = beacons.flatMap((b) => b.events).filter((e) => e.kind === 'exposure').map((e) => e.experiment);
    assert.deepEqual([...new Set(exposed)].sort(), [...experiments].sort());
  }
  // A click on a product sends a click beacon; the edge accepts it.
  await page.click('.card:not(.blocked) img');
  await until('click beacon', () => beacons.some((b) => b.events?.some((e) => e.kind === 'click')), 15_000, () => beacons.read());
  // The collector stored them (its own count: beacon answers are not
  // shown to the driver either).
  const stored = async () => {
    const text = await (await fetch(`${stack.collector}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith('meridian_collector_events_accepted_total'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  };
  let count = 0;
  await until('events stored at the collector', () => count > 0, 15_000, async () => { count = await stored(); });
  for (const b of beacons) {
    for (const e of b.events) assert.equal(e.shopper ?? e.pseudonym ?? e.user, undefined, 'no identifier in the beacon');
  }

  // Reload: the same variant, the same id.
  await page.reload({ waitUntil: 'networkidle' });
  assert.equal(await page.getAttribute('body', 'data-variant'), variant);
  const again = (await context.cookies()).find((c) => c.name === 'meridian_p');
  assert.equal(again.value.split('.')[0].length > 0, true);
  assert.equal(JSON.parse(Buffer.from(again.value.split('.')[0], 'base64url')).id,
    JSON.parse(Buffer.from(identity.value.split('.')[0], 'base64url')).id);
  await context.close();
});

test('without consent: no cookie, no beacon, control content', async () => {
  const { context, page, beacons } = await shopper('DE');
  const response = await page.goto(`${stack.host}/`, { waitUntil: 'networkidle', timeout: 120_000 });
  assert.equal(response.status(), 200);
  assert.equal(await page.getAttribute('body', 'data-personalized'), 'false');
  assert.equal(await page.getAttribute('body', 'data-personalization-reason'), 'consent-tcf-missing');
  assert.equal(await page.getAttribute('body', 'data-variant'), '');
  await page.click('.card:not(.blocked) img');
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await beacons.read(), [], 'no beacon leaves the page');
  assert.deepEqual((await context.cookies()).filter((c) => c.name.startsWith('meridian')), []);
  const src = await page.getAttribute('.card:not(.blocked) img', 'src');
  assert.match(src, /\/product\.webp$/, 'the control preset');
  await context.close();
});
