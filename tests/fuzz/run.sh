#!/usr/bin/env bash
# The fuzzing campaign behind `make fuzz`: builds the targets, then runs each one in turn for
# FUZZ_SECONDS (default 600) and prints, per target, how long it ran, how many inputs it tried,
# its coverage and whether it crashed. Details: tests/fuzz/README.md.
#   FUZZ_TARGETS="merge yaml_edit"  only these targets
#   FUZZ_TARGET_DIR, FUZZ_WORK_DIR  build output and working corpora/crashes (outside the repository)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-600}
target_dir=${FUZZ_TARGET_DIR:-$HOME/.cache/meshlens/fuzz-target}
work=${FUZZ_WORK_DIR:-$HOME/.cache/meshlens/fuzz-work}
# cargo fuzz passes nightly-only flags (-Z, -C passes=sancov-module); RUSTC_BOOTSTRAP lets the
# stable toolchain accept them. No sanitizer: the fuzzed code is safe Rust, and ASan would cost
# half the executions; debug assertions keep overflow checks on.
export RUSTC_BOOTSTRAP=1
flags=(--fuzz-dir tests/fuzz --sanitizer none --debug-assertions --target-dir "$target_dir")

cargo fuzz build "${flags[@]}"
targets=${FUZZ_TARGETS:-$(cargo fuzz list --fuzz-dir tests/fuzz)}
failed=()
for target in $targets; do
    mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
    log="$work/$target.log"
    echo "== $target: ${seconds}s, log $log"
    started=$(date +%s)
    # New inputs go to the first (working) corpus; the committed seeds are only read.
    if ! nice -n 10 cargo fuzz run "${flags[@]}" "$target" "$work/corpus/$target" "tests/fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$target/" >"$log" 2>&1; then
        failed+=("$target")
    fi
    echo "   ran $(($(date +%s) - started))s; $(grep -E '^#[0-9]+' "$log" | tail -1)"
    grep -E '^stat::number_of_executed_units|^SUMMARY|Test unit written' "$log" | sed 's/^/   /' || true
done
if ((${#failed[@]})); then
    echo "crashed: ${failed[*]} (inputs in $work/artifacts; minimise with cargo fuzz tmin, save under tests/fuzz/regressions/<target>/)"
    exit 1
fi
echo "make fuzz: no crash"
