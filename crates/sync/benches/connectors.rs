//! `cargo bench -p meshlens-sync --bench connectors`: syncs N entities (default 100 000) from a
//! fake catalog server that answers every request after 50 ms, through the real connector, HTTP
//! client and sync engine into a store file. Prints wall time and peak RSS (figures in
//! docs/benchmarks.md). The fake is Marquez by default: its entities are the documented Marquez
//! dataset response with unique names. With `MESHLENS_BENCH_KIND=amundsen` it is Amundsen: the
//! search service lists N tables, each the fixture table with a unique key, fed by the one before.
//!
//! `MESHLENS_BENCH_ENTITIES` changes N; `MESHLENS_BENCH_LATENCY_MS` the latency;
//! `MESHLENS_BENCH_COLUMN_LINEAGE=1` keeps the fixture's `columnLineage` on every dataset (by
//! default the datasets are the documented response, which has none).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use meshlens_store::{SourceConfig, SourceKind, Store};
use meshlens_sync::{SyncContext, sync_source};
use serde_json::{Value, json};

/// The CLI and the desktop app both run on mimalloc; peak memory is measured with it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TEMPLATE: &str = include_str!("../../connectors/tests/fixtures/marquez/datasets.json");
const AMUNDSEN_TABLES: &str = include_str!("../../connectors/tests/fixtures/amundsen/tables.json");

struct Fake {
    entities: usize,
    latency: Duration,
    template: Value,
    /// Amundsen's table detail answer, given each table's key and name.
    table: Value,
    requests: AtomicU64,
}

fn table_key(index: usize) -> String {
    format!("hive://gold.bench/table_{index:06}")
}

/// One page of Amundsen's `/v2/search` over the N tables.
fn amundsen_search(fake: &Fake, request: &Value) -> Value {
    let page = request["page_index"].as_u64().unwrap_or(0) as usize;
    let per_page = request["results_per_page"].as_u64().unwrap_or(10) as usize;
    let hits: Vec<Value> = (page * per_page..((page + 1) * per_page).min(fake.entities))
        .map(|i| json!({"key": table_key(i), "resource_type": "table"}))
        .collect();
    json!({"msg": "Success", "page_index": page, "results_per_page": per_page,
        "results": {"table": {"results": hits, "total_results": fake.entities}}, "status_code": 200})
}

/// Amundsen's answer for `/table/<key>` or `/table/<key>/lineage`: table i reads table i - 1.
fn amundsen_table(fake: &Fake, path: &str) -> Option<Value> {
    let (key_path, lineage) = match path.strip_suffix("/lineage") {
        Some(key_path) => (key_path, true),
        None => (path, false),
    };
    let index: usize = key_path.rsplit("table_").next()?.parse().ok()?;
    let key = table_key(index);
    if lineage {
        let upstream: Vec<Value> = index
            .checked_sub(1)
            .map(|up| json!({"key": table_key(up), "level": 1, "source": "hive", "parent": key}))
            .into_iter()
            .collect();
        return Some(json!({"key": key, "direction": "both", "depth": 1,
            "upstream_entities": upstream, "downstream_entities": []}));
    }
    let mut table = fake.table.clone();
    table["key"] = json!(key);
    table["name"] = json!(format!("table_{index:06}"));
    table["schema"] = json!("bench");
    Some(table)
}

async fn answer(
    State(fake): State<Arc<Fake>>,
    uri: Uri,
    Query(query): Query<std::collections::HashMap<String, String>>,
    body: String,
) -> Response {
    fake.requests.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(fake.latency).await;
    let number = |key: &str, default: usize| {
        query
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let body = match uri.path() {
        "/api/v1/namespaces" => {
            json!({"namespaces": [{"name": "food_delivery", "ownerName": "owner@food.com"}]})
        }
        "/api/v1/namespaces/food_delivery/datasets" => {
            let (limit, offset) = (number("limit", 100), number("offset", 0));
            let datasets: Vec<Value> = (offset..(offset + limit).min(fake.entities))
                .map(|i| {
                    let mut dataset = fake.template.clone();
                    let name = format!("public.table_{i:06}");
                    dataset["name"] = json!(name);
                    dataset["physicalName"] = json!(name);
                    dataset["id"]["name"] = json!(name);
                    dataset
                })
                .collect();
            json!({"totalCount": fake.entities, "datasets": datasets})
        }
        "/api/v1/namespaces/food_delivery/jobs" => json!({"totalCount": 0, "jobs": []}),
        "/v2/search" => amundsen_search(&fake, &serde_json::from_str(&body).unwrap_or_default()),
        path => match amundsen_table(&fake, path) {
            Some(body) => body,
            None => return axum::http::StatusCode::NOT_FOUND.into_response(),
        },
    };
    ([("content-type", "application/json")], body.to_string()).into_response()
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn main() {
    let entities: usize = std::env::var("MESHLENS_BENCH_ENTITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let latency_ms: u64 = std::env::var("MESHLENS_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let template: Value = serde_json::from_str(TEMPLATE).unwrap();
        let mut dataset = template["datasets"][0].clone();
        if std::env::var("MESHLENS_BENCH_COLUMN_LINEAGE").as_deref() != Ok("1") {
            dataset.as_object_mut().unwrap().remove("columnLineage");
        }
        let tables: Value = serde_json::from_str(AMUNDSEN_TABLES).unwrap();
        let fake = Arc::new(Fake {
            entities,
            latency: Duration::from_millis(latency_ms),
            template: dataset,
            table: tables["hive://gold.test_schema/test_table1"].clone(),
            requests: AtomicU64::new(0),
        });
        let app = axum::Router::new().fallback(answer).with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache.db")).await.unwrap();
        let kind = match std::env::var("MESHLENS_BENCH_KIND").as_deref() {
            Ok("amundsen") => SourceKind::Amundsen {
                url,
                search_url: None,
            },
            _ => SourceKind::Marquez { url },
        };
        let source = SourceConfig {
            name: format!("bench-{}", kind.as_str()),
            kind, scope: None, };
        store.add_source(&source).await.unwrap();
        let ctx = SyncContext {
            data_dir: dir.path().to_path_buf(),
            ..SyncContext::default()
        };

        let started = Instant::now();
        let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
        let full = started.elapsed();
        assert_eq!(report.applied.added, entities, "{:?}", report.errors.first());
        let full_requests = fake.requests.swap(0, Ordering::Relaxed);
        let full_peak = peak_rss_mib();

        let started = Instant::now();
        let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
        let again = started.elapsed();
        assert_eq!(report.applied.unchanged, entities);

        println!(
            "connectors bench ({}): {entities} entities, {latency_ms} ms latency per request, {full_requests} requests per sync, concurrency 8",
            source.kind.as_str()
        );
        println!("full sync:            {:.1} s (peak RSS so far {full_peak:.0} MiB)", full.as_secs_f64());
        println!("unchanged re-sync:    {:.1} s", again.as_secs_f64());
        println!("peak RSS:             {:.0} MiB", peak_rss_mib());
    });
}
