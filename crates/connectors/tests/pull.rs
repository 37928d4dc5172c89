//! Full pulls, paging and pushes against fake servers replaying real responses.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::Method;
use common::*;
use meshlens_connectors::{
    CatalogEdit, CatalogFields, CheckOutcome, CheckStatus, ConnectorError, Credentials,
    EditedEntity, Known, OpenMetadataFeedback, PullContext, PushOutcome, Secret, ServerKind, pull,
    push_catalog_edit, push_entropy, request_entropy_access, send_openmetadata_feedback,
};
use meshlens_model::{Entity, parse_document};
use serde_json::{Value, json};

/// Marquez: `/namespaces`, then datasets and jobs of each namespace (offset paging).
fn marquez(seen: &Seen) -> axum::response::Response {
    match seen.path.as_str() {
        "/api/v1/namespaces" => ok(&fixture("marquez", "namespaces.json")),
        "/api/v1/namespaces/food_delivery/datasets" => ok(&fixture("marquez", "datasets.json")),
        "/api/v1/namespaces/food_delivery/jobs" => ok(&fixture("marquez", "jobs.json")),
        "/api/v1/namespaces/default/datasets" => ok(&json!({"totalCount": 0, "datasets": []})),
        "/api/v1/namespaces/default/jobs" => ok(&json!({"totalCount": 0, "jobs": []})),
        _ => status(404),
    }
}

#[tokio::test]
async fn marquez_pull_maps_datasets_to_contracts_and_jobs_to_lineage() {
    let server = FakeServer::start_checked("marquez", marquez).await;
    let ctx = context(
        client(&server, Credentials::None),
        100,
        &no_progress,
        &never,
    );
    let pulled = pull(ServerKind::Marquez, &ctx).await.unwrap();

    assert_eq!(pulled.documents.len(), 1);
    let doc = &pulled.documents[0];
    assert_eq!(
        doc.provenance.upstream_id,
        "food_delivery:public.categories"
    );
    assert_eq!(
        doc.provenance.upstream_version.as_deref(),
        Some("aeccd013-c99e-45cf-86ba-97ed8cd28075")
    );
    assert_eq!(
        doc.provenance.upstream_updated_at.as_deref(),
        Some("2022-07-12T16:24:33.355699Z")
    );
    let parsed = parse_document(&doc.path, doc.text.as_bytes()).unwrap();
    let Entity::Contract(contract) = parsed.entity else {
        panic!("not a contract")
    };
    assert_eq!(contract.id, "marquez.food_delivery.public.categories");
    let text: Value = serde_json::from_str(&doc.text).unwrap();
    assert_eq!(text["domain"], "food_delivery");
    assert_eq!(text["schema"][0]["properties"].as_array().unwrap().len(), 4);
    assert_eq!(text["schema"][0]["properties"][0]["logicalType"], "integer");

    // The job's failed latest run, with its input, and the column lineage Marquez listed with the
    // dataset (written by no listed job: an event of its own).
    assert_eq!(pulled.lineage_events.len(), 2);
    let columns = &pulled.lineage_events[1];
    assert_eq!(columns["job"]["name"], "lineage.public.categories");
    assert_eq!(columns["outputs"][0]["name"], "public.categories");
    assert_eq!(
        columns["inputs"],
        json!([{"namespace": "namespace", "name": "otherDataset"}])
    );
    let facet = &columns["outputs"][0]["facets"]["columnLineage"];
    assert_eq!(
        facet["fields"]["columnA"],
        json!({"inputFields": [{"namespace": "namespace", "name": "otherDataset", "field": "columnB",
                "transformationDescription": "identical", "transformationType": "IDENTITY"}],
            "transformationDescription": "identical", "transformationType": "IDENTITY"})
    );
    // Column lineage comes with the listing: no request per dataset (100k datasets would be 100k).
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/api/v1/namespaces")),
        "{:?}",
        server
            .requests()
            .iter()
            .map(|r| &r.path)
            .collect::<Vec<_>>()
    );
    let event = &pulled.lineage_events[0];
    assert_eq!(event["eventType"], "FAIL");
    assert_eq!(
        event["run"]["runId"],
        "5d75efd9-4ec6-4fcc-931a-0c67faec9f92"
    );
    assert_eq!(event["inputs"][0]["name"], "public.delivery_7_days");
    // Marquez needs no token: none was sent.
    assert!(server.saw_no_authorization());
}

#[tokio::test]
async fn marquez_offset_pages_are_fetched_concurrently_and_kept_in_order() {
    let real = fixture("marquez", "datasets.json")["datasets"][0].clone();
    let datasets: Vec<Value> = (0..250)
        .map(|i| {
            let mut d = real.clone();
            d["name"] = json!(format!("public.table_{i:03}"));
            d
        })
        .collect();
    let server = FakeServer::start_checked("marquez", move |seen| match seen.path.as_str() {
        "/api/v1/namespaces" => ok(&json!({"namespaces": [{"name": "food_delivery"}]})),
        "/api/v1/namespaces/food_delivery/datasets" => {
            let limit: usize = seen.query["limit"].parse().unwrap();
            let offset: usize = seen.query["offset"].parse().unwrap();
            let page: Vec<Value> = datasets.iter().skip(offset).take(limit).cloned().collect();
            ok(&json!({"totalCount": 250, "datasets": page}))
        }
        "/api/v1/namespaces/food_delivery/jobs" => ok(&json!({"totalCount": 0, "jobs": []})),
        _ => status(404),
    })
    .await;
    let progress = AtomicU64::new(0);
    let record = |n: u64| {
        progress.fetch_max(n, Ordering::Relaxed);
    };
    let ctx = context(client(&server, Credentials::None), 100, &record, &never);
    let pulled = pull(ServerKind::Marquez, &ctx).await.unwrap();
    let names: Vec<&str> = pulled
        .documents
        .iter()
        .map(|d| d.provenance.upstream_id.as_str())
        .collect();
    assert_eq!(names.len(), 250);
    assert_eq!(names[0], "food_delivery:public.table_000");
    assert_eq!(names[249], "food_delivery:public.table_249");
    assert!(names.windows(2).all(|w| w[0] < w[1]), "server order kept");
    let dataset_requests = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/datasets"))
        .count();
    assert_eq!(dataset_requests, 3);
    assert!(progress.load(Ordering::Relaxed) >= 250);
}

/// OpenMetadata: tables and data products with cursor paging; answers 401 without the token.
fn openmetadata(seen: &Seen) -> axum::response::Response {
    let authorized = seen
        .headers
        .get("authorization")
        .is_some_and(|v| v == format!("Bearer {TOKEN}").as_str());
    if !authorized {
        return status(401);
    }
    match seen.path.as_str() {
        "/api/v1/tables" => ok(&fixture("openmetadata", "tables.json")),
        "/api/v1/dataProducts" => ok(&fixture("openmetadata", "dataProducts.json")),
        "/api/v1/feed/count" => {
            let link = "<#E::dataProduct::TestDomain.TestDataProduct>";
            assert_eq!(seen.query["entityLink"], link);
            // ThreadCountList of OpenMetadata 1.x (openapi `countThreads`).
            ok(
                &json!({"data": [{"conversationCount": 2, "openTaskCount": 1, "closedTaskCount": 0,
                "totalTaskCount": 1, "mentionCount": 0, "entityLink": link}], "paging": {"total": 1}}),
            )
        }
        "/api/v1/dataQuality/testCases" => {
            assert_eq!(seen.query["fields"], "testCaseResult,testDefinition");
            ok(&fixture("openmetadata", "testCases.json"))
        }
        "/api/v1/lineage/table/name/sample_data.ecommerce_db.shopify.dim_address" => {
            assert_eq!(seen.query["upstreamDepth"], "1");
            // EntityLineage (openmetadata-spec type/entityLineage.json): one upstream table.
            ok(&json!({
                "entity": {"id": "3cda8ecb-f4c6-4ed4-8506-abe965b54b86", "type": "table",
                    "fullyQualifiedName": "sample_data.ecommerce_db.shopify.dim_address"},
                "nodes": [{"id": "1f1a3b52-6f3c-4d53-9c3e-0d6b1f1e2a10", "type": "table",
                    "fullyQualifiedName": "sample_data.ecommerce_db.shopify.raw_customer"}],
                "upstreamEdges": [{"fromEntity": "1f1a3b52-6f3c-4d53-9c3e-0d6b1f1e2a10",
                    "toEntity": "3cda8ecb-f4c6-4ed4-8506-abe965b54b86",
                    "lineageDetails": {"updatedAt": 1638354087391_i64}}],
                "downstreamEdges": []
            }))
        }
        "/api/v1/search/query" => openmetadata_search(seen),
        _ => status(404),
    }
}

