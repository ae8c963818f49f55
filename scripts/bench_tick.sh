#!/usr/bin/env bash
# Reconcile passes at scale against the emulator binary: N pairs (2N instances) under one
# nightly window. Prints wall time and peak memory (GNU time) of:
#   - the pass at the window's open (pauses 2N instances, follows 2N jobs),
#   - an idle pass at the same instant (reads 2N statuses, calls nothing, writes nothing),
#   - the pass at the close (resumes 2N instances),
#   - status and report over the resulting audit trail.
# Usage: scripts/bench_tick.sh [PAIRS] (binaries from $BIN, default .build/release)
set -euo pipefail
. "$(dirname "$0")/bench_common.sh"
pairs=${1:-200}
cat > "$work/windows/nightly.yaml" <<'YAML'
windows:
  - name: nightly
    cron: "30 1 * * *"
    timezone: Asia/Shanghai
    duration: 2h
    pairs: ["*"]
YAML
write_config() { # $1: extra cloud lines
    {
        printf 'state_dir: state\nschedules: windows\ncloud:\n  auth:\n    method: aksk\n'
        printf '    access_key_file: ak\n    secret_key_file: sk\n  timeout: 10s\n  concurrency: 32\n%s' "$1"
        printf 'pairs:\n'
        for i in $(seq 1 "$pairs"); do
            printf '  pair-%04d:\n' "$i"
            printf '    primary: { region: ap-southeast-1, project_id: p1bench, instance_id: primary-%04d-in12 }\n' "$i"
            printf '    standby: { region: ap-southeast-3, project_id: p3bench, instance_id: standby-%04d-in12 }\n' "$i"
        done
    } > "$work/config.yaml"
}
serve_config write_config

echo "pairs: $pairs ($((pairs * 2)) instances), emulator at $url"
measure "tick at window open (pause all)" tick --at 2026-12-01T01:30:10+08:00 --poll-interval 0.05
measure "tick again at the same instant (idle)" tick --at 2026-12-01T01:30:10+08:00
measure "tick at window close (resume all)" tick --at 2026-12-01T03:30:10+08:00 --poll-interval 0.05
measure "status" status --at 2026-12-01T03:31:00+08:00
measure "report (one day)" report --since 2026-11-30T00:00:00Z --until 2026-12-02T00:00:00Z
measure "audit verify" audit verify
echo "audit events: $(sqlite3 "$work/state/audit.sqlite" 'SELECT count(*) FROM event;')"
