#!/usr/bin/env python3
"""`syncwindow plan` through the built binary against cronsim enumerating the same occurrences.

100 random windows on one pair over a year, from the generator of
Tests/SyncwindowEndToEndTests/PlanAgainstCronsimTests.swift (names, ranges, steps, lists, L, nL, #n, the
day-of-month/day-of-week OR rule, in ten DST-heavy zones) with denser minutes and hours added (`*/15`, `*`, `8-18`),
so that a year holds tens of thousands of occurrences (43,358 with the default seed).
The binary is timed as a whole process (start, config, engine, JSON on stdout), median of RUNS (and its CPU time,
which other work on a shared machine moves less); cronsim is timed
enumerating the same starts in this process (no interpreter start-up counted against it). Both must agree on
every start. Prints the occurrences, both times and the ratio (target: the binary at least 50x faster).

Usage: scripts/bench_plan.py [--windows N] [--runs N] [--keep DIR]   (binary from $BIN, default .build/release)
`make bench-plan` builds the release binary and runs it with the venv's Python.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from cronsim import CronSim

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BIN", os.path.join(ROOT, ".build", "release"))

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "America/Havana",
         "Asia/Shanghai", "Pacific/Chatham", "Europe/London", "America/Sao_Paulo", "Asia/Tehran"]
FROM, TO = "2026-01-01T00:00:30Z", "2027-01-01T00:00:30Z"
MASK = (1 << 64) - 1


class SplitMix64:
    """The tests' generator (SplitMix64), so runs with one seed bench the same windows."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def random_cron(random):
    def pick(options):
        return options[random.next() % len(options)]
    minute = pick(["0", "30", "15,45", "*/30", "5-10/5", "59", "1", "*/15"])
    hour = pick(["0", "1", "2", "3", "2,3", "1-3", "*/6", "23", "0-4/2", "12", "*", "8-18"])
    day_of_month = pick(["*", "*", "*", "1", "15", "L", "1-7", "29-31", "*/10", "31"])
    month = pick(["*", "*", "*", "MAR", "oct-dec", "1,4,10", "*/3", "3-4"])
    day_of_week = pick(["*", "*", "*", "mon-fri", "SUN", "5L", "2#2", "0,6", "7", "1#1", "sat"])
    return f"{minute} {hour} {day_of_month} {month} {day_of_week}"


def write_config(directory, windows):
    os.makedirs(os.path.join(directory, "secrets"))
    os.makedirs(os.path.join(directory, "windows"))
    for name, value in (("ak", "BENCHAK0000000000"), ("sk", "bench-secret-key-0000000000000000")):
        path = os.path.join(directory, "secrets", name)
        with open(path, "w") as secret:
            secret.write(value + "\n")
        os.chmod(path, 0o600)
    with open(os.path.join(directory, "config.yaml"), "w") as config:
        config.write("state_dir: state\nschedules: windows\ncloud:\n  auth:\n    method: aksk\n"
                     "    access_key_file: secrets/ak\n    secret_key_file: secrets/sk\npairs:\n  orders:\n"
                     "    primary: { region: ap-southeast-1, project_id: p1bench, instance_id: orders-primary-in12 }\n"
                     "    standby: { region: ap-southeast-3, project_id: p3bench, instance_id: orders-standby-in12 }\n")
    with open(os.path.join(directory, "windows", "random.yaml"), "w") as file:
        file.write("windows:\n")
        for name, cron, zone in windows:
            file.write(f'  - name: {name}\n    cron: "{cron}"\n    timezone: {zone}\n    duration: 1m\n'
                       "    pairs: [orders]\n")


def cronsim_starts(windows, start, end):
    """Every start of every window in (start, end), as cronsim enumerates them: {window: [utc datetime]}."""
    result = {}
    for name, cron, zone in windows:
        starts = []
        for dt in CronSim(cron, start.astimezone(ZoneInfo(zone))):
            utc = dt.astimezone(timezone.utc)
            if utc >= end:
                break
            if utc > start:
                starts.append(utc)
        result[name] = starts
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20_261_201)
    parser.add_argument("--keep", help="write the config here and keep it (for farm-bench, perf, callgrind)")
    args = parser.parse_args()

    random = SplitMix64(args.seed)
    windows = [(f"w{index}", random_cron(random), ZONES[index % len(ZONES)]) for index in range(args.windows)]
    directory = args.keep or tempfile.mkdtemp(prefix="bench-plan-")
    if args.keep:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
    try:
        write_config(directory, windows)
        command = [os.path.join(BIN, "syncwindow"), "plan", "--config", os.path.join(directory, "config.yaml"),
                   "--pair", "orders", "--from", FROM, "--to", TO, "--format", "json"]
        binary_times = []
        binary_cpu = []
        output = b""
        for _ in range(args.runs + 1):  # the first run warms the page cache and is not counted
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            output = subprocess.run(command, check=True, stdout=subprocess.PIPE).stdout
            binary_times.append(time.perf_counter() - began)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            binary_cpu.append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
        binary = statistics.median(binary_times[1:])
        plan = json.loads(output)["occurrences"]

        start = datetime.fromisoformat(FROM.replace("Z", "+00:00"))
        end = datetime.fromisoformat(TO.replace("Z", "+00:00"))
        cronsim_times = []
        reference = {}
        for _ in range(max(1, min(3, args.runs))):
            began = time.perf_counter()
            reference = cronsim_starts(windows, start, end)
            cronsim_times.append(time.perf_counter() - began)
        cronsim = statistics.median(cronsim_times)

        ours = {}
        for row in plan:
            ours.setdefault(row["window"], []).append(datetime.fromisoformat(row["start"]).astimezone(timezone.utc))
        disagreements = [name for name, _, _ in windows if ours.get(name, []) != reference[name]]
        occurrences = sum(len(starts) for starts in reference.values())

        print(f"windows: {args.windows} on one pair, {FROM} to {TO}, seed {args.seed}")
        print(f"occurrences: {len(plan)} (cronsim: {occurrences})")
        print(f"syncwindow plan --format json (whole process, median of {args.runs}): {binary * 1e3:8.1f} ms"
              f"  {binary / max(1, len(plan)) * 1e6:6.2f} µs/occurrence"
              f"  (fastest {min(binary_times[1:]) * 1e3:.1f} ms; CPU {statistics.median(binary_cpu[1:]) * 1e3:.1f} ms,"
              " which other load on the machine moves less than the wall time)")
        print(f"cronsim, the same occurrences (in process, median of {len(cronsim_times)}): {cronsim * 1e3:8.1f} ms"
              f"  {cronsim / max(1, occurrences) * 1e6:6.2f} µs/occurrence")
        print(f"ratio cronsim / syncwindow: {cronsim / binary:.1f}x (target: at least 50x)")
        if disagreements:
            print(f"DISAGREE with cronsim on {len(disagreements)} windows: {disagreements[:5]}")
            return 1
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
