//! Online search against fake catalogs that check each request against the catalog's published
//! API and replay its real entities in the search answer's envelope (fixtures/README.md), with
//! faults: a 429 with `Retry-After`, a 500 once, a truncated body and an HTML error page.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::Response;
use common::*;
use meshlens_connectors::{ConnectorError, Found, FoundKind, ServerKind, search_catalog};
use serde_json::{Value, json};

/// Elasticsearch's SearchResponse around OpenMetadata entities, as `/api/v1/search/query` answers.
fn elasticsearch_hits(index: &str, entities: &[Value]) -> Value {
    let hits: Vec<Value> = entities
        .iter()
        .map(|entity| json!({"_index": index, "_id": entity["id"], "_score": 1.0, "_source": entity}))
        .collect();
    json!({"took": 3, "timed_out": false,
           "hits": {"total": {"value": hits.len(), "relation": "eq"}, "max_score": 1.0, "hits": hits}})
}

fn openmetadata(seen: &Seen) -> Response {
    let (index, fixture_file) = match seen.query.get("index").map(String::as_str) {
        Some("table_search_index") => ("table_search_index", "tables.json"),
        _ => ("data_product_search_index", "dataProducts.json"),
    };
    let mut entities = fixture("openmetadata", fixture_file)["data"]
        .as_array()
        .unwrap()
        .clone();
    if index == "table_search_index" {
        // As indexed: with the table's owners, tags and domain (the listing fixture has none).
        entities[0]["owners"] = json!([{"type": "user", "name": "aaron_johnson0"}]);
        entities[0]["tags"] = json!([{"tagFQN": "PII.Sensitive"}]);
        entities[0]["domain"] = json!({"type": "domain", "name": "Ecommerce"});
    }
    ok(&elasticsearch_hits(index, &entities))
}

async fn search(kind: ServerKind, server: &FakeServer) -> Result<Vec<Found>, ConnectorError> {
    search_catalog(kind, &client(server, bearer()), None, "address", 10).await
}

#[tokio::test]
async fn openmetadata_searches_products_and_tables() {
    let server = FakeServer::start_checked("openmetadata", openmetadata).await;
    let found = search(ServerKind::OpenMetadata, &server).await.unwrap();
    let ids: Vec<(&str, FoundKind)> = found
        .iter()
        .map(|f| (f.upstream_id.as_str(), f.kind))
        .collect();
    assert_eq!(
        ids,
        [
            ("TestDomain.TestDataProduct", FoundKind::Product),
            (
                "sample_data.ecommerce_db.shopify.dim_address",
                FoundKind::Dataset
            ),
        ]
    );
    let table = &found[1];
    assert_eq!(table.owners, ["aaron_johnson0"]);
    assert_eq!(table.tags, ["PII.Sensitive"]);
    assert_eq!(table.domain.as_deref(), Some("Ecommerce"));
    assert_eq!(
        table.url,
        format!(
            "{}/table/sample_data.ecommerce_db.shopify.dim_address",
            server.url
        )
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.query["q"] == "address"
        && r.query["size"] == "10"
        && r.headers["authorization"] == format!("Bearer {TOKEN}")));
}

#[tokio::test]
async fn datahub_searches_across_datasets_and_products() {
    let server = FakeServer::start_datahub(|seen| {
        let body: Value = serde_json::from_str(&seen.body).unwrap();
        assert_eq!(body["variables"]["input"]["query"], "address");
        let mut results = fixture("datahub", "scroll_page1.json")["data"]["scrollAcrossEntities"]
            ["searchResults"]
            .clone();
        results[0]["entity"]["tags"] = json!({"tags": [{"tag": {"name": "pii"}}]});
        results[0]["entity"]["ownership"] = json!({"owners": [{"owner": {"username": "datahub"}}]});
        ok(&json!({"data": {"searchAcrossEntities": {
            "start": 0, "count": 2, "total": 2, "searchResults": results}}}))
    })
    .await;
    let found = search(ServerKind::DataHub, &server).await.unwrap();
    assert_eq!(found.len(), 2);
    let first = &found[0];
    assert_eq!(
        first.upstream_id,
        "urn:li:dataset:(urn:li:dataPlatform:dbt,long_tail_companions.analytics.pet_details,PROD)"
    );
    assert_eq!(
        (first.kind, first.tags.as_slice()),
        (FoundKind::Dataset, &["pii".to_string()][..])
    );
    assert_eq!(first.owners, ["datahub"]);
    assert!(
        first
            .url
            .starts_with(&format!("{}/dataset/urn%3Ali%3Adataset%3A", server.url)),
        "{}",
        first.url
    );
}

