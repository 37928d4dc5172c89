//! Syncing a catalog server source (Marquez, replaying its documented responses) into the store:
//! full pull, unchanged re-sync, removal upstream, provenance, lineage, and failures (a catalog
//! beyond the pull's budget among them, and a DataHub that refuses the query) and cancellation
//! that keep the last good data.

use std::sync::{Arc, Mutex};

use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use meshlens_connectors::PullBudget;
use meshlens_store::{SourceConfig, SourceKind, Store, SyncStatus};
use meshlens_sync::{SyncContext, SyncError, SyncOptions, sync_source};
use serde_json::{Value, json};
use support::{fixture, json_response, serve};

mod support;

const DATASET_PATH: &str = "datasets/food_delivery:public.categories.odcs.json";

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Serving,
    Unauthorized,
    Html,
    DatasetGone,
    /// The dataset's description differs, its `currentVersion` and `updatedAt` do not.
    Edited,
    /// The dataset's description and `updatedAt` changed.
    Changed,
    /// The job no longer reads its input dataset.
    JobInputGone,
}

/// The documented datasets page with the dataset's description (and update time) replaced.
fn datasets(description: &str, updated_at: Option<&str>) -> Value {
    let mut page = fixture("marquez/datasets.json");
    let dataset = &mut page["datasets"][0];
    dataset["description"] = json!(description);
    if let Some(at) = updated_at {
        dataset["updatedAt"] = json!(at);
    }
    page
}

async fn start(mode: Arc<Mutex<Mode>>) -> String {
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let mode = *mode.lock().unwrap();
        async move {
            let path = uri.path();
            let body = match (mode, path) {
                (Mode::Unauthorized, _) => return (StatusCode::UNAUTHORIZED, "{}").into_response(),
                (Mode::Html, _) => {
                    return ([("content-type", "text/html")], "<html>proxy error</html>")
                        .into_response();
                }
                (_, "/api/v1/namespaces") => fixture("marquez/namespaces.json"),
                (Mode::DatasetGone, "/api/v1/namespaces/food_delivery/datasets") => {
                    json!({"totalCount": 0, "datasets": []})
                }
                (Mode::Edited, "/api/v1/namespaces/food_delivery/datasets") => {
                    datasets("Edited without a new version.", None)
                }
                (Mode::Changed, "/api/v1/namespaces/food_delivery/datasets") => {
                    datasets("A new description.", Some("2022-07-13T09:00:00Z"))
                }
                (_, "/api/v1/namespaces/food_delivery/datasets") => {
                    fixture("marquez/datasets.json")
                }
                (Mode::JobInputGone, "/api/v1/namespaces/food_delivery/jobs") => {
                    let mut jobs = fixture("marquez/jobs.json");
                    jobs["jobs"][0]["inputs"] = json!([]);
                    jobs
                }
                (_, "/api/v1/namespaces/food_delivery/jobs") => fixture("marquez/jobs.json"),
                (_, p) if p.ends_with("/datasets") || p.ends_with("/jobs") => {
                    json!({"totalCount": 0, "datasets": [], "jobs": []})
                }
                _ => return StatusCode::NOT_FOUND.into_response(),
            };
            json_response(&body)
        }
    });
    serve(app).await
}

/// A store with the source `lineage-prod` on a fake Marquez answering as `mode` says.
async fn marquez_source(mode: Arc<Mutex<Mode>>) -> (Store, SourceConfig) {
    let url = start(mode).await;
    let store = Store::open_in_memory().await.unwrap();
    let source = SourceConfig {
        name: "lineage-prod".into(),
        kind: SourceKind::Marquez { url },
        scope: None,
    };
    store.add_source(&source).await.unwrap();
    (store, source)
}

