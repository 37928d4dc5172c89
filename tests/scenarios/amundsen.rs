//! An Amundsen source through the real CLI: `source add --kind amundsen` with a search service
//! of its own, a sync that reads the tables and their lineage from fake services replaying the
//! connector's fixtures (crates/connectors/tests/fixtures/amundsen), and a failing sync that
//! keeps the last good data.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::Value;

fn fixture(file: &str) -> Value {
    let path = repo_root()
        .join("crates/connectors/tests/fixtures/amundsen")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The metadata service: each table and its lineage at the paths the connector asks for, unless
/// `down` says the service is failing.
fn metadata_service(down: Arc<Mutex<bool>>) -> String {
    let mut answers: HashMap<String, String> = HashMap::new();
    for (file, suffix) in [("tables.json", ""), ("lineage.json", "/lineage")] {
        for (key, body) in fixture(file).as_object().unwrap() {
            answers.insert(format!("/table/{key}{suffix}"), body.to_string());
        }
    }
    serve(move |method, path, _| match answers.get(path) {
        _ if *down.lock().unwrap() => (503, r#"{"message": "down"}"#.into()),
        Some(body) if method == "GET" => (200, body.clone()),
        _ => (404, r#"{"message": "not here"}"#.into()),
    })
}

/// The search service: the hits of both fixture pages, paged as the request asks.
fn search_service() -> String {
    let hits: Vec<Value> = ["search_page1.json", "search_page2.json"]
        .iter()
        .flat_map(|page| {
            fixture(page)["results"]["table"]["results"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect();
    serve(move |method, path, body| {
        let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let (Some(page), Some(per_page)) = (
            request["page_index"].as_u64(),
            request["results_per_page"].as_u64(),
        ) else {
            return (400, r#"{"message": "bad request"}"#.into());
        };
        if method != "POST" || path != "/v2/search" || request["query_term"] != "" {
            return (404, r#"{"message": "not here"}"#.into());
        }
        let on_page: Vec<&Value> = hits
            .iter()
            .skip((page * per_page) as usize)
            .take(per_page as usize)
            .collect();
        let answer = serde_json::json!({"msg": "Success", "page_index": page, "results_per_page": per_page,
            "results": {"table": {"results": on_page, "total_results": hits.len()}}, "status_code": 200});
        (200, answer.to_string())
    })
}

const TABLE1: &str = "hive://gold.test_schema/test_table1";

#[test]
fn an_amundsen_source_syncs_tables_and_lineage_and_keeps_them_when_the_server_fails() {
    let m = Meshlens::new();
    let down = Arc::new(Mutex::new(false));
    let (metadata, search) = (metadata_service(down.clone()), search_service());
    let added = m.json(&[
        "source",
        "add",
        "amundsen",
        "--kind",
        "amundsen",
        "--url",
        &metadata,
        "--search-url",
        &search,
    ]);
    assert_eq!(added["config"]["kind"], "amundsen");
    assert_eq!(added["config"]["search_url"], search.as_str());
    assert!(
        m.ok(&["source", "list"])
            .contains(&format!("amundsen {metadata} (search {search})"))
    );

    let report = m.json(&["sync", "amundsen"]);
    assert_eq!(report["sources"][0]["added"], 3, "{report}");
    assert_eq!(report["sources"][0]["lineage"]["imported"], 2, "{report}");
    let hits = m.json(&["search", "test_table1"]);
    assert!(
        hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|hit| hit["id"] == TABLE1),
        "{hits}"
    );
    let lineage_of =
        |m: &Meshlens| m.json(&["lineage", &format!("amundsen:{TABLE1}"), "--upstream", "1"]);
    let graph = lineage_of(&m);
    let ids: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().any(|id| id.contains("up_table_1")),
        "the upstream table: {graph}"
    );
    assert!(
        ids.iter().any(|id| id.contains("test_table2")),
        "the downstream table: {graph}"
    );

    // The metadata service fails: the sync exits 1 naming the source, and the cache keeps the
    // tables and lineage of the last good sync.
    *down.lock().unwrap() = true;
    let out = m.run(&["sync", "amundsen", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let failed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = failed["sources"][0]["unreadable"]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("source 'amundsen'") && message.contains("HTTP 503"),
        "{message}"
    );
    let hits = m.json(&["search", "test_table1"]);
    assert!(hits["total"].as_u64().unwrap() >= 1, "{hits}");
    assert_eq!(lineage_of(&m)["nodes"], graph["nodes"]);
}
