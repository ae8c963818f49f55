#!/usr/bin/env python3
"""Reconcile passes at scale (issue 10, targets 1-3 as the pass sees them), against the
emulator binary, on SQLite and on PostgreSQL. Prints each target with its measured figure,
its bound and whether it holds.

  mass edge   N pairs entering a window at once, emulator `--latency 20ms --job-delay 1s`,
              default poll interval: wall <= 1.5 x (calls x latency / concurrency + job duration),
              calls = 8 per pair (2 status reads, 2 POSTs, 2 job reads, 2 status reads to confirm);
              peak RSS < 200 MB at 5,000 pairs; the per-pair cost at 1,000 within 1.3x of that at
              100, where the per-pair cost is (wall - job duration) / N
  idle pass   the same 1,000 pairs again at the same instant: <= 1 s per 1,000 pairs (emulator at
              0 latency: the pass's own cost), and no event written; at 20 ms too, against
              2 calls x latency / concurrency
  history     200 pairs, an idle tick and `status` after the first night and after NIGHTS nights
              of real passes (open and close each night): within 1.3x (median of REPEAT runs)
  quota       N pairs (1,000 and 5,000) entering a window against the emulator at `--quota Q`
              (the API gateway's token bucket, Q calls/s per project and API; 100), `cloud.rate_limit: Q`:
              one pass converges every pair; wall <= 1.2 x the quota's bound for the calls it made
              (max over the buckets of calls / Q, plus the job duration); <= 2 % of calls throttled;
              <= 5 calls a pair (the emulator's counts per bucket, GET /_emulator/quota)

Without a quota the emulator throttles nothing and the config says so (`cloud.rate_limit: 0`, unpaced).
Wall time and peak RSS are those of the whole `syncwindow` process (wait4's rusage).
Usage: scripts/bench_pass.py [--store sqlite|postgres|both] [--pairs 100,1000,5000]
                             [--quota-pairs 1000,5000] [--quota 100] [--quota-rate-limit N]
                             [--nights 30]
                             [--skip edge,history,quota] [--bin .build/release]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CONCURRENCY = 32
LATENCY = 0.020
JOB = 1.0
CALLS_PER_PAIR = 8
HERE = os.path.dirname(os.path.abspath(__file__))


def run_timed(argv, cwd=None):
    """Runs argv; returns (seconds, peak RSS in MB, exit code, stdout, stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return seconds, usage.ru_maxrss / 1024, proc.returncode, out.read().decode(), err.read().decode()


class Postgres:
    """A throwaway server (scripts/throwaway-postgres.sh) and a fresh database per scenario."""

    def __init__(self):
        out = subprocess.check_output([os.path.join(HERE, "throwaway-postgres.sh"), "start"], text=True)
        self.dir, self.port = out.split()
        self.count = 0
        self.psql("CREATE ROLE bench LOGIN PASSWORD 'bench-password'")

    def psql(self, sql, db="postgres"):
        subprocess.check_call(
            ["psql", "-q", "-h", self.dir, "-p", self.port, "-U", "postgres", "-d", db, "-c", sql],
            stdout=subprocess.DEVNULL)

    def new_database(self):
        self.count += 1
        name = f"bench{self.count}"
        self.psql(f"CREATE DATABASE {name} OWNER bench")
        # A rehearsal store (docs/hosts-that-disagree.md): the benchmarks pass fixed instants (--at), which a
        # real shared store refuses as a skewed clock.
        self.psql(f"ALTER DATABASE {name} SET syncwindow.rehearsal = on")
        return name

    def stop(self):
        subprocess.call([os.path.join(HERE, "throwaway-postgres.sh"), "stop", self.dir])


class Fleet:
    """A work directory: config with N pairs under one nightly window, an emulator, a store."""

    def __init__(self, bin_dir, pairs, postgres=None, latency_ms=0, job_delay_ms=0, quota=0, rate_limit=0):
        self.bin = bin_dir
        self.pairs = pairs
        self.work = tempfile.mkdtemp(prefix="syncwindow-bench-")
        self.postgres = postgres
        self.database = postgres.new_database() if postgres else None
        self.rate_limit = rate_limit
        for name, text in (("ak", "BENCHAK0000000000\n"), ("sk", "bench-secret-key-0000000000000000\n"),
                           ("pgpass", "bench-password\n")):
            path = os.path.join(self.work, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o600)
        os.mkdir(os.path.join(self.work, "windows"))
        with open(os.path.join(self.work, "windows", "nightly.yaml"), "w") as f:
            f.write('windows:\n  - name: nightly\n    cron: "30 1 * * *"\n    timezone: Asia/Shanghai\n'
                    '    duration: 2h\n    pairs: ["*"]\n')
        self.write_config(None)
        self.emulator = subprocess.Popen(
            [os.path.join(bin_dir, "geminidb-emulator"), "--listen", "127.0.0.1:0", "--pairs",
             os.path.join(self.work, "config.yaml"), "--job-delay", f"{job_delay_ms}ms", "--latency",
             f"{latency_ms}ms", "--quota", str(quota)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = self.emulator.stdout.readline().strip().removeprefix("listening on ")
        self.write_config(self.url)

    def write_config(self, url):
        lines = ["state_dir: state", "schedules: windows", "cloud:", "  auth:", "    method: aksk",
                 "    access_key_file: ak", "    secret_key_file: sk", "  timeout: 10s",
                 f"  concurrency: {CONCURRENCY}"]
        # Unpaced (0) unless a quota is benchmarked: the emulator then throttles nothing either.
        lines.append(f"  rate_limit: {self.rate_limit}")
        if url:
            lines += ["  endpoints:", f"    ap-southeast-1: {url}", f"    ap-southeast-3: {url}"]
        if self.postgres:
            lines += ["store:", "  postgres:",
                      f"    url: postgresql://bench@127.0.0.1:{self.postgres.port}/{self.database}",
                      "    password_file: pgpass", "    tls: disable"]
        lines.append("pairs:")
        for i in range(1, self.pairs + 1):
            lines.append(f"  pair-{i:05d}:")
            lines.append(f"    primary: {{ region: ap-southeast-1, project_id: p1bench, instance_id: primary-{i:05d}-in12 }}")
            lines.append(f"    standby: {{ region: ap-southeast-3, project_id: p3bench, instance_id: standby-{i:05d}-in12 }}")
        with open(os.path.join(self.work, "config.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def faults(self, latency_ms, job_delay_ms):
        body = json.dumps({"latency_ms": latency_ms, "job_delay_ms": job_delay_ms}).encode()
        request = urllib.request.Request(self.url + "/_emulator/faults", data=body, method="PUT",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request).read()

    def control(self, method, path):
        request = urllib.request.Request(self.url + "/_emulator/" + path, method=method)
        return urllib.request.urlopen(request).read()

    def quota_counts(self):
        """Calls per bucket (project and API) since the last reset: [(admitted, throttled)]."""
        buckets = json.loads(self.control("GET", "quota"))["buckets"]
        return [(b["admitted"], b["throttled"]) for b in buckets]

    def syncwindow(self, *args, check=(0,)):
        seconds, rss, code, out, err = run_timed(
            [os.path.join(self.bin, "syncwindow"), *args, "--config", os.path.join(self.work, "config.yaml")],
            cwd=self.work)
        if code not in check:
            sys.exit(f"syncwindow {' '.join(args)} exited {code}:\n{err[-2000:]}")
        return seconds, rss, out

    def events(self):
        out = self.syncwindow("audit", "--format", "json", "--since", "2000-01-01T00:00:00Z")[2]
        return len(json.loads(out)["events"])

    def close(self):
        self.emulator.terminate()
        self.emulator.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def at(day, hour_minute):
    return f"2026-12-{day:02d}T{hour_minute}:10+08:00"


def verdict(ok):
    return "ok" if ok else "MISSED"


def row(label, measured, bound, ok):
    print(f"  {label:<52} {measured:>22} {bound:>26}  {verdict(ok)}")


def mass_edge(bin_dir, pairs_list, postgres):
    results = {}
    bound = lambda n: CALLS_PER_PAIR * n * LATENCY / CONCURRENCY + JOB
    for n in pairs_list:
        fleet = Fleet(bin_dir, n, postgres, latency_ms=int(LATENCY * 1000), job_delay_ms=int(JOB * 1000))
        try:
            fleet.control("DELETE", "quota")
            seconds, rss, _ = fleet.syncwindow("tick", "--at", at(1, "01:30"))
            results[n] = (seconds, rss)
            b = bound(n)
            row(f"mass edge, {n:,} pairs (pause {2 * n:,} instances)", f"{seconds:.2f} s ({seconds / b:.2f}x)",
                f"<= 1.5 x {b:.2f} s = {1.5 * b:.2f} s", seconds <= 1.5 * b)
            calls = sum(a for a, _ in fleet.quota_counts())
            row("  calls a pair", f"{calls / n:.2f}", "<= 5", calls / n <= 5)
            if n >= 5000:
                row(f"  peak RSS at {n:,} pairs", f"{rss:.0f} MB", "< 200 MB", rss < 200)
            if n == 1000:
                before = fleet.events()
                idle_20, _, _ = fleet.syncwindow("tick", "--at", at(1, "01:30"))
                fleet.faults(0, int(JOB * 1000))
                idle_0 = statistics.median(fleet.syncwindow("tick", "--at", at(1, "01:30"))[0] for _ in range(3))
                after = fleet.events()
                idle_bound = 2 * n * LATENCY / CONCURRENCY
                row(f"idle pass, {n:,} pairs, 0 ms latency", f"{idle_0:.2f} s", f"<= {n / 1000:.2f} s",
                    idle_0 <= n / 1000)
                row(f"idle pass, {n:,} pairs, 20 ms latency", f"{idle_20:.2f} s ({idle_20 / idle_bound:.2f}x)",
                    f"2 calls: {idle_bound:.2f} s", idle_20 <= 1.5 * idle_bound)
                row("  events written by the idle passes", f"{after - before}", "0", after == before)
                fleet.faults(int(LATENCY * 1000), int(JOB * 1000))
                close, _, _ = fleet.syncwindow("tick", "--at", at(1, "03:30"))
                row(f"window close, {n:,} pairs (resume {2 * n:,} instances)",
                    f"{close:.2f} s ({close / b:.2f}x)", f"<= 1.5 x {b:.2f} s = {1.5 * b:.2f} s", close <= 1.5 * b)
        finally:
            fleet.close()
    if 100 in results and 1000 in results:
        per = {n: (results[n][0] - JOB) / n * 1000 for n in (100, 1000)}
        ratio = per[1000] / per[100]
        row("per-pair cost, 1,000 vs 100 pairs", f"{per[1000]:.2f} / {per[100]:.2f} ms ({ratio:.2f}x)",
            "<= 1.3x", ratio <= 1.3)


def quota_edge(bin_dir, pairs_list, quota, rate_limit, postgres):
    """Mass edges against a throttling emulator, paced at `rate_limit` (the quota unless told)."""
    for n in pairs_list:
        fleet = Fleet(bin_dir, n, postgres, latency_ms=int(LATENCY * 1000), job_delay_ms=int(JOB * 1000),
                      quota=quota, rate_limit=rate_limit or quota)
        try:
            fleet.control("DELETE", "quota")
            seconds, _, _ = fleet.syncwindow("tick", "--at", at(1, "01:30"), check=(0, 1))
            counts = fleet.quota_counts()
            admitted = sum(a for a, _ in counts)
            throttled = sum(t for _, t in counts)
            b = max(a / quota for a, _ in counts) + JOB
            paused = sum(1 for i in json.loads(fleet.control("GET", "state"))["instances"]
                         if i["status"] == "SUSPENDED")
            row(f"quota {quota}/s, rate_limit {rate_limit or quota}, {n:,} pairs: paused", f"{paused:,}", f"{2 * n:,}", paused == 2 * n)
            row(f"  wall vs the quota's bound", f"{seconds:.2f} s ({seconds / b:.2f}x)",
                f"<= 1.2 x {b:.2f} s = {1.2 * b:.2f} s", seconds <= 1.2 * b)
            share = throttled / max(1, admitted + throttled)
            row("  calls throttled", f"{throttled:,} ({share * 100:.2f} %)", "<= 2 %", share <= 0.02)
            row("  calls a pair", f"{admitted / n:.2f}", "<= 5", admitted / n <= 5)
        finally:
            fleet.close()


def history(bin_dir, nights, repeat, postgres):
    fleet = Fleet(bin_dir, 200, postgres)
    try:
        def measure(day):
            noon = at(day, "12:00")
            ticks = [fleet.syncwindow("tick", "--at", noon)[0] for _ in range(repeat)]
            status = [fleet.syncwindow("status", "--at", noon, "--format", "json")[0] for _ in range(repeat)]
            return statistics.median(ticks), statistics.median(status)

        def night(day):
            fleet.syncwindow("tick", "--at", at(day, "01:30"), "--poll-interval", "0.05")
            fleet.syncwindow("tick", "--at", at(day, "03:30"), "--poll-interval", "0.05")

        night(1)
        first = measure(1)
        for day in range(2, nights + 1):
            night(day)
        last = measure(nights)
        events = fleet.events()
        for label, a, b in (("idle tick", first[0], last[0]), ("status", first[1], last[1])):
            ratio = b / a
            row(f"{label}, 200 pairs, night {nights} vs night 1 ({events:,} events)",
                f"{b:.3f} / {a:.3f} s ({ratio:.2f}x)", "<= 1.3x", ratio <= 1.3)
    finally:
        fleet.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="both", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--pairs", default="100,1000,5000")
    parser.add_argument("--nights", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--bin", default=".build/release")
    parser.add_argument("--quota-pairs", default="1000,5000")
    parser.add_argument("--quota", type=int, default=100)
    parser.add_argument("--quota-rate-limit", type=int, default=0,
                        help="cloud.rate_limit of the quota rows (default: the quota)")
    parser.add_argument("--skip", default="", help="comma-separated: edge,history,quota")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    skip = set(filter(None, args.skip.split(",")))
    for store in stores:
        postgres = Postgres() if store == "postgres" else None
        try:
            print(f"{store}: concurrency {CONCURRENCY}, emulator latency {LATENCY * 1000:.0f} ms, jobs {JOB:.0f} s")
            print(f"  {'target':<52} {'measured':>22} {'bound':>26}")
            if "edge" not in skip:
                mass_edge(args.bin, [int(n) for n in args.pairs.split(",")], postgres)
            if "quota" not in skip:
                quota_edge(args.bin, [int(n) for n in args.quota_pairs.split(",")], args.quota,
                           args.quota_rate_limit, postgres)
            if "history" not in skip:
                history(args.bin, args.nights, args.repeat, postgres)
        finally:
            if postgres:
                postgres.stop()


if __name__ == "__main__":
    main()
