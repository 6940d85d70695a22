#!/usr/bin/env python3
"""Turns NASA C-MAPSS run-to-failure data into twind telemetry and scores twind's predictions against it.

One asset per engine (engine-001 …), one message per cycle, one second per cycle from a fixed start time.
Subcommands:
  messages  --engines A-B [--prefix P] [--cut-file F]   TOPIC<tab>JSON lines for `twind publish`
  csv       --engines A-B                                CSV for `twind import`
  cuts      --engines A-B --per-engine N --seed S        random cut cycles, one "engine cycle last" per line
  wait      --cuts F --db F                              until every twin has its prediction at its last cycle
  score     --cuts F --db F --horizon H                  RMSE, PHM08 score, alert recall and early alerts
"""
import argparse, csv, json, math, random, sys

import os, time
# Cycle c of every engine is at START + c seconds. Default: midnight UTC two days ago (recent enough for the daemon's
# ingest.retention); set CMAPSS_START_MS to pin it.
START_MS = int(os.environ.get("CMAPSS_START_MS") or (int(time.time()) // 86400 - 2) * 86400 * 1000)
COLUMNS = ["op1", "op2", "op3"] + [f"s{i}" for i in range(1, 22)]
CAP = 125


def load(path):
    engines = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            unit, cycle = int(parts[0]), int(parts[1])
            engines.setdefault(unit, []).append((cycle, [float(v) for v in parts[2:26]]))
    return engines


def engine_range(text):
    a, _, b = text.partition("-")
    return range(int(a), int(b or a) + 1)


def ts(cycle):
    return START_MS + cycle * 1000


def fmt(v):
    return repr(v) if v != int(v) else str(int(v))


def payload(cycle, values):
    return "{" + f'"ts":{ts(cycle)},' + ",".join(f'"{k}":{fmt(v)}' for k, v in zip(COLUMNS, values)) + "}"


def cmd_messages(a, engines):
    cuts = {}
    if a.cut_file:
        for line in open(a.cut_file):
            e, c, _ = line.split()
            cuts.setdefault(int(e), []).append(int(c))
    out = sys.stdout
    for e in engine_range(a.engines):
        rows = engines[e]
        if a.cut_file:
            for k, cut in enumerate(sorted(cuts.get(e, []))):
                for cycle, values in rows[:cut]:
                    out.write(f"twin/{a.prefix}{e:03d}-c{k + 1}/telemetry\t{payload(cycle, values)}\n")
        else:
            for cycle, values in rows:
                out.write(f"twin/{a.prefix}{e:03d}/telemetry\t{payload(cycle, values)}\n")


def cmd_csv(a, engines):
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["engine", "ts"] + COLUMNS)
    for e in engine_range(a.engines):
        for cycle, values in engines[e]:
            w.writerow([f"{a.prefix}{e:03d}", ts(cycle)] + [fmt(v) for v in values])


def cmd_cuts(a, engines):
    rng = random.Random(a.seed)
    for e in engine_range(a.engines):
        last = len(engines[e])
        for cut in sorted(rng.sample(range(1, last + 1), a.per_engine)):
            print(e, cut, last)


def phm08(d):
    return math.exp(-d / 13) - 1 if d < 0 else math.exp(d / 10) - 1


def cut_assets(cuts_file, prefix):
    """(asset, engine, cut, last) per line of the cut file; cuts of one engine are numbered in file order."""
    k_of, out = {}, []
    for line in open(cuts_file):
        e, cut, last = map(int, line.split())
        k_of[e] = k_of.get(e, 0) + 1
        out.append((f"{prefix}{e:03d}-c{k_of[e]}", e, cut, last))
    return out


def latest(db, metric):
    import sqlite3
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {asset: (ts, value) for asset, ts, value in
                con.execute("SELECT asset, ts, value FROM twin_latest WHERE metric = ?", (metric,))}
    finally:
        con.close()


def cmd_wait(a, engines):
    """Waits until the twin of every cut asset has a prediction at its cut, and every full asset at its last cycle."""
    want = {asset: ts(cut) for asset, _, cut, _ in cut_assets(a.cuts, a.prefix)}
    for e in sorted({int(l.split()[0]) for l in open(a.cuts)}):
        want[f"{a.full_prefix}{e:03d}"] = ts(len(engines[e]))
    deadline = time.time() + a.timeout
    while True:
        try:
            have = latest(a.db, a.metric)
        except Exception:
            have = {}
        done = sum(1 for asset, t in want.items() if have.get(asset, (0,))[0] >= t)
        if done == len(want):
            print(f"all {done} twins have their prediction", file=sys.stderr)
            return
        if time.time() > deadline:
            sys.exit(f"cmapss: after {a.timeout} s only {done} of {len(want)} twins have a prediction at their "
                     f"last cycle; see the daemon's log")
        time.sleep(0.5)


def cmd_score(a, engines):
    import sqlite3
    have = latest(a.db, a.metric)
    errors, missing = [], 0
    for asset, e, cut, last in cut_assets(a.cuts, a.prefix):
        if asset not in have or have[asset][0] != ts(cut):
            missing += 1
            continue
        predicted = have[asset][1]  # seconds = cycles
        errors.append(predicted - min(CAP, last - cut))
    n = len(errors)
    rmse = math.sqrt(sum(d * d for d in errors) / n) if n else float("nan")
    mae = sum(abs(d) for d in errors) / n if n else float("nan")
    score = sum(phm08(d) for d in errors)
    print(f"cut points scored: {n} of {n + missing} ({a.per_engine_note})")
    print(f"  RMSE {rmse:.2f} cycles, MAE {mae:.2f}, PHM08 score {score:.1f} (sum; {score / max(n, 1):.2f} per cut), "
          f"mean error {sum(errors) / max(n, 1):+.2f} (positive = predicted too late)")
    # Alerts on the full trajectories: the first raise per engine, in cycles before its failure.
    con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    first = dict(con.execute("SELECT asset, MIN(raised_at) FROM alerts WHERE rule = ? GROUP BY asset", (a.rule,)))
    con.close()
    engine_ids = sorted({int(l.split()[0]) for l in open(a.cuts)})
    alerted, early, leads = 0, 0, []
    for e in engine_ids:
        raised = first.get(f"{a.full_prefix}{e:03d}")
        if raised is None:
            continue
        cycle = (int(raised) - START_MS) // 1000
        remaining = len(engines[e]) - cycle
        if remaining >= 0:
            alerted += 1
            leads.append(remaining)
        if remaining > 60:
            early += 1
    leads.sort()
    print(f"  alert horizon {a.horizon} cycles on the {len(engine_ids)} full trajectories: {alerted} engines alerted "
          f"before failure, first alert {leads[0] if leads else '-'}–{leads[-1] if leads else '-'} cycles before it "
          f"(median {leads[len(leads) // 2] if leads else '-'}); {early} alerted while the true life was still over "
          f"60 cycles")
    print(f"RESULT rmse={rmse:.2f} score={score:.1f} alerted={alerted}/{len(engine_ids)} early_alerts={early}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="train_FD001.txt")
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("messages"); m.add_argument("--engines", required=True)
    m.add_argument("--prefix", default="engine-"); m.add_argument("--cut-file")
    c = sub.add_parser("csv"); c.add_argument("--engines", required=True); c.add_argument("--prefix", default="engine-")
    k = sub.add_parser("cuts"); k.add_argument("--engines", required=True)
    k.add_argument("--per-engine", type=int, default=5); k.add_argument("--seed", type=int, default=2008)
    for name in ("score", "wait"):
        s = sub.add_parser(name); s.add_argument("--cuts", required=True); s.add_argument("--db", required=True)
        s.add_argument("--horizon", type=int, default=30); s.add_argument("--timeout", type=float, default=300)
        s.add_argument("--metric", default="rul"); s.add_argument("--rule", default="remaining-life")
        s.add_argument("--prefix", default="cut-"); s.add_argument("--full-prefix", default="full-")
        s.add_argument("--per-engine-note", default="random cuts")
    a = p.parse_args()
    engines = load(a.data)
    {"messages": cmd_messages, "csv": cmd_csv, "cuts": cmd_cuts, "score": cmd_score, "wait": cmd_wait}[a.cmd](a, engines)


if __name__ == "__main__":
    main()