/// OpenMetadata's search of tables: sorted on `upstreamLineage.updatedAt`, the table with the
/// newest edge; else every table's search document with the fields asked for (`id`, its FQN and
/// `upstreamLineage`: the edge the lineage API gives, as `EsLineageData`).
fn openmetadata_search(seen: &Seen) -> axum::response::Response {
    const DIM_ADDRESS: &str = "sample_data.ecommerce_db.shopify.dim_address";
    let hit = |source: Value, sort: Value| json!({"_index": "table_search_index", "_source": source, "sort": [sort]});
    let hits = if seen.query["sort_field"] == "upstreamLineage.updatedAt" {
        vec![hit(
            json!({"fullyQualifiedName": DIM_ADDRESS}),
            json!(1638354087391_i64),
        )]
    } else if seen.query.contains_key("search_after") {
        Vec::new()
    } else {
        let document = json!({"id": "3cda8ecb-f4c6-4ed4-8506-abe965b54b86", "fullyQualifiedName": DIM_ADDRESS,
            "upstreamLineage": [{"fromEntity": {"id": "1f1a3b52-6f3c-4d53-9c3e-0d6b1f1e2a10", "type": "table",
                "fullyQualifiedName": "sample_data.ecommerce_db.shopify.raw_customer"},
                "updatedAt": 1638354087391_i64, "source": "Manual"}]});
        vec![hit(document, json!(DIM_ADDRESS))]
    };
    ok(&json!({"hits": {"total": {"value": hits.len(), "relation": "eq"}, "hits": hits}}))
}

#[tokio::test]
async fn openmetadata_pull_maps_tables_and_products_with_provenance() {
    let server = FakeServer::start_checked("openmetadata", openmetadata).await;
    let ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let pulled = pull(ServerKind::OpenMetadata, &ctx).await.unwrap();
    assert_eq!(pulled.documents.len(), 2);

    let table = &pulled.documents[0];
    assert_eq!(
        table.provenance.upstream_id,
        "sample_data.ecommerce_db.shopify.dim_address"
    );
    assert_eq!(table.provenance.upstream_version.as_deref(), Some("0.1"));
    assert_eq!(
        table.provenance.upstream_updated_at.as_deref(),
        Some("1638354087391")
    );
    let text: Value = serde_json::from_str(&table.text).unwrap();
    let properties = text["schema"][0]["properties"].as_array().unwrap();
    assert_eq!(properties.len(), 7);
    // tableConstraints PRIMARY_KEY (address_id, shop_id).
    let keys: Vec<&str> = properties
        .iter()
        .filter(|p| p["primaryKey"] == true)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["address_id", "shop_id"]);
    assert_eq!(properties[2]["physicalType"], "varchar");
    parse_document(&table.path, table.text.as_bytes()).unwrap();

    let product = &pulled.documents[1];
    let parsed = parse_document(&product.path, product.text.as_bytes()).unwrap();
    let Entity::Product(p) = parsed.entity else {
        panic!("not a product")
    };
    assert_eq!(p.id, "TestDomain.TestDataProduct");
    let text: Value = serde_json::from_str(&product.text).unwrap();
    assert_eq!(text["domain"], "TestDomain");
    assert_eq!(
        text["outputPorts"][0]["contractId"],
        "sample_data.ecommerce_db.shopify.dim_address"
    );
    assert_eq!(text["outputPorts"][0]["version"], "0.1");

    let requests = server.requests();
    let listing = requests
        .iter()
        .find(|r| r.path == "/api/v1/tables")
        .unwrap();
    assert_eq!(
        listing.query["fields"],
        "columns,tags,owners,tableConstraints,usageSummary"
    );
    // The search index holds lineage: the next pull may start from the newest change seen.
    assert_eq!(pulled.cursor, Some(1638354087391));

    // The table's 30-day usage, the product's votes and conversations, each on its document's path.
    let stats = |path: &str| pulled.stats.iter().find(|s| s.path == path).cloned();
    let usage = stats(&table.path).unwrap();
    assert_eq!((usage.queries_30d, usage.users_30d), (Some(42), None));
    assert_eq!((usage.up_votes, usage.down_votes), (None, None));
    let votes = stats(&product.path).unwrap();
    assert_eq!((votes.up_votes, votes.down_votes), (Some(3), Some(1)));
    assert_eq!((votes.comments, usage.comments), (Some(2), None));
    assert_eq!(votes.queries_30d, None);
}

#[tokio::test]
async fn openmetadata_incremental_pull_keeps_unchanged_entities_and_maps_changed_ones() {
    let server = FakeServer::start_checked("openmetadata", openmetadata).await;
    let full_ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let full = pull(ServerKind::OpenMetadata, &full_ctx).await.unwrap();
    let full_requests = server.requests().len();
    assert_eq!(full.documents.len(), 2);
    assert!(full.kept.is_empty());
    let provenance = |docs: &[meshlens_connectors::PulledDocument]| -> Vec<_> {
        docs.iter()
            .map(|d| {
                (
                    d.path.clone(),
                    d.provenance.upstream_version.clone(),
                    d.provenance.upstream_updated_at.clone(),
                )
            })
            .collect()
    };

    // Nothing changed upstream: nothing is mapped, everything is kept; lineage is still read.
    let known = Known::new(provenance(&full.documents));
    let ctx = PullContext {
        known: &known,
        search: None,
        ..context(client(&server, bearer()), 100, &no_progress, &never)
    };
    let before = server.requests().len();
    let again = pull(ServerKind::OpenMetadata, &ctx).await.unwrap();
    assert!(again.documents.is_empty());
    let mut kept = again.kept.clone();
    kept.sort();
    let mut paths: Vec<String> = full.documents.iter().map(|d| d.path.clone()).collect();
    paths.sort();
    assert_eq!(kept, paths);
    assert_eq!(again.lineage_events.len(), full.lineage_events.len());
    assert_eq!(server.requests().len() - before, full_requests);

    // The table's version moved on: it is mapped again, and so is the product whose output port
    // names the table's version, although the product itself did not change.
    let mut stale = provenance(&full.documents);
    for entry in &mut stale {
        if entry.0.starts_with("tables/") {
            entry.1 = Some("0.0".into());
        }
    }
    let known = Known::new(stale);
    let ctx = PullContext {
        known: &known,
        search: None,
        ..context(client(&server, bearer()), 100, &no_progress, &never)
    };
    let changed = pull(ServerKind::OpenMetadata, &ctx).await.unwrap();
    assert_eq!(changed.documents.len(), 2);
    assert!(changed.kept.is_empty());
}

