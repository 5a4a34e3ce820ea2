// The storefront widget on a merchant's page from another origin: a Node
// server on a second loopback port serves the page, which loads the
// widget pinned with Subresource Integrity from the real edge host and
// uses its custom elements, with a stub CMP (`__tcfapi`). Headless
// Chromium proves images, prices and labels per market, refusals in the
// market's language, consent passed on only when the CMP gives it, no
// cookie or identifier without it, and that SRI is enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startStack } from './stack.mjs';

// Consent to purposes 1, 5 and 6 for vendor 4040 (as tests/personalize.rs).
const TC_GRANTED = 'CQSbk4AQSbk4AEsACBENB4FgAIwAAAAAAAYgfkQAQfkAAAAA';

let stack;
let shop;
let merchant;
let manifest;

// The stub CMPs: one that has the shopper's consent, one still waiting
// for the shopper (its banner shown, no decision), none at all.
const CMPS = {
  grant: `window.__tcfapi = (command, version, callback) => {
    if (command === 'addEventListener') setTimeout(() => callback({ gdprApplies: true,
      eventStatus: 'tcloaded', cmpStatus: 'loaded', tcString: ${JSON.stringify(TC_GRANTED)}, listenerId: 1 }, true), 50);
  };`,
  pending: `window.__tcfapi = (command, version, callback) => {
    if (command === 'addEventListener') callback({ gdprApplies: true, eventStatus: 'cmpuishown',
      cmpStatus: 'loaded', listenerId: 1 }, true);
  };`,
  none: '',
};

function merchantPage(params) {
  const integrity = params.get('sri') === 'wrong'
    ? 'sha384-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    : manifest.integrity;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A merchant's page</title>
<script>${CMPS[params.get('cmp') ?? 'none']}</script>
<script src="${stack.host}${manifest.url}" integrity="${integrity}" crossorigin="anonymous" async></script>
<style>meridian-media { width: 320px; }</style>
</head><body>
<meridian-media id="sun-img" sku="MRD-SOLSTICE-SUN" preset="product" sizes="320px"></meridian-media>
<meridian-price id="sun-price" sku="MRD-SOLSTICE-SUN"></meridian-price>
<meridian-media id="orbit-img" sku="MRD-ORBIT-TITANIUM"></meridian-media>
<meridian-price id="orbit-price" sku="MRD-ORBIT-TITANIUM"></meridian-price>
<meridian-ai-label id="orbit-label" sku="MRD-ORBIT-TITANIUM"></meridian-ai-label>
<meridian-tryon-button id="aviator" sku="EYE-AVIATOR-GOLD"></meridian-tryon-button>
<meridian-tryon-button id="sun-tryon" sku="MRD-SOLSTICE-SUN"></meridian-tryon-button>
<meridian-recommendations id="recs" context="product:MRD-SOLSTICE-SUN" k="3"></meridian-recommendations>
</body></html>`;
}

before(async () => {
  merchant = http.createServer((req, res) => {
    const params = new URL(req.url, 'http://shop').searchParams;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(merchantPage(params));
  });
  await new Promise((r) => merchant.listen(0, '127.0.0.1', r));
  shop = `http://127.0.0.1:${merchant.address().port}`;
  stack = await startStack({
    hostEnv: {
      SPIN_VARIABLE_CORS_ORIGINS: shop,
      // Loopback stands in for the CDN whose geo header sets the market.
      SPIN_VARIABLE_MARKET_CONFIG: 'trusted_proxies = ["127.0.0.1/32"]',
    },
  });
  const r = await fetch(`${stack.host}/v1/widget.json`);
  assert.equal(r.status, 200);
  manifest = await r.json();
});

after(async () => {
  await stack?.stop();
  merchant?.close();
});

// A shopper in `country` reading `locale`, on the merchant's page. The CDN
// in front of the edge adds the geo header (a page cannot: it is no CORS
// header), so the test adds it on the way to the edge only.
async function shopper(country, locale, query) {
  const context = await stack.browser.newContext({ locale, viewport: { width: 1280, height: 2400 } });
  await context.route(`${stack.host}/**`, (route) => route.continue({
    headers: { ...route.request().headers(), 'cf-ipcountry': country },
  }));
  const page = await context.newPage();
  const calls = [];
  page.on('request', async (r) => {
    if (!r.url().startsWith(stack.host)) return;
    calls.push({ url: r.url(), headers: await r.allHeaders() });
  });
  await page.goto(`${shop}/?${query}`, { waitUntil: 'load', timeout: 120_000 });
  return { context, page, calls };
}

const ready = (page, ids) => page.waitForFunction(
  (ids) => ids.every((id) => ['ready', 'refused'].includes(document.getElementById(id)?.dataset.state)),
  ids, { timeout: 60_000 },
);

