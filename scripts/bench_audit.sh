#!/usr/bin/env bash
# A year of audit trail (PAIRS pairs, NIGHTS nights: ~1,000,000 events for 200 x 365) built through the
# library's own append path (`syncwindow-bench audit-trail`), then timed through the release binary:
#   - audit verify: seconds and microseconds per event (target: at most 2 µs per event),
#   - audit --format csv and --format json to /dev/null: seconds and peak memory (they stream: flat memory).
# The trail is kept in $TRAIL (default .build/bench-trail-PAIRSxNIGHTS) and reused by later runs.
# Usage: scripts/bench_audit.sh [PAIRS] [NIGHTS] (binaries from $BIN, default .build/release)
set -euo pipefail
pairs=${1:-200}
nights=${2:-365}
bin=${BIN:-.build/release}
trail=${TRAIL:-.build/bench-trail-${pairs}x${nights}}

if [ ! -f "$trail/config.yaml" ]; then
    rm -rf "$trail"
    echo "building the trail in $trail (through AuditStore.append; a few minutes for a year)"
    "$bin/syncwindow-bench" audit-trail --state "$trail" --pairs "$pairs" --nights "$nights" | tail -2
fi
events=$(sqlite3 "$trail/audit.sqlite" 'SELECT count(*) FROM event;')
echo "trail: $events events, $(du -h "$trail/audit.sqlite" | cut -f1)"

measure() { # label, then the syncwindow arguments; output to /dev/null
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$trail/.time" "$bin/syncwindow" "$@" --config "$trail/config.yaml" > /dev/null
    read -r seconds kilobytes < "$trail/.time"
    printf '%-34s %8.2f s %8.2f µs/event %6d MB peak\n' "$label" "$seconds" \
        "$(echo "$seconds * 1000000 / $events" | bc -l)" "$((kilobytes / 1024))"
}
measure "audit verify (target: ≤ 2 µs/event)" audit verify
measure "audit --format csv" audit --format csv
measure "audit --format json" audit --format json
