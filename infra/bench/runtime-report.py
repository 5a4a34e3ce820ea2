"""The report of infra/bench/runtime.sh: a Markdown table between the
runtime-bench markers of docs/benchmarks.md, and an SVG bar chart (req/s per
row, p99 written beside each bar). Standard library only.

    python3 infra/bench/runtime-report.py ROWS.tsv DOC.md CHART.svg

ROWS.tsv is what runtime.sh's `measure` writes; the run's context comes in
BENCH_* environment variables (runtime.sh exports them).
"""

import csv
import html
import os
import re
import sys

START = "<!-- runtime-bench:start: written by infra/bench/runtime.sh; a rerun replaces everything up to the end marker -->"
END = "<!-- runtime-bench:end -->"
HEADING = "## Edge runtime: meridian-host, wasmtime serve and nginx"
COLOURS = {"nginx": "#8c8c8c", "meridian-host": "#d9702b"}
WASMTIME_COLOUR = "#3d6fb4"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def latency_ms(text):
    """wrk's latency (`243.00us`, `8.94ms`, `1.02s`) in milliseconds."""
    found = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not found:
        sys.exit(f"unexpected wrk latency {text!r}")
    return float(found.group(1)) * UNITS_MS[found.group(2)]


def fmt_ms(ms):
    return f"{ms * 1000:.0f} µs" if ms < 1 else f"{ms:.2f} ms"


