//! Scoped pulls: OpenMetadata finds a scope's tables with its search API and their neighbours
//! through its lineage API, on a fake that refuses what the published API does not have
//! (`fixtures/openmetadata/api.json`); connectors that cannot be scoped refuse a scope.

mod common;

use common::{
    FakeServer, NOTHING_KNOWN, Seen, bearer, client, context, fixture, never, no_progress, ok,
    status,
};
use meshlens_connectors::{ConnectorError, Known, Pulled, PulledDocument, ServerKind, pull};
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

/// The search's answer of `hits`, each a (table, sort value).
fn search_answer(hits: Vec<(Value, Value)>) -> axum::response::Response {
    let hits: Vec<Value> = hits
        .into_iter()
        .map(|(source, sort)| json!({"_index": "table_search_index", "_source": source, "sort": [sort]}))
        .collect();
    ok(&json!({"hits": {"total": {"value": hits.len(), "relation": "eq"}, "hits": hits}}))
}

/// `dim_address` as the search indexes it: in TestDomain, with its upstream edge from
/// `raw_customer` (`upstreamLineage`, as OpenMetadata 1.6+ indexes it).
fn scoped_document() -> Value {
    let mut source = table(SCOPED, "a");
    source["domains"] =
        json!([{"type": "domain", "name": "TestDomain", "fullyQualifiedName": "TestDomain"}]);
    source["upstreamLineage"] =
        json!([{"fromEntity": node(NEIGHBOUR, "b"), "docUniqueId": "b--->a"}]);
    source
}

/// The search: the tables of TestDomain, none with an edge newer than any sync, and (sorted
/// on `upstreamLineage.updatedAt`) a document whose edges have no time, which Elasticsearch sorts
/// last with the smallest long.
fn search(seen: &Seen) -> axum::response::Response {
    if seen.query.get("sort_field").map(String::as_str) == Some("upstreamLineage.updatedAt") {
        return search_answer(vec![(
            json!({"fullyQualifiedName": SCOPED}),
            json!(i64::MIN),
        )]);
    }
    let filter: Value = serde_json::from_str(&seen.query["query_filter"]).unwrap();
    let terms = &filter["query"]["bool"]["should"][0]["terms"]["domains.fullyQualifiedName"];
    if terms == &json!(["TestDomain"]) && !seen.query.contains_key("search_after") {
        return search_answer(vec![(scoped_document(), json!(SCOPED))]);
    }
    search_answer(Vec::new())
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
        "/api/v1/search/query" => search(seen),
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

/// A pull of the fake limited to `scope`, with nothing cached.
async fn pull_scoped(server: &FakeServer, scope: &CatalogScope) -> Result<Pulled, ConnectorError> {
    pull_again(server, scope, &NOTHING_KNOWN).await
}

/// A pull of the fake limited to `scope` of a cache that holds `known`.
async fn pull_again(
    server: &FakeServer,
    scope: &CatalogScope,
    known: &Known,
) -> Result<Pulled, ConnectorError> {
    let ctx = meshlens_connectors::PullContext {
        scope: Some(scope),
        known,
        ..context(client(server, bearer()), 100, &no_progress, &never)
    };
    pull(ServerKind::OpenMetadata, &ctx).await
}

#[tokio::test]
async fn a_re_sync_takes_the_scoped_tables_lineage_from_their_search_documents() {
    let server = FakeServer::start_checked("openmetadata", scoped_openmetadata).await;
    let scope = test_domain(1);
    let first = pull_scoped(&server, &scope).await.unwrap();
    // The newest change seen: the scoped table's update time (its edge has none).
    let cursor = first.cursor.expect("the search documents hold lineage");
    assert_eq!(Some(cursor), scoped_document()["updatedAt"].as_i64());
    let provenance = first.documents.iter().map(|doc| {
        let origin = &doc.provenance;
        let (version, updated) = (&origin.upstream_version, &origin.upstream_updated_at);
        (doc.path.clone(), version.clone(), updated.clone())
    });
    let known = Known::new(provenance).with_cursor(Some(cursor));
    let asked_before = server.requests().len();

    let again = pull_again(&server, &scope, &known).await.unwrap();
    assert_eq!(again.lineage_events, first.lineage_events);
    assert_eq!(again.kept.len(), 3, "both tables and the product unchanged");
    let requests = server.requests().split_off(asked_before);
    let lineage: Vec<&str> = requests
        .iter()
        .filter_map(|r| r.path.strip_prefix("/api/v1/lineage/table/name/"))
        .collect();
    // The scoped table's edges come with its search document; the table the cache holds
    // outside the scope (last sync's neighbour) is asked whether it is still one.
    assert_eq!(lineage, [NEIGHBOUR]);
    let since = requests
        .iter()
        .filter_map(|r| r.query.get("query_filter"))
        .map(|filter| serde_json::from_str::<Value>(filter).unwrap())
        .find_map(|filter| {
            filter
                .pointer("/query/range/upstreamLineage.updatedAt/gte")
                .cloned()
        });
    assert_eq!(
        since,
        Some(json!(cursor - 10 * 60 * 1000)),
        "ten minutes of overlap"
    );
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
        .find(|r| r.path == "/api/v1/search/query" && r.query.contains_key("query_filter"))
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
