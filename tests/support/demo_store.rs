//! The bundled demo mesh, written into a store the way a sync of its descriptors would. Shared by
//! the lineage and quality crates' tests (`#[path = "../../../tests/support/demo_store.rs"]`),
//! which cannot run the sync engine itself: it depends on them.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};

use meshlens_store::{FileStat, SourceConfig, SourceKind, Store, SyncStatus};

pub fn demo_mesh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo-mesh")
}

/// Every `.yaml` descriptor of the demo mesh, committed as one sync of source `demo`.
pub async fn sync_descriptors(store: &Store) {
    let root = demo_mesh();
    let config = SourceConfig {
        name: "demo".into(),
        kind: SourceKind::Folder { path: root.clone() },
    };
    store.add_source(&config).await.unwrap();
    let mut tx = store.begin_sync("demo").await.unwrap();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let path = entry.unwrap().into_path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).unwrap();
        // Policies and access agreements live beside the descriptors; only descriptors go in here.
        if !matches!(
            meshlens_model::classify(&rel, &bytes),
            meshlens_model::FileClass::Descriptor(_)
        ) {
            continue;
        }
        let doc = meshlens_model::parse_document(&rel, &bytes).unwrap();
        let stat = FileStat {
            size: bytes.len() as u64,
            mtime: 0,
        };
        tx.upsert(&rel, stat, &doc).await.unwrap();
    }
    tx.commit(SyncStatus::Ok, None).await.unwrap();
}

/// The demo descriptors plus the demo's OpenLineage history.
pub async fn demo_with_lineage() -> Store {
    let store = Store::open_in_memory().await.unwrap();
    sync_descriptors(&store).await;
    meshlens_lineage::import_path(&store, &demo_mesh().join("lineage"))
        .await
        .unwrap();
    store
}
