#!/usr/bin/env python3
"""Waits until a contender has stored the end marker, polling every 20 ms with one open connection.

    wait_for.py --sql DB QUERY [--timeout S]   until QUERY on DB (read-only) returns a row
    wait_for.py --path PATH [--timeout S]      until PATH exists

Exits 0 when found, 1 on timeout; also exits 1 at once if --pid PID is given and that process has ended.
"""
import argparse
import os
import sqlite3
import sys
import time


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie has ended too
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sql", nargs=2, metavar=("DB", "QUERY"))
    ap.add_argument("--path")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--pid", type=int)
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout
    db = None
    while time.monotonic() < deadline:
        if args.path is not None:
            if os.path.exists(args.path):
                return 0
        else:
            path, query = args.sql
            try:
                if db is None and os.path.exists(path):
                    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
                if db is not None and db.execute(query).fetchone() is not None:
                    return 0
            except sqlite3.Error:
                pass  # the schema may not exist yet
        if args.pid is not None and not alive(args.pid):
            print(f"wait_for: process {args.pid} ended before the end marker was stored", file=sys.stderr)
            return 1
        time.sleep(0.02)
    print(f"wait_for: timed out after {args.timeout:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
