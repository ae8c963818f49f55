#!/usr/bin/env bash
# A year of audit trail (PAIRS pairs, NIGHTS nights: ~1,000,000 events for 200 x 365) built through the
# library's own append path (`syncwindow-bench audit-trail`), then timed through the release binary, on SQLite
# and/or on PostgreSQL (the same trail copied in with `syncwindow audit migrate --from-sqlite`):
#   - audit verify: seconds and microseconds per event (target: at most 2 µs per event),
#   - audit --format csv and --format json to /dev/null: seconds and peak memory (they stream: flat memory),
#   - report over the whole trail in each format (target: at most 1 µs per event; it folds from a cursor).
# Each figure is the median of RUNS runs (default 3); peak memory is the largest of them.
# The trail is kept in $TRAIL (default .build/bench-trail-PAIRSxNIGHTS) and reused by later runs; PostgreSQL is
# a throwaway server (scripts/throwaway-postgres.sh), stopped at the end.
# Usage: scripts/bench_audit.sh [--store sqlite|postgres|both] [PAIRS] [NIGHTS] (default both; binaries from
# $BIN, default .build/release)
set -euo pipefail
store=both
if [ "${1:-}" = --store ]; then
    store=$2
    shift 2
fi
case "$store" in sqlite | postgres | both) ;; *) echo "--store sqlite|postgres|both" >&2; exit 2 ;; esac
pairs=${1:-200}
nights=${2:-365}
bin=${BIN:-.build/release}
runs=${RUNS:-3}
here=$(cd "$(dirname "$0")" && pwd)
trail=${TRAIL:-.build/bench-trail-${pairs}x${nights}}

if [ ! -f "$trail/config.yaml" ]; then
    rm -rf "$trail"
    echo "building the trail in $trail (through AuditStore.append; a few minutes for a year)"
    "$bin/syncwindow-bench" audit-trail --state "$trail" --pairs "$pairs" --nights "$nights" | tail -2
fi
trail=$(cd "$trail" && pwd)
# Per-run scratch (GNU time's figures, the PostgreSQL config): runs sharing a trail do not overwrite each other's.
timing=$(mktemp "${TMPDIR:-/tmp}/bench-audit-time.XXXXXX")
pgdir="" pgconfig=""
cleanup() {
    rm -f "$timing"
    if [ -n "$pgconfig" ]; then rm -f "$pgconfig"; fi
    if [ -n "$pgdir" ]; then "$here/throwaway-postgres.sh" stop "$pgdir"; fi
}
trap cleanup EXIT
events=$(sqlite3 "$trail/audit.sqlite" 'SELECT count(*) FROM event;')
# The report's period: whole days around the trail.
since=$(sqlite3 "$trail/audit.sqlite" "SELECT substr(min(at), 1, 10) || 'T00:00:00Z' FROM event;")
until=$(sqlite3 "$trail/audit.sqlite" "SELECT date(max(at), '+1 day') || 'T00:00:00Z' FROM event;")
echo "trail: $events events, $(du -h "$trail/audit.sqlite" | cut -f1); report period $since to $until"

measure() { # config, label, target µs/event (or -), then the syncwindow arguments; output to /dev/null
    local config=$1 label=$2 target=$3; shift 3
    local times=() peak=0 seconds kilobytes
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$timing" "$bin/syncwindow" "$@" --config "$config" > /dev/null
        read -r seconds kilobytes < "$timing"
        times+=("$seconds")
        if [ "$kilobytes" -gt "$peak" ]; then peak=$kilobytes; fi
    done
    seconds=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    local per=$(echo "$seconds * 1000000 / $events" | bc -l) verdict=""
    if [ "$target" != - ]; then
        verdict=$(echo "$per <= $target" | bc -l | sed 's/1/met/; s/0/NOT met/')
        verdict="  target ≤ $target µs/event: $verdict"
    fi
    printf '%-30s %8.2f s %8.2f µs/event %6d MB peak%s\n' "$label" "$seconds" "$per" "$((peak / 1024))" "$verdict"
}

run_all() { # config
    local config=$1
    measure "$config" "audit verify" 2 audit verify
    measure "$config" "audit --format csv" - audit --format csv
    measure "$config" "audit --format json" - audit --format json
    for format in table json csv html; do
        measure "$config" "report --format $format" 1 report --since "$since" --until "$until" --format "$format"
    done
}

if [ "$store" != postgres ]; then
    echo "SQLite ($trail/audit.sqlite)"
    run_all "$trail/config.yaml"
fi

if [ "$store" != sqlite ]; then
    read -r pgdir pgport < <("$here/throwaway-postgres.sh" start)
    pgconfig="$trail/config-postgres-$pgport.yaml"
    psql -q -h "$pgdir" -p "$pgport" -U postgres -c "CREATE ROLE bench LOGIN PASSWORD 'bench-password'"
    psql -q -h "$pgdir" -p "$pgport" -U postgres -c "CREATE DATABASE trail OWNER bench"
    # The same config and secrets beside the SQLite trail, with a store: block (state_dir stays the trail's).
    printf 'bench-password\n' > "$trail/pgpass"
    chmod 600 "$trail/pgpass"
    awk -v port="$pgport" '
        /^pairs:/ && !done {
            print "store:"; print "  postgres:"
            print "    url: postgresql://bench@127.0.0.1:" port "/trail"
            print "    password_file: pgpass"; print "    tls: disable"; done = 1
        }
        { print }' "$trail/config.yaml" > "$pgconfig"
    # From a copy: `audit migrate` marks the trail it moves (a `trail_moved` event, and passes on it refuse),
    # and the year's trail stays reusable (`make bench-year` with --trail).
    source=$(mktemp -d)
    cp "$trail"/audit.sqlite* "$source/"
    /usr/bin/time -f "%e %M" -o "$timing" "$bin/syncwindow" audit migrate --config "$pgconfig" \
        --from-sqlite "$source" > /dev/null
    rm -rf "$source"
    read -r seconds kilobytes < "$timing"
    printf 'PostgreSQL (throwaway server; trail copied by audit migrate in %.0f s, %d MB peak)\n' "$seconds" \
        "$((kilobytes / 1024))"
    run_all "$pgconfig"
fi
