//! A catalog source limited to a scope: a sync of a synthetic OpenMetadata catalog keeps exactly
//! the scoped domains' tables and products and their lineage neighbours, follows a changed scope,
//! re-reads only what changed upstream (and caches what a full sync of the same upstream would),
//! and keeps its last good data when a scope matches nothing.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use meshlens_model::CatalogScope;
use meshlens_store::{SourceConfig, SourceKind, Store};
use meshlens_sync::{SyncContext, SyncError, sync_source};
use om_catalog::{Catalog, Edits};

#[path = "support/om_catalog.rs"]
mod om_catalog;
mod support;

fn domains_scope(domains: &[usize], neighbours: u32) -> CatalogScope {
    CatalogScope {
        domains: domains.iter().map(|&d| Catalog::domain_name(d)).collect(),
        neighbours,
        ..CatalogScope::default()
    }
}

/// What the cache should hold: the FQNs of `tables` and the scoped domains' products.
fn expected(catalog: &Catalog, tables: &BTreeSet<usize>, domains: &[usize]) -> BTreeSet<String> {
    let products = domains
        .iter()
        .map(|&d| format!("{}.orders", Catalog::domain_name(d)));
    tables
        .iter()
        .map(|&t| catalog.fqn(t))
        .chain(products)
        .collect()
}

async fn cached(store: &Store) -> BTreeSet<String> {
    let rows = store.source_provenance("om-scoped").await.unwrap();
    rows.into_iter().map(|row| row.upstream_id).collect()
}

/// Lineage edges whose both tables are in `tables`.
fn edges_within(catalog: &Catalog, tables: &BTreeSet<usize>) -> u64 {
    let inside = |t: &usize| tables.contains(t);
    let edges = tables
        .iter()
        .map(|&t| catalog.upstream(t).iter().filter(|u| inside(u)).count());
    edges.sum::<usize>() as u64
}

/// Everything the cache holds of the source: each document's upstream id, version, update time
/// and content hash, and the lineage runs (one per edge, with its time) and edges.
async fn cache_state(store: &Store) -> (Vec<String>, Vec<(String, Option<String>)>, Vec<String>) {
    let index = store.document_index("om-scoped").await.unwrap();
    let mut documents: Vec<String> = store
        .source_provenance("om-scoped")
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            let hash = &index.files[&row.path].content_hash;
            let (version, updated) = (row.upstream_version, row.upstream_updated_at);
            format!("{} {version:?} {updated:?} {hash}", row.upstream_id)
        })
        .collect();
    documents.sort();
    let runs = sqlx::query_as("SELECT run_id, ended_at FROM lineage_runs ORDER BY run_id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let edges: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT f.name, t.name, e.kind FROM lineage_edges e
         JOIN lineage_nodes f ON f.id = e.from_node JOIN lineage_nodes t ON t.id = e.to_node
         ORDER BY 1, 2, 3",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let edges = edges
        .into_iter()
        .map(|(f, t, k)| format!("{f} -> {t} ({k})"));
    (documents, runs, edges.collect())
}

async fn scoped_store(url: &str, scope: CatalogScope) -> Store {
    let store = Store::open_in_memory().await.unwrap();
    let mut source = SourceConfig::new("om-scoped", SourceKind::OpenMetadata { url: url.into() });
    source.scope = Some(scope);
    store.add_source(&source).await.unwrap();
    store
}

/// Fails naming what only one of `incremental` and `full` holds.
fn assert_same<T: std::fmt::Debug + PartialEq>(what: &str, incremental: &[T], full: &[T]) {
    let only = |these: &[T], those: &[T]| {
        let only: Vec<&T> = these.iter().filter(|item| !those.contains(item)).collect();
        format!("{only:?}")
    };
    assert!(
        incremental == full,
        "{what}: only after the re-sync {}, only after the full sync {}",
        only(incremental, full),
        only(full, incremental)
    );
}

/// Requests `catalog` answered since the last call.
fn requests_since(catalog: &Catalog) -> u64 {
    catalog.requests.swap(0, Ordering::Relaxed)
}

#[tokio::test]
async fn an_incremental_re_sync_caches_what_a_full_sync_of_the_same_upstream_caches() {
    unsafe { std::env::set_var("MESHLENS_TOKEN_OM_SCOPED", "test-jwt") };
    let catalog = Arc::new(Catalog::new(3_000, 10, Duration::ZERO));
    let url = support::serve(om_catalog::router(catalog.clone())).await;
    let scope = domains_scope(&[2, 5], 1);
    let synced = scoped_store(&url, scope.clone()).await;
    sync(&synced).await.unwrap();
    let full_requests = requests_since(&catalog);

    // Upstream changes after that sync, none of them a new version of an unchanged table's
    // neighbour: one table in a hundred revised, tables deleted and moved into and out of the
    // scope, edges added (to a table no sync read yet, and inside the scope) and removed (one
    // that made table 1 a neighbour, one inside the scope).
    catalog.changed.store(true, Ordering::Relaxed);
    *catalog.edits.lock().unwrap() = Edits {
        deleted: [332, 1_455].into(),
        moved: [(603, 5), (572, 7)].into(),
        added: [(502, 2_978), (1_212, 2_015)].into(),
        removed: [(2, 1), (1_505, 1_515)].into(),
    };
    let report = sync(&synced).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors.first());
    let resync_requests = requests_since(&catalog);
    assert!(
        resync_requests * 4 < full_requests,
        "re-sync {resync_requests} requests, full sync {full_requests}"
    );

    let fresh = scoped_store(&url, scope).await;
    sync(&fresh).await.unwrap();
    let (documents, runs, edges) = cache_state(&synced).await;
    let (full_documents, full_runs, full_edges) = cache_state(&fresh).await;
    assert_same("documents", &documents, &full_documents);
    assert_same("lineage runs", &runs, &full_runs);
    assert_same("lineage edges", &edges, &full_edges);
    let tables = catalog.in_scope(&[2, 5], 1);
    assert_eq!(cached(&synced).await, expected(&catalog, &tables, &[2, 5]));
    for (table, cached) in [(603, true), (2_978, true), (332, false), (1, false)] {
        let fqn = catalog.fqn(table);
        let held = documents
            .iter()
            .any(|doc| doc.starts_with(&format!("{fqn} ")));
        assert_eq!(held, cached, "{fqn}");
    }
    assert_eq!(runs.len() as u64, edges_within(&catalog, &tables));
}

