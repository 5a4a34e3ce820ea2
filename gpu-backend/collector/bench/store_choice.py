#!/usr/bin/env python3
"""SQLite or DuckDB for the collector's embedded store, by measurement.

Both engines through their Python bindings (Python's `sqlite3`; `duckdb`
from PyPI: DuckDB's Rust crate bundles a C++ build too large for the build
machine), the collector's schema (src/store.rs: the event id the primary
key), and its two workloads:

1. ingest: batches of 1, 10 and 100 new events, each batch one transaction
   of insert-or-ignore (SQLite `INSERT OR IGNORE`, executed per row as the
   collector does; DuckDB `INSERT ... ON CONFLICT DO NOTHING`, one
   multi-row statement per batch, its fastest way in SQL), into a fresh
   file on disk;
2. the bandit's counts: the collector's own EXPOSURES and CONVERSIONS
   queries, read out of src/store.rs (so this measures the SQL that runs),
   over --events rows of a deterministic mix of events.

Both engines' answers to the counts are compared; the script fails if they
differ. Deterministic: a fixed seed, fixed batch counts. Prints markdown.

    pip install duckdb
    python3 gpu-backend/collector/bench/store_choice.py --events 1000000
"""

import argparse
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
STORE_RS = HERE.parent / "src" / "store.rs"
SEED = 20261201
T0 = 1_800_000_000_000

COLUMNS = (
    "id", "kind", "at", "edge_received_at", "stored_at", "market", "region", "key_id", "page",
    "experiment", "variant", "sku", "target", "quantity", "order_value", "currency", "skus",
    "consent_outcome", "consent_reason", "policy_version", "pseudonym",
)


def rust_const(name):
    """The text of `const NAME: &str = "...";` in store.rs."""
    text = STORE_RS.read_text()
    m = re.search(r'const ' + name + r': &str = "(.*?)";', text, re.S)
    if not m:
        sys.exit(f"{name} not found in {STORE_RS}")
    return m.group(1)


SQLITE_SCHEMA = rust_const("SCHEMA")
EXPOSURES = rust_const("EXPOSURES")
CONVERSIONS = rust_const("CONVERSIONS")

# DuckDB has no partial indexes, and its ART indexes serve point lookups,
# not these joins and scans: the primary key only.
DUCKDB_SCHEMA = """
CREATE TABLE events (
    id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, "at" BIGINT NOT NULL,
    edge_received_at BIGINT NOT NULL, stored_at BIGINT NOT NULL, market VARCHAR NOT NULL,
    region VARCHAR NOT NULL, key_id VARCHAR NOT NULL, page VARCHAR NOT NULL,
    experiment VARCHAR, variant VARCHAR, sku VARCHAR, target VARCHAR, quantity BIGINT,
    order_value VARCHAR, currency VARCHAR, skus VARCHAR, consent_outcome VARCHAR NOT NULL,
    consent_reason VARCHAR NOT NULL, policy_version VARCHAR NOT NULL, pseudonym VARCHAR
)"""


def duckdb_dialect(sql):
    """The store's SQL in DuckDB's dialect: `$n` parameters, and a boolean
    summed as an integer (DuckDB does not sum booleans)."""
    sql = re.sub(r"\?(\d)", r"$\1", sql)
    return sql.replace("SUM(pseudonym IS NULL)", "SUM(CAST(pseudonym IS NULL AS INTEGER))")


def row(rng, n, kind, who, key_id, market, at, experiment=None, variant=None):
    sku = f"sku-{rng.randrange(500)}"
    r = {
        "id": f"evt-{n:012d}-{rng.getrandbits(32):08x}",
        "kind": kind, "at": at, "edge_received_at": at + 40, "stored_at": at + 90,
        "market": market, "region": "eu", "key_id": key_id, "page": f"/p/{rng.randrange(200)}",
        "experiment": experiment, "variant": variant, "sku": None, "target": None,
        "quantity": None, "order_value": None, "currency": None, "skus": None,
        "consent_outcome": "allow", "consent_reason": "consent-tcf-granted",
        "policy_version": "pk1-0123456789ab", "pseudonym": who,
    }
    if kind in ("view", "click", "add-to-cart"):
        r["sku"] = sku
    if kind == "click":
        r["target"] = "image"
    if kind == "add-to-cart":
        r["quantity"] = 1 + rng.randrange(3)
    if kind == "purchase":
        r["order_value"] = f"{rng.randrange(100, 20000) / 100:.2f}"
        r["currency"] = "EUR"
        r["skus"] = f'["{sku}"]'
    return tuple(r[c] for c in COLUMNS)


