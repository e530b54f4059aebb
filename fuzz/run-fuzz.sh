#!/bin/sh
# Builds the libFuzzer targets (fuzz/targets/, declared in Package.swift only when MAILSEC_FUZZ=1) with
# -sanitize=fuzzer,address in their own scratch path, so the normal .build is never touched,
# then runs each for FUZZ_SECONDS from its committed seeds (fuzz/seeds/TARGET).
# The working corpus lives in a temporary directory that is removed at the end; a crash input
# is copied to fuzz-crashes/ (and the run fails), so it can become a regression test.
#
#   fuzz/run-fuzz.sh [TARGET ...]      FUZZ_SECONDS (default 60), FUZZ_RUNS, FUZZ_RSS_MB, FUZZ_TIMEOUT, FUZZ_MAX_LEN
#
# FUZZ_RUNS ends a target after that many executions (libFuzzer's -runs) when that comes before
# FUZZ_SECONDS: `FUZZ_RUNS=10000000 FUZZ_SECONDS=14400` is a volume run.
set -u
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SECONDS_EACH=${FUZZ_SECONDS:-60}
RUNS=${FUZZ_RUNS:--1}
RSS_MB=${FUZZ_RSS_MB:-2048}
TIMEOUT=${FUZZ_TIMEOUT:-25}
# Inputs are cut at this many bytes: every target's cost grows with the input, and the bugs
# worth finding (framing, state, parsing) show in a few KiB. Longer seeds are truncated.
MAX_LEN=${FUZZ_MAX_LEN:-4096}
SCRATCH=.build-fuzz
TARGETS=${*:-"fuzz-smtp-framing fuzz-smtp-relay fuzz-pop3-relay fuzz-message-inspection fuzz-mime-walker fuzz-scan-reply fuzz-console-parser"}

work=$(mktemp -d "${TMPDIR:-/tmp}/mailsec-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

failed=""
for target in $TARGETS; do
    echo "== $target: build"
    if ! MAILSEC_FUZZ=1 "$SWIFT" build -c release --scratch-path "$SCRATCH" \
        -Xswiftc -sanitize=fuzzer,address --product "$target" >"$work/build.log" 2>&1; then
        grep -E 'error' "$work/build.log" | head -20
        failed="$failed $target(build)"
        continue
    fi
    binary="$SCRATCH/release/$target"
    mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
    dict=""
    [ -f "fuzz/dictionaries/$target.dict" ] && dict="-dict=fuzz/dictionaries/$target.dict"
    echo "== $target: ${SECONDS_EACH}s"
    # stdin from /dev/null and output to a file: a crashing run must not hold a pipe open.
    nice -n 19 "$binary" -max_total_time="$SECONDS_EACH" -runs="$RUNS" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
        -print_final_stats=1 -max_len="$MAX_LEN" -artifact_prefix="$work/$target/artifacts/" $dict \
        "$work/$target/corpus" "fuzz/seeds/$target" </dev/null >"$work/$target/log" 2>&1
    status=$?
    grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$work/$target/log"
    if [ $status -ne 0 ] || [ -n "$(ls "$work/$target/artifacts")" ]; then
        grep -E 'invariant broken|ERROR: |Fatal error|SUMMARY' "$work/$target/log" | head -5
        mkdir -p fuzz-crashes/$target
        cp "$work/$target/artifacts/"* fuzz-crashes/$target/ 2>/dev/null
        cp "$work/$target/log" "fuzz-crashes/$target/log"
        echo "== $target: FAILED (exit $status); inputs and log in fuzz-crashes/$target/"
        failed="$failed $target"
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz: failures:$failed"
    exit 1
fi
echo "fuzz: no crash in any target"