#[tokio::test]
async fn an_openmetadata_re_sync_reads_unchanged_tables_lineage_from_the_search_index() {
    let server = FakeServer::start_checked("openmetadata", openmetadata).await;
    let full_ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let full = pull(ServerKind::OpenMetadata, &full_ctx).await.unwrap();
    let provenance = full.documents.iter().map(|doc| {
        let origin = &doc.provenance;
        let (version, updated) = (&origin.upstream_version, &origin.upstream_updated_at);
        (doc.path.clone(), version.clone(), updated.clone())
    });
    let known = Known::new(provenance).with_cursor(full.cursor);
    let ctx = PullContext {
        known: &known,
        ..context(client(&server, bearer()), 100, &no_progress, &never)
    };
    let before = server.requests().len();
    let again = pull(ServerKind::OpenMetadata, &ctx).await.unwrap();
    assert_eq!(again.lineage_events, full.lineage_events);
    let requests = server.requests().split_off(before);
    assert!(
        requests
            .iter()
            .all(|r| !r.path.starts_with("/api/v1/lineage/"))
    );
    let listing = requests
        .iter()
        .find(|r| r.query.get("sort_field").map(String::as_str) == Some("fullyQualifiedName"))
        .unwrap();
    assert_eq!(listing.path, "/api/v1/search/query");
    assert!(listing.query.contains_key("include_source_fields"));
}

#[tokio::test]
async fn openmetadata_test_case_results_become_check_outcomes_on_the_table() {
    let server = FakeServer::start_checked("openmetadata", openmetadata).await;
    let ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let pulled = pull(ServerKind::OpenMetadata, &ctx).await.unwrap();
    assert_eq!(
        pulled.check_outcomes,
        [CheckOutcome {
            upstream_id:
                "sample_data.ecommerce_db.shopify.dim_address.shop_id.column_value_max_to_be_between"
                    .into(),
            check: "column_value_max_to_be_between".into(),
            check_type: Some("columnValueMaxToBeBetween".into()),
            data_source: "sample_data".into(),
            dataset: "ecommerce_db.shopify.dim_address".into(),
            column: Some("shop_id".into()),
            status: CheckStatus::Fail,
            observed: Some("Found max=190 vs. the expected min=50, max=100.".into()),
            expected: Some("minValueForMaxInCol=1, maxValueForMaxInCol=100".into()),
            at_ms: 1769982759035,
        }]
    );
    // The table's contract names the same server and table, so the outcome finds it.
    let table: Value = serde_json::from_str(&pulled.documents[0].text).unwrap();
    assert_eq!(table["servers"][0]["server"], "sample_data");
    assert_eq!(table["servers"][0]["database"], "ecommerce_db");
    assert_eq!(table["servers"][0]["schema"], "shopify");
    assert_eq!(
        table["schema"][0]["physicalName"],
        "ecommerce_db.shopify.dim_address"
    );
}

#[tokio::test]
async fn openmetadata_follows_after_cursors() {
    let table = fixture("openmetadata", "tables.json")["data"][0].clone();
    let server = FakeServer::start_checked("openmetadata", move |seen| match (seen.path.as_str(), seen.query.get("after").map(String::as_str)) {
        ("/api/v1/tables", None) => {
            ok(&json!({"data": [table], "paging": {"after": "c2FtcGxlX2RhdGEuZWNvbW1lcmNlX2RiLnNob3BpZnkuZGltX2FkZHJlc3M=", "total": 2}}))
        }
        ("/api/v1/tables", Some("c2FtcGxlX2RhdGEuZWNvbW1lcmNlX2RiLnNob3BpZnkuZGltX2FkZHJlc3M=")) => {
            let mut second = table.clone();
            second["name"] = json!("dim_customer");
            second["fullyQualifiedName"] = json!("sample_data.ecommerce_db.shopify.dim_customer");
            ok(&json!({"data": [second], "paging": {"before": "x", "total": 2}}))
        }
        ("/api/v1/dataProducts" | "/api/v1/dataQuality/testCases", _) => {
            ok(&json!({"data": [], "paging": {"total": 0}}))
        }
        (p, _) if p.starts_with("/api/v1/lineage/table/name/") => {
            ok(&json!({"entity": {}, "nodes": [], "upstreamEdges": [], "downstreamEdges": []}))
        }
        _ => status(404),
    })
    .await;
    let ctx = context(client(&server, bearer()), 1, &no_progress, &never);
    let pulled = pull(ServerKind::OpenMetadata, &ctx).await.unwrap();
    let ids: Vec<&str> = pulled
        .documents
        .iter()
        .map(|d| d.provenance.upstream_id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "sample_data.ecommerce_db.shopify.dim_address",
            "sample_data.ecommerce_db.shopify.dim_customer"
        ]
    );
}

#[tokio::test]
async fn cancelled_pull_stops_with_cancelled() {
    let server = FakeServer::start_checked("marquez", marquez).await;
    let always = || true;
    let ctx = context(
        client(&server, Credentials::None),
        100,
        &no_progress,
        &always,
    );
    let err = pull(ServerKind::Marquez, &ctx).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Cancelled(_)), "{err}");
}

/// Entropy Data: page 0 of products says there is a next page; page 1 is empty. Each listed
/// product is then read in full; contracts come as ODCS and DCS.
fn entropy(seen: &Seen) -> axum::response::Response {
    if seen.headers.get("x-api-key").is_none_or(|v| v != TOKEN) {
        return status(401);
    }
    let page = seen.query.get("p").map(String::as_str);
    match (seen.path.as_str(), page) {
        ("/api/dataproducts", Some("0")) => {
            let mut first = ok(&fixture("entropy", "dataproducts.json"));
            first.headers_mut().insert(
                "link",
                "</api/dataproducts?p=1>; rel=\"next\"".parse().unwrap(),
            );
            first
        }
        ("/api/dataproducts", _) => ok(&json!([])),
        ("/api/dataproducts/shelf-warmers", None) => {
            ok(&fixture("entropy", "dataproducts.json")[0])
        }
        ("/api/datacontracts", Some("0")) => ok(&fixture("entropy", "datacontracts.json")),
        ("/api/access", Some("0")) => ok(&fixture("entropy", "access.json")),
        _ => status(404),
    }
}

