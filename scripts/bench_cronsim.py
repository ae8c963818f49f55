#!/usr/bin/env python3
"""Occurrences per second of cronsim on the same cases as syncwindow-bench.

The case list comes from `syncwindow-bench --list` (one place), so build the bench first:
`swift build -c release --product syncwindow-bench` (make bench does).
"""
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from cronsim import CronSim

MACROS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
          "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.environ.get("SYNCWINDOW_BENCH", os.path.join(ROOT, ".build", "release", "syncwindow-bench"))


def year_of_starts(expr, zone, start, end):
    count = 0
    for dt in CronSim(expr, start.astimezone(zone)):
        if dt.astimezone(timezone.utc) >= end:
            break
        count += 1
    return count


def main():
    cases = json.loads(subprocess.run([BENCH, "--list"], check=True, capture_output=True, text=True).stdout)
    print(f"{'expression':24}{'zone':22}{'per year':>10}{'occurrences/s':>16}{'ns/occ':>9}")
    total_count, total_seconds = 0, 0.0
    for case in cases:
        expr = MACROS.get(case["cron"], case["cron"])
        zone = ZoneInfo(case["tz"])
        start = datetime.fromisoformat(case["from"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(case["to"].replace("Z", "+00:00"))
        count, began = 0, time.perf_counter()
        while True:
            per_year = year_of_starts(expr, zone, start, end)
            count += per_year
            elapsed = time.perf_counter() - began
            if elapsed >= 0.3:
                break
        total_count += count
        total_seconds += elapsed
        rate = count / elapsed
        print(f"{case['cron']:24}{case['tz']:22}{per_year:>10}{int(rate):>16}{1e9 / rate:>9.0f}")
    print(f"{'all':56}{int(total_count / total_seconds):>16}")


if __name__ == "__main__":
    sys.exit(main())