def load_rows(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows:
        sys.exit(f"{path}: no rows")
    for row in rows:
        row["rps"] = float(row["rps"])
        row["p50_ms"] = latency_ms(row["p50"])
        row["p99_ms"] = latency_ms(row["p99"])
        row["rss_mib"] = int(row["rss_kib"]) / 1024
    return rows


def ratio(row, by_id):
    ref = by_id.get(row["ref"])
    return None if ref is None else row["rps"] / ref["rps"]


def table(rows, by_id):
    out = [
        "| server | what | request | bytes | req/s | p50 | p99 | peak RSS | vs nginx, same bytes |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        r = ratio(row, by_id)
        request = "" if row["server"] == "nginx" else f"`GET {row['path']}`"
        if row["headers"]:
            request += ", " + ", ".join(f"`{h}`" for h in row["headers"].split(";"))
        what = row["what"]
        if row["socket_errors"]:
            what += f" (wrk socket errors: {row['socket_errors']})"
        out.append(
            f"| {row['server']} | {what} | {request} | {row['bytes']} | {row['rps']:,.0f} | "
            f"{fmt_ms(row['p50_ms'])} | {fmt_ms(row['p99_ms'])} | {row['rss_mib']:.0f} MiB | "
            f"{'' if r is None else f'{100 * r:.0f}%'} |"
        )
    return out


def targets(rows, by_id, env):
    """The issue's targets, as figures with met / not met."""

    def verdict(ok):
        return "met" if ok else "not met"

    lines = []
    for id_ in ("host-thumb-geo", "host-thumb-ipdb"):
        row = by_id.get(id_)
        if row:
            r = ratio(row, by_id)
            lines.append(
                f"- {row['what']}: {100 * r:.0f}% of nginx with p99 {fmt_ms(row['p99_ms'])} "
                f"(target ≥ 50% with p99 ≤ 5 ms: {verdict(r >= 0.5 and row['p99_ms'] <= 5)})"
            )
    market = by_id.get("host-market")
    if market:
        r = ratio(market, by_id)
        lines.append(f"- `/v1/market`: {100 * r:.0f}% of nginx (target ≥ 60%: {verdict(r >= 0.6)})")
    wasmtime = {row["id"].rsplit("-", 1)[1]: row for row in rows if row["id"].startswith("wasmtime-hello-")}
    hosts = [row for row in rows if row["id"].startswith("host-hello")]
    for host in hosts:
        reuse = host["id"].rsplit("-", 1)[1]
        other = wasmtime.get(reuse)
        if other:
            lines.append(
                f"- hello world, reuse {reuse}: meridian-host {host['rps']:,.0f} req/s, wasmtime serve "
                f"{other['rps']:,.0f} ({100 * host['rps'] / other['rps']:.0f}%; target ≥ 100%: "
                f"{verdict(host['rps'] >= other['rps'])})"
            )
    first = float(env["BENCH_FIRST_APP_MS"])
    lines.append(f"- first response after host start, warm compile cache: {first:.1f} ms (target ≤ 50 ms: {verdict(first <= 50)})")
    return lines


def section(rows, env):
    by_id = {row["id"]: row for row in rows}
    return "\n".join(
        [
            START,
            "",
            f"Run {env['BENCH_STARTED']}, commit {env['BENCH_COMMIT']}; machine: {env['BENCH_MACHINE']}; "
            f"load average (1, 5, 15 min) {env['BENCH_LOADAVG_START']} at the start, "
            f"{env['BENCH_LOADAVG_END']} at the end.",
            f"`{env['BENCH_COMMAND']}`: {env['BENCH_WRK']} on loopback; load generator and servers share "
            "the machine. Peak RSS: the server's VmHWM during its row (nginx: master and workers).",
            "",
            *table(rows, by_id),
            "",
            "First response after a host start with a warm compile cache (process spawn to the end of "
            f"the first 200): hello world {float(env['BENCH_FIRST_HELLO_MS']):.1f} ms "
            f"({env['BENCH_FIRST_HELLO_LISTEN']}), the application (thumbnail hit, IP database) "
            f"{float(env['BENCH_FIRST_APP_MS']):.1f} ms ({env['BENCH_FIRST_APP_LISTEN']}). The "
            f"application's first start, cold compile cache: {env['BENCH_COLD_START_S']} s to listening.",
            "",
            "Against the issue's targets (figures, not assertions):",
            "",
            *targets(rows, by_id, env),
            "",
            "![req/s per row, p99 beside each bar](runtime-bench.svg)",
            "",
            END,
        ]
    )


def write_doc(path, text):
    with open(path) as f:
        doc = f.read()
    start, end = doc.find(START), doc.find(END)
    if start >= 0 and end > start:
        doc = doc[:start] + text + doc[end + len(END) :]
    else:
        doc = doc.rstrip("\n") + f"\n\n{HEADING}\n\n{text}\n"
    with open(path, "w") as f:
        f.write(doc)


def chart(rows, env):
    label_w, bar_w, note_w, row_h, top = 440, 380, 190, 26, 58
    width = label_w + bar_w + note_w
    height = top + row_h * len(rows) + 34
    peak = max(row["rps"] for row in rows)
    step = next(s for s in (1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000) if peak / s <= 8)
    scale = bar_w / (step * (int(peak // step) + 1))
    esc = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="20" font-size="15" font-weight="bold">Edge runtime on loopback: req/s (p99 beside each bar)</text>',
        f'<text x="10" y="38" fill="#555555">{esc(env["BENCH_STARTED"])}, {esc(env["BENCH_COMMIT"])}; '
        f'{esc(env["BENCH_MACHINE"])}; {esc(env["BENCH_WRK"])}</text>',
    ]
    ticks = range(0, int(peak // step) + 2)
    for i in ticks:
        x = label_w + i * step * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + row_h * len(rows)}" stroke="#e4e4e4"/>')
        out.append(
            f'<text x="{x:.1f}" y="{top + row_h * len(rows) + 16}" text-anchor="middle" fill="#555555">'
            f"{i * step // 1000}k</text>"
        )
    for n, row in enumerate(rows):
        y = top + n * row_h
        colour = COLOURS.get(row["server"], WASMTIME_COLOUR)
        w = row["rps"] * scale
        label = f"{row['server']}: {row['what']}"
        out.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{esc(label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}"/>')
        out.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}">{row["rps"]:,.0f} req/s · p99 {esc(fmt_ms(row["p99_ms"]))}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    rows_path, doc_path, svg_path = argv
    rows = load_rows(rows_path)
    env = os.environ
    text = section(rows, env)
    write_doc(doc_path, text)
    with open(svg_path, "w") as f:
        f.write(chart(rows, env))
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