#[tokio::test]
async fn entropy_pull_keeps_odps_and_odcs_documents_as_they_are() {
    let server = FakeServer::start_checked("entropy", entropy).await;
    let credentials = Credentials::ApiKeyHeader("x-api-key", Secret::new(TOKEN));
    let ctx = context(client(&server, credentials), 100, &no_progress, &never);
    let pulled = pull(ServerKind::Entropy, &ctx).await.unwrap();
    let ids: Vec<&str> = pulled
        .documents
        .iter()
        .map(|d| d.provenance.upstream_id.as_str())
        .collect();
    // The two list entries with id shelf-warmers (ODPS and DPS) are one product.
    assert_eq!(
        ids,
        [
            "shelf-warmers",
            "fulfillment_shipments_v1",
            "customer-cohorts"
        ]
    );
    for doc in &pulled.documents {
        let parsed = parse_document(&doc.path, doc.text.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", doc.path));
        assert_eq!(parsed.entity.id(), doc.provenance.upstream_id);
    }
    let upstream: Value = serde_json::from_str(&pulled.documents[0].text).unwrap();
    assert_eq!(
        upstream,
        fixture("entropy", "dataproducts.json")[0],
        "stored unmapped"
    );
    assert_eq!(
        pulled.documents[1].provenance.upstream_version.as_deref(),
        Some("1.0.0")
    );
    let pages: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/dataproducts")
        .map(|r| r.query["p"].clone())
        .collect();
    assert_eq!(pages, ["0", "1"]);

    // Access requests and agreements come as Data Usage Agreement documents.
    let agreements = pulled.agreements.expect("the access API was listed");
    let read: Vec<(String, String, String)> = agreements
        .iter()
        .map(|doc| {
            let agreement = meshlens_model::parse_agreement(&doc.path, doc.text.as_bytes())
                .unwrap_or_else(|e| panic!("{}: {e:?}", doc.path));
            (
                doc.path.clone(),
                agreement.consumer().to_owned(),
                agreement.declared_status,
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            (
                "access/640864de-83d4-4619-afba-ccea8037ed3a.json".into(),
                "user_profiles".into(),
                "approved".into()
            ),
            (
                "access/access-user-123.json".into(),
                "user-123".into(),
                "requested".into()
            ),
        ]
    );
}

#[tokio::test]
async fn entropy_without_an_access_api_still_syncs_its_products() {
    let server = FakeServer::start_checked("entropy", |seen| match seen.path.as_str() {
        // A server older than the access API, or a key without its permission.
        "/api/access" => status(403),
        _ => entropy(seen),
    })
    .await;
    let credentials = Credentials::ApiKeyHeader("x-api-key", Secret::new(TOKEN));
    let ctx = context(client(&server, credentials), 100, &no_progress, &never);
    let pulled = pull(ServerKind::Entropy, &ctx).await.unwrap();
    assert_eq!(pulled.documents.len(), 3);
    assert!(pulled.agreements.is_none(), "agreements read before stay");
}

#[tokio::test]
async fn an_access_request_is_put_to_entropy_data_once() {
    let held: Arc<Mutex<Option<Value>>> = Arc::default();
    let server = {
        let held = held.clone();
        FakeServer::start_checked("entropy", move |seen| match seen.method {
            Method::GET => held
                .lock()
                .unwrap()
                .clone()
                .map_or_else(|| status(404), |a| ok(&a)),
            Method::PUT => {
                *held.lock().unwrap() = serde_json::from_str(&seen.body).ok();
                ok(&json!(null))
            }
            _ => status(405),
        })
        .await
    };
    let http = client(
        &server,
        Credentials::ApiKeyHeader("x-api-key", Secret::new(TOKEN)),
    );
    // The request as `access request` writes it (YAML, read as JSON here).
    let request = json!({
        "dataUsageAgreementSpecification": "0.0.1",
        "id": "access-0123456789ab",
        "info": {"purpose": "Campaign attribution", "status": "requested", "active": false,
                 "startDate": "2026-12-07", "endDate": "2099-06-30"},
        "provider": {"teamId": "orders-team", "dataProductId": "snowflake_orders_v2",
                     "outputPortId": "snowflake_search_queries_all_npii_v1"},
        "consumer": {"teamId": "marketing-team"},
        "custom": {"columns": ["order_id", "order_total"], "requestedAt": "2026-12-07T10:00:00Z"},
    });
    let receipt = request_entropy_access(&http, &request).await.unwrap();
    assert_eq!(receipt, "PUT api/access/access-0123456789ab");
    let sent = held.lock().unwrap().clone().unwrap();
    assert_eq!(sent["custom"]["columns"], "order_id,order_total");
    assert!(sent.get("dataUsageAgreementSpecification").is_none());
    assert!(
        sent["info"].get("status").is_none(),
        "managed by the server"
    );
    assert_eq!(sent["info"]["endDate"], "2099-06-30");

    // Sent again (the answer was lost): the server holds it, nothing is put twice.
    let again = request_entropy_access(&http, &request).await.unwrap();
    assert!(again.contains("already requested"), "{again}");
    let puts = server
        .requests()
        .iter()
        .filter(|r| r.method == Method::PUT)
        .count();
    assert_eq!(puts, 1);
}

#[tokio::test]
async fn entropy_push_puts_the_document_unless_it_changed_upstream() {
    let product = fixture("entropy", "dataproducts.json")[0].clone();
    let upstream_version = product["version"].as_str().map(str::to_owned);
    let stored = product.clone();
    let server = FakeServer::start_checked("entropy", move |seen| match seen.method {
        Method::GET => ok(&stored),
        Method::PUT => ok(&json!(null)),
        _ => status(405),
    })
    .await;
    let http = client(
        &server,
        Credentials::ApiKeyHeader("x-api-key", Secret::new(TOKEN)),
    );
    let mut edited = product.clone();
    edited["description"]["purpose"] =
        json!("Articles without a sale in six months, per warehouse.");

    push_entropy(&http, "dataproducts", &edited, upstream_version.as_deref())
        .await
        .unwrap();
    let put = server
        .requests()
        .into_iter()
        .find(|r| r.method == Method::PUT)
        .unwrap();
    assert_eq!(put.path, "/api/dataproducts/shelf-warmers");
    assert_eq!(serde_json::from_str::<Value>(&put.body).unwrap(), edited);

    let err = push_entropy(&http, "dataproducts", &edited, Some("0.9.0"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::VersionConflict { .. }),
        "{err}"
    );
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.method == Method::PUT)
            .count(),
        1
    );
}

/// DataHub: the two documented scroll pages of datasets, then the end of the scroll; no data products.
fn datahub(seen: &Seen) -> axum::response::Response {
    if seen
        .headers
        .get("authorization")
        .is_none_or(|v| v != format!("Bearer {TOKEN}").as_str())
    {
        return status(401);
    }
    let body: Value = serde_json::from_str(&seen.body).unwrap();
    let input = &body["variables"]["input"];
    let page1 = fixture("datahub", "scroll_page1.json");
    let page2 = fixture("datahub", "scroll_page2.json");
    let end =
        json!({"data": {"scrollAcrossEntities": {"nextScrollId": null, "searchResults": []}}});
    if input["types"][0] != "DATASET" {
        return ok(&end);
    }
    match input.get("scrollId").and_then(Value::as_str) {
        None => ok(&page1),
        Some(id) if id == page1["data"]["scrollAcrossEntities"]["nextScrollId"] => ok(&page2),
        Some(id) if id == page2["data"]["scrollAcrossEntities"]["nextScrollId"] => ok(&end),
        Some(_) => status(400),
    }
}

#[tokio::test]
async fn datahub_scrolls_datasets_by_urn() {
    let server = FakeServer::start_datahub(datahub).await;
    let ctx = context(client(&server, bearer()), 2, &no_progress, &never);
    let pulled = pull(ServerKind::DataHub, &ctx).await.unwrap();
    let urns: Vec<&str> = pulled
        .documents
        .iter()
        .map(|d| d.provenance.upstream_id.as_str())
        .collect();
    assert_eq!(
        urns,
        [
            "urn:li:dataset:(urn:li:dataPlatform:dbt,long_tail_companions.analytics.pet_details,PROD)",
            "urn:li:dataset:(urn:li:dataPlatform:snowflake,long_tail_companions.adoption.pet_profiles,PROD)",
            "urn:li:dataset:(urn:li:dataPlatform:dbt,long_tail_companions.analytics.pet_status_history,PROD)",
            "urn:li:dataset:(urn:li:dataPlatform:snowflake,long_tail_companions.adoption.pets,PROD)",
        ]
    );
    let text: Value = serde_json::from_str(&pulled.documents[3].text).unwrap();
    assert_eq!(
        text["schema"][0]["physicalName"],
        "long_tail_companions.adoption.pets"
    );
    for doc in &pulled.documents {
        parse_document(&doc.path, doc.text.as_bytes()).unwrap();
    }
    // Three dataset pages and one (empty) data product page, all POSTs to /api/graphql.
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(
        requests
            .iter()
            .all(|r| r.method == Method::POST && r.path == "/api/graphql")
    );
}