def shopper_events(total):
    """`total` events of shoppers who are exposed to experiments and then
    browse and buy, in the proportions of a storefront (about a third
    exposures, most of the rest views; 5% of shoppers without consent, so
    no pseudonym)."""
    rng = random.Random(SEED)
    markets = ["DE", "FR", "AT", "NL", "IT", "ES"]
    experiments = [("hero", ["control", "bold"]), ("checkout", ["control", "one-page", "express"])]
    out = []
    n = 0
    while len(out) < total:
        anonymous = rng.random() < 0.05
        who = None if anonymous else f"{rng.getrandbits(128):032x}"
        key_id = f"2026-12-0{1 + rng.randrange(3)}.3f9a01c2"
        market = rng.choice(markets)
        at = T0 + rng.randrange(86_400_000)
        for _ in range(rng.randrange(4, 16)):
            at += rng.randrange(1, 60_000)
            p = rng.random()
            if p < 0.33:
                name, variants = experiments[0] if rng.random() < 0.7 else experiments[1]
                out.append(row(rng, n, "exposure", who, key_id, market, at, name, rng.choice(variants)))
            elif p < 0.78:
                out.append(row(rng, n, "view", who, key_id, market, at))
            elif p < 0.9:
                out.append(row(rng, n, "click", who, key_id, market, at))
            elif p < 0.96:
                out.append(row(rng, n, "add-to-cart", who, key_id, market, at))
            else:
                out.append(row(rng, n, "purchase", who, key_id, market, at))
            n += 1
            if len(out) == total:
                break
    return out


class Sqlite:
    name = "SQLite"

    def __init__(self, path, synchronous):
        self.setting = f"WAL, synchronous={synchronous}"
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute(f"PRAGMA synchronous = {synchronous}")
        self.db.executescript(SQLITE_SCHEMA)
        placeholders = ", ".join(f"?{i + 1}" for i in range(len(COLUMNS)))
        self.insert = f"INSERT OR IGNORE INTO events ({', '.join(COLUMNS)}) VALUES ({placeholders})"

    def append(self, rows):
        cur = self.db.cursor()
        cur.execute("BEGIN")
        cur.executemany(self.insert, rows)
        cur.execute("COMMIT")
        return cur.rowcount

    def load(self, rows):
        self.append(rows)

    def query(self, sql, params):
        return sorted(self.db.execute(sql, params).fetchall())

    def count(self):
        return self.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def close(self):
        self.db.close()


class Duck:
    name = "DuckDB"

    def __init__(self, path):
        self.setting = "file, default (WAL synced at commit)"
        self.db = duckdb.connect(path)
        self.db.execute(DUCKDB_SCHEMA)
        self.statements = {}

    def append(self, rows):
        sql = self.statements.get(len(rows))
        if sql is None:
            one = "(" + ", ".join("?" for _ in COLUMNS) + ")"
            sql = f"INSERT INTO events VALUES {', '.join([one] * len(rows))} ON CONFLICT DO NOTHING"
            self.statements[len(rows)] = sql
        flat = [v for r in rows for v in r]
        self.db.execute("BEGIN TRANSACTION")
        self.db.execute(sql, flat)
        self.db.execute("COMMIT")

    def load(self, rows):
        # Bulk load through a file: a million rows of parameters would
        # measure the binding, and loading is not what is compared.
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
            for r in rows:
                f.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
        try:
            self.db.execute(
                f"INSERT INTO events SELECT * FROM read_csv('{f.name}', delim='\t', header=false, "
                f"nullstr='\\N', quote='', escape='', columns={{{', '.join(repr(c) + ': ' + repr(t) for c, t in duck_types())}}})"
            )
        finally:
            os.unlink(f.name)

    def query(self, sql, params):
        return sorted(tuple(r) for r in self.db.execute(duckdb_dialect(sql), params).fetchall())

    def count(self):
        return self.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def close(self):
        self.db.close()


