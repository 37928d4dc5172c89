//! Data-quality results pulled from a catalog server (OpenMetadata test case results, replaying
//! its documented responses) land in the quality store, linked to the contract of the table they
//! test and to the product publishing it, and leave with their source.

use std::sync::{Arc, Mutex};

use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use meshlens_quality::QualityQuery;
use meshlens_store::{SourceConfig, SourceKind, Store};
use meshlens_sync::{SyncContext, sync_source};
use serde_json::{Value, json};
use support::{fixture, json_response, serve};

mod support;

/// Serves the tables, data products and test cases fixtures; `test_cases` replaces the latter.
async fn start(test_cases: Arc<Mutex<Value>>) -> String {
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let test_cases = test_cases.lock().unwrap().clone();
        async move {
            let body = match uri.path() {
                "/api/v1/tables" => fixture("openmetadata/tables.json"),
                "/api/v1/dataProducts" => fixture("openmetadata/dataProducts.json"),
                "/api/v1/dataQuality/testCases" => test_cases,
                p if p.starts_with("/api/v1/lineage/table/name/") => {
                    json!({"entity": {}, "nodes": [], "upstreamEdges": [], "downstreamEdges": []})
                }
                _ => return StatusCode::NOT_FOUND.into_response(),
            };
            json_response(&body)
        }
    });
    serve(app).await
}

#[tokio::test]
async fn openmetadata_test_case_results_link_to_the_table_contract_and_leave_with_the_source() {
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("MESHLENS_TOKEN_OM_QUALITY", "test-jwt") };
    let test_cases = Arc::new(Mutex::new(fixture("openmetadata/testCases.json")));
    let url = start(test_cases.clone()).await;
    let store = Store::open_in_memory().await.unwrap();
    let source = SourceConfig {
        name: "om-quality".into(),
        kind: SourceKind::OpenMetadata { url },
        scope: None,
    };
    store.add_source(&source).await.unwrap();
    let ctx = SyncContext::default();
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!((report.quality.files, report.quality.imported), (1, 1));

    let results = meshlens_quality::quality(&store, &QualityQuery::default())
        .await
        .unwrap();
    assert_eq!(results.results.len(), 1);
    let result = &results.results[0];
    assert_eq!(result.check, "column_value_max_to_be_between");
    assert_eq!(result.dataset, "ecommerce_db.shopify.dim_address");
    assert_eq!(result.column.as_deref(), Some("shop_id"));
    assert_eq!(result.status, "fail");
    assert_eq!(result.at, "2026-02-01T21:52:39.035Z");
    assert_eq!(result.source_tool, "openmetadata");
    // Linked through the pulled table contract to the data product publishing it.
    assert_eq!(
        result.product.as_deref(),
        Some("TestDomain.TestDataProduct")
    );
    let by_product = meshlens_quality::quality(
        &store,
        &QualityQuery {
            id: Some("TestDomain.TestDataProduct".into()),
            failing: true,
            since: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(by_product.results.len(), 1);

    // The same latest result at the next sync is not stored twice; a new run adds to the history.
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!((report.quality.imported, report.quality.skipped), (0, 1));
    {
        let mut cases = test_cases.lock().unwrap();
        let result = &mut cases["data"][0]["testCaseResult"];
        result["timestamp"] = json!(1770069159035_i64);
        result["testCaseStatus"] = json!("Success");
    }
    let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
    assert_eq!(report.quality.imported, 1);
    let history = meshlens_quality::quality(&store, &QualityQuery::default())
        .await
        .unwrap();
    assert_eq!(history.results.len(), 2);
    assert_eq!(history.summary.passed, 1);
    assert_eq!(history.summary.failed, 1);

    // The results belong to the source: removing it takes them away.
    let removed = meshlens_quality::remove_source_results(&store, "om-quality")
        .await
        .unwrap();
    assert_eq!(removed, 2);
    let left = meshlens_quality::quality(&store, &QualityQuery::default())
        .await
        .unwrap();
    assert!(left.results.is_empty());
}

#[tokio::test]
async fn openmetadata_usage_and_votes_reach_the_product_and_leave_with_the_source() {
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("MESHLENS_TOKEN_OM_USAGE", "test-jwt") };
    let url = start(Arc::new(Mutex::new(fixture("openmetadata/testCases.json")))).await;
    let store = Store::open_in_memory().await.unwrap();
    let source = SourceConfig {
        name: "om-usage".into(),
        kind: SourceKind::OpenMetadata { url },
        scope: None,
    };
    store.add_source(&source).await.unwrap();
    sync_source(&store, &source, &SyncContext::default(), &|_| {})
        .await
        .unwrap();

    // The table's 30-day queries count for the product publishing it; the votes are the product's.
    let stats = store.product_stats().await.unwrap();
    let product = &stats["TestDomain.TestDataProduct"];
    assert_eq!((product.queries_30d, product.users_30d), (Some(42), None));
    assert_eq!((product.up_votes, product.down_votes), (Some(3), Some(1)));
    assert_eq!(stats.len(), 1, "{stats:?}");

    store.remove_source("om-usage").await.unwrap();
    assert!(store.product_stats().await.unwrap().is_empty());
}