const ELEMENTS = ['sun-img', 'sun-price', 'orbit-img', 'orbit-price', 'orbit-label', 'aviator', 'sun-tryon'];

test('the widget is public, versioned JavaScript with its SRI hash', async () => {
  assert.match(manifest.version, /^\d+\.\d+\.\d+-[0-9a-f]{12}$/);
  assert.equal(manifest.url, `/v1/widget/${manifest.version}/widget.js`);
  const pinned = await fetch(`${stack.host}${manifest.url}`);
  assert.equal(pinned.status, 200);
  assert.equal(pinned.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(pinned.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(pinned.headers.get('access-control-allow-origin'), '*');
  assert.equal(pinned.headers.get('x-content-type-options'), 'nosniff');
  const bytes = Buffer.from(await pinned.arrayBuffer());
  const { createHash } = await import('node:crypto');
  assert.equal(manifest.integrity, `sha384-${createHash('sha384').update(bytes).digest('base64')}`);
  const current = await fetch(`${stack.host}/v1/widget.js`);
  assert.equal(current.headers.get('cache-control'), 'public, max-age=300');
  assert.deepEqual(Buffer.from(await current.arrayBuffer()), bytes);
  const stale = await fetch(`${stack.host}/v1/widget/0.0.0-000000000000/widget.js`);
  assert.equal(stale.status, 404);
  assert.equal((await stale.json()).code, 'widget-version-unknown');
});

test('Germany with consent: images, euro prices, German labels, the AI label, consent passed on', async () => {
  const { context, page, calls } = await shopper('DE', 'de-DE', 'cmp=grant');
  await ready(page, ELEMENTS);

  // The rendition loads, with a srcset, its box and lazy loading.
  await page.waitForFunction(() => {
    const img = document.querySelector('#sun-img img');
    return img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 60_000 });
  const img = await page.$eval('#sun-img img', (i) => ({
    src: i.currentSrc, srcset: i.getAttribute('srcset'), sizes: i.getAttribute('sizes'),
    width: i.getAttribute('width'), height: i.getAttribute('height'),
    loading: i.loading, decoding: i.decoding, alt: i.alt,
  }));
  assert.ok(img.src.startsWith(`${stack.host}/v1/media/coast-sunset.jpg/`), img.src);
  assert.match(img.srcset, /\/product\.webp 800w/);
  assert.match(img.srcset, / 160w, /);
  assert.deepEqual([img.width, img.height, img.loading, img.decoding, img.sizes], ['800', '800', 'lazy', 'async', '320px']);
  assert.equal(img.alt, 'Solstice sunglasses');
  // The box is the preset's (320 px wide on this page, square), whatever
  // the loaded image's own proportions: loading it moved nothing.
  const box = await page.$eval('#sun-img', (e) => {
    const outer = e.getBoundingClientRect();
    const inner = e.querySelector('img').getBoundingClientRect();
    return [outer.width, outer.height, inner.width, inner.height];
  });
  assert.deepEqual(box, [320, 320, 320, 320]);

  // Prices as German shoppers write them, exactly as the browser's own ICU does.
  const prices = await page.evaluate(() => ({
    sun: document.getElementById('sun-price').textContent,
    orbit: document.getElementById('orbit-price').textContent,
    expected: [145, 189].map((n) => new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(n)),
    currency: document.getElementById('sun-price').dataset.currency,
    lang: document.getElementById('sun-price').lang,
  }));
  assert.deepEqual([prices.sun, prices.orbit], prices.expected);
  assert.equal(prices.sun, '145,00\u00a0€');
  assert.equal(prices.currency, 'EUR');
  assert.equal(prices.lang, 'de-DE');

  // The EU AI Act label on AI-written copy, with the machine-readable marker.
  const label = await page.$eval('#orbit-label', (e) => ({ text: e.textContent, marker: e.dataset.aiGenerated, hidden: e.hidden }));
  assert.deepEqual(label, { text: 'KI-generiert', marker: 'true', hidden: false });

  // Try-on in German, opening the edge's try-on page for the product.
  assert.equal(await page.textContent('#aviator button'), 'Anprobieren');
  assert.equal(await page.$eval('#sun-tryon button', (b) => b.disabled), true);
  assert.equal(await page.getAttribute('#sun-tryon', 'data-reason'), 'tryon-not-offered');
  const [tryon] = await Promise.all([context.waitForEvent('page'), page.click('#aviator button')]);
  await tryon.waitForLoadState('domcontentloaded');
  assert.equal(tryon.url(), `${stack.host}/tryon?sku=EYE-AVIATOR-GOLD`);
  assert.equal(await tryon.$eval('#product', (s) => s.value), 'EYE-AVIATOR-GOLD');
  assert.equal(await tryon.getAttribute('html', 'lang'), 'de-DE');
  await tryon.close();

  // Recommendations as cards, headed in German.
  await page.waitForFunction(() => ['ready', 'refused'].includes(document.getElementById('recs').dataset.state), null, { timeout: 60_000 });
  assert.equal(await page.getAttribute('#recs', 'data-state'), 'ready');
  const recs = await page.$$eval('#recs li', (lis) => lis.map((l) => ({
    sku: l.dataset.sku, reasons: l.dataset.reasons, price: l.querySelector('meridian-price')?.dataset.state,
    img: l.querySelector('meridian-media img')?.getAttribute('srcset'),
  })));
  assert.ok(recs.length > 0, 'recommendations render');
  for (const r of recs) {
    assert.ok(r.reasons && r.price === 'ready' && r.img.includes('/thumbnail.webp 160w'), JSON.stringify(r));
  }
  assert.ok(['Für dich empfohlen', 'Gerade beliebt'].includes(await page.textContent('#recs h2')));

  // The CMP's TC string went to the edge as x-tcf-consent, with no cookie;
  // the page's elements were served by one batched request.
  const products = calls.filter((c) => c.url.includes('/v1/products?'));
  assert.ok(products.length >= 1);
  const first = new URL(products[0].url).searchParams.getAll('sku');
  assert.deepEqual(first.sort(), ['EYE-AVIATOR-GOLD', 'MRD-ORBIT-TITANIUM', 'MRD-SOLSTICE-SUN']);
  for (const c of calls.filter((c) => /\/v1\/(products|recommendations)\?/.test(c.url))) {
    assert.equal(c.headers['x-tcf-consent'], TC_GRANTED, c.url);
    assert.equal(c.headers.cookie, undefined, c.url);
  }
  assert.deepEqual(await context.cookies(), [], 'the widget sets no cookie');
  await context.close();
});

test('Japan without a CMP: Japanese labels and yen; an unlicensed product refused in Japanese; nothing identifying sent', async () => {
  const { context, page, calls } = await shopper('JP', 'ja-JP', 'cmp=none');
  await ready(page, ELEMENTS);
  const sun = await page.evaluate(() => ({
    text: document.getElementById('sun-price').textContent,
    expected: new Intl.NumberFormat('ja-JP', { style: 'currency', currency: 'JPY' }).format(23800),
  }));
  assert.equal(sun.text, sun.expected);
  assert.equal(await page.textContent('#aviator button'), '試着する');

  // Orbit frames are licensed for the EEA and the UK only: 451, in Japanese.
  const refused = await page.$eval('#orbit-img', (e) => ({
    state: e.dataset.state, status: e.dataset.status, code: e.dataset.code, lang: e.lang,
    title: e.querySelector('strong')?.textContent, text: e.textContent, img: !!e.querySelector('img'),
    why: e.querySelector('a[rel~="blocked-by"]')?.textContent,
  }));
  assert.deepEqual(
    [refused.state, refused.status, refused.code, refused.img],
    ['refused', '451', 'territory-not-licensed', false],
  );
  assert.match(refused.lang, /^ja/);
  assert.equal(refused.title, 'お住まいの市場では販売していません');
  assert.match(refused.text, /販売ライセンスがありません/);
  assert.equal(refused.why, '理由');
  assert.equal(await page.getAttribute('#orbit-price', 'data-code'), 'territory-not-licensed');
  assert.equal(await page.$eval('#orbit-label', (e) => e.hidden), true);

  // No consent header, no cookie, nothing stored.
  for (const c of calls.filter((c) => /\/v1\/(products|recommendations)\?/.test(c.url))) {
    assert.equal(c.headers['x-tcf-consent'], undefined, c.url);
    assert.equal(c.headers.cookie, undefined, c.url);
  }
  assert.deepEqual(await context.cookies(), []);
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
  await context.close();
});

test('Germany while the CMP waits for the shopper: rendered after the bounded wait, without consent', async () => {
  const { context, page, calls } = await shopper('DE', 'de-DE', 'cmp=pending');
  await ready(page, ELEMENTS);
  assert.equal(await page.textContent('#sun-price'), '145,00\u00a0€');
  const products = calls.filter((c) => c.url.includes('/v1/products?'));
  assert.ok(products.length >= 1);
  for (const c of products) {
    assert.equal(c.headers['x-tcf-consent'], undefined);
    assert.equal(c.headers.cookie, undefined);
  }
  assert.deepEqual(await context.cookies(), []);
  await context.close();
});

test('a wrong integrity keeps the widget from running', async () => {
  const { context, page, calls } = await shopper('DE', 'de-DE', 'cmp=grant&sri=wrong');
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => customElements.get('meridian-price')), undefined);
  assert.equal(await page.getAttribute('#sun-price', 'data-state'), null);
  assert.ok(calls.some((c) => c.url.includes('/widget.js')), 'the script was fetched');
  assert.ok(!calls.some((c) => c.url.includes('/v1/products')), 'and never ran');
  await context.close();
});