def duck_types():
    ints = {"at", "edge_received_at", "stored_at", "quantity"}
    return [(c, "BIGINT" if c in ints else "VARCHAR") for c in COLUMNS]


def engines(directory):
    yield lambda: Sqlite(os.path.join(directory, "s-normal.sqlite"), "NORMAL")
    yield lambda: Sqlite(os.path.join(directory, "s-full.sqlite"), "FULL")
    yield lambda: Duck(os.path.join(directory, "d.duckdb"))


def ingest(directory, batches):
    print(f"\n### Ingest: {batches} batches per row, every event new, fresh files under {directory}\n")
    print("| engine | setting | events/batch | events | events/s | batches/s | p50 commit | p99 commit |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in (1, 10, 100):
        rows = shopper_events(batches * size)
        for make in engines(directory):
            db = make()
            latencies = []
            started = time.perf_counter()
            for i in range(batches):
                t = time.perf_counter()
                db.append(rows[i * size:(i + 1) * size])
                latencies.append(time.perf_counter() - t)
            elapsed = time.perf_counter() - started
            # A retried batch adds nothing (the primary key), in both.
            db.append(rows[:size])
            if db.count() != batches * size:
                sys.exit(f"{db.name}: {db.count()} rows, expected {batches * size}")
            latencies.sort()
            pick = lambda q: latencies[int((len(latencies) - 1) * q)] * 1000
            print(
                f"| {db.name} | {db.setting} | {size} | {batches * size} | {batches * size / elapsed:.0f} "
                f"| {batches / elapsed:.0f} | {pick(0.5):.2f} ms | {pick(0.99):.2f} ms |"
            )
            db.close()
        for f in os.listdir(directory):
            os.unlink(os.path.join(directory, f))


def counts(directory, total, repeats):
    print(f"\n### Counts over {total} events (experiment `hero`, metric purchase), median of {repeats}\n")
    rows = shopper_events(total)
    print("| engine | setting | load (bulk, not compared) | exposures query | conversions query | both | file size |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    answers = {}
    for make in (lambda: Sqlite(os.path.join(directory, "c.sqlite"), "NORMAL"),
                 lambda: Duck(os.path.join(directory, "c.duckdb"))):
        db = make()
        t = time.perf_counter()
        db.load(rows)
        loaded = time.perf_counter() - t
        if db.count() != total:
            sys.exit(f"{db.name}: loaded {db.count()} of {total}")
        times = {"exposures": [], "conversions": []}
        for _ in range(repeats):
            t = time.perf_counter()
            exposures = db.query(EXPOSURES, ["hero"])
            times["exposures"].append(time.perf_counter() - t)
            t = time.perf_counter()
            conversions = db.query(CONVERSIONS, ["hero", "purchase"])
            times["conversions"].append(time.perf_counter() - t)
        answers[db.name] = (exposures, conversions)
        e = statistics.median(times["exposures"]) * 1000
        c = statistics.median(times["conversions"]) * 1000
        db.close()
        size = sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory))
        print(f"| {db.name} | {db.setting} | {loaded:.1f} s | {e:.0f} ms | {c:.0f} ms | {e + c:.0f} ms | {size / 2**20:.0f} MiB |")
        for f in os.listdir(directory):
            os.unlink(os.path.join(directory, f))
    if answers["SQLite"] != answers["DuckDB"]:
        sys.exit(f"the engines disagree on the counts:\n{answers}")
    exposures, conversions = answers["SQLite"]
    print(f"\nBoth engines give the same {len(exposures)} exposure rows and {len(conversions)} "
          f"conversion rows (e.g. {exposures[0]}, {conversions[0]}).")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=1_000_000, help="rows for the counts query (1000000)")
    p.add_argument("--batches", type=int, default=1000, help="batches per ingest row (1000)")
    p.add_argument("--repeats", type=int, default=3, help="runs of each counts query (3)")
    p.add_argument("--dir", default=None, help="where the files go (default: the system temp dir)")
    a = p.parse_args()
    if a.events < 1000 or a.batches < 10 or a.repeats < 1:
        p.error("--events at least 1000, --batches at least 10, --repeats at least 1")
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} (Python's sqlite3), "
          f"DuckDB {duckdb.__version__} (PyPI duckdb); {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        ingest(d, a.batches)
        counts(d, a.events, a.repeats)


if __name__ == "__main__":
    main()
