//! The same physical table pulled from two catalogs (OpenMetadata and Marquez) is one lineage
//! node: OpenMetadata tables of a Postgres service carry the service's address, Marquez datasets
//! in an OpenLineage namespace (`postgres://host:port`) carry theirs, and both contracts resolve
//! to the identity OpenLineage gives the table.

use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use meshlens_lineage::{LineageRequest, NodeKind};
use meshlens_store::{SourceConfig, SourceKind, Store};
use meshlens_sync::{SyncContext, sync_source};
use serde_json::{Value, json};
use support::{fixture, json_response, serve};

mod support;

const NAMESPACE: &str = "postgres://db.example:5432";
const TABLE: &str = "ecommerce_db.shopify.dim_address";

async fn serve_routes(route: fn(&str) -> Option<Value>) -> String {
    let app = axum::Router::new().fallback(move |uri: Uri| async move {
        match route(uri.path()) {
            Some(body) => json_response(&body),
            None => StatusCode::NOT_FOUND.into_response(),
        }
    });
    serve(app).await
}

/// OpenMetadata: the `dim_address` table of service `sample_data`, whose connection is a Postgres
/// at db.example:5432 (`DatabaseService.connection.config.hostPort`), with one upstream table.
fn openmetadata(path: &str) -> Option<Value> {
    Some(match path {
        "/api/v1/tables" => fixture("openmetadata/tables.json"),
        "/api/v1/dataProducts" => fixture("openmetadata/dataProducts.json"),
        "/api/v1/dataQuality/testCases" => json!({"data": [], "paging": {"total": 0}}),
        "/api/v1/services/databaseServices" => json!({"data": [{
            "id": "0a9a9d2b-1b5c-4a8e-9f0f-6c1e2d3b4a5c", "name": "sample_data",
            "fullyQualifiedName": "sample_data", "serviceType": "Postgres",
            "connection": {"config": {"type": "Postgres", "hostPort": "db.example:5432",
                "database": "ecommerce_db"}}}], "paging": {"total": 1}}),
        "/api/v1/lineage/table/name/sample_data.ecommerce_db.shopify.dim_address" => json!({
            "entity": {"id": "t2", "type": "table",
                "fullyQualifiedName": "sample_data.ecommerce_db.shopify.dim_address"},
            "nodes": [{"id": "t1", "type": "table",
                "fullyQualifiedName": "sample_data.ecommerce_db.shopify.raw_customer"}],
            "upstreamEdges": [{"fromEntity": "t1", "toEntity": "t2",
                "lineageDetails": {"updatedAt": 1638354087391_i64}}],
            "downstreamEdges": []}),
        _ => return None,
    })
}

/// Marquez: the documented dataset and job, in an OpenLineage namespace naming the same Postgres.
fn marquez(path: &str) -> Option<Value> {
    if path == "/api/v1/namespaces" {
        return Some(json!({"namespaces": [{"name": NAMESPACE}]}));
    }
    if path.ends_with("/datasets") {
        let mut dataset = fixture("marquez/datasets.json")["datasets"][0].clone();
        dataset["namespace"] = json!(NAMESPACE);
        dataset["name"] = json!(TABLE);
        dataset["physicalName"] = json!(TABLE);
        return Some(json!({"totalCount": 1, "datasets": [dataset]}));
    }
    if path.ends_with("/jobs") {
        let mut job = fixture("marquez/jobs.json")["jobs"][0].clone();
        job["namespace"] = json!(NAMESPACE);
        job["inputs"] = json!([{"namespace": NAMESPACE, "name": TABLE}]);
        return Some(json!({"totalCount": 1, "jobs": [job]}));
    }
    None
}

#[tokio::test]
async fn one_table_from_openmetadata_and_marquez_is_one_lineage_node() {
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("MESHLENS_TOKEN_OM_SAME", "test-jwt") };
    let store = Store::open_in_memory().await.unwrap();
    let om = SourceConfig {
        name: "om-same".into(),
        kind: SourceKind::OpenMetadata {
            url: serve_routes(openmetadata).await,
        },
        scope: None,
    };
    let mq = SourceConfig {
        name: "marquez-same".into(),
        kind: SourceKind::Marquez {
            url: serve_routes(marquez).await,
        },
        scope: None,
    };
    let ctx = SyncContext::default();
    for source in [&om, &mq] {
        store.add_source(source).await.unwrap();
        let report = sync_source(&store, source, &ctx, &|_| {}).await.unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }

    let physical = format!("{NAMESPACE}:{TABLE}");
    let by_openlineage = meshlens_lineage::lineage(&store, &LineageRequest::new(&physical))
        .await
        .unwrap();
    let by_openmetadata = meshlens_lineage::lineage(
        &store,
        &LineageRequest::new("openmetadata:sample_data.ecommerce_db.shopify.dim_address"),
    )
    .await
    .unwrap();
    // Both names reach the same node, which has both origins' lineage: OpenMetadata's upstream
    // table and the Marquez job reading it.
    assert_eq!(by_openlineage.root, by_openmetadata.root);
    let ids: Vec<&str> = by_openlineage.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(
        ids.contains(&"openmetadata:sample_data.ecommerce_db.shopify.raw_customer"),
        "{ids:?}"
    );
    assert!(
        by_openlineage
            .nodes
            .iter()
            .any(|n| n.kind == NodeKind::Job && n.id.starts_with(&format!("job:{NAMESPACE}:"))),
        "{ids:?}"
    );
    let datasets: Vec<&str> = by_openlineage
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Dataset && n.name.ends_with("dim_address"))
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(datasets.len(), 1, "{ids:?}");
    // The OpenMetadata product publishing the table owns the node.
    let root = by_openlineage
        .nodes
        .iter()
        .find(|n| n.id == by_openlineage.root)
        .unwrap();
    assert_eq!(root.product.as_deref(), Some("TestDomain.TestDataProduct"));

    // Both sources hold a contract on that table, each with its upstream provenance.
    let om_origin = store
        .provenance(
            "om-same",
            "tables/sample_data.ecommerce_db.shopify.dim_address.odcs.json",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        om_origin.upstream_id,
        "sample_data.ecommerce_db.shopify.dim_address"
    );
    let mq_origin = store
        .provenance(
            "marquez-same",
            &format!(
                "datasets/{}.odcs.json",
                format!("{NAMESPACE}:{TABLE}").replace('/', "%2F")
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mq_origin.upstream_id, physical);
}
