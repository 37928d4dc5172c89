//! Tests only: the bundled demo mesh synced into an in-memory store through the real sync path
//! (scan, parse, commit, then the result files: OpenLineage events, quality results, agreements),
//! so the tests of the crates the sync engine is built on read what a user's sync writes, not a
//! hand-rolled copy of it.

use std::path::{Path, PathBuf};

use meshlens_store::{SourceConfig, SourceKind, Store};
use meshlens_sync::{SourceSyncReport, SyncContext, sync_source};

/// The source name the demo mesh is synced under.
pub const DEMO_SOURCE: &str = "demo";

/// The repository's `assets/demo-mesh`.
pub fn demo_mesh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo-mesh")
}

/// A new in-memory store holding one sync of the demo mesh as source [`DEMO_SOURCE`], and the
/// sync's report. Panics when the sync fails or reports a file error: the demo mesh is clean.
pub async fn synced_demo() -> (Store, SourceSyncReport) {
    let store = Store::open_in_memory()
        .await
        .expect("open an in-memory store");
    let report = sync_folder(&store, DEMO_SOURCE, &demo_mesh()).await;
    assert!(
        report.errors.is_empty(),
        "the demo mesh synced with errors: {:#?}",
        report.errors
    );
    (store, report)
}

/// Adds folder source `name` at `root` to `store` and syncs it once; the sync's report.
pub async fn sync_folder(store: &Store, name: &str, root: &Path) -> SourceSyncReport {
    let config = folder_config(name, root);
    store
        .add_source(&config)
        .await
        .expect("add the folder source");
    resync_folder(store, name, root).await
}

/// Syncs folder source `name` at `root` (added by [`sync_folder`]) again; the sync's report.
pub async fn resync_folder(store: &Store, name: &str, root: &Path) -> SourceSyncReport {
    let config = folder_config(name, root);
    sync_source(store, &config, &SyncContext::default(), &|_| {})
        .await
        .unwrap_or_else(|err| panic!("sync of {name} failed: {err}"))
}

fn folder_config(name: &str, root: &Path) -> SourceConfig {
    SourceConfig {
        name: name.into(),
        kind: SourceKind::Folder {
            path: root.to_path_buf(),
        },
        scope: None,
    }
}

/// Syncs the demo mesh's descriptors alone (a copy without its `lineage/` and `quality/` result
/// folders) into `store` as source [`DEMO_SOURCE`]: for tests of results that arrive before or
/// after their contracts.
pub async fn sync_demo_descriptors(store: &Store) -> SourceSyncReport {
    let copy = tempfile::tempdir().expect("create a temporary folder");
    copy_without_results(&demo_mesh(), copy.path());
    let report = sync_folder(store, DEMO_SOURCE, copy.path()).await;
    assert!(
        report.errors.is_empty(),
        "the demo descriptors synced with errors: {:#?}",
        report.errors
    );
    report
}

/// Copies the files under `from` to `to`, but for the result folders a sync ingests as lineage and
/// quality results.
fn copy_without_results(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).min_depth(1) {
        let entry = entry.expect("walk the demo mesh");
        let rel = entry
            .path()
            .strip_prefix(from)
            .expect("below the demo mesh");
        if rel.starts_with("lineage") || rel.starts_with("quality") {
            continue;
        }
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create a folder of the copy");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a demo file");
        }
    }
}