#[tokio::test]
async fn datahub_upstream_lineage_becomes_events_from_the_scroll_itself() {
    let server = FakeServer::start_datahub(|seen| {
        let body: Value = serde_json::from_str(&seen.body).unwrap();
        let input = &body["variables"]["input"];
        if input["types"][0] == "DATASET" {
            ok(&fixture("datahub", "scroll_lineage.json"))
        } else {
            ok(&json!({"data": {"scrollAcrossEntities": {"nextScrollId": null, "searchResults": []}}}))
        }
    })
    .await;
    let ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let pulled = pull(ServerKind::DataHub, &ctx).await.unwrap();
    let details =
        "urn:li:dataset:(urn:li:dataPlatform:dbt,long_tail_companions.analytics.pet_details,PROD)";
    let profiles = "urn:li:dataset:(urn:li:dataPlatform:snowflake,long_tail_companions.adoption.pet_profiles,PROD)";
    // One event: the dataset with upstreams; the one without none.
    assert_eq!(pulled.lineage_events.len(), 1);
    let event = &pulled.lineage_events[0];
    assert_eq!(
        event["job"],
        json!({"namespace": "datahub", "name": "urn:li:dataJob:(urn:li:dataFlow:(airflow,dag_abc,PROD),task_123)"})
    );
    assert_eq!(
        event["inputs"],
        json!([{"namespace": "datahub", "name": profiles}])
    );
    assert_eq!(event["outputs"][0]["name"], details);
    assert_eq!(event["eventTime"], "2024-06-10T06:13:20.000Z");
    assert_eq!(
        event["outputs"][0]["facets"]["columnLineage"]["fields"]["pet_id"]["inputFields"],
        json!([{"namespace": "datahub", "name": profiles, "field": "pet_id"}])
    );
    // Lineage costs no request of its own: one dataset page, one (empty) product page, with
    // dataset pages capped at DataHub's tested 20 lineage subqueries.
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let first: Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(first["variables"]["input"]["count"], 20);
    assert!(
        first["query"]
            .as_str()
            .unwrap()
            .contains("lineage(input: {direction: UPSTREAM")
    );
    // The same upstream gives the same run id on the next pull (idempotent ingestion).
    let again = pull(ServerKind::DataHub, &ctx).await.unwrap();
    assert_eq!(again.lineage_events[0]["run"], event["run"]);
    // Its 30-day usage comes with the scroll too, on the dataset's document; the other has none.
    assert_eq!(pulled.stats.len(), 1);
    let usage = &pulled.stats[0];
    assert!(usage.path.starts_with("datasets/"), "{}", usage.path);
    assert_eq!((usage.queries_30d, usage.users_30d), (Some(128), Some(9)));
}

#[tokio::test]
async fn datahub_assertion_run_events_become_check_outcomes_on_the_dataset() {
    // The documented `pets` dataset with `assertions` in the shape of the Get Assertions for
    // Dataset query (docs/api/tutorials/custom-assertions.md); see fixtures/README.md.
    let mut pets =
        fixture("datahub", "scroll_page2.json")["data"]["scrollAcrossEntities"]["searchResults"][1]
            ["entity"]
            .clone();
    let pets_urn = pets["urn"].as_str().unwrap().to_string();
    pets["assertions"] = json!({"assertions": [{
        "urn": "urn:li:assertion:pets-not-null-id",
        "info": {"type": "CUSTOM", "description": "id is never null",
            "customAssertion": {"type": "not-null", "entityUrn": pets_urn,
                "field": {"urn": format!("urn:li:schemaField:({pets_urn},id)"), "path": "id"}}},
        "runEvents": {"runEvents": [
            {"timestampMillis": 1718000000000_i64, "status": "COMPLETE",
                "result": {"type": "SUCCESS", "actualAggValue": 0.0}},
            {"timestampMillis": 1718086400000_i64, "status": "COMPLETE",
                "result": {"type": "FAILURE", "actualAggValue": 3.0}},
            {"timestampMillis": 1718172800000_i64, "status": "COMPLETE",
                "result": {"type": "ERROR", "actualAggValue": null}}
        ]}
    }]});
    let server = FakeServer::start_datahub(move |seen| {
        let body: Value = serde_json::from_str(&seen.body).unwrap();
        let query = body["query"].as_str().unwrap();
        assert!(query.contains("runEvents(status: COMPLETE"), "{query}");
        let results = if body["variables"]["input"]["types"][0] == "DATASET" {
            json!([{"entity": pets}])
        } else {
            json!([])
        };
        ok(&json!({"data": {"scrollAcrossEntities": {"nextScrollId": null, "searchResults": results}}}))
    })
    .await;
    let ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let pulled = pull(ServerKind::DataHub, &ctx).await.unwrap();
    let statuses: Vec<(CheckStatus, i64)> = pulled
        .check_outcomes
        .iter()
        .map(|o| (o.status, o.at_ms))
        .collect();
    assert_eq!(
        statuses,
        [
            (CheckStatus::Pass, 1718000000000),
            (CheckStatus::Fail, 1718086400000),
            (CheckStatus::Error, 1718172800000)
        ]
    );
    let failed = &pulled.check_outcomes[1];
    assert_eq!(failed.upstream_id, "urn:li:assertion:pets-not-null-id");
    assert_eq!(failed.check, "id is never null");
    assert_eq!(failed.check_type.as_deref(), Some("CUSTOM"));
    assert_eq!(failed.data_source, "snowflake");
    assert_eq!(failed.dataset, "long_tail_companions.adoption.pets");
    assert_eq!(failed.column.as_deref(), Some("id"));
    assert_eq!(failed.observed.as_deref(), Some("3.0"));
    // The dataset's contract is on the same server and table.
    let doc: Value = serde_json::from_str(&pulled.documents[0].text).unwrap();
    assert_eq!(doc["servers"][0]["server"], "snowflake");
    assert_eq!(
        doc["schema"][0]["physicalName"],
        "long_tail_companions.adoption.pets"
    );
}

#[tokio::test]
async fn a_refused_datahub_query_names_source_path_and_the_servers_message() {
    // How DataHub refused the scroll query meshlens sent while it asked for
    // `customAssertion { fieldPath }` (fixtures/README.md).
    let server = FakeServer::start(|_| ok(&fixture("datahub", "field_undefined.json"))).await;
    let ctx = context(client(&server, bearer()), 20, &no_progress, &never);
    let err = pull(ServerKind::DataHub, &ctx).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Refused { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "source 'fake': POST api/graphql was refused by the server with GraphQL errors: Validation error (FieldUndefined@[scrollAcrossEntities/searchResults/entity/assertions/assertions/info/customAssertion/fieldPath]) : Field 'fieldPath' in type 'CustomAssertionInfo' is undefined"
    );
    // A refusal is an answer, not a failure to retry.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_datahub_refusal_shows_a_bounded_part_of_what_the_server_said() {
    let long = "x".repeat(2000);
    let errors: Vec<Value> = (0..7).map(|_| json!({"message": long})).collect();
    let server = FakeServer::start(move |_| ok(&json!({"errors": errors, "data": null}))).await;
    let edit = CatalogEdit {
        id: "urn:li:dataset:x".into(),
        entity: EditedEntity::Table,
        base: CatalogFields::default(),
        edited: CatalogFields {
            description: Some("d".into()),
            ..CatalogFields::default()
        },
    };
    let err = push_catalog_edit(ServerKind::DataHub, &client(&server, bearer()), &edit)
        .await
        .unwrap_err();
    let ConnectorError::Refused { messages, .. } = err else {
        panic!("{err:?}");
    };
    assert_eq!(messages.matches(&"x".repeat(500)).count(), 5);
    assert!(!messages.contains(&"x".repeat(501)));
    assert!(messages.ends_with("; and 2 more"), "{messages}");
}

