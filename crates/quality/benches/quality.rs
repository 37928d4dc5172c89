//! Quality benchmark on a generated 10k-product mesh (meshlens-demo generator, file-backed store):
//! import 1M Soda check outcomes (100 daily scans of 10k checks over 5k contract datasets), then
//! scorecards of every product and domain, then the built-in policy check of the whole mesh, then
//! the retention pass that follows every import and sync.
//!
//! `cargo bench -p meshlens-quality` (release). `MESHLENS_BENCH_PRODUCTS` and
//! `MESHLENS_BENCH_RESULTS` scale the mesh and the number of outcomes; `MESHLENS_BENCH_DB` keeps the cache.

use std::time::Instant;

use meshlens_demo::{GenerateOptions, generate};
use meshlens_quality::{
    Retention, apply_retention, check_policies, default_policies, domain_scorecards_at,
    import_bytes, scorecards_at,
};
use meshlens_store::{FileStat, SourceConfig, SourceKind, Store, SyncStatus};
use serde_json::json;

const DAYS: usize = 100;
const DAY_MS: i64 = 86_400_000;
/// 2026-01-01T00:00:00Z
const START_MS: i64 = 1_767_225_600_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn load_mesh(store: &Store, root: &std::path::Path) -> usize {
    let config = SourceConfig {
        name: "bench".into(),
        kind: SourceKind::Folder {
            path: root.to_path_buf(),
        },
        scope: None,
    };
    store.add_source(&config).await.unwrap();
    let mut tx = store.begin_sync("bench").await.unwrap();
    let mut docs = 0;
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let path = entry.unwrap().into_path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(doc) = meshlens_model::parse_document(&rel, &bytes) else {
            continue;
        };
        tx.upsert(
            &rel,
            FileStat {
                size: bytes.len() as u64,
                mtime: 0,
            },
            &doc,
        )
        .await
        .unwrap();
        docs += 1;
    }
    tx.commit(SyncStatus::Ok, None).await.unwrap();
    docs
}

/// One Soda scan result per day; check `i` of a day tests dataset `i / 2` (two checks each).
fn scans(datasets: &[(String, String)], per_day: usize) -> Vec<Vec<u8>> {
    (0..DAYS)
        .map(|day| {
            let stamp = date_2026(day);
            let checks: Vec<_> = (0..per_day)
                .map(|i| {
                    let (server, table) = &datasets[(i / 2) % datasets.len()];
                    let outcome = if (i * 31 + day * 17) % 100 < 3 { "fail" } else { "pass" };
                    json!({"name": if i % 2 == 0 { "row_count > 0" } else { "missing_count(id) = 0" },
                           "table": table, "column": if i % 2 == 0 { None } else { Some("id") },
                           "dataSource": server, "outcome": outcome,
                           "metrics": [], "diagnostics": {"value": i % 7}})
                })
                .collect();
            serde_json::to_vec(&json!({"definitionName": "bench", "defaultDataSource": datasets[0].0,
                "dataTimestamp": stamp, "scanStartTimestamp": stamp, "hasFailures": true, "checks": checks}))
            .unwrap()
        })
        .collect()
}

/// Day `day` (0-based, < 365) of 2026 as a scan time.
fn date_2026(day: usize) -> String {
    const MONTHS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut month, mut rest) = (0, day);
    while rest >= MONTHS[month] {
        rest -= MONTHS[month];
        month += 1;
    }
    format!("2026-{:02}-{:02}T03:00:00+00:00", month + 1, rest + 1)
}

fn main() {
    let products = env("MESHLENS_BENCH_PRODUCTS", 10_000);
    let results = env("MESHLENS_BENCH_RESULTS", 1_000_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mesh = dir.path().join("mesh");
        let started = Instant::now();
        let summary = generate(&GenerateOptions { out: mesh.clone(), products, seed: 7 }).unwrap();
        // MESHLENS_BENCH_DB keeps the cache for inspection (must not exist yet).
        let db = std::env::var_os("MESHLENS_BENCH_DB").map_or_else(|| dir.path().join("cache.db"), Into::into);
        let store = Store::open(&db).await.unwrap();
        let docs = load_mesh(&store, &mesh).await;
        println!(
            "setup: {} products, {} contracts, {} datasets, {} columns ({docs} documents) in {:.1} s",
            summary.products, summary.contracts, summary.datasets, summary.columns, started.elapsed().as_secs_f64()
        );

        let datasets: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT json_extract(d.canonical, '$.servers[0].server'), COALESCE(ds.physical_name, ds.name)
             FROM datasets ds JOIN documents d ON d.id = ds.document_id
             WHERE json_extract(d.canonical, '$.servers[0].server') IS NOT NULL LIMIT 5000",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let files = scans(&datasets, results / DAYS);
        let started = Instant::now();
        let mut imported = 0;
        for (day, bytes) in files.iter().enumerate() {
            let report = import_bytes(&store, Some("bench"), &format!("soda/{day}.json"), bytes).await.unwrap();
            assert!(report.rejected.is_empty(), "{:?}", &report.rejected[..1]);
            imported += report.imported;
        }
        let import = started.elapsed();
        println!(
            "import: {imported} outcomes from {DAYS} Soda scans in {:.2} s ({:.0}/s; target < 60 s for 1M)",
            import.as_secs_f64(),
            imported as f64 / import.as_secs_f64()
        );

        let now = START_MS + DAYS as i64 * DAY_MS;
        let started = Instant::now();
        let cards = scorecards_at(&store, None, now).await.unwrap();
        println!("scorecards (first call, links rebuilt after the sync): {} products in {:.0} ms", cards.len(), started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let cards = scorecards_at(&store, None, now).await.unwrap();
        let linked = cards.iter().filter(|c| c.pass_rate.is_some()).count();
        println!(
            "scorecards: {} products ({linked} with results) in {:.0} ms (target < 200 ms)",
            cards.len(),
            started.elapsed().as_secs_f64() * 1e3
        );
        let started = Instant::now();
        let domains = domain_scorecards_at(&store, now).await.unwrap();
        println!("domain scorecards: {} domains in {:.0} ms", domains.len(), started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let breaches = meshlens_quality::sla_breaches_at(&store, None, now).await.unwrap();
        println!("sla breaches: {} in {:.0} ms", breaches.len(), started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        let (violations, errors) = check_policies(&store, &default_policies(), None).await.unwrap();
        assert!(errors.is_empty());
        println!(
            "policy check: {} violations over {} products in {:.0} ms (target < 1 s)",
            violations.len(),
            cards.len(),
            started.elapsed().as_secs_f64() * 1e3
        );

        // What every import and sync runs afterwards: nothing to drop, then a cap that drops 10%.
        let keep_all = Retention { max_age_days: Some(180), max_results_per_check: Some(1000) };
        let started = Instant::now();
        let removed = apply_retention(&store, keep_all, now).await.unwrap();
        println!("retention, nothing to drop: {removed} removed in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
        let cap = Retention { max_age_days: Some(180), max_results_per_check: Some(DAYS as u32 * 9 / 10) };
        let started = Instant::now();
        let removed = apply_retention(&store, cap, now).await.unwrap();
        println!("retention, cap of {} per check: {removed} removed in {:.2} s", DAYS * 9 / 10, started.elapsed().as_secs_f64());
    });
}
