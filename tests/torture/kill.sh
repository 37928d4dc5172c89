#!/usr/bin/env bash
# kill -9 at random points (issue #19): MESHLENS_TORTURE_RUNS kills (default 100) during each of sync, import,
# draft save and outbox delivery, with `PRAGMA integrity_check` after each; see tests/scenarios/crash.rs.
# `make test` runs the same campaign with 5 kills a phase.
#
#   tests/torture/kill.sh
#   MESHLENS_TORTURE_RUNS=20 MESHLENS_TORTURE_SEED=42 tests/torture/kill.sh
#
# Prints one line per phase (kills, how many hit a running process, seconds); exits 1 if a check failed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/meshlens/target}
export MESHLENS_TORTURE_RUNS=${MESHLENS_TORTURE_RUNS:-100}
cd "$ROOT"
cargo test -q -p meshlens-cli --test crash -- --ignored --nocapture kill_campaign 2>&1 |
    grep -E "^kill campaign|panicked|round|test result"
