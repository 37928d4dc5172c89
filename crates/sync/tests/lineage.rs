//! OpenLineage files inside a folder source: ingested during sync, tracked so unchanged files are
//! skipped, re-ingested (new events only) when they change, bad lines reported with their line.

use std::io::Write;

use meshlens_lineage::{LineageRequest, lineage};
use meshlens_store::{SourceConfig, SourceKind, Store, SyncStatus};
use meshlens_sync::{SourceSyncReport, SyncContext, sync_source};

const TESTS: &str = env!("CARGO_MANIFEST_DIR");
const STOCK_LEVELS: &str = "s3://nw-inventory-lake:curated/stock_levels";
const STOCK_JOB: &str = "job:spark-emr-inventory:stock_snapshot_daily.write_stock_levels";

struct Mesh {
    dir: tempfile::TempDir,
    store: Store,
    source: SourceConfig,
    ctx: SyncContext,
}

impl Mesh {
    /// The sync fixtures (ODPS + ODCS) plus `lineage/spark.ndjson` (six OpenLineage events).
    async fn new() -> Mesh {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(format!("{TESTS}/tests/fixtures")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        std::fs::create_dir(dir.path().join("lineage")).unwrap();
        std::fs::copy(
            format!("{TESTS}/tests/lineage/spark.ndjson"),
            dir.path().join("lineage/spark.ndjson"),
        )
        .unwrap();
        let store = Store::open_in_memory().await.unwrap();
        let source = SourceConfig {
            name: "mesh".into(),
            kind: SourceKind::Folder {
                path: dir.path().to_path_buf(),
            },
            scope: None,
        };
        store.add_source(&source).await.unwrap();
        Mesh {
            dir,
            store,
            source,
            ctx: SyncContext::default(),
        }
    }

    async fn sync(&self) -> SourceSyncReport {
        sync_source(&self.store, &self.source, &self.ctx, &|_| {})
            .await
            .unwrap()
    }

    async fn events(&self) -> i64 {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM ol_events WHERE source = 'mesh'")
            .fetch_one(self.store.pool())
            .await
            .unwrap();
        n
    }

    fn append(&self, rel: &str, text: &str) {
        let mut file = std::fs::File::options()
            .append(true)
            .open(self.dir.path().join(rel))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
        // Same-second appends must still look changed to the size/mtime check.
        file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(10))
            .unwrap();
    }
}

fn lineage_counts(r: &SourceSyncReport) -> (u64, u64, u64, u64, u64) {
    let l = &r.lineage;
    (l.files, l.unchanged, l.imported, l.skipped, l.rejected)
}

#[tokio::test]
async fn lineage_files_are_ingested_during_sync_and_skipped_when_unchanged() {
    let mesh = Mesh::new().await;
    let report = mesh.sync().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.applied.added, 4, "descriptors land as before");
    assert_eq!(lineage_counts(&report), (1, 0, 6, 0, 0));
    assert_eq!(mesh.events().await, 6);
    let graph = lineage(&mesh.store, &LineageRequest::new(STOCK_LEVELS))
        .await
        .unwrap();
    assert!(
        graph.nodes.iter().any(|n| n.id == STOCK_JOB),
        "{:?}",
        graph.nodes
    );
    let json = serde_json::to_value(&report).unwrap();
    for key in ["name", "added", "updated", "removed", "unchanged", "errors"] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    assert_eq!(
        json["lineage"],
        serde_json::json!({"files": 1, "unchanged": 0, "imported": 6, "skipped": 0, "rejected": 0})
    );

    // Nothing changed: the NDJSON is not read again.
    let report = mesh.sync().await;
    assert_eq!(lineage_counts(&report), (0, 1, 0, 0, 0));
    assert_eq!(report.applied.unchanged, 4);

    // Same bytes, new mtime: hashed, still unchanged, and the fast path works again after.
    let path = mesh.dir.path().join("lineage/spark.ndjson");
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    drop(file);
    assert_eq!(lineage_counts(&mesh.sync().await), (0, 1, 0, 0, 0));
    assert_eq!(lineage_counts(&mesh.sync().await), (0, 1, 0, 0, 0));

    // One more event: the file is re-read, only the new event is stored.
    let next =
        std::fs::read_to_string(format!("{TESTS}/tests/lineage/spark-next-event.ndjson")).unwrap();
    mesh.append("lineage/spark.ndjson", &next);
    let report = mesh.sync().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(lineage_counts(&report), (1, 0, 1, 6, 0));
    assert_eq!(mesh.events().await, 7);
    assert_eq!(report.applied.unchanged, 4);

    // The file goes: its tracking row and the events it brought go, and the cached graph (warm
    // from the query above) follows.
    std::fs::remove_file(&path).unwrap();
    let report = mesh.sync().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(lineage_counts(&report), (0, 0, 0, 0, 0));
    assert_eq!(report.applied.removed, 0);
    assert_eq!(mesh.events().await, 0);
    let graph = lineage(&mesh.store, &LineageRequest::new(STOCK_LEVELS)).await;
    assert!(
        graph.is_err() || graph.unwrap().nodes.iter().all(|n| n.id != STOCK_JOB),
        "the job only that file mentioned is gone from the graph"
    );
    let (tracked,): (i64,) = sqlx::query_as("SELECT count(*) FROM result_files")
        .fetch_one(mesh.store.pool())
        .await
        .unwrap();
    assert_eq!(tracked, 0);
}

#[tokio::test]
async fn a_malformed_line_is_reported_with_its_number_and_the_others_import() {
    let mesh = Mesh::new().await;
    mesh.append(
        "lineage/spark.ndjson",
        "{\"eventType\": \"START\", \"eventTime\": \n",
    );
    let next =
        std::fs::read_to_string(format!("{TESTS}/tests/lineage/spark-next-event.ndjson")).unwrap();
    mesh.append("lineage/spark.ndjson", &next);

    let report = mesh.sync().await;
    assert_eq!(report.applied.added, 4);
    assert_eq!(lineage_counts(&report), (1, 0, 7, 0, 1));
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].file, "lineage/spark.ndjson");
    assert_eq!(report.errors[0].line, 7);
    assert_eq!(mesh.events().await, 7);
    let source = mesh.store.get_source("mesh").await.unwrap().unwrap();
    assert_eq!(source.last_sync_status, Some(SyncStatus::Partial));
    assert!(
        source
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("lineage/spark.ndjson")),
        "{:?}",
        source.last_error
    );

    // Unchanged: not re-read, but the bad line is still reported until it is fixed.
    let report = mesh.sync().await;
    assert_eq!(lineage_counts(&report), (0, 1, 0, 0, 1));
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 7);
    let source = mesh.store.get_source("mesh").await.unwrap().unwrap();
    assert_eq!(source.last_sync_status, Some(SyncStatus::Partial));
}
