#!/usr/bin/env python3
"""Times short commands in interleaved rounds (A B C A B C ...), so a busy machine slows them all alike; prints
one JSON object per command: name, runs, median/min/max/mean ms, and the stdout bytes of its last run.

Usage: timeit.py [--runs N] [--warmup W] NAME=COMMAND ...   (COMMAND is split on spaces; no shell)
Each run is one posix_spawn + waitpid, stdout to a file, timed with a monotonic clock (like hyperfine -N)."""
import json
import os
import statistics
import sys
import tempfile
import time


def main():
    args = sys.argv[1:]
    runs, warmup = 20, 3
    while args and args[0].startswith("--"):
        if args[0] == "--runs":
            runs = int(args[1]); args = args[2:]
        elif args[0] == "--warmup":
            warmup = int(args[1]); args = args[2:]
        else:
            sys.exit(f"timeit: unknown option {args[0]}")
    commands = []
    for spec in args:
        name, _, command = spec.partition("=")
        commands.append((name, command.split()))
    times = {name: [] for name, _ in commands}
    sizes = {}
    with tempfile.TemporaryFile() as out, open(os.devnull, "wb") as null:
        for i in range(warmup + runs):
            for name, argv in commands:
                out.seek(0); out.truncate()
                start = time.perf_counter()
                pid = os.posix_spawn(argv[0], argv, os.environ,
                                     file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                                   (os.POSIX_SPAWN_DUP2, null.fileno(), 2)])
                _, status = os.waitpid(pid, 0)
                elapsed = (time.perf_counter() - start) * 1000
                if os.waitstatus_to_exitcode(status) != 0:
                    sys.exit(f"timeit: {name} failed ({' '.join(argv)})")
                if i >= warmup:
                    times[name].append(elapsed)
                sizes[name] = out.tell()
    for name, _ in commands:
        t = times[name]
        print(json.dumps({"name": name, "runs": len(t), "median_ms": statistics.median(t), "min_ms": min(t),
                          "max_ms": max(t), "mean_ms": statistics.fmean(t), "stdout_bytes": sizes[name]}))


if __name__ == "__main__":
    main()