async fn sync(store: &Store) -> Result<meshlens_sync::SourceSyncReport, SyncError> {
    let source = store.get_source("om-scoped").await.unwrap().unwrap().config;
    sync_source(store, &source, &SyncContext::default(), &|_| {}).await
}

#[tokio::test]
async fn a_scoped_sync_keeps_exactly_the_scoped_domains_and_their_neighbours() {
    // SAFETY: set before any thread reads it; this test binary sets no other variable.
    unsafe { std::env::set_var("MESHLENS_TOKEN_OM_SCOPED", "test-jwt") };
    let catalog = Arc::new(Catalog::new(3_000, 10, Duration::ZERO));
    let url = support::serve(om_catalog::router(catalog.clone())).await;
    let store = Store::open_in_memory().await.unwrap();
    let mut source = SourceConfig::new("om-scoped", SourceKind::OpenMetadata { url });
    source.scope = Some(domains_scope(&[2, 5], 1));
    store.add_source(&source).await.unwrap();

    let report = sync(&store).await.unwrap();
    let tables = catalog.in_scope(&[2, 5], 1);
    // 300 tables a domain, and the tables one cross-domain edge away (one in a hundred reads its
    // neighbour of the next domain).
    assert!(tables.len() > 600 && tables.len() < 700, "{}", tables.len());
    assert_eq!(cached(&store).await, expected(&catalog, &tables, &[2, 5]));
    assert!(report.errors.is_empty(), "{:?}", report.errors.first());
    assert_eq!(report.lineage.imported, edges_within(&catalog, &tables));

    // One table in a hundred changes upstream: only those are mapped again.
    catalog.changed.store(true, Ordering::Relaxed);
    let report = sync(&store).await.unwrap();
    let changed = tables.iter().filter(|&&t| (t / 10) % 100 == 7).count();
    assert!(changed > 0);
    assert_eq!(report.applied.updated, changed, "{report:?}");
    assert_eq!(report.applied.unchanged + changed, tables.len() + 2);

    // A narrower scope: what left it leaves the cache at the next sync.
    let narrower = domains_scope(&[5], 0);
    store
        .set_source_scope("om-scoped", Some(&narrower))
        .await
        .unwrap();
    let report = sync(&store).await.unwrap();
    let tables = catalog.in_scope(&[5], 0);
    assert_eq!(cached(&store).await, expected(&catalog, &tables, &[5]));
    assert!(report.applied.removed > 300, "{report:?}");
    // The listing of edges changed: the edges leaving domain 5 left the lineage store.
    assert!(report.lineage.files > 0, "{:?}", report.lineage);
    let runs = meshlens_lineage::latest_runs(&store).await.unwrap();
    assert_eq!(runs.len() as u64, edges_within(&catalog, &tables));
}

#[tokio::test]
async fn a_scope_that_matches_nothing_fails_and_keeps_the_last_good_data() {
    unsafe { std::env::set_var("MESHLENS_TOKEN_OM_SCOPED", "test-jwt") };
    let catalog = Arc::new(Catalog::new(500, 5, Duration::ZERO));
    let url = support::serve(om_catalog::router(catalog)).await;
    let store = Store::open_in_memory().await.unwrap();
    let mut source = SourceConfig::new("om-scoped", SourceKind::OpenMetadata { url });
    source.scope = Some(domains_scope(&[1], 0));
    store.add_source(&source).await.unwrap();
    sync(&store).await.unwrap();
    let before = cached(&store).await;
    assert_eq!(before.len(), 101);

    let misspelt = CatalogScope {
        domains: vec!["domian_001".into()],
        ..CatalogScope::default()
    };
    store
        .set_source_scope("om-scoped", Some(&misspelt))
        .await
        .unwrap();
    let err = sync(&store).await.unwrap_err();
    let message = err.to_string();
    for part in [
        "om-scoped",
        "api/v1/search/query",
        "HTTP 200",
        "domian_001",
        "matches nothing",
    ] {
        assert!(message.contains(part), "{part} missing from: {message}");
    }
    assert!(matches!(err, SyncError::SourceUnreadable { .. }), "{err:?}");
    assert_eq!(cached(&store).await, before);
    let record = store.get_source("om-scoped").await.unwrap().unwrap();
    assert!(record.last_error.unwrap().contains("matches nothing"));
}
