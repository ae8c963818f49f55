#!/usr/bin/env python3
"""Reference cron starts from cronsim, for syncwindow's differential test.

Reads JSON on stdin: a list of {"cron", "tz", "from", "to"} (from/to in RFC 3339).
Writes JSON on stdout: one entry per input, in order — the list of starts strictly after
`from` and before `to`, as RFC 3339 UTC strings ("2026-03-29T01:00:00Z"), or
{"error": "..."} when cronsim refuses the expression.

Macros (@daily ...) are expanded to five fields first, as syncwindow does: cronsim has none.
"""
import json
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def starts(cron: str, tz: str, start: datetime, end: datetime):
    expr = MACROS.get(cron.strip().lower(), cron)
    zone = ZoneInfo(tz)
    try:
        it = CronSim(expr, start.astimezone(zone))
    except CronSimError as error:
        return {"error": str(error)}
    result = []
    try:
        for dt in it:
            utc = dt.astimezone(timezone.utc)
            if utc >= end:
                break
            if utc > start:
                result.append(utc.strftime("%Y-%m-%dT%H:%M:%SZ"))
    except StopIteration:
        pass
    return result


def main() -> None:
    requests = json.load(sys.stdin)
    answers = [
        starts(r["cron"], r["tz"], parse_time(r["from"]), parse_time(r["to"]))
        for r in requests
    ]
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
