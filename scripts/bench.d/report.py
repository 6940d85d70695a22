#!/usr/bin/env python3
"""Turns the harness's results (one JSON object per line) into a table of medians [min-max], printed and
written as Markdown.   Usage: report.py RESULTS.jsonl OUT.md"""
import json
import statistics
import sys

CONTENDERS = ["mosquitto_sub", "twind", "twind-20M", "naive-peer", "collectd"]
GUARANTEE = {
    "mosquitto_sub": "none: counts and discards (the receive limit)",
    "twind": "ack after commit, `synchronous=FULL`, WAL: nothing acknowledged is lost",
    "twind-20M": "as twind; its database already holds 20M readings of the same 4,000 series, older than the "
                 "stream's (a copy of a cached file per round)",
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
    took = f" The run took {meta['seconds'] // 60} min {meta['seconds'] % 60} s." if "seconds" in meta else ""
    md.append(f"Run on {meta['date']}, {meta['cores']} cores ({meta['cpu']}), load average {meta['load_start']} at the "
              f"start and {meta.get('load_end', '?')} at the end (other work was running: that is why the rounds are "
              f"interleaved). twind `{meta['twind_rev']}`"
              + (f" plus {meta['dirty_files']} uncommitted source files" if int(meta['dirty_files']) else "")
              + f", mosquitto {meta['mosquitto']}, SQLite {meta['sqlite']}, Python {meta['python']} with paho-mqtt "
              f"{meta['paho']}" + (f", collectd {meta['collectd']}" if meta.get("collectd") else "") + "." + took)
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
            f"**{c}**" if c.startswith("twind") else c,
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
    fill = next((r for r in rows if r["section"] == "fill"), None)
    if fill:
        GUARANTEE["twind-20M"] = (f"as twind; its database already holds {fill['readings']:,} readings of the same "
                                  f"{fill['series']:,} series, older than the stream's (a fresh copy of a cached "
                                  f"file per round, built by `twind generate-readings`)")
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

    replay = [r for r in rows if r["section"] == "replay"]
    if replay:
        md.append("")
        md.append(f"`twind replay` over each round's fresh database ({replay[0]['readings']:,} readings, "
                  f"Config/twind.yaml's rules, csv to /dev/null, process start-up included): "
                  f"{spread([r['readings'] / r['seconds'] for r in replay])} readings/s.")

    lat = [r for r in rows if r["section"] == "latency"]
    if lat:
        md.append("")
        md.append("### twind: read-to-commit (ack) latency at a steady rate")
        md.append("")
        md.append("From twind's status line (`ingest.ack_p50_ms`, `ingest.ack_p99_ms`, one per second): the time "
                  "from reading a message off the socket to the end of its batch's commit, after which its PUBACK "
                  "is written. The publisher's own queueing and the broker are not included. 1,001 ms stands for 'over "
                  "1 s' (the histogram's last bucket).")
        md.append("")
        md.append("| target rate | measured msg/s | p50 ms | p99 ms (per-second p99s: median [min–max]) | seconds |")
        md.append("|---|---|---|---|---|")
        for r in lat:
            md.append(f"| {r['rate']:,}/s | {spread(r['measured_rates'])} | {spread(r['p50'], 1)} | "
                      f"{spread(r['p99'], 1)} | {len(r['p99'])} |")

    alert = [r for r in rows if r["section"] == "alert"]
    if alert:
        md.append("")
        md.append("### twind: publish-to-alert latency at a steady rate")
        md.append("")
        md.append("`scripts/bench.d/alert-latency`: while `twind simulate` publishes at the rate, a probe pump "
                  "publishes a reading above the hot-bearing limit (its `ts` is the send time) every 0.1 s, then one "
                  "below the clear level; a subscriber on `twin/+/alerts` stamps each `raised` announcement on "
                  "arrival. Latency = arrival − send time (same clock), so it includes the broker both ways, the "
                  "batch commit and the announcement.")
        md.append("")
        md.append("| load | alerts | p50 ms | p99 ms | max ms |")
        md.append("|---|---|---|---|---|")
        for r in alert:
            md.append(f"| {r['rate']:,} msg/s | {r['alerts']} | {r['p50']} | {r['p99']} | {r['max']} |")

    query = [r for r in rows if r["section"] == "query"]
    if query:
        q = {r["name"]: r for r in query}
        md.append("")
        md.append("### twind: one-day history query through the CLI (10M-reading database)")
        md.append("")
        md.append(f"`twind query history --format csv` of one series (gen-0042) over one day, on a database of "
                  f"10,000,000 readings (100 series at 1 Hz, built by `scripts/gen-readings`), output to a file; "
                  f"{q['raw']['runs']} runs each, interleaved with `twind --help` (the start-up floor: process "
                  f"start, dynamic linking, Swift runtime, argument parsing), after 3 warm-up runs; the database is in "
                  f"the page cache.")
        md.append("")
        md.append("| command | rows | median ms | min–max ms | above the floor (median) |")
        md.append("|---|---|---|---|---|")
        floor = q.get("floor", {}).get("median_ms")
        for name, label, rows_ in [("floor", "`twind --help`", "–"), ("raw", "raw", q["raw"].get("rows_raw")),
                                   ("1m", "`--step 1m`", q["1m"].get("rows_1m"))]:
            r = q.get(name)
            if not r:
                continue
            above = "–" if name == "floor" or floor is None else f"{r['median_ms'] - floor:.1f}"
            md.append(f"| {label} | {rows_ if isinstance(rows_, str) else f'{rows_:,}'} | {r['median_ms']:.1f} | "
                      f"{r['min_ms']:.1f}–{r['max_ms']:.1f} | {above} |")

    cg = next((r for r in rows if r["section"] == "callgrind"), None)
    if cg and len(cg["runs"]) >= 2:
        a, b = cg["runs"][0], cg["runs"][-1]
        per = (b["instructions"] - a["instructions"]) / (b["readings"] - a["readings"])
        md.append("")
        md.append("### twind: instructions per reading (callgrind)")
        md.append("")
        md.append(f"`valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*PipelineProfileV3run*' twind "
                  f"profile-pipeline --messages N --config Config/twind.yaml`: the standard stream is built in memory "
                  f"(not counted), then decoded → applied to the twins → run through the rules as the daemon's batch "
                  f"does, without broker or database (counted). First-use costs (1,000 new twins, tables growing) "
                  f"cancel in (Ir₂ − Ir₁) ÷ (readings₂ − readings₁): "
                  f"**{per:,.0f} instructions per reading** (decode, twin update and rule evaluation; "
                  f"{b['derived']:,} derived readings came with {b['readings']:,}).")
        md.append("")
        md.append("| messages | readings | instructions (Ir) |")
        md.append("|---|---|---|")
        for r in cg["runs"]:
            md.append(f"| {r['messages']:,} | {r['readings']:,} | {r['instructions']:,} |")

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
              "); rerun it to refresh. What a run left out, and why, is listed at the end.\n\n")
    with open(out_path, "w") as f:
        one_million = "" if not scale or any(r["series"] >= 1_000_000 for r in scale) else (
            "\nNot run: 1M series on the scale curve (250,000 pumps, 500,000 messages); the full run includes it: "
            "`scripts/bench --scale \"1000 10000 100000 1000000\"`.\n")
        f.write(header + text + one_million)


if __name__ == "__main__":
    main()