/// The checked fakes refuse what the servers refuse, so the pulls and pushes above passing
/// through them means every request meshlens sent is in the published API descriptions.
/// The status a checked fake refuses a GET of `path` with one query parameter with.
async fn refused_get(
    http: &meshlens_connectors::HttpClient,
    path: &str,
    (name, value): (&str, &str),
) -> u16 {
    match http.get_json(path, &[(name, value.to_string())]).await {
        Err(ConnectorError::Status { status, .. }) => status,
        other => panic!("GET {path} not refused: {other:?}"),
    }
}

#[tokio::test]
async fn checked_fakes_refuse_requests_the_published_apis_do_not_have() {
    let server = FakeServer::start_checked("openmetadata", |_| ok(&json!({"data": []}))).await;
    let http = client(&server, bearer());
    let refused = |result: Result<Value, ConnectorError>| match result {
        Err(ConnectorError::Status { status, .. }) => status,
        other => panic!("not refused: {other:?}"),
    };
    let fields = |value: &str| vec![("fields", value.to_string())];
    // OpenMetadata before 1.5 named the owners `owner`; 1.5+ refuses that name, and the reverse.
    let owner = http
        .get_json("api/v1/tables", &fields("columns,owner"))
        .await;
    assert_eq!(refused(owner), 400);
    http.get_json("api/v1/tables", &fields("columns,owners"))
        .await
        .unwrap();
    assert_eq!(refused(http.get_json("api/v1/tabels", &[]).await), 404);
    assert_eq!(
        refused_get(&http, "api/v1/tables", ("page", "2")).await,
        400
    );
    let lineage = "api/v1/lineage/table/name/a.b.c.d";
    assert_eq!(
        refused_get(&http, lineage, ("upstreamDepth", "4")).await,
        400
    );
    let patch = json!([{"op": "replace", "path": "/description", "value": "x"}]);
    let as_json = http
        .send_json(Method::PATCH, "api/v1/tables/3cda8ecb", &patch, None)
        .await;
    assert_eq!(refused(as_json), 415);
    let not_a_patch = http
        .send_json(
            Method::PATCH,
            "api/v1/tables/3cda8ecb",
            &json!({"description": "x"}),
            Some("application/json-patch+json"),
        )
        .await;
    assert_eq!(refused(not_a_patch), 400);

    let entropy = FakeServer::start_checked("entropy", |_| ok(&json!(null))).await;
    let http = client(
        &entropy,
        Credentials::ApiKeyHeader("x-api-key", Secret::new(TOKEN)),
    );
    let elsewhere = http
        .send_json(
            Method::PUT,
            "api/dataproducts/other",
            &json!({"id": "shelf-warmers"}),
            None,
        )
        .await;
    assert_eq!(refused(elsewhere), 400);
    let negative_page = http
        .get_json("api/datacontracts", &[("p", "-1".into())])
        .await;
    assert_eq!(refused(negative_page), 400);

    let amundsen = FakeServer::start_checked("amundsen", |_| ok(&json!({}))).await;
    let http = client(&amundsen, Credentials::None);
    let search = |body: Value| {
        let http = &http;
        async move { http.send_json(Method::POST, "v2/search", &body, None).await }
    };
    // SearchRequestSchema refuses a field it does not have and needs `query_term`; the search
    // service knows four resource types.
    let extra = search(json!({"query_term": "", "page": 2})).await;
    assert_eq!(refused(extra), 400);
    assert_eq!(
        refused(search(json!({"resource_types": ["table"]})).await),
        400
    );
    let unknown = search(json!({"query_term": "", "resource_types": ["tables"]})).await;
    assert_eq!(refused(unknown), 400);
    search(json!({"query_term": "", "resource_types": ["table"], "page_index": 3}))
        .await
        .unwrap();
    assert_eq!(refused(http.get_json("v2/search", &[]).await), 405);
    // `<path:table_uri>` takes a key with its slashes; lineage has its own arguments.
    http.get_json("table/hive://gold.test_schema/test_table1", &[])
        .await
        .unwrap();
    let lineage = format!("table/{TABLE1}/lineage");
    assert_eq!(
        refused_get(&http, &lineage, ("direction", "sideways")).await,
        400
    );
    let detail = format!("table/{TABLE1}");
    assert_eq!(refused_get(&http, &detail, ("depth", "1")).await, 400);
    // Flask answers an unknown route with its HTML page.
    assert_eq!(refused(http.get_json("tables", &[]).await), 404);
}

/// An OpenMetadata before 1.5, whose entities have one `owner` (table.json at
/// 095cd6c3ce71669029e46e86a2c49589077be6ed): it refuses `fields=owners` as every version refuses
/// a field its entities do not have (EntityUtil.Fields), and lists tables with their `owner`.
#[tokio::test]
async fn an_openmetadata_before_1_5_is_asked_for_owner_after_refusing_owners() {
    let mut table = fixture("openmetadata", "tables.json")["data"][0].clone();
    table["owner"] = json!({"id": "d6764107-e8b4-4748-b256-c86fecc66064", "type": "user",
        "name": "aaron_johnson0", "displayName": "Aaron Johnson"});
    let server = FakeServer::start(move |seen| {
        let fields = seen.query.get("fields").map(String::as_str).unwrap_or("");
        if fields.split(',').any(|f| f == "owners") {
            return json(
                axum::http::StatusCode::BAD_REQUEST,
                &json!({"code": 400, "message": "Invalid field name owners"}),
            );
        }
        match seen.path.as_str() {
            "/api/v1/tables" => ok(&json!({"data": [table], "paging": {"total": 1}})),
            p if p.starts_with("/api/v1/lineage/") => {
                ok(&json!({"entity": {}, "nodes": [], "upstreamEdges": [], "downstreamEdges": []}))
            }
            _ => ok(&json!({"data": [], "paging": {"total": 0}})),
        }
    })
    .await;
    let ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let pulled = pull(ServerKind::OpenMetadata, &ctx).await.unwrap();
    assert_eq!(pulled.documents.len(), 1);
    assert!(pulled.documents[0].text.contains("Aaron Johnson"));
    let asked: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/tables")
        .map(|r| r.query["fields"].clone())
        .collect();
    assert_eq!(
        asked,
        [
            "columns,tags,owners,tableConstraints,usageSummary",
            "columns,tags,owner,tableConstraints,usageSummary"
        ]
    );
}

const PRODUCT_ID: &str = "b1839f98-f046-5f35-bdef-20f9b3395cb2";

/// OpenMetadata answering feedback as its API does: the product by name, the logged-in user, a
/// VoteRequest (only `updatedVoteType`, one of its three values) and a CreateThread (`message`,
/// `from`, `about` required; `about` an entity link); anything else is refused with 400.
fn openmetadata_feedback(seen: &Seen) -> axum::response::Response {
    let body: Value = serde_json::from_str(&seen.body).unwrap_or(Value::Null);
    let vote_path = format!("/api/v1/dataProducts/{PRODUCT_ID}/vote");
    match (&seen.method, seen.path.as_str()) {
        (&Method::GET, "/api/v1/dataProducts/name/TestDomain.TestDataProduct") => {
            ok(&fixture("openmetadata", "dataProducts.json")["data"][0])
        }
        (&Method::GET, "/api/v1/users/loggedInUser") => {
            ok(&json!({"id": "u1", "name": "ingestion-bot"}))
        }
        (&Method::PUT, path) if path == vote_path => {
            let keys: Vec<&String> = body
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            let valid = ["votedUp", "votedDown", "unVoted"]
                .map(Value::from)
                .contains(&body["updatedVoteType"]);
            if keys.len() != 1 || !valid {
                return status(400);
            }
            ok(
                &json!({"entityType": "dataProduct", "entityId": PRODUCT_ID, "changeDescription": {}}),
            )
        }
        (&Method::POST, "/api/v1/feed") => {
            let link = body["about"].as_str().unwrap_or_default();
            let complete = ["message", "from"].iter().all(|k| body[*k].is_string());
            if !(complete && link.starts_with("<#E::") && link.ends_with('>')) {
                return status(400);
            }
            ok(&json!({"id": "thread-1", "about": link, "message": body["message"]}))
        }
        (_, path) if path.starts_with("/api/v1/dataProducts/") => status(404),
        _ => status(400),
    }
}

