#!/usr/bin/env python3
"""Turns the harness's results (one JSON object per line) into a table of medians [min-max], printed and
written as Markdown.   Usage: report.py RESULTS.jsonl OUT.md"""
import json
import statistics
import sys

CONTENDERS = ["mosquitto_sub", "twind", "naive-peer", "collectd"]
GUARANTEE = {
    "mosquitto_sub": "none: counts and discards (the receive limit)",
    "twind": "ack after commit, `synchronous=FULL`, WAL: nothing acknowledged is lost",
    "naive-peer": "ack on receipt, commit every 1,000 messages: a crash loses up to 1,000 acked messages",
    "collectd": "ack on receipt, csv appended without fsync: a crash loses what the page cache held",
}


def fmt(x, digits=0):
    if x is None:
        return "–"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def spread(values, digits=0, unit=""):
    """median [min–max] of a list (just the value for one round)."""
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1 or min(values) == max(values):
        return f"{fmt(med, digits)}{unit}"
    return f"{fmt(med, digits)}{unit} [{fmt(min(values), digits)}–{fmt(max(values), digits)}]"


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    out_path = sys.argv[2]
    meta = next(r for r in rows if r["section"] == "meta")
    meta.update(next((r for r in rows if r["section"] == "meta_end"), {}))
    ingest = [r for r in rows if r["section"] == "ingest"]
    by = {c: [r for r in ingest if r["contender"] == c] for c in CONTENDERS}
    rounds = sorted({r["round"] for r in ingest})

    def per_round(contender, round_):
        return next((r for r in by[contender] if r["round"] == round_), None)

    def rate(r):
        return r["messages"] / r["seconds"] if r else None

    def ratio(contender, base):
        out = []
        for rd in rounds:
            a, b = per_round(contender, rd), per_round(base, rd)
            if a and b:
                out.append(rate(a) / rate(b))
        return out

    md = []
    md.append(f"Run on {meta['date']}, {meta['cores']} cores ({meta['cpu']}), load average {meta['load_start']} at the "
              f"start and {meta.get('load_end', '?')} at the end (other work was running: that is why the rounds are "
              f"interleaved). twind `{meta['twind_rev']}`"
              + (f" plus {meta['dirty_files']} uncommitted source files" if int(meta['dirty_files']) else "")
              + f", mosquitto {meta['mosquitto']}, SQLite {meta['sqlite']}, Python {meta['python']} with paho-mqtt "
              f"{meta['paho']}" + (f", collectd {meta['collectd']}" if meta.get("collectd") else "") + ".")
    md.append("")
    md.append(f"Stream: {meta['messages']:,} QoS 1 messages (+1 end marker) from {meta['assets']:,} pumps × 4 metrics, "
              f"JSON with `ts`, queued as a backlog for each contender's persistent session before it starts; "
              f"{meta['rounds']} interleaved round(s); figures are medians [min–max] over the rounds; a ratio is "
              f"taken within each round, then its median. Time runs from starting the contender to its storing the "
              f"end marker (process start-up included).")
    md.append("")
    md.append("### Ingest: draining the backlog")
    md.append("")
    md.append("| contender | messages/s | readings/s | ÷ mosquitto_sub | ÷ naive peer | stored (of sent) | peak RSS MB "
              "| bytes/reading on disk |")
    md.append("|---|---|---|---|---|---|---|---|")
    for c in CONTENDERS:
        rs = by[c]
        if not rs:
            continue
        rates = [rate(r) for r in rs]
        worst = min(rs, key=lambda r: r["stored"])
        lost = worst["expected"] - worst["stored"]
        stored = f"{worst['stored']:,} of {worst['expected']:,}" + (" (none lost)" if lost == 0 else f" (**{lost:,} lost**)")
        if c == "mosquitto_sub":
            stored = f"{worst['stored'] // 4:,} of {worst['expected'] // 4:,} messages received"
        bpr = [r["bytes"] / r["rows"] for r in rs if r["rows"]]
        md.append("| " + " | ".join([
            f"**{c}**" if c == "twind" else c,
            spread(rates),
            spread([x * 4 for x in rates]) + (" (not decoded)" if c == "mosquitto_sub" else ""),
            "1" if c == "mosquitto_sub" else spread(ratio(c, "mosquitto_sub"), 3),
            ("1" if c == "naive-peer" else spread(ratio(c, "naive-peer"), 2)) if by["naive-peer"] else "–",
            stored,
            spread([r["rss_kb"] / 1024 for r in rs], 1),
            spread(bpr, 1) if bpr else "–",
        ]) + " |")
    md.append("")
    md.append("Durability of each contender:")
    md.append("")
    for c in CONTENDERS:
        if by[c]:
            md.append(f"- {c}: {GUARANTEE[c]}")
    md.append("")
    md.append("Bytes per reading: twind, the database file after `PRAGMA wal_checkpoint(TRUNCATE)` ÷ rows; naive peer, "
              "its database file (table + `(asset, metric, ts)` index, `ts` as RFC 3339 text) ÷ rows; collectd, its csv "
              "files ÷ readings.")
    if by["collectd"]:
        md.append("")
        md.append("collectd gets the same readings in its own layout (its mqtt plugin only reads that): topic "
                  "`collectd/pump-NNNN/twin/pump`, payload `<time>:<temp>:<pressure>:<vibration>:<current>`, with a "
                  "`pump` type of 4 GAUGE data sources declared in an extra types.db, so one message is still one "
                  "value list of 4 readings. They are published by `scripts/bench.d/publish_collectd.py` (paho, "
                  "QoS 1). collectd runs with `WriteThreads 1` so its end marker is written last; the csv plugin "
                  "appends to one file per series and day.")
    pubs = [r for r in rows if r["section"] == "publish"]
    if pubs:
        md.append("")
        md.append("Publishers (QoS 1, each message acknowledged by the broker): " + "; ".join(
            f"{name}: {spread([p['messages'] / p['seconds'] for p in pubs if p['publisher'] == name])} msg/s"
            for name in dict.fromkeys(p["publisher"] for p in pubs)) + ".")

    lat = [r for r in rows if r["section"] == "latency"]
    if lat:
        md.append("")
        md.append("### twind: read-to-commit (ack) latency at a steady rate")
        md.append("")
        md.append("From twind's status line (`ingest.ack_p50_ms`, `ingest.ack_p99_ms`, one per second): the time "
                  "from reading a message off the socket to the end of its batch's commit, after which its PUBACK "
                  "is written. The publisher's own queueing and the broker are not included.")
        md.append("")
        md.append("| target rate | measured msg/s | p50 ms | p99 ms (per-second p99s: median [min–max]) | seconds |")
        md.append("|---|---|---|---|---|")
        for r in lat:
            md.append(f"| {r['rate']:,}/s | {spread(r['measured_rates'])} | {spread(r['p50'], 1)} | "
                      f"{spread(r['p99'], 1)} | {len(r['p99'])} |")

    scale = [r for r in rows if r["section"] == "scale"]
    if scale:
        md.append("")
        md.append("### twind: the scale curve")
        md.append("")
        md.append("One backlog per point, drained by twind into a fresh database; series = pumps × 4 metrics.")
        md.append("")
        md.append("| series | pumps | messages | messages/s | stored (of sent) | peak RSS MB | RSS above the first "
                  "point, per added series | bytes/reading |")
        md.append("|---|---|---|---|---|---|---|---|")
        base = scale[0]
        for r in scale:
            extra = ""
            if r is not base and r["series"] > base["series"]:
                extra = f"{(r['rss_kb'] - base['rss_kb']) * 1024 / (r['series'] - base['series']):,.0f} B"
            lost = r["expected"] - r["stored"]
            md.append(f"| {r['series']:,} | {r['assets']:,} | {r['messages']:,} | {fmt(r['messages'] / r['seconds'])} | "
                      f"{r['stored']:,} of {r['expected']:,}" + (" (**%s lost**)" % f"{lost:,}" if lost else "") +
                      f" | {r['rss_kb'] / 1024:,.1f} | {extra or '–'} | "
                      f"{(r['bytes'] / r['rows']) if r['rows'] else 0:,.1f} |")

    skipped = [r for r in rows if r["section"] == "skipped"]
    for r in skipped:
        md.append("")
        md.append(f"Not run: {r['what']}: {r['why']}.")

    text = "\n".join(md) + "\n"
    print()
    print(text)
    header = ("# twind benchmark results\n\n"
              "Written by `scripts/bench` (" + ("`--quick`" if int(meta.get("quick", 0)) else "full run") +
              "); rerun it to refresh. What is not measured yet, and why, is listed at the end of this file.\n\n")
    with open(out_path, "w") as f:
        one_million = "" if any(r["series"] >= 1_000_000 for r in scale) else (
            "- **1M series on the scale curve**: not in this run (250,000 pumps, 500,000 messages); the full run\n"
            "  includes it: `scripts/bench --scale \"1000 10000 100000 1000000\"`.\n")
        f.write(header + text + NOT_MEASURED.replace("{one_million}", one_million))


