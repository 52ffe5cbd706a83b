#!/usr/bin/env bash
# Fuzzes contract-gate's readers of repository input — contract-gate.yml, contracts, dbt_project.yml,
# property files, {{ config() }} in model SQL, manifest.json — and the JSON codec (PrettyJSONEncoder
# against JSONEncoder, `json`) with libFuzzer (clang's
# -sanitize=fuzzer through `swift build`), for a bounded time per target. Not part of the default
# test run: it builds its own instrumented copy in .build-fuzz/ and takes SECONDS × targets.
#
#   ci/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET…]     (default: 60 s; all targets)
#   targets: config contract project properties model manifest json
#
# Seeds come from ci/fuzz/corpus/<target>/ (committed); the corpus the fuzzer grows lives in
# .build-fuzz/corpus/<target>/. A crash, a hang (-timeout) or a sanitizer report stops the target,
# leaves the input in ci/fuzz/crashes/<target>/ and makes the script exit 1. Once the bug is fixed,
# move the input to ci/fuzz/regressions/<target>/: the normal test run replays those
# (FuzzRegressionTests), so the crash cannot come back unnoticed.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then targets=(config contract project properties model manifest json); fi

scratch="$here/.build-fuzz"
flags=(--package-path "$here" --scratch-path "$scratch" -c debug
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DGATE_FUZZ
       -Xswiftc -enable-experimental-feature -Xswiftc Extern)
echo "fuzz: building the instrumented GateFuzz (first build takes a few minutes)" >&2
swift build "${flags[@]}" --product GateFuzz >&2
bin="$(swift build "${flags[@]}" --show-bin-path)/GateFuzz"

status=0
for target in "${targets[@]}"; do
    seeds="$here/ci/fuzz/corpus/$target"
    regressions="$here/ci/fuzz/regressions/$target"
    work="$scratch/corpus/$target"
    crashes="$here/ci/fuzz/crashes/$target"
    mkdir -p "$work" "$crashes"
    echo "fuzz: $target for ${seconds}s" >&2
    # -timeout (FUZZ_TIMEOUT, 30 s): one input taking longer is a hang (a finding) — generous,
    # because on a loaded machine an ASan build can stall for 10 s on an input that takes 40 ms
    # (two such false alarms are kept in regressions/ as fuzzer-timeout-under-load-*);
    # -rss_limit_mb: an alias bomb that
    # expands is a finding too. -detect_leaks=0: LeakSanitizer reports Swift's lazily initialised
    # globals and runtime caches as leaks. Seeds and saved regressions are read, never written.
    if ! GATE_FUZZ_TARGET="$target" ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" "$bin" "$work" "$seeds" "$regressions" \
        -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048 -max_len=65536 -detect_leaks=0 \
        -artifact_prefix="$crashes/" -print_final_stats=1 >"$scratch/$target.log" 2>&1; then
        echo "fuzz: $target FOUND A PROBLEM — input(s) in $crashes, log in $scratch/$target.log" >&2
        tail -40 "$scratch/$target.log" >&2
        status=1
    else
        grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^Done" "$scratch/$target.log" | sed "s/^/fuzz: $target: /" >&2 || true
    fi
    rmdir "$crashes" 2>/dev/null || true
done
exit "$status"
