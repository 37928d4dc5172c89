//! A sync killed with SIGKILL at any moment must leave the previous good cache readable and intact,
//! and the next sync must complete. `MESHLENS_CRASH_KILLS` sets the number of kills (default 20).

mod common;

use std::time::Instant;

use common::Meshlens;

fn product_ids(m: &Meshlens) -> Vec<String> {
    let products = m.json(&["products"]);
    products
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

fn integrity(m: &Meshlens) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = meshlens_store::Store::open(&m.path().join("meshlens.db"))
            .await
            .unwrap();
        store.integrity_check().await.unwrap()
    })
}

/// Changes every descriptor's bytes (not its meaning) so the next sync rewrites all of them.
fn touch_all(dir: &std::path::Path, round: usize) {
    for entry in walkdir(dir) {
        if entry.extension().is_some_and(|e| e == "yaml") {
            let mut text = std::fs::read_to_string(&entry).unwrap();
            text.push_str(&format!("# round {round}\n"));
            std::fs::write(&entry, text).unwrap();
        }
    }
}

fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walkdir(&path))
        } else {
            out.push(path)
        }
    }
    out
}

/// Small deterministic generator for kill delays (no extra dependency for one number a round).
struct Lcg(u64);
impl Lcg {
    fn next_fraction(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn sigkill_during_sync_keeps_the_previous_cache() {
    let kills: usize = std::env::var("MESHLENS_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let m = Meshlens::new();
    let mesh = tempfile::tempdir().unwrap();
    let mesh_path = mesh.path().to_str().unwrap();
    m.ok(&[
        "demo",
        "generate",
        "--out",
        mesh_path,
        "--products",
        "300",
        "--seed",
        "7",
    ]);
    m.ok(&[
        "source", "add", "gen", "--kind", "folder", "--path", mesh_path,
    ]);
    m.json(&["sync"]);
    let baseline = product_ids(&m);
    assert!(
        baseline.len() >= 300,
        "the generated mesh should sync 300 products, got {}",
        baseline.len()
    );

    // Time one full rewrite so kills land before, during and after the write transaction.
    touch_all(mesh.path(), 0);
    let started = Instant::now();
    m.json(&["sync"]);
    let full_sync = started.elapsed();

    let mut rng = Lcg(0x5eed);
    let mut killed_mid_run = 0;
    for round in 1..=kills {
        touch_all(mesh.path(), round);
        let mut child = m
            .command()
            .args(["sync", "--json"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let delay = full_sync.mul_f64(0.05 + rng.next_fraction());
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        child.kill().ok(); // SIGKILL on Unix
        child.wait().unwrap();

        assert_eq!(
            integrity(&m),
            "ok",
            "round {round}: integrity check after SIGKILL at {delay:?}"
        );
        assert_eq!(
            product_ids(&m),
            baseline,
            "round {round}: products changed after SIGKILL at {delay:?}"
        );
    }
    assert!(
        killed_mid_run * 2 >= kills,
        "only {killed_mid_run} of {kills} kills hit a running sync"
    );

    // The next sync completes and brings the cache up to date.
    let report = m.json(&["sync"]);
    assert_eq!(report["sources"][0]["errors"].as_array().unwrap().len(), 0);
    let again = m.json(&["sync"]);
    assert_eq!(again["sources"][0]["added"], 0);
    assert_eq!(again["sources"][0]["updated"], 0);
    assert_eq!(product_ids(&m), baseline);
    assert_eq!(integrity(&m), "ok");
}
