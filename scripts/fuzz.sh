#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (Sources/Fuzz*) with AddressSanitizer into their own
# build directory, then runs each for FUZZ_SECONDS (default 180) from the committed seeds in
# Fuzz/corpus/<target>, with the dictionary Fuzz/dict/<target>.dict. New inputs go to
# .build-fuzz/corpus/<target> (git-ignored, kept between runs); a crash, trap, hang (-timeout) or sanitizer report stops the target, leaves the input in
# .build-fuzz/artifacts/<target>/ and fails the script.
#
#   FUZZ_SECONDS=30 FUZZ_SEED=1 make fuzz             # as CI does (a fixed seed: the same inputs each run)
#   FUZZ_TARGETS="FuzzCron FuzzTimeText" make fuzz    # a subset
#   .build-fuzz/debug/FuzzCron .build-fuzz/artifacts/FuzzCron/crash-…   # replay one input
#   .build/debug/FuzzCron Fuzz/corpus/FuzzCron    # the ordinary build replays inputs, no libFuzzer
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-180}
targets=${FUZZ_TARGETS:-FuzzCron FuzzTimeText FuzzConfig FuzzCloudDecoding FuzzEmulatorRequests}
build=.build-fuzz

# -DFUZZING switches FuzzSupport from replaying files to libFuzzer's driver (see FuzzMain.swift).
# One product at a time, so only what the fuzz targets import is built (no GRDB, no CLI).
for target in $targets; do
    # (gold warns once per ASan helper symbol; the filter keeps the log readable.)
    set +e
    swift build --build-path "$build" -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
        --product "$target" 2>&1 | grep -v "Cannot export local symbol"
    status=${PIPESTATUS[0]}
    set -e
    [ "$status" -eq 0 ] || { echo "fuzz: $target did not build" >&2; exit 1; }
done

max_len() {
    case $1 in
        FuzzCron) echo 256 ;;
        FuzzTimeText) echo 128 ;;
        *) echo 4096 ;;
    esac
}

# Leak checks off: the Swift runtime and Foundation cache allocations for the life of the process.
# No Swift backtracer: it reads the crashed stack itself, which ASan reports instead of the trap.
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export SWIFT_BACKTRACE=enable=no

failed=()
for target in $targets; do
    mkdir -p "$build/corpus/$target" "$build/artifacts/$target"
    log="$build/logs/$target.log"
    mkdir -p "$(dirname "$log")"
    echo "fuzz: $target for ${seconds}s"
    dict=()
    [ -f "Fuzz/dict/$target.dict" ] && dict=(-dict="Fuzz/dict/$target.dict")
    if "$build/debug/$target" "$build/corpus/$target" "Fuzz/corpus/$target" "${dict[@]}" \
        ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -max_total_time="$seconds" -timeout=10 -max_len="$(max_len "$target")" -rss_limit_mb=4096 \
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target/" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        echo "fuzz: $target ok, ${runs:-?} executions"
    else
        echo "fuzz: $target FAILED — last lines of $log:" >&2
        grep -v "Cannot export" "$log" | tail -40 >&2
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (inputs in $build/artifacts/)" >&2
    exit 1
fi
