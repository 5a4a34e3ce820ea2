/*! Meridian storefront widget: custom elements for product media, prices,
 * AI labels, try-on and recommendations, rendered by the edge for the
 * shopper's market. No framework, no build step, no storage, no cookies.
 * Served as /v1/widget.js and, immutable for Subresource Integrity, as
 * /v1/widget/<version>/widget.js (see /v1/widget.json). */
(() => {
  'use strict';
  if (!window.customElements || customElements.get('meridian-price')) return;

  const script = document.currentScript || document.querySelector('script[src*="/v1/widget"]');
  // The edge is where this script came from, unless the tag names another.
  const EDGE = new URL((script && (script.dataset.edge || script.src)) || location.href).origin;
  const LOCALE = script && script.dataset.locale;
  // How long the page's CMP gets to answer before elements render without consent.
  const CMP_WAIT_MS = 500;
  // The edge's limit of SKUs per /v1/products request.
  const MAX_SKUS = 24;
  // Consent strings are base64url (TCF) or that plus `~` and `.` (GPP).
  const CONSENT_CHARS = /^[A-Za-z0-9_.~-]{1,8192}$/;

  const abs = (path) => new URL(path, EDGE).href;
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const k in attrs || {}) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  };

  // ---- consent: what the page's CMP says, passed on, never stored ------
  const consent = { tcf: null, gpp: null };

  // IAB TCF v2.2: the TC string once the CMP has loaded it or the shopper
  // has answered; nothing where GDPR does not apply. The listener stays:
  // an answer given after the first render applies to later requests.
  const tcf = () => new Promise((done) => {
    if (typeof window.__tcfapi !== 'function') return done();
    try {
      window.__tcfapi('addEventListener', 2, (data, ok) => {
        if (!ok || !data) return;
        if (data.gdprApplies === false) {
          consent.tcf = null;
          done();
        } else if ((data.eventStatus === 'tcloaded' || data.eventStatus === 'useractioncomplete')
          && typeof data.tcString === 'string') {
          consent.tcf = CONSENT_CHARS.test(data.tcString) ? data.tcString : null;
          done();
        }
      });
    } catch (e) {
      done();
    }
  });

  // IAB GPP v1.1: the GPP string once the CMP's signal is ready. The edge
  // does not decode GPP yet; it is passed on for when it does.
  const gpp = () => new Promise((done) => {
    if (typeof window.__gpp !== 'function') return done();
    const take = (p) => {
      if (p && p.signalStatus === 'ready' && typeof p.gppString === 'string') {
        consent.gpp = CONSENT_CHARS.test(p.gppString) ? p.gppString : null;
        done();
      }
    };
    try {
      window.__gpp('addEventListener', (evt, ok) => { if (ok && evt) take(evt.pingData); });
      window.__gpp('ping', (p, ok) => { if (ok !== false) take(p); });
    } catch (e) {
      done();
    }
  });

  const ready = Promise.race([
    Promise.all([tcf(), gpp()]),
    new Promise((r) => setTimeout(r, CMP_WAIT_MS)),
  ]);

  // Every call: consent as headers when the CMP gave it, never credentials
  // (no cookie goes to the edge, none comes back).
  const get = (path) => {
    const headers = {};
    if (consent.tcf) headers['x-tcf-consent'] = consent.tcf;
    if (consent.gpp) headers['x-gpp-string'] = consent.gpp;
    return fetch(abs(path), { headers, credentials: 'omit', mode: 'cors' })
      .then((r) => r.json().then((body) => ({ status: r.status, body }), () => ({ status: r.status, body: null })))
      .catch(() => ({ status: 0, body: null }));
  };

  // ---- products: one batched request per page load ----------------------
  const loads = new Map();
  let queue = [];

  const flush = () => {
    const batch = queue;
    queue = [];
    const skus = [...new Set(batch.map((b) => b.sku))];
    for (let i = 0; i < skus.length; i += MAX_SKUS) {
      const part = skus.slice(i, i + MAX_SKUS);
      const mine = batch.filter((b) => part.includes(b.sku));
      const q = new URLSearchParams();
      part.forEach((s) => q.append('sku', s));
      [...new Set(mine.map((b) => b.preset).filter(Boolean))].forEach((p) => q.append('preset', p));
      if (LOCALE) q.set('locale', LOCALE);
      get('/v1/products?' + q).then((r) => {
        const page = r.status === 200 && r.body ? r.body : null;
        for (const b of mine) {
          const item = page && page.products && page.products[b.sku];
          b.done({ page, item: item || { status: r.status, problem: r.body || {} } });
        }
      });
    }
  };

  const load = (sku, preset) => {
    const key = sku + '\n' + (preset || '');
    if (!loads.has(key)) {
      loads.set(key, new Promise((done) => {
        queue.push({ sku, preset, done });
        if (queue.length === 1) ready.then(() => setTimeout(flush));
      }));
    }
    return loads.get(key);
  };

  // Text in the answer's language on an element.
  const speak = (host, page) => {
    if (page) {
      host.lang = page.locale;
      host.dir = page.dir;
    }
  };

  // A product the shopper may not be offered (451), or any other refusal:
  // the edge's words in the shopper's language, its code in `data-code`.
  const refuse = (host, page, item) => {
    const p = item.problem || {};
    host.dataset.state = 'refused';
    host.dataset.status = String(item.status || p.status || 0);
    host.dataset.code = p.code || 'edge-unreachable';
    speak(host, page);
    const box = el('span', { role: 'note', class: 'meridian-refusal' });
    box.append(el('strong', null, p.title || p.code || 'Meridian'));
    if (p.detail) box.append(' ', el('span', null, p.detail));
    if (item.policy_url && page) {
      box.append(' ', el('a', { href: item.policy_url, rel: 'blocked-by noopener', target: '_blank' }, page.labels.why));
    }
    host.replaceChildren(box);
  };

  class Element extends HTMLElement {
    connectedCallback() {
      if (this.started) return;
      this.started = true;
      const sku = this.getAttribute('sku');
      if (!sku) return;
      this.dataset.state = 'loading';
      load(sku, this.preset()).then(({ page, item }) => {
        if (item.status !== 200) return this.refused(page, item);
        speak(this, page);
        this.show(page, item);
        this.dataset.state = 'ready';
      });
    }

    preset() {
      return '';
    }

    refused(page, item) {
      refuse(this, page, item);
    }
  }

  // <meridian-media sku preset sizes alt>: the rendition's <img>, its box
  // reserved from the preset before it loads.
  class Media extends Element {
    connectedCallback() {
      const w = this.getAttribute('width');
      const h = this.getAttribute('height');
      if (w > 0 && h > 0) this.style.setProperty('--meridian-ratio', w + '/' + h);
      super.connectedCallback();
    }

    preset() {
      return this.getAttribute('preset') || 'product';
    }

    show(page, item) {
      const m = item.media && item.media[this.preset()];
      if (!m) return this.replaceChildren();
      this.style.setProperty('--meridian-ratio', m.width + '/' + m.height);
      this.replaceChildren(el('img', {
        src: abs(m.src),
        srcset: m.srcset.map((c) => abs(c.url) + ' ' + c.width + 'w').join(', '),
        sizes: this.getAttribute('sizes') || `auto, (max-width: ${m.width}px) 100vw, ${m.width}px`,
        width: m.width,
        height: m.height,
        alt: this.getAttribute('alt') ?? item.name,
        loading: 'lazy',
        decoding: 'async',
      }));
    }
  }

  // <meridian-price sku>: the price as the shopper's locale writes it.
  class Price extends Element {
    show(page, item) {
      const p = item.price;
      if (p) {
        this.dataset.amount = p.amount;
        this.dataset.currency = p.currency;
        this.textContent = p.text;
      } else {
        this.dataset.missing = 'true';
        this.textContent = page.labels.price_on_request;
      }
    }
  }

  // <meridian-ai-label sku>: the market's label where the product's copy
  // is AI-generated; the machine-readable marker wherever the law asks.
  class AiLabel extends Element {
    show(page, item) {
      const l = item.ai_label;
      if (l && l.marker) this.dataset.aiGenerated = 'true';
      this.textContent = l && l.visible ? l.text : '';
      this.hidden = !(l && l.visible);
    }

    refused() {
      this.dataset.state = 'refused';
      this.hidden = true;
    }
  }

  // <meridian-tryon-button sku>: opens the edge's try-on page (which runs
  // the market's consent flow) in a new tab; disabled, with the reason,
  // where try-on is not offered.
  class TryOn extends Element {
    show(page, item) {
      const t = item.tryon;
      const b = el('button', { type: 'button', class: 'meridian-tryon' }, page.labels.tryon);
      if (t && t.url) {
        b.addEventListener('click', () => window.open(abs(t.url), '_blank', 'noopener'));
        this.replaceChildren(b);
      } else {
        b.disabled = true;
        this.dataset.reason = item.tryon_reason || 'tryon-not-offered';
        this.replaceChildren(b, ' ', el('small', null, page.labels.tryon_unavailable));
      }
    }
  }

  // <meridian-recommendations context k>: the edge's list for this context
  // (personal only where consent allows it there), as product cards.
  class Recommendations extends HTMLElement {
    connectedCallback() {
      if (this.started) return;
      this.started = true;
      this.dataset.state = 'loading';
      // The edge reads `product:<sku>` and `cart:<sku>,<sku>` literally.
      const raw = (name) => encodeURIComponent(this.getAttribute(name) || '').replace(/%3A/gi, ':').replace(/%2C/gi, ',');
      let q = 'context=' + (raw('context') || 'home');
      if (this.getAttribute('k')) q += '&k=' + raw('k');
      ready.then(() => get('/v1/recommendations?' + q)).then((r) => {
        if (r.status !== 200 || !r.body) return refuse(this, null, { status: r.status, problem: r.body || {} });
        const items = r.body.items || [];
        this.dataset.personalized = String(!!r.body.personalized);
        const heading = el('h2');
        const list = el('ul', { class: 'meridian-recommendations' });
        for (const i of items) {
          const card = el('li', { 'data-sku': i.sku, 'data-reasons': (i.reasons || []).join(' ') });
          card.append(
            el('meridian-media', { sku: i.sku, preset: 'thumbnail', sizes: '160px' }),
            el('span', { class: 'meridian-name' }, i.name),
            el('meridian-price', { sku: i.sku }),
          );
          list.append(card);
        }
        this.replaceChildren(heading, list);
        if (!items.length) return (this.dataset.state = 'ready');
        load(items[0].sku, '').then(({ page }) => {
          if (page) {
            speak(this, page);
            heading.textContent = page.labels[r.body.personalized ? 'recommended' : 'popular'];
          }
          this.dataset.state = 'ready';
        });
      });
    }
  }

  // Zero-specificity defaults the merchant's CSS overrides.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(':where(meridian-media){display:block;aspect-ratio:var(--meridian-ratio,1);overflow:hidden}'
      + ':where(meridian-media) img{display:block;width:100%;height:100%;object-fit:contain}'
      + ':where(.meridian-recommendations){list-style:none;padding:0;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr))}'
      + ':where(.meridian-recommendations li){display:flex;flex-direction:column;gap:.25rem}');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch (e) {
    // Older browsers: the elements work unstyled.
  }

  customElements.define('meridian-media', Media);
  customElements.define('meridian-price', Price);
  customElements.define('meridian-ai-label', AiLabel);
  customElements.define('meridian-tryon-button', TryOn);
  customElements.define('meridian-recommendations', Recommendations);
})();
