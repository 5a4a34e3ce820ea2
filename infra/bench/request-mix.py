"""Writes infra/bench/request-mix.tsv: the request mix the edge cache's hit
ratio is measured over (`infra/bench/edge-cache.sh`).

No production traffic exists to record yet, so the mix is drawn, with a
fixed seed, from the shape storefront traffic has: product popularity
follows a Zipf law, shoppers come from markets in proportion to a
cross-border merchant's audience, some links carry tracking parameters,
widgets ask for thumbnails and product images, and the catalog's prices
change now and then (a `webhook` line: the platform's price.changed call).
Re-running the script gives the same file.

    python3 infra/bench/request-mix.py > infra/bench/request-mix.tsv
"""
import random

rng = random.Random(20261124)
SKUS = ["MRD-SOLSTICE-SUN", "MRD-AURORA-WATCH", "MRD-ORBIT-TITANIUM", "MRD-SILK-SCARF",
        "MRD-RIESLING-2023", "MRD-FRIENDS-PRINT", "MRD-CLOUD-VAPE"]
ASSETS = ["coast-sunset.jpg", "umang.jpg", "dragonfly.jpg", "picos-de-europa.png", "seeding.jpg", "friends.webp"]
MARKETS = {"US": 30, "DE": 18, "GB": 10, "FR": 9, "JP": 7, "NL": 5, "IT": 5, "ES": 4, "CA": 4, "AU": 3, "KR": 2, "BR": 2, "IN": 1}


def zipf(items, s=1.1):
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


def market():
    return rng.choices(list(MARKETS), list(MARKETS.values()))[0]


print("# country\tpath   (or: webhook\\tSKU)")
for i in range(3000):
    if i and i % 600 == 0:
        print(f"webhook\t{zipf(SKUS)}")
    kind = rng.random()
    if kind < 0.55:
        path = f"/v1/origin/catalog/products/{zipf(SKUS)}"
        if rng.random() < 0.15:
            path += f"?utm_source={rng.choice(['mail', 'ads', 'social'])}&utm_campaign=w{rng.randint(1, 9)}"
    elif kind < 0.70:
        path = "/v1/origin/catalog/products"
    elif kind < 0.72:
        path = f"/v1/origin/catalog/products/MRD-UNKNOWN-{rng.randint(1, 3)}"
    else:
        preset, ext = rng.choice([("thumbnail", "webp"), ("thumbnail", "jpg"), ("product", "webp")])
        path = f"/v1/media/{zipf(ASSETS)}/{preset}.{ext}"
    print(f"{market()}\t{path}")
