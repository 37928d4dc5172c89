//! `crates/app/src/licenses.json` lists every third-party package bundled into the shipped binaries (the
//! crates the CLI and the desktop app link, the npm packages in the UI bundle), for "About meshlens".
//! This test fails when the list is stale; `MESHLENS_UPDATE_LICENSES=1 cargo test -p meshlens-app --test
//! licenses` rewrites it.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::Command;

use meshlens_app::BundledLicense;
use serde_json::Value;

/// The binaries a package ships.
const SHIPPED: &[&str] = &["meshlens-cli", "meshlens-desktop"];

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Crates reachable from the shipped binaries through normal (not dev, not build) dependencies on Linux.
fn shipped_crates() -> Vec<BundledLicense> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(["--filter-platform", "x86_64-unknown-linux-gnu"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let mut seen = BTreeSet::new();
    let mut queue: Vec<&str> = packages
        .iter()
        .filter(|(_, p)| SHIPPED.contains(&p["name"].as_str().unwrap()))
        .map(|(id, _)| *id)
        .collect();
    while let Some(id) = queue.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                queue.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    seen.into_iter()
        .map(|id| packages[id])
        .filter(|p| p["source"].is_string()) // workspace members have no source: they are meshlens itself
        .map(|p| BundledLicense {
            ecosystem: "crate".into(),
            name: p["name"].as_str().unwrap().into(),
            version: p["version"].as_str().unwrap().into(),
            license: p["license"].as_str().unwrap_or("unknown").into(),
        })
        .collect()
}

/// npm packages the UI bundle is built from (not the build and test tools).
fn shipped_npm_packages() -> Vec<BundledLicense> {
    let lock = std::fs::read_to_string(workspace_root().join("ui/package-lock.json")).unwrap();
    let lock: Value = serde_json::from_str(&lock).unwrap();
    lock["packages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, p)| !path.is_empty() && p["dev"] != true && p["devOptional"] != true)
        .map(|(path, p)| BundledLicense {
            ecosystem: "npm".into(),
            name: path.rsplit("node_modules/").next().unwrap().into(),
            version: p["version"].as_str().unwrap_or("unknown").into(),
            license: p["license"].as_str().unwrap_or("unknown").into(),
        })
        .collect()
}

#[test]
fn bundled_license_list_is_up_to_date() {
    let mut fresh = shipped_crates();
    fresh.extend(shipped_npm_packages());
    fresh.sort();
    fresh.dedup();
    assert!(fresh.iter().any(|l| l.name == "tauri") && fresh.iter().any(|l| l.name == "react"));
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/licenses.json");
    if std::env::var_os("MESHLENS_UPDATE_LICENSES").is_some() {
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
        return;
    }
    assert_eq!(
        meshlens_app::bundled_licenses(),
        fresh,
        "crates/app/src/licenses.json is stale: run \
         `MESHLENS_UPDATE_LICENSES=1 cargo test -p meshlens-app --test licenses`"
    );
}
