#!/usr/bin/env python3
"""The crash soak (issue 18, item 8): RUNS mass window edges of PAIRS pairs each against the emulator
binary, on SQLite and on PostgreSQL, with core dumps on, counting every `syncwindow` process that ends
on a signal. Once in 83 runs of the 5,000-pair pass a process ended on SIGSEGV after its work was done;
this is how anyone can find such a crash again, or show it is gone.

Each run is a whole `syncwindow tick` at a window edge: the odd runs open the nightly window (every pair
pauses, 2 x PAIRS instances), the even ones close it (every pair resumes). A fleet (config, emulator,
store) serves FLEET_RUNS runs, then a fresh one starts, so the trail stays small. The emulator answers
with LATENCY_MS and jobs take JOB_MS (default 0 and 0: the exit path is what is soaked, and a fast pass
makes 300 runs affordable; `LATENCY_MS=20 JOB_MS=1000` is bench-pass's mass edge).

--minutes M starts no new run after M minutes on a store, and prints the figures of the runs that finished.
A crashed run keeps its work directory and its core file (core_pattern permitting) and prints where.
Exit status: 0 when no run crashed and every run converged, 1 otherwise.

Usage: scripts/soak.py [--runs 300] [--pairs 5000] [--store sqlite|postgres|both] [--bin .build/release]
                       [--minutes M]
"""

import argparse
import importlib.util
import os
import resource
import shutil
import signal
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_pass", os.path.join(HERE, "bench_pass.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

FLEET_RUNS = int(os.environ.get("FLEET_RUNS", "20"))
LATENCY_MS = int(os.environ.get("LATENCY_MS", "0"))
JOB_MS = int(os.environ.get("JOB_MS", "0"))


def soak(bin_dir, runs, pairs, postgres, label, until):
    crashes, failures, seconds = [], [], []
    fleet = None
    stopped = False
    try:
        for run in range(runs):
            if time.monotonic() >= until:
                stopped = True
                break
            if run % FLEET_RUNS == 0:
                if fleet:
                    fleet.close()
                fleet = bench.Fleet(bin_dir, pairs, postgres, latency_ms=LATENCY_MS, job_delay_ms=JOB_MS)
            day = 1 + (run % FLEET_RUNS) // 2
            instant = bench.at(day, "01:30" if run % 2 == 0 else "03:30")
            took, _, code, _, err = bench.run_timed(
                [os.path.join(bin_dir, "syncwindow"), "tick", "--at", instant, "--config",
                 os.path.join(fleet.work, "config.yaml")], cwd=fleet.work)
            seconds.append(took)
            if code < 0:
                kept = fleet.work + "-crashed"
                shutil.copytree(fleet.work, kept, dirs_exist_ok=True)
                crashes.append(f"run {run + 1}: {signal.Signals(-code).name}; kept {kept}; stderr: {err[-500:]!r}")
            elif code != 0:
                failures.append(f"run {run + 1}: exit {code}: {err.strip().splitlines()[-1:]}")
            if (run + 1) % 10 == 0:
                print(f"  {label}: {run + 1}/{runs} runs, {len(crashes)} crashed, {len(failures)} failed",
                      flush=True)
    finally:
        if fleet:
            fleet.close()
    done = f"{len(seconds)} of {runs}" if stopped else f"{runs}"
    if seconds:
        print(f"{label}: {done} runs of {pairs:,} pairs: {len(crashes)} crashed, {len(failures)} did not converge; "
              f"pass {min(seconds):.2f} / {statistics.median(seconds):.2f} / {max(seconds):.2f} s (min/median/max)",
              flush=True)
    for line in crashes + failures:
        print("  " + line)
    return not crashes and not failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--bin", default=os.path.join(HERE, "..", ".build", "release"))
    parser.add_argument("--minutes", type=float, default=0,
                        help="start no new run after this long on each store (0: no limit)")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)  # each run's working directory is its fleet's
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    with open("/proc/sys/kernel/core_pattern") as f:
        print(f"core dumps: unlimited, core_pattern {f.read().strip()!r}; {LATENCY_MS} ms latency, {JOB_MS} ms jobs")
    ok = True
    started = time.monotonic()

    def until():
        return time.monotonic() + args.minutes * 60 if args.minutes else float("inf")

    if args.store in ("sqlite", "both"):
        ok &= soak(args.bin, args.runs, args.pairs, None, "SQLite", until())
    if args.store in ("postgres", "both"):
        postgres = bench.Postgres()
        try:
            ok &= soak(args.bin, args.runs, args.pairs, postgres, "PostgreSQL", until())
        finally:
            postgres.stop()
    print(f"soak took {time.monotonic() - started:.0f} s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
