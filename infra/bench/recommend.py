"""Helper of infra/bench/recommend.sh.

`shop DIR`: a 500-item synthetic shop in DIR: `recommendations.json` (the
criterion bench's data, functions/edge/benches/recommend.rs, value for
value: the same generator, so both measure the same re-rank), `catalog.toml`
selling every item, and `spin.toml`, the repository's manifest reduced to the
personalize component with both as its `recommendation_data` and
`recommendation_catalog` (a manifest value has no environment-variable size
limit; the data is about 260 KB); `spin-shipped.toml`, the same manifest
with the shipped data.

`measure HOST N CONTEXT...`: N sequential GET /v1/recommendations per
context over one kept-alive connection, after a warm-up; prints per context
p50/p99/max of the component's own re-rank time (its `Server-Timing`) and
of the whole request as this client sees it.
"""

import http.client
import json
import pathlib
import re
import sys
import time
import urllib.parse

ITEMS = 500
DIM = 16
CATEGORIES = ["eyewear", "apparel", "jewellery", "cosmetics", "luxury", "home", "footwear", "watches"]
M64 = (1 << 64) - 1
TIMING = re.compile(r'rerank;dur=([0-9]+\.[0-9]{3});desc="([0-9]+) candidates"')


def sku(i):
    return f"S{i:03}"


def shop_data():
    # The bench's PCG-style LCG and its draw order: popularity, then the embedding.
    state = 42

    def nxt():
        nonlocal state
        state = (state * 6_364_136_223_846_793_005 + 1_442_695_040_888_963_407) & M64
        return (state >> 11) / float(1 << 53)

    items = {}
    for i in range(ITEMS):
        similar = [{"sku": sku(j), "score": 1.0 - j / 300.0} for j in range(1, 251)] if i == 0 else []
        popularity = nxt()
        embedding = [nxt() * 2.0 - 1.0 for _ in range(DIM)]
        items[sku(i)] = {
            "category": CATEGORIES[i % len(CATEGORIES)],
            "in_stock": i % 17 != 0,
            "promoted": i % 23 == 0,
            "popularity": popularity,
            "embedding": embedding,
            "similar": similar,
        }
    trending = [{"sku": sku(i), "score": 1.0 - i / ITEMS} for i in range(ITEMS)]
    return {
        "format": 1,
        "generated_by": "infra/bench/recommend.py shop (the criterion bench's data)",
        "dim": DIM,
        "items": items,
        "trending": {"DE": trending},
    }


def shop_catalog():
    out = []
    for i in range(ITEMS):
        out.append(
            f'[[product]]\nsku = "{sku(i)}"\nname = "Synthetic item {i}"\nasset = "synthetic-{i}.jpg"\n'
            f'price = {{ EUR = "€ {10 + i}" }}\ncopy = {{ en = "Synthetic item {i}." }}\n'
        )
    return "\n".join(out)


def reduced_manifest(root, data=None, catalog=None):
    """spin.toml with only the personalize component (the host wants every
    listed component built), its routes, absolute sources, and the shop, if
    given, as the two variables' defaults."""
    text = (root / "spin.toml").read_text()
    sections, current = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            sections.append(current)
            current = []
        current.append(line)
    sections.append(current)
    kept = []
    for section in sections:
        head = section[0].strip() if section else ""
        body = "".join(section)
        if head.startswith("[component.") and not head.startswith("[component.personalize"):
            continue
        if head == "[[trigger.http]]" and 'component = "personalize"' not in body:
            continue
        kept.append(body)
    text = "".join(kept)
    text = text.replace('source = "target/', f'source = "{root}/target/')
    for name, value in [("recommendation_data", data), ("recommendation_catalog", catalog)]:
        if value is None:
            continue
        assert "'''" not in value
        before = f'{name} = {{ default = "" }}'
        assert before in text, f"spin.toml has no `{before}`"
        text = text.replace(before, f"{name} = {{ default = '''\n{value}''' }}")
    return text


def shop(out):
    out = pathlib.Path(out)
    root = pathlib.Path(__file__).resolve().parents[2]
    data = json.dumps(shop_data())
    catalog = shop_catalog()
    (out / "recommendations.json").write_text(data)
    (out / "catalog.toml").write_text(catalog)
    (out / "spin.toml").write_text(reduced_manifest(root, data, catalog))
    (out / "spin-shipped.toml").write_text(reduced_manifest(root))


def pct(values, q):
    s = sorted(values)
    return s[int((len(s) - 1) * q)]


def measure(host, n, contexts, warmup=50):
    url = urllib.parse.urlsplit(host)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"cf-ipcountry": "DE"}
    print(f"{'context':<40} {'cand':>5} {'rerank p50':>11} {'p99':>8} {'max':>8} {'request p50':>12} {'p99':>8} {'max':>8}  (ms, n={n})")
    for context in contexts:
        # `:` and `,` as a storefront sends them (the edge reads the raw query).
        path = f"/v1/recommendations?context={urllib.parse.quote(context, safe=':,')}&k=10"
        rerank, total, candidates = [], [], set()
        for i in range(warmup + n):
            t = time.perf_counter_ns()
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            body = r.read()
            elapsed = (time.perf_counter_ns() - t) / 1e6
            if r.status != 200:
                sys.exit(f"{context}: {r.status} {body[:300]!r}")
            m = TIMING.fullmatch(r.getheader("server-timing") or "")
            if not m:
                sys.exit(f"{context}: no well-formed server-timing: {r.getheader('server-timing')!r}")
            if not json.loads(body)["items"]:
                sys.exit(f"{context}: an empty list")
            if i >= warmup:
                rerank.append(float(m.group(1)))
                total.append(elapsed)
                candidates.add(int(m.group(2)))
        cand = ",".join(str(c) for c in sorted(candidates))
        print(
            f"{context:<40} {cand:>5} {pct(rerank, 0.5):>11.3f} {pct(rerank, 0.99):>8.3f} {max(rerank):>8.3f}"
            f" {pct(total, 0.5):>12.3f} {pct(total, 0.99):>8.3f} {max(total):>8.3f}"
        )


if __name__ == "__main__":
    if sys.argv[1] == "shop":
        shop(sys.argv[2])
    elif sys.argv[1] == "measure":
        measure(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit(__doc__)