#[tokio::test]
async fn openmetadata_feedback_votes_and_opens_a_thread_as_the_logged_in_user() {
    let server = FakeServer::start(openmetadata_feedback).await;
    let feedback = OpenMetadataFeedback {
        fqn: "TestDomain.TestDataProduct".into(),
        rating: 2,
        comment: Some("late twice this week".into()),
    };
    let receipt = send_openmetadata_feedback(&client(&server, bearer()), &feedback)
        .await
        .unwrap();
    assert!(
        receipt.contains("votedDown") && receipt.contains("thread-1"),
        "{receipt}"
    );
    let requests = server.requests();
    let vote = requests.iter().find(|r| r.method == Method::PUT).unwrap();
    assert_eq!(vote.headers["content-type"], "application/json");
    let thread = requests.iter().find(|r| r.method == Method::POST).unwrap();
    let body: Value = serde_json::from_str(&thread.body).unwrap();
    assert_eq!(
        body["about"],
        "<#E::dataProduct::TestDomain.TestDataProduct>"
    );
    assert_eq!(body["from"], "ingestion-bot");
    assert_eq!(
        body["message"],
        "Rated 2/5 with meshlens: late twice this week"
    );

    // A rating of 3 is no vote either way; without a comment no thread is opened.
    let neutral = OpenMetadataFeedback {
        rating: 3,
        comment: None,
        ..feedback
    };
    let receipt = send_openmetadata_feedback(&client(&server, bearer()), &neutral)
        .await
        .unwrap();
    assert_eq!(
        receipt,
        format!("PUT api/v1/dataProducts/{PRODUCT_ID}/vote unVoted")
    );
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.method == Method::POST)
            .count(),
        1
    );

    // A product the server does not know is its 404, not a silent success.
    let unknown = OpenMetadataFeedback {
        fqn: "Nope.Nothing".into(),
        ..neutral
    };
    let err = send_openmetadata_feedback(&client(&server, bearer()), &unknown)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::Status { status: 404, .. }),
        "{err}"
    );
}

const TABLE1: &str = "hive://gold.test_schema/test_table1";
const TABLE2: &str = "hive://gold.test_schema/test_table2";

#[tokio::test]
async fn amundsen_pull_maps_searched_tables_to_contracts_and_their_lineage_to_events() {
    let server = FakeServer::start_checked("amundsen", amundsen).await;
    let ctx = context(client(&server, Credentials::None), 2, &no_progress, &never);
    let pulled = pull(ServerKind::Amundsen, &ctx).await.unwrap();

    // Two pages of search, then each table and its lineage.
    assert_eq!(pulled.requests, 2 + 3 + 3);
    let searches: Vec<Value> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/v2/search")
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(searches.len(), 2);
    assert_eq!(searches[1]["page_index"], 1);
    assert_eq!(searches[1]["results_per_page"], 2);
    assert_eq!(searches[1]["resource_types"], json!(["table"]));
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == format!("/table/{TABLE1}/lineage")
                && r.query.get("direction").map(String::as_str) == Some("both"))
    );

    assert_eq!(pulled.documents.len(), 3);
    let doc = &pulled.documents[0];
    assert_eq!(
        doc.path,
        "tables/hive:%2F%2Fgold.test_schema%2Ftest_table1.odcs.json"
    );
    assert_eq!(doc.provenance.upstream_id, TABLE1);
    assert_eq!(doc.provenance.upstream_version, None);
    assert_eq!(
        doc.provenance.upstream_updated_at.as_deref(),
        Some("2019-10-09T00:44:21.000Z")
    );
    let parsed = parse_document(&doc.path, doc.text.as_bytes()).unwrap();
    let Entity::Contract(contract) = parsed.entity else {
        panic!("not a contract")
    };
    assert_eq!(contract.id, TABLE1);
    let text: Value = serde_json::from_str(&doc.text).unwrap();
    assert_eq!(text["domain"], "test_schema");
    assert_eq!(text["description"]["purpose"], "1st test table");
    assert_eq!(text["tags"], json!(["tag1", "tag2"]));
    assert_eq!(
        text["customProperties"],
        json!([{"property": "owners", "value": "mmcgonagall@hogwarts.com"},
               {"property": "badges", "value": "beta"},
               {"property": "programmaticDescription.quality_service",
                "value": "Row count checked daily; last check passed."}])
    );
    let schema = &text["schema"][0];
    assert_eq!(schema["physicalName"], "test_schema.test_table1");
    // Columns in Amundsen's sort order, column badges as tags.
    let names: Vec<&str> = schema["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["col_id1", "col_id2", "source"]);
    assert_eq!(schema["properties"][0]["tags"], json!(["primary_key"]));
    assert_eq!(schema["properties"][0]["logicalType"], "integer");
    assert_eq!(
        text["servers"],
        json!([{"server": "hive.gold", "type": "custom", "schema": "test_schema"}])
    );
    // A table of another database with the same name is another contract; an owner without an
    // address is named.
    let dynamo: Value = serde_json::from_str(&pulled.documents[2].text).unwrap();
    assert_eq!(dynamo["id"], "dynamo://gold.test_schema/test_table2");
    assert_eq!(dynamo["customProperties"][0]["value"], "Ron Weasley");

    // test_table1 reads up_table_1 (not in Amundsen's listing) and feeds test_table2: each edge
    // once, though both tables' answers name the second.
    assert_eq!(pulled.lineage_events.len(), 2);
    let into_table1 = &pulled.lineage_events[0];
    assert_eq!(
        into_table1["outputs"],
        json!([{"namespace": "amundsen", "name": TABLE1}])
    );
    assert_eq!(
        into_table1["inputs"],
        json!([{"namespace": "amundsen", "name": "db://cluster.schema/up_table_1"}])
    );
    assert_eq!(into_table1["eventTime"], "2019-10-09T00:44:21.000Z");
    let into_table2 = &pulled.lineage_events[1];
    assert_eq!(into_table2["outputs"][0]["name"], TABLE2);
    assert_eq!(
        into_table2["inputs"],
        json!([{"namespace": "amundsen", "name": TABLE1}])
    );
    assert!(server.saw_no_authorization());
}

#[tokio::test]
async fn amundsen_without_lineage_still_syncs_its_tables() {
    // A backend that cannot give lineage answers 404 (or 501) on every lineage route.
    let server = FakeServer::start_checked("amundsen", |seen| {
        if seen.path.ends_with("/lineage") {
            return json(
                axum::http::StatusCode::NOT_FOUND,
                &json!({"message": "Exception raised when getting lineage"}),
            );
        }
        amundsen(seen)
    })
    .await;
    let ctx = context(client(&server, Credentials::None), 2, &no_progress, &never);
    let pulled = pull(ServerKind::Amundsen, &ctx).await.unwrap();
    assert!(!pulled.documents.is_empty());
    assert!(pulled.lineage_events.is_empty());
}

