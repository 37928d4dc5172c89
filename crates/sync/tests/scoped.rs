//! A catalog source limited to a scope: a sync of a synthetic OpenMetadata catalog keeps exactly
//! the scoped domains' tables and products and their lineage neighbours, follows a changed scope,
//! re-reads only what changed upstream, and keeps its last good data when a scope matches nothing.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use meshlens_model::CatalogScope;
use meshlens_store::{SourceConfig, SourceKind, Store};
use meshlens_sync::{SyncContext, SyncError, sync_source};
use om_catalog::Catalog;

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
