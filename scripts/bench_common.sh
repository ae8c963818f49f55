# Shared by the shell benchmarks (source it): a scratch directory with the bench's keys, the emulator
# binary on a free loopback port, and one timed syncwindow command. Sets $bin (from $BIN) and $work.

bin=${BIN:-.build/release}
work=$(mktemp -d)
emulator_pid=
trap 'if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
printf 'BENCHAK0000000000\n' > "$work/ak"
printf 'bench-secret-key-0000000000000000\n' > "$work/sk"
chmod 600 "$work/ak" "$work/sk"
mkdir -p "$work/windows"

# start_emulator CONFIG [FLAGS…]: sets $url and $emulator_pid (the caller's EXIT trap kills it).
start_emulator() {
    local config=$1; shift
    "$bin/geminidb-emulator" --listen 127.0.0.1:0 --pairs "$config" "$@" > "$work/emulator.out" 2>/dev/null &
    emulator_pid=$!
    for _ in $(seq 1 100); do [ -s "$work/emulator.out" ] && break; sleep 0.1; done
    url=$(head -1 "$work/emulator.out" | sed 's/listening on //')
}

# measure LABEL ARGS…: runs syncwindow ARGS --config $work/config.yaml, prints wall time and peak memory (GNU time).
measure() {
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin/syncwindow" "$@" --config "$work/config.yaml" > /dev/null
    read -r seconds kilobytes < "$work/time"
    printf '%-44s %8.2f s %8d MB\n' "$label" "$seconds" "$((kilobytes / 1024))"
}

# serve_config WRITE_CONFIG: writes the config (`WRITE_CONFIG ""`), starts the emulator on its pairs,
# then writes it again (`WRITE_CONFIG "  endpoints: …"`) with both regions pointing at the emulator.
serve_config() {
    local write=$1
    "$write" ""
    start_emulator "$work/config.yaml" --job-delay 0s
    "$write" "  endpoints:
    ap-southeast-1: $url
    ap-southeast-3: $url
"
}
