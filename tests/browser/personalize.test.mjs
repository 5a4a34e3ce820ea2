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
  const page = await context.newPage();
  const beacons = [];
  const answers = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/v1/events')) beacons.push(JSON.parse(r.postData() ?? '{}'));
  });
  page.on('response', async (r) => {
    if (r.url().endsWith('/v1/events')) answers.push({ status: r.status(), body: await r.json().catch(() => null) });
  });
  return { context, page, beacons, answers };
}

async function until(what, ok, ms = 15_000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('with consent: a variant, kept on reload, with exposure and click beacons', async () => {
  const { context, page, beacons, answers } = await shopper('US');
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
  assert.ok(why.length > 0 && why.every((w) => /^why: \S/.test(w)), JSON.stringify(why));

  // Exposure beacons name the experiments of the variant.
  const experiments = variant.split(';').filter(Boolean).map((p) => p.split('=')[0]);
  if (experiments.length > 0) {
    await until('exposure beacon', () => beacons.some((b) => b.events?.some((e) => e.kind === 'exposure')));
    const exposed = beacons.flatMap((b) => b.events).filter((e) => e.kind === 'exposure').map((e) => e.experiment);
    assert.deepEqual([...new Set(exposed)].sort(), [...experiments].sort());
  }
  // A click on a product sends a click beacon; the edge accepts it.
  await page.click('.card:not(.blocked) img');
  await until('click beacon', () => beacons.some((b) => b.events?.some((e) => e.kind === 'click')));
  await until('accepted beacon', () => answers.some((a) => a.status === 202 && a.body?.accepted > 0));
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
  assert.deepEqual(beacons, [], 'no beacon leaves the page');
  assert.deepEqual((await context.cookies()).filter((c) => c.name.startsWith('meridian')), []);
  const src = await page.getAttribute('.card:not(.blocked) img', 'src');
  assert.match(src, /\/product\.webp$/, 'the control preset');
  await context.close();
});