#[tokio::test]
async fn amundsen_tables_are_listed_by_the_search_service_and_read_from_the_metadata_service() {
    let metadata = FakeServer::start_checked("amundsen", amundsen).await;
    let search = FakeServer::start_checked("amundsen", amundsen).await;
    let ctx = PullContext {
        search: Some(client(&search, Credentials::None)),
        ..context(
            client(&metadata, Credentials::None),
            2,
            &no_progress,
            &never,
        )
    };
    let pulled = pull(ServerKind::Amundsen, &ctx).await.unwrap();
    assert_eq!(pulled.documents.len(), 3);
    assert!(search.requests().iter().all(|r| r.path == "/v2/search"));
    assert_eq!(search.requests().len(), 2);
    assert!(
        metadata
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/table/"))
    );
}

#[tokio::test]
async fn an_amundsen_table_deleted_after_the_search_index_was_built_fails_the_pull_naming_it() {
    let server = FakeServer::start_checked("amundsen", |seen| {
        if seen.path == format!("/table/{TABLE2}") {
            // Gone from the metadata service; the search index still lists it.
            return json(
                axum::http::StatusCode::NOT_FOUND,
                &json!({"message": format!("table_uri {TABLE2} does not exist")}),
            );
        }
        amundsen(seen)
    })
    .await;
    let ctx = context(client(&server, Credentials::None), 2, &no_progress, &never);
    let err = pull(ServerKind::Amundsen, &ctx).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, ConnectorError::Status { status: 404, .. }),
        "{text}"
    );
    for needle in [
        "source 'fake'",
        &format!("GET table/{TABLE2}"),
        "HTTP 404",
        "deleted upstream",
    ] {
        assert!(text.contains(needle), "expected '{needle}' in: {text}");
    }
}

#[tokio::test]
async fn an_amundsen_search_that_failed_inside_is_an_error_though_answered_200() {
    let server = FakeServer::start_checked("amundsen", |_| {
        ok(&json!({"msg": "Query response for Resource.TABLE returned an error: {}", "page_index": 0,
            "results_per_page": 100, "results": {}, "status_code": 500}))
    })
    .await;
    let ctx = context(
        client(&server, Credentials::None),
        100,
        &no_progress,
        &never,
    );
    let err = pull(ServerKind::Amundsen, &ctx).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("POST v2/search answered HTTP 500"), "{text}");
    assert!(text.contains("could not search: Query response"), "{text}");
}

#[tokio::test]
async fn amundsen_metadata_url_without_a_search_service_says_how_to_name_it() {
    // A metadata service alone: Flask's HTML 404 page for /v2/search.
    let server = FakeServer::start_checked("amundsen", |seen| {
        if seen.path == "/v2/search" {
            return raw(
                axum::http::StatusCode::NOT_FOUND,
                "text/html; charset=utf-8",
                "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n",
            );
        }
        amundsen(seen)
    })
    .await;
    let ctx = context(client(&server, Credentials::None), 2, &no_progress, &never);
    let err = pull(ServerKind::Amundsen, &ctx).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("POST v2/search answered HTTP 404"), "{text}");
    assert!(text.contains("--search-url"), "{text}");
}

/// A metadata service holding test_table1 that applies description, tag and owner writes as
/// Amundsen does (tags as `{tag_type, tag_name}`, owners as users by id).
async fn amundsen_keeping(table: Arc<Mutex<Value>>) -> FakeServer {
    FakeServer::start_checked("amundsen", move |seen| {
        let mut table = table.lock().unwrap();
        let tail = seen
            .path
            .strip_prefix(&format!("/table/{TABLE1}"))
            .unwrap_or("?");
        let name = |route: &str| tail.strip_prefix(route).map(rest::decoded);
        match (seen.method.as_str(), tail) {
            ("GET", "") => return ok(&table),
            ("PUT", "/description") => {
                let body: Value = serde_json::from_str(&seen.body).unwrap();
                table["description"] = body["description"].clone();
            }
            ("PUT", _) if name("/tag/").is_some() => {
                let tag = name("/tag/").unwrap();
                table["tags"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"tag_type": "default", "tag_name": tag}));
            }
            ("DELETE", _) if name("/tag/").is_some() => {
                let tag = name("/tag/").unwrap();
                table["tags"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|t| t["tag_name"] != tag.as_str());
            }
            ("PUT", _) if name("/owner/").is_some() => {
                let owner = name("/owner/").unwrap();
                table["owners"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"user_id": owner, "email": owner}));
            }
            _ => return status(404),
        }
        ok(&Value::Null)
    })
    .await
}

#[tokio::test]
async fn amundsen_push_sends_description_tags_and_owners_once_and_refuses_a_moved_table() {
    let table = Arc::new(Mutex::new(
        fixture("amundsen", "tables.json")[TABLE1].clone(),
    ));
    let server = amundsen_keeping(table.clone()).await;
    let http = client(&server, Credentials::None);
    let synced = CatalogFields {
        description: Some("1st test table".into()),
        tags: ["tag1".into(), "tag2".into()].into(),
        owners: ["mmcgonagall@hogwarts.com".into()].into(),
    };
    let mut edited = synced.clone();
    edited.description = Some("Wizards, one row each.".into());
    edited.tags = ["tag2".into(), "wizards".into()].into();
    edited.owners.insert("hpotter@hogwarts.com".into());
    let edit = CatalogEdit {
        id: TABLE1.into(),
        entity: EditedEntity::Table,
        base: synced.clone(),
        edited: edited.clone(),
    };
    let push = |edit: CatalogEdit| {
        let http = http.clone();
        async move { push_catalog_edit(ServerKind::Amundsen, &http, &edit).await }
    };
    let sent = match push(edit.clone()).await.unwrap() {
        PushOutcome::Sent(sent) => sent,
        other => panic!("{other:?}"),
    };
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert!(
        sent.contains(&format!("DELETE table/{TABLE1}/tag/tag1")),
        "{sent:?}"
    );
    assert!(
        sent.contains(&format!("PUT table/{TABLE1}/tag/wizards")),
        "{sent:?}"
    );
    let now = table.lock().unwrap().clone();
    assert_eq!(now["description"], "Wizards, one row each.");
    let tags: Vec<&str> = now["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag_name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["tag2", "wizards"]);
    assert_eq!(now["owners"][1]["email"], "hpotter@hogwarts.com");

    // A retry after a lost answer finds everything applied and sends nothing.
    let before = server.requests().len();
    assert_eq!(
        push(edit.clone()).await.unwrap(),
        PushOutcome::Sent(Vec::new())
    );
    assert_eq!(server.requests().len(), before + 1, "only the read");

    // Someone else rewrote the description since the sync: a conflict, nothing sent.
    table.lock().unwrap()["description"] = json!("Someone else's words.");
    let mut stale = edit.clone();
    stale.edited.description = Some("Mine.".into());
    stale.base = edited;
    let PushOutcome::Conflict(conflict) = push(stale).await.unwrap() else {
        panic!("not a conflict");
    };
    assert_eq!(conflict.fields, ["description"]);
    assert_eq!(
        conflict.current.description.as_deref(),
        Some("Someone else's words.")
    );
    assert_eq!(
        table.lock().unwrap()["description"],
        "Someone else's words."
    );
    // A tag with `/` cannot travel in Amundsen's route: refused before any request.
    let before = server.requests().len();
    let mut slashed = edit.clone();
    slashed.edited.tags.insert("gold/silver".into());
    let err = push(slashed).await.unwrap_err();
    assert!(err.to_string().contains("'gold/silver' has a '/'"), "{err}");
    assert_eq!(server.requests().len(), before);
}