NOT_MEASURED = """
### Not measured yet

- **twind with rules on**: twind runs with the shipped `Config/twind.yaml`, whatever rules it holds; the build of
  `c1eff3b` measured for RESULTS.md had no rule engine yet (issue #3), so those figures are decode + twins + store.
- **Publish-to-alert latency** (a publisher that stamps send times, an alert as the end point): needs rules and a
  way to see when an alert was raised; measured instead: twind's own read-to-commit latency above.
- **The same ratio on a 20-million-reading database**: not built yet (filling one through MQTT takes ~5M messages;
  it needs a bulk fill, e.g. a `twind` subcommand that writes a synthetic history, or a harness step that writes
  the store's tables directly, which would tie the harness to the internal schema).
{one_million}- **`twind replay` readings/s**: not measured by the harness yet (`twind replay` arrived after `c1eff3b`); the
  step would time `twind replay --db <a round's database> --config Config/twind.yaml` over its 800,000 readings.
- **One-day history query (86,400 points) and the 1-minute rollup query on a 10M-reading database**: there are no
  rollups yet, and no way to build the 10M-reading database quickly (same bulk-fill need as above); the raw query
  alone could then be timed with `twind query history --from … --to …`.
- **Instructions per reading under callgrind**: needs a twind entry point that runs decode + twin update (+ rules)
  over payloads read from a file, with no broker and no database, e.g. `twind bench-decode --file payloads.jsonl
  --repeat N`; then `valgrind --tool=callgrind --toggle-collect=…` gives instructions per reading, repeatable on a
  noisy machine.
"""

if __name__ == "__main__":
    main()