#[tokio::test]
async fn marquez_source_syncs_incrementally_and_keeps_the_cache_on_failure() {
    let mode = Arc::new(Mutex::new(Mode::Serving));
    let (store, source) = marquez_source(mode.clone()).await;
    let ctx = SyncContext::default();
    let phases = Mutex::new(Vec::new());
    let progress = |p: meshlens_sync::SyncProgress| phases.lock().unwrap().push(p.phase);

    // Full pull: one contract, its provenance, and the job's run in the lineage tables.
    let report = sync_source(&store, &source, &ctx, &progress).await.unwrap();
    assert_eq!(
        (report.applied.added, report.applied.unchanged),
        (1, 0),
        "{report:?}"
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The job's run and the dataset's column lineage.
    assert_eq!(report.lineage.imported, 2);
    assert!(!phases.lock().unwrap().is_empty());
    let origin = store
        .provenance("lineage-prod", DATASET_PATH)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(origin.upstream_id, "food_delivery:public.categories");
    assert_eq!(
        origin.upstream_version.as_deref(),
        Some("aeccd013-c99e-45cf-86ba-97ed8cd28075")
    );
    let runs = meshlens_lineage::latest_runs(&store).await.unwrap();
    assert_eq!(runs.len(), 2);
    // Marquez's column lineage is in the column graph.
    let request = meshlens_lineage::LineageRequest {
        id: "food_delivery:public.categories#columnA".into(),
        upstream: 1,
        downstream: 0,
        level: meshlens_lineage::Level::Column,
    };
    let graph = meshlens_lineage::lineage(&store, &request).await.unwrap();
    let edges: Vec<(&str, &str, &str)> = graph
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str(), e.kind.as_str()))
        .collect();
    assert_eq!(
        edges,
        [(
            "namespace:otherDataset#columnB",
            "food_delivery:public.categories#columnA",
            "IDENTITY"
        )]
    );

    // Same upstream content: nothing rewritten, the lineage listing recognised as unchanged.
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!(
        (
            report.applied.added,
            report.applied.updated,
            report.applied.unchanged
        ),
        (0, 0, 1)
    );
    assert_eq!((report.lineage.files, report.lineage.unchanged), (0, 1));
    let hash = |store: Store| async move {
        store.document_index("lineage-prod").await.unwrap().files[DATASET_PATH]
            .content_hash
            .clone()
    };
    let first_hash = hash(store.clone()).await;
    let first_fetch = origin.fetched_at.clone();

    // Same `currentVersion` and `updatedAt` upstream: the incremental pull does not map, parse
    // or validate the dataset again, even though its text would now differ; the cached document
    // and provenance stay.
    *mode.lock().unwrap() = Mode::Edited;
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!(
        (
            report.applied.added,
            report.applied.updated,
            report.applied.unchanged,
            report.applied.removed
        ),
        (0, 0, 1, 0)
    );
    assert_eq!(hash(store.clone()).await, first_hash);
    let kept = store
        .provenance("lineage-prod", DATASET_PATH)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.fetched_at, first_fetch);

    // `--full` maps everything again and so sees the edit.
    let full = SyncContext {
        options: SyncOptions {
            full: true,
            ..SyncOptions::default()
        },
        ..SyncContext::default()
    };
    let report = sync_source(&store, &source, &full, &|_| {}).await.unwrap();
    assert_eq!((report.applied.updated, report.applied.unchanged), (1, 0));
    let edited_hash = hash(store.clone()).await;
    assert_ne!(edited_hash, first_hash);

    // A new `updatedAt` upstream: the dataset is mapped and updated, with its new provenance.
    *mode.lock().unwrap() = Mode::Changed;
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!((report.applied.updated, report.applied.unchanged), (1, 0));
    assert_ne!(hash(store.clone()).await, edited_hash);
    let changed = store
        .provenance("lineage-prod", DATASET_PATH)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        changed.upstream_updated_at.as_deref(),
        Some("2022-07-13T09:00:00Z")
    );
    *mode.lock().unwrap() = Mode::Serving;

    // A revoked token, a proxy's HTML page and a catalog beyond the pull's budget: clear errors,
    // last good data kept.
    let budget = |pull_budget| SyncContext {
        options: SyncOptions {
            pull_budget,
            ..SyncOptions::default()
        },
        ..SyncContext::default()
    };
    let few_entities = PullBudget {
        max_entities: 2,
        ..PullBudget::default()
    };
    let few_bytes = PullBudget {
        max_bytes: 100,
        ..PullBudget::default()
    };
    for (broken, ctx, needle) in [
        (Mode::Unauthorized, SyncContext::default(), "HTTP 401"),
        (Mode::Html, SyncContext::default(), "HTML page"),
        (Mode::Serving, budget(few_entities), "more than 2 entities"),
        (Mode::Serving, budget(few_bytes), "more than 100 bytes"),
    ] {
        *mode.lock().unwrap() = broken;
        let err = sync_source(&store, &source, &ctx, &|_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, SyncError::SourceUnreadable { .. }), "{err}");
        assert!(err.to_string().contains(needle), "{err}");
        assert!(
            store
                .document_index("lineage-prod")
                .await
                .unwrap()
                .files
                .contains_key(DATASET_PATH)
        );
        let record = store.get_source("lineage-prod").await.unwrap().unwrap();
        assert_eq!(record.last_sync_status, Some(SyncStatus::Failed));
        assert_eq!(record.documents, 1);
    }

    // Cancelled before anything was read: unchanged cache.
    *mode.lock().unwrap() = Mode::DatasetGone;
    ctx.cancel.cancel();
    let err = sync_source(&store, &source, &ctx, &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Cancelled(_)), "{err}");
    assert!(
        store
            .document_index("lineage-prod")
            .await
            .unwrap()
            .files
            .contains_key(DATASET_PATH)
    );

    // The dataset left Marquez: it leaves the cache with its provenance.
    let ctx = SyncContext::default();
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!(report.applied.removed, 1);
    assert!(
        store
            .provenance("lineage-prod", DATASET_PATH)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_lineage_edge_that_disappears_upstream_is_gone_after_the_next_sync() {
    let mode = Arc::new(Mutex::new(Mode::Serving));
    let (store, source) = marquez_source(mode.clone()).await;
    let ctx = SyncContext::default();
    let downstream = |store: Store| async move {
        let request = meshlens_lineage::LineageRequest {
            id: "food_delivery:public.delivery_7_days".into(),
            upstream: 0,
            downstream: 1,
            level: meshlens_lineage::Level::Dataset,
        };
        match meshlens_lineage::lineage(&store, &request).await {
            Ok(graph) => graph.edges.len(),
            // Nothing in the graph is called so any more.
            Err(_) => 0,
        }
    };
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!(report.lineage.files, 1);
    assert_eq!(downstream(store.clone()).await, 1);

    // The job stops reading the dataset: its listing changed, and replaces what it brought.
    *mode.lock().unwrap() = Mode::JobInputGone;
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!((report.lineage.files, report.lineage.imported), (1, 1));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(downstream(store.clone()).await, 0);
    let runs = meshlens_lineage::latest_runs(&store).await.unwrap();
    assert_eq!(
        runs.len(),
        2,
        "the job and the dataset's column lineage stay"
    );

    // Listed the same again: unchanged, nothing forgotten or added.
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!((report.lineage.files, report.lineage.unchanged), (0, 1));
    assert_eq!(downstream(store.clone()).await, 0);
}

/// A DataHub answering the scroll with two documented datasets (and no data products), or, while
/// `refusing`, as it refuses a query that does not validate against its schema.
async fn start_datahub(refusing: Arc<Mutex<bool>>) -> String {
    let app = axum::Router::new().fallback(move |body: String| {
        let refusing = *refusing.lock().unwrap();
        async move {
            let request: Value = serde_json::from_str(&body).unwrap_or_default();
            let answer = if refusing {
                fixture("datahub/field_undefined.json")
            } else if request["variables"]["input"]["types"][0] == "DATASET" {
                fixture("datahub/scroll_lineage.json")
            } else {
                json!({"data": {"scrollAcrossEntities": {"nextScrollId": null, "searchResults": []}}})
            };
            json_response(&answer)
        }
    });
    serve(app).await
}

#[tokio::test]
async fn a_datahub_that_refuses_the_query_fails_the_sync_clearly_and_keeps_the_cache() {
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("MESHLENS_TOKEN_HUB_PROD", "test-token") };
    let refusing = Arc::new(Mutex::new(false));
    let url = start_datahub(refusing.clone()).await;
    let store = Store::open_in_memory().await.unwrap();
    let source = SourceConfig {
        name: "hub-prod".into(),
        kind: SourceKind::DataHub { url },
        scope: None,
    };
    store.add_source(&source).await.unwrap();
    let ctx = SyncContext::default();
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!(report.applied.added, 2, "{report:?}");

    *refusing.lock().unwrap() = true;
    let err = sync_source(&store, &source, &ctx, &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::SourceUnreadable { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("source 'hub-prod': POST api/graphql was refused by the server with GraphQL errors: Validation error (FieldUndefined@[scrollAcrossEntities/searchResults/entity/assertions/assertions/info/customAssertion/fieldPath]) : Field 'fieldPath' in type 'CustomAssertionInfo' is undefined"),
        "{message}"
    );
    let record = store.get_source("hub-prod").await.unwrap().unwrap();
    assert_eq!(record.last_sync_status, Some(SyncStatus::Failed));
    assert_eq!(record.documents, 2);
    assert_eq!(
        store.document_index("hub-prod").await.unwrap().files.len(),
        2
    );
}