#[tokio::test]
async fn marquez_searches_datasets() {
    let server = FakeServer::start_checked("marquez", |seen| {
        assert_eq!(seen.query["filter"], "DATASET");
        let results: Vec<Value> = fixture("marquez", "datasets.json")["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                json!({"type": "DATASET", "name": d["name"], "namespace": d["namespace"],
                       "updatedAt": d["updatedAt"],
                       "nodeId": format!("dataset:{}:{}", d["namespace"].as_str().unwrap(), d["name"].as_str().unwrap())})
            })
            .collect();
        ok(&json!({"totalCount": results.len(), "results": results}))
    })
    .await;
    let found = search(ServerKind::Marquez, &server).await.unwrap();
    assert_eq!(found[0].upstream_id, "food_delivery:public.categories");
    assert_eq!(found[0].domain.as_deref(), Some("food_delivery"));
}

#[tokio::test]
async fn amundsen_asks_its_search_service() {
    let server = FakeServer::start_checked("amundsen", amundsen).await;
    let found = search(ServerKind::Amundsen, &server).await.unwrap();
    let request: Value = serde_json::from_str(&server.requests()[0].body).unwrap();
    assert_eq!(request["query_term"], "address");
    assert_eq!(found[0].upstream_id, "hive://gold.test_schema/test_table1");
    assert_eq!(found[0].tags, ["tag1", "tag2"]);
    assert_eq!(found[0].domain.as_deref(), Some("test_schema"));
    assert_eq!(
        found[0].url,
        format!(
            "{}/table_detail/gold/hive/test_schema/test_table1",
            server.url
        )
    );
}

#[tokio::test]
async fn entropy_has_no_online_search() {
    assert!(!ServerKind::Entropy.searchable());
    let server = FakeServer::start(|_| status(404)).await;
    assert!(search(ServerKind::Entropy, &server).await.is_err());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn hits_are_capped_at_the_limit_asked() {
    let server = FakeServer::start(|_| {
        let many: Vec<Value> = (0..50)
            .map(|i| json!({"type": "DATASET", "name": format!("t{i}"), "namespace": "ns"}))
            .collect();
        ok(&json!({"totalCount": 50, "results": many}))
    })
    .await;
    let found = search(ServerKind::Marquez, &server).await.unwrap();
    assert_eq!(found.len(), 10);
}

/// A server answering `fault` to the first `faulty` requests and OpenMetadata's answer after.
async fn flaky(
    faulty: u32,
    fault: impl Fn() -> Response + Send + Sync + 'static,
) -> (FakeServer, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let server = FakeServer::start_checked("openmetadata", move |seen| {
        if counter.fetch_add(1, Ordering::SeqCst) < faulty {
            fault()
        } else {
            openmetadata(seen)
        }
    })
    .await;
    (server, calls)
}

#[tokio::test]
async fn rate_limits_and_a_failure_once_are_retried() {
    let started = Instant::now();
    let (server, _) = flaky(1, || {
        let mut answer = status(429);
        answer
            .headers_mut()
            .insert("retry-after", "1".parse().unwrap());
        answer
    })
    .await;
    assert_eq!(
        search(ServerKind::OpenMetadata, &server)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );

    let (server, calls) = flaky(1, || status(500)).await;
    assert_eq!(
        search(ServerKind::OpenMetadata, &server)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn truncated_and_html_answers_are_clear_errors() {
    let server = FakeServer::start(|seen| {
        if seen.query.get("index").map(String::as_str) == Some("table_search_index") {
            raw(
                StatusCode::OK,
                "application/json",
                r#"{"hits": {"hits": [{"_sou"#,
            )
        } else {
            ok(&elasticsearch_hits("data_product_search_index", &[]))
        }
    })
    .await;
    let err = search(ServerKind::OpenMetadata, &server).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("'fake'") && text.contains("api/v1/search/query"),
        "{text}"
    );
    assert!(text.contains("truncated"), "{text}");

    let server = FakeServer::start(|_| {
        raw(
            StatusCode::OK,
            "text/html",
            "<html><body><h1>Sign in</h1></body></html>",
        )
    })
    .await;
    let text = search(ServerKind::Marquez, &server)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("'fake'") && text.contains("api/v1/search") && text.contains("HTTP 200"),
        "{text}"
    );
    assert!(text.contains("HTML page"), "{text}");
}
