#!/usr/bin/env bash
# One pair under N back-to-back one-minute windows (window k opens k minutes after Monday
# 00:00 UTC, weekly), against the emulator binary. Prints wall time and peak memory (GNU time)
# of the passes and status inside the chain and outside it, so the cost per pass can be read
# against N (issue 17 item 10: it was quadratic in N).
# SHAPE=random: daily 30-minute windows at random minutes instead (overlapping into a chain that
# never ends, so every pass follows it to the 35-day merge horizon).
# Usage: [SHAPE=abutting|random] scripts/bench_abutting.sh [WINDOWS] (binaries from $BIN, default .build/release)
set -euo pipefail
. "$(dirname "$0")/bench_common.sh"
count=${1:-4000}
python3 - "$count" "${SHAPE:-abutting}" > "$work/windows/abutting.yaml" <<'PY'
import random, sys
count, shape = int(sys.argv[1]), sys.argv[2]
rng = random.Random(17)
print("windows:")
for k in range(count):
    if shape == "random":  # daily 30-minute windows at random minutes: they overlap into one long chain
        minute_of_day, duration, weekday = rng.randrange(1440), "30m", "*"
    else:
        day, minute_of_day = divmod(k, 1440)
        duration, weekday = "1m", (1 + day) % 7
    hour, minute = divmod(minute_of_day, 60)
    print(f"  - name: w{k:05d}\n    cron: \"{minute} {hour} * * {weekday}\"\n"
          f"    timezone: UTC\n    duration: {duration}\n    pairs: [orders]")
PY
write_config() { # $1: extra cloud lines
    {
        printf 'state_dir: state\nschedules: windows\ncloud:\n  auth:\n    method: aksk\n'
        printf '    access_key_file: ak\n    secret_key_file: sk\n  timeout: 10s\n%s' "$1"
        printf 'pairs:\n  orders:\n'
        printf '    primary: { region: ap-southeast-1, project_id: p1bench, instance_id: primary-0001-in12 }\n'
        printf '    standby: { region: ap-southeast-3, project_id: p3bench, instance_id: standby-0001-in12 }\n'
    } > "$work/config.yaml"
}
serve_config write_config

# 2026-11-30 is a Monday; the chain runs from its 00:00 UTC for $count minutes.
echo "one pair, $count windows (${SHAPE:-abutting}), emulator at $url"
measure "tick inside the chain (pause)" tick --at 2026-11-30T00:30:00Z --poll-interval 0.05
measure "tick inside the chain again (idle)" tick --at 2026-11-30T00:31:00Z
measure "status inside the chain" status --at 2026-11-30T00:31:00Z
measure "tick after the chain (resume)" tick --at 2026-12-05T00:00:00Z --poll-interval 0.05
measure "tick after the chain again (idle)" tick --at 2026-12-05T00:01:00Z
measure "status after the chain" status --at 2026-12-05T00:01:00Z
