//! Scoped pulls: OpenMetadata finds a scope's tables with its search API and their neighbours
//! through its lineage API, on a fake that refuses what the published API does not have
//! (`fixtures/openmetadata/api.json`); connectors that cannot be scoped refuse a scope.

mod common;

use common::{FakeServer, Seen, bearer, client, context, fixture, never, no_progress, ok, status};
use meshlens_connectors::{ConnectorError, PulledDocument, ServerKind, pull};
use meshlens_model::CatalogScope;
use serde_json::{Value, json};

const SCOPED: &str = "sample_data.ecommerce_db.shopify.dim_address";
const NEIGHBOUR: &str = "sample_data.ecommerce_db.shopify.raw_customer";
const OUTSIDE: &str = "sample_data.ecommerce_db.shopify.raw_order";

/// The documented `dim_address` table under another FQN and id.
fn table(fqn: &str, id: &str) -> Value {
    let mut table = fixture("openmetadata", "tables.json")["data"][0].clone();
    table["fullyQualifiedName"] = json!(fqn);
    table["name"] = json!(fqn.rsplit('.').next().unwrap());
    table["id"] = json!(id);
    table
}

fn node(fqn: &str, id: &str) -> Value {
    json!({"id": id, "type": "table", "fullyQualifiedName": fqn})
}

/// `dim_address` (in TestDomain) reads `raw_customer`, which reads `raw_order`.
fn scoped_openmetadata(seen: &Seen) -> axum::response::Response {
    let lineage = |entity: Value, nodes: Vec<Value>, up: Vec<(&str, &str)>| {
        let edges: Vec<Value> = up
            .iter()
            .map(|(from, to)| json!({"fromEntity": from, "toEntity": to}))
            .collect();
        ok(
            &json!({"entity": entity, "nodes": nodes, "upstreamEdges": edges, "downstreamEdges": []}),
        )
    };
    match seen.path.as_str() {
        "/api/v1/search/query" => {
            let filter: Value = serde_json::from_str(&seen.query["query_filter"]).unwrap();
            let terms =
                &filter["query"]["bool"]["should"][0]["terms"]["domains.fullyQualifiedName"];
            let hits = if terms == &json!(["TestDomain"])
                && !seen.query.contains_key("search_after")
            {
                let mut source = table(SCOPED, "a");
                source["domains"] = json!([{"type": "domain", "name": "TestDomain", "fullyQualifiedName": "TestDomain"}]);
                vec![json!({"_index": "table_search_index", "_source": source, "sort": [SCOPED]})]
            } else {
                Vec::new()
            };
            ok(&json!({"hits": {"total": {"value": hits.len(), "relation": "eq"}, "hits": hits}}))
        }
        "/api/v1/dataProducts" => ok(&fixture("openmetadata", "dataProducts.json")),
        "/api/v1/dataQuality/testCases" => ok(&fixture("openmetadata", "testCases.json")),
        "/api/v1/services/databaseServices" => ok(&json!({"data": [], "paging": {"total": 0}})),
        "/api/v1/tables/name/sample_data.ecommerce_db.shopify.raw_customer" => {
            ok(&table(NEIGHBOUR, "b"))
        }
        "/api/v1/lineage/table/name/sample_data.ecommerce_db.shopify.dim_address" => lineage(
            node(SCOPED, "a"),
            vec![node(NEIGHBOUR, "b")],
            vec![("b", "a")],
        ),
        "/api/v1/lineage/table/name/sample_data.ecommerce_db.shopify.raw_customer" => lineage(
            node(NEIGHBOUR, "b"),
            vec![node(SCOPED, "a"), node(OUTSIDE, "c")],
            vec![("c", "b")],
        ),
        _ => status(404),
    }
}

fn test_domain(neighbours: u32) -> CatalogScope {
    CatalogScope {
        domains: vec!["TestDomain".into()],
        neighbours,
        ..CatalogScope::default()
    }
}

