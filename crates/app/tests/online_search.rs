//! `search` with `online`: the catalog sources' own search answers beside the cache's, each hit
//! marked cached or not; a catalog that fails or cannot be reached never fails the search. The
//! catalog is an in-process fake Amundsen replaying the connector tests' real search answer
//! (its requests are checked against Amundsen's routes in `crates/connectors/tests/online.rs`).

mod common;

use std::time::Duration;

use axum::extract::Request;
use common::{call, open};
use serde_json::{Value, json};

const SYNCED: &str = "hive://gold.test_schema/test_table1";
const NOT_SYNCED: &str = "hive://gold.test_schema/test_table2";

fn fixture(file: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../connectors/tests/fixtures/amundsen")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Amundsen whose listing (an empty query) has one table, and whose search finds two, after
/// `delay`.
async fn fake_amundsen(delay: Duration) -> String {
    let answer = move |request: Request| async move {
        let path = request.uri().path().to_string();
        let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        axum::Json(match path.as_str() {
            "/v2/search" if body["query_term"] == "" => json!({"msg": "Success",
                "page_index": 0, "results_per_page": 100, "status_code": 200,
                "results": {"table": {"results": [{"key": SYNCED}], "total_results": 1}}}),
            "/v2/search" => {
                tokio::time::sleep(delay).await;
                fixture("search_page1.json")
            }
            path if path.ends_with("/lineage") => {
                json!({"key": SYNCED, "upstream_entities": [], "downstream_entities": []})
            }
            _ => fixture("tables.json")[SYNCED].clone(),
        })
    };
    serve(axum::Router::new().fallback(answer)).await
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

/// A proxy in front of a catalog answering its error page.
async fn html_proxy() -> String {
    let page = || async {
        (
            axum::http::StatusCode::OK,
            [("content-type", "text/html")],
            "<html><body>502 Bad Gateway</body></html>",
        )
    };
    serve(axum::Router::new().fallback(page)).await
}

/// A local address nothing listens on.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

async fn add_amundsen(app: &meshlens_app::App, name: &str, url: &str) {
    call(
        app,
        "add_source",
        json!({"name": name, "kind": "amundsen", "url": url, "search_url": null}),
    )
    .await;
}

fn hit<'a>(results: &'a Value, id: &str) -> &'a Value {
    let hits = results["hits"].as_array().unwrap();
    hits.iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("no hit {id} in {results:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_hits_come_marked_cached_or_not_and_failures_are_notes() {
    let data = tempfile::tempdir().unwrap();
    let app = open(data.path()).await;
    add_amundsen(&app, "amundsen", &fake_amundsen(Duration::ZERO).await).await;
    let synced = call(&app, "sync", json!({})).await;
    assert!(synced["sources"][0]["unreadable"].is_null(), "{synced:#}");

    // Without `online`: the cache's answer, every hit cached, no `online` key.
    let offline = call(&app, "search", json!({"query": "test_table"})).await;
    assert!(offline.get("online").is_none(), "{offline:#}");
    assert!(!offline["hits"].as_array().unwrap().is_empty());
    assert!(
        offline["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["cached"] == true && h.get("upstream").is_none())
    );

    add_amundsen(&app, "down", &closed_port()).await;
    add_amundsen(&app, "proxied", &html_proxy().await).await;
    let online = call(
        &app,
        "search",
        json!({"query": "test_table", "online": true}),
    )
    .await;
    let cached = hit(&online, SYNCED);
    assert_eq!(cached["cached"], true, "{online:#}");
    assert_eq!(cached["upstream"]["source"], "amundsen");
    let live = hit(&online, NOT_SYNCED);
    assert_eq!(live["cached"], false);
    assert_eq!(live["kind"], "contract");
    assert_eq!(live["domain"], "test_schema");
    assert_eq!(live["upstream"]["upstream_id"], NOT_SYNCED);
    assert!(
        live["upstream"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/table_detail/gold/hive/test_schema/test_table2")
    );
    // Each table once, though the cache and the catalog both found the synced one.
    let ids: Vec<&str> = online["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["id"].as_str())
        .collect();
    assert_eq!(ids.iter().filter(|id| **id == SYNCED).count(), 1, "{ids:?}");

    let report = &online["online"];
    assert_eq!(report["offline"], false);
    let status = |name: &str| {
        report["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(status("amundsen")["status"], "ok");
    assert_eq!(status("amundsen")["hits"], 2);
    assert_eq!(status("down")["status"], "unreachable");
    let proxied = status("proxied");
    assert_eq!(proxied["status"], "failed");
    let error = proxied["error"].as_str().unwrap();
    assert!(
        error.contains("'proxied'") && error.contains("v2/search") && error.contains("HTTP 200"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_catalog_answering_in_time_is_offline_with_the_cache_answer() {
    let data = tempfile::tempdir().unwrap();
    let app = open(data.path()).await;
    let slower_than_the_timeout = meshlens_app::ONLINE_TIMEOUT + Duration::from_secs(1);
    add_amundsen(
        &app,
        "amundsen",
        &fake_amundsen(slower_than_the_timeout).await,
    )
    .await;
    call(&app, "sync", json!({})).await;
    add_amundsen(&app, "down", &closed_port()).await;
    let started = std::time::Instant::now();
    let online = call(
        &app,
        "search",
        json!({"query": "test_table", "online": true}),
    )
    .await;
    assert!(
        started.elapsed() < slower_than_the_timeout,
        "bounded by the timeout"
    );
    assert_eq!(online["online"]["offline"], true, "{online:#}");
    let hits = online["hits"].as_array().unwrap();
    assert!(
        !hits.is_empty() && hits.iter().all(|h| h["cached"] == true),
        "{online:#}"
    );
    assert!(
        online["online"]["sources"][0]["error"]
            .as_str()
            .unwrap()
            .contains("no answer within 5 s")
    );
}

/// The benchmark of docs/benchmarks.md ("Online search"): what an online search adds to the cache's
/// answer against a catalog whose search takes a known time. Run with
/// `cargo test --release -p meshlens-app --test online_search -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: prints its figures"]
async fn online_search_adds_the_servers_time_and_little_else() {
    const SERVER_MS: u64 = 100;
    const ROUNDS: usize = 30;
    let data = tempfile::tempdir().unwrap();
    let app = open(data.path()).await;
    let url = fake_amundsen(Duration::from_millis(SERVER_MS)).await;
    add_amundsen(&app, "amundsen", &url).await;
    call(&app, "sync", json!({})).await;
    let timed = |online: bool| {
        let app = &app;
        async move {
            let mut ms = Vec::new();
            for _ in 0..ROUNDS {
                let started = std::time::Instant::now();
                let args = json!({"query": "test_table", "online": online});
                let answer = call(app, "search", args).await;
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
                assert!(!online || answer["online"]["sources"][0]["status"] == "ok");
            }
            ms.sort_by(f64::total_cmp);
            (ms[ROUNDS / 2], ms[ROUNDS * 95 / 100], ms[ROUNDS - 1])
        }
    };
    let cache = timed(false).await;
    let online = timed(true).await;
    let added = |at: f64, base: f64| at - base - SERVER_MS as f64;
    println!(
        "server {SERVER_MS} ms, {ROUNDS} rounds: cache p50 {:.2} ms, p95 {:.2}, max {:.2}; online p50 {:.2} ms, p95 {:.2}, max {:.2}; added beyond the server's time: p50 {:.2} ms, p95 {:.2}, max {:.2}",
        cache.0,
        cache.1,
        cache.2,
        online.0,
        online.1,
        online.2,
        added(online.0, cache.0),
        added(online.1, cache.1),
        added(online.2, cache.2)
    );
    assert!(added(online.0, cache.0) < 20.0);
}
