#!/usr/bin/env python3
"""History does not slow the present, after a year (issue 10, target 3): the idle `tick` and `status` over
200 pairs on a year-long trail (365 nights, ~1,000,000 events) against the same on a one-night trail, on SQLite
and on PostgreSQL. Target: the year within 1.3x of the night.

Both trails are built by `syncwindow-bench audit-trail` through the library's own append path (the events a
pass writes for a night's open and close, 14 per pair); PostgreSQL gets a copy of each through `syncwindow audit
migrate --from-sqlite` (then a CHECKPOINT: a year's history is not written seconds before it is read). Each
measurement runs in a copy of the trail, against a fresh emulator (every instance syncing, as the trail's last
close left them), at noon after the trail's last night: a pass with nothing to do but read the cloud and the
trail. One tick first records the bench's configuration (it names the emulator) and one `status` warms the
caches, then the median of RUNS ticks and of RUNS `status --format json`, whole processes (wall time, wait4's
rusage).

Usage: scripts/bench_year.py [--store sqlite|postgres|both] [--trail DIR] [--runs N] [--bin .build/release]
  --trail: a year's trail already built (a directory holding audit.sqlite and config.yaml, as
           `make bench-audit` leaves in .build/bench-trail-200x365); built there when missing.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_pass import Postgres, run_timed, row  # noqa: E402

PAIRS = 200


def build_trail(bin_dir, directory, nights):
    if os.path.exists(os.path.join(directory, "audit.sqlite")):
        return
    print(f"building a {nights}-night trail in {directory} (through AuditStore.append)", flush=True)
    subprocess.check_call([os.path.join(bin_dir, "syncwindow-bench"), "audit-trail", "--state", directory,
                           "--pairs", str(PAIRS), "--nights", str(nights)], stdout=subprocess.DEVNULL)


def count_events(directory):
    out = subprocess.check_output(["sqlite3", os.path.join(directory, "audit.sqlite"), "SELECT count(*) FROM event"])
    return int(out)


class Bench:
    """A copy of a trail, an emulator for its pairs, and the trail's config pointed at both."""

    def __init__(self, bin_dir, trail, postgres):
        self.bin = bin_dir
        self.work = tempfile.mkdtemp(prefix="syncwindow-year-")
        for name in ("audit.sqlite", "config.yaml"):
            shutil.copy(os.path.join(trail, name), self.work)
        for name in ("windows", "secrets"):
            shutil.copytree(os.path.join(trail, name), os.path.join(self.work, name))
        self.config = os.path.join(self.work, "config.yaml")
        with open(self.config) as f:
            self.base = f.read()
        self.emulator = subprocess.Popen(
            [os.path.join(bin_dir, "geminidb-emulator"), "--listen", "127.0.0.1:0", "--pairs", self.config],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = self.emulator.stdout.readline().strip().removeprefix("listening on ")
        # Unpaced (`rate_limit: 0`), as bench_pass.py's rows without a quota: what is measured is the pass's own
        # cost, not the 180 calls a second per API that the default pacing allows.
        extra = f"  rate_limit: 0\n  endpoints:\n    ap-southeast-1: {url}\n    ap-southeast-3: {url}\n"
        text = self.base.replace("    secret_key_file: secrets/sk\n", "    secret_key_file: secrets/sk\n" + extra)
        if postgres:
            database = postgres.new_database()
            with open(os.path.join(self.work, "pgpass"), "w") as f:
                f.write("bench-password\n")
            os.chmod(os.path.join(self.work, "pgpass"), 0o600)
            text = text.replace("pairs:\n", f"store:\n  postgres:\n    url: postgresql://bench@127.0.0.1:"
                                f"{postgres.port}/{database}\n    password_file: pgpass\n    tls: disable\npairs:\n", 1)
        with open(self.config, "w") as f:
            f.write(text)
        if postgres:
            self.syncwindow("audit", "migrate", "--from-sqlite", self.work)
            # A year arrives over a year, not in one copy seconds before the measurement: let the
            # server write out what the copy (and its VACUUM) left dirty before timing anything.
            postgres.psql("CHECKPOINT", db=database)

    def syncwindow(self, *args):
        seconds, rss, code, out, err = run_timed([os.path.join(self.bin, "syncwindow"), *args, "--config",
                                                  self.config], cwd=self.work)
        if code != 0:
            sys.exit(f"syncwindow {' '.join(args)} exited {code}:\n{err[-2000:]}")
        return seconds

    def measure(self, at, runs):
        self.syncwindow("tick", "--at", at)  # records this config once; later ticks write nothing
        self.syncwindow("status", "--at", at, "--format", "json")  # and warms the caches as every run finds them
        tick = statistics.median(self.syncwindow("tick", "--at", at) for _ in range(runs))
        status = statistics.median(self.syncwindow("status", "--at", at, "--format", "json") for _ in range(runs))
        return tick, status

    def close(self):
        self.emulator.terminate()
        self.emulator.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--trail", default=".build/bench-trail-200x365")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bin", default=".build/release")
    args = parser.parse_args()
    bin_dir = os.path.abspath(args.bin)
    year = os.path.abspath(args.trail)
    build_trail(bin_dir, year, 365)
    night_dir = tempfile.mkdtemp(prefix="syncwindow-night-")
    night = os.path.join(night_dir, "trail")
    build_trail(bin_dir, night, 1)
    trails = {"1 night": (night, "2026-01-01T12:00:00+08:00"), "365 nights": (year, "2026-12-31T12:00:00+08:00")}
    counts = {label: count_events(directory) for label, (directory, _) in trails.items()}
    try:
        for store in (["sqlite", "postgres"] if args.store == "both" else [args.store]):
            postgres = Postgres() if store == "postgres" else None
            try:
                figures = {}
                for label, (directory, at) in trails.items():
                    bench = Bench(bin_dir, directory, postgres)
                    try:
                        figures[label] = bench.measure(at, args.runs)
                    finally:
                        bench.close()
                print(f"{store}: {PAIRS} pairs, idle at noon after the last night, median of {args.runs}")
                for index, what in enumerate(("idle tick", "status")):
                    first, last = figures["1 night"][index], figures["365 nights"][index]
                    ratio = last / first
                    row(f"{what}, {counts['365 nights']:,} vs {counts['1 night']:,} events",
                        f"{last:.3f} / {first:.3f} s ({ratio:.2f}x)", "<= 1.3x", ratio <= 1.3)
            finally:
                if postgres:
                    postgres.stop()
    finally:
        shutil.rmtree(night_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