/// A pull of the fake limited to `scope`.
async fn pull_scoped(
    server: &FakeServer,
    scope: &CatalogScope,
) -> Result<meshlens_connectors::Pulled, ConnectorError> {
    let ctx = meshlens_connectors::PullContext {
        scope: Some(scope),
        ..context(client(server, bearer()), 100, &no_progress, &never)
    };
    pull(ServerKind::OpenMetadata, &ctx).await
}

#[tokio::test]
async fn openmetadata_reads_a_scope_through_its_search_and_lineage_apis() {
    let server = FakeServer::start_checked("openmetadata", scoped_openmetadata).await;
    let scope = test_domain(1);
    let pulled = pull_scoped(&server, &scope).await.unwrap();
    let upstream_id = |doc: &PulledDocument| doc.provenance.upstream_id.clone();
    let ids: Vec<String> = pulled.documents.iter().map(upstream_id).collect();
    assert_eq!(ids, [SCOPED, NEIGHBOUR, "TestDomain.TestDataProduct"]);
    // The edge into the neighbour comes from outside the scope: only the one inside is kept.
    assert_eq!(pulled.lineage_events.len(), 1);
    assert_eq!(pulled.lineage_events[0]["inputs"][0]["name"], NEIGHBOUR);
    assert_eq!(pulled.check_outcomes.len(), 1, "dim_address's test case");

    let requests = server.requests();
    assert!(requests.iter().all(|r| r.path != "/api/v1/tables"));
    let search = requests
        .iter()
        .find(|r| r.path == "/api/v1/search/query")
        .unwrap();
    assert_eq!(search.query["index"], "table_search_index");
    assert_eq!(search.query["sort_field"], "fullyQualifiedName");
    let lineage = requests
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/lineage/"));
    assert_eq!(lineage.count(), 2, "the scoped table's and its neighbour's");
}

#[tokio::test]
async fn a_scope_without_neighbours_reads_only_its_tables_and_the_edges_between_them() {
    let server = FakeServer::start_checked("openmetadata", scoped_openmetadata).await;
    let scope = test_domain(0);
    let pulled = pull_scoped(&server, &scope).await.unwrap();
    assert_eq!(pulled.documents.len(), 2, "the table and the product");
    assert!(pulled.lineage_events.is_empty());
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/api/v1/tables/"))
    );
}

#[tokio::test]
async fn a_scope_that_matches_nothing_names_the_source_the_path_and_the_status() {
    let server = FakeServer::start_checked("openmetadata", scoped_openmetadata).await;
    let scope = CatalogScope {
        domains: vec!["NoSuchDomain".into()],
        ..CatalogScope::default()
    };
    let err = pull_scoped(&server, &scope).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::EmptyScope { status: 200, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    for part in [
        "'fake'",
        "api/v1/search/query",
        "HTTP 200",
        "domains NoSuchDomain",
    ] {
        assert!(message.contains(part), "{part} missing from: {message}");
    }
}

#[test]
fn connectors_that_cannot_apply_a_scope_refuse_it() {
    let scope = test_domain(1);
    assert!(ServerKind::OpenMetadata.check_scope("om", &scope).is_ok());
    for kind in [
        ServerKind::Marquez,
        ServerKind::DataHub,
        ServerKind::Entropy,
        ServerKind::Amundsen,
    ] {
        let err = kind.check_scope("lineage", &scope).unwrap_err();
        let message = err.to_string();
        assert!(message.contains(kind.as_str()), "{message}");
        assert!(message.contains("'lineage'"), "{message}");
    }
    let neighbours_only = CatalogScope {
        neighbours: 2,
        ..CatalogScope::default()
    };
    let err = ServerKind::OpenMetadata
        .check_scope("om", &neighbours_only)
        .unwrap_err();
    assert!(err.to_string().contains("at least one domain"), "{err}");
}
