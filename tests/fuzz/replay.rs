//! Replays every saved fuzz input (seed corpus and minimised crashes) through the same function its
//! libFuzzer target calls, so `cargo test` keeps old crashes fixed without a fuzzing toolchain.
//! Registered as the `fuzz_replay` test of crates/app, which depends on every fuzzed crate.

#[path = "src/lib.rs"]
mod entries;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz")
}

/// The files of `dir`, sorted; none when it does not exist (a target without saved crashes).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_saved_fuzz_input_is_handled_without_a_panic() {
    let mut failures = Vec::new();
    for (target, entry) in entries::TARGETS {
        let seeds = inputs(&fuzz_dir().join("corpus").join(target));
        assert!(!seeds.is_empty(), "target {target} has no seed corpus");
        let crashes = inputs(&fuzz_dir().join("regressions").join(target));
        for file in seeds.iter().chain(&crashes) {
            let data = std::fs::read(file).expect("a readable input");
            if catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "inputs that panic: {failures:#?}");
}
