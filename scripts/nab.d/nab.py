#!/usr/bin/env python3
"""Helpers of scripts/nab-eval: the NAB series as one import CSV, the shipped anomaly rule as a replay config, and
the replayed alerts as NAB detections. Standard library only.

  nab.py series --data DIR --out FILE --map FILE     # asset,ts,value (ms, each file shifted to end 1 h ago)
  nab.py config --config Config/twind.yaml --out F   # the shipped config's anomaly rule, pointed at `value`
  nab.py detections --map FILE REPLAY.csv            # twind replay --format csv -> file,timestamp on stdout
"""
import argparse, csv, datetime, json, os, re, sys, time

def asset_of(path):
    return "nab." + re.sub(r"[^A-Za-z0-9_.:-]", "_", path[:-4].replace("/", "."))

def utc_ms(text):
    t = datetime.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp() * 1000)

def series(args):
    windows = json.load(open(os.path.join(args.data, "windows.json")))
    end = (int(time.time()) - 3600) * 1000
    mapping, rows = {}, 0
    with open(args.out, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["asset", "ts", "value"])
        for path in sorted(windows):
            with open(os.path.join(args.data, path)) as f:
                r = list(csv.DictReader(f))
            shift = end - utc_ms(r[-1]["timestamp"])
            asset = asset_of(path)
            mapping[asset] = {"file": path, "shift": shift}
            for row in r:
                w.writerow([asset, utc_ms(row["timestamp"]) + shift, row["value"]])
                rows += 1
    json.dump(mapping, open(args.map, "w"), indent=1)
    print(f"{len(mapping)} files, {rows} rows", file=sys.stderr)

def config(args):
    """The rule block of the shipped config whose kind is `anomaly`, with metric: value and no selector."""
    lines = open(args.config).read().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("rules:"))
    blocks, current = [], None
    for line in lines[start + 1:]:
        if line and not line.startswith(" "):
            break
        if line.startswith("  - "):
            current = [line]
            blocks.append(current)
        elif current is not None:
            current.append(line)
    rule = next((b for b in blocks if any(l.strip().startswith("anomaly:") for l in b)), None)
    if rule is None:
        sys.exit(f"nab.py: no anomaly rule in {args.config}")
    body = []
    for line in rule:
        stripped = line.strip()
        if stripped.startswith("metric:") or stripped.startswith("- metric:"):
            line = line.replace(stripped.split("metric:")[1].split("#")[0].strip(), "value", 1)
        if stripped.startswith("select:"):
            continue
        body.append(line)
    with open(args.out, "w") as out:
        out.write("rules:\n" + "\n".join(body).rstrip() + "\n")

def detections(args):
    mapping = json.load(open(args.map))
    w = csv.writer(sys.stdout)
    w.writerow(["file", "timestamp"])
    with open(args.replay) as f:
        for row in csv.DictReader(f):
            if row["event"] != "raised" or row["asset"] not in mapping:
                continue
            m = mapping[row["asset"]]
            t = datetime.datetime.fromisoformat(row["time"].replace("Z", "+00:00"))
            ms = int(round(t.timestamp() * 1000)) - m["shift"]
            original = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
            w.writerow([m["file"], original.strftime("%Y-%m-%d %H:%M:%S")])

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("series"); s.add_argument("--data", required=True); s.add_argument("--out", required=True)
    s.add_argument("--map", required=True)
    c = sub.add_parser("config"); c.add_argument("--config", required=True); c.add_argument("--out", required=True)
    d = sub.add_parser("detections"); d.add_argument("--map", required=True); d.add_argument("replay")
    args = ap.parse_args()
    {"series": series, "config": config, "detections": detections}[args.cmd](args)

if __name__ == "__main__":
    main()
