//! `cargo bench -p meshlens-sync --bench scoped`: a scoped sync of a synthetic OpenMetadata catalog
//! of N tables (default 1,000,000) in 100 domains, limited to 2 domains (N / 50 tables) and the
//! tables 1 hop of lineage away, through the real connector, HTTP client and sync engine into a
//! store file; then a re-sync after one table in a hundred changed upstream. The catalog
//! (`tests/support/om_catalog.rs`) answers from arithmetic, so its size costs no memory; the
//! peak RSS printed is the whole process's (catalog server included). Figures in docs/benchmarks.md.
//!
//! `MESHLENS_BENCH_ENTITIES` changes N; `MESHLENS_BENCH_LATENCY_MS` waits that long before each
//! answer (default 0); `MESHLENS_BENCH_NEIGHBOURS` the hops of lineage (default 1).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use meshlens_model::CatalogScope;
use meshlens_store::{SourceConfig, SourceKind, Store};
use meshlens_sync::{SyncContext, sync_source};
use om_catalog::Catalog;

#[path = "../tests/support/om_catalog.rs"]
mod om_catalog;

/// The CLI and the desktop app both run on mimalloc; peak memory is measured with it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DOMAINS: usize = 100;
const SCOPED: [usize; 2] = [17, 42];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok());
    kb.unwrap_or(0.0) / 1024.0
}

async fn serve(catalog: Arc<Catalog>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = om_catalog::router(catalog);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn main() {
    let tables = env_number("MESHLENS_BENCH_ENTITIES", 1_000_000) as usize;
    let latency = Duration::from_millis(env_number("MESHLENS_BENCH_LATENCY_MS", 0));
    let neighbours = env_number("MESHLENS_BENCH_NEIGHBOURS", 1) as u32;
    // SAFETY: set before the runtime starts a thread.
    unsafe { std::env::set_var("MESHLENS_TOKEN_BENCH_SCOPED", "bench-jwt") };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let catalog = Arc::new(Catalog::new(tables, DOMAINS, latency));
        let url = serve(catalog.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("cache.db")).await.unwrap();
        let mut source = SourceConfig::new("bench-scoped", SourceKind::OpenMetadata { url });
        source.scope = Some(CatalogScope {
            domains: SCOPED.iter().map(|&d| Catalog::domain_name(d)).collect(),
            neighbours,
            ..CatalogScope::default()
        });
        store.add_source(&source).await.unwrap();
        let ctx = SyncContext {
            data_dir: dir.path().to_path_buf(),
            ..SyncContext::default()
        };
        let in_scope = catalog.in_scope(&SCOPED, neighbours);
        let expected = in_scope.len() + SCOPED.len();

        let started = Instant::now();
        let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
        let full = started.elapsed();
        assert_eq!(report.applied.added, expected, "{:?}", report.errors.first());
        let full_requests = catalog.requests.swap(0, Ordering::Relaxed);
        let full_peak = peak_rss_mib();

        catalog.changed.store(true, Ordering::Relaxed);
        let started = Instant::now();
        let report = sync_source(&store, &source, &ctx, &|_| {}).await.unwrap();
        let again = started.elapsed();
        let changed = in_scope.iter().filter(|&&t| (t / DOMAINS) % 100 == 7).count();
        assert_eq!(report.applied.updated, changed, "{report:?}");
        let again_requests = catalog.requests.load(Ordering::Relaxed);

        println!(
            "scoped bench (openmetadata): {tables} tables in {DOMAINS} domains, scope 2 domains + {neighbours} hop(s) = {} tables + {} products, {} ms latency per request, concurrency 8",
            in_scope.len(),
            SCOPED.len(),
            latency.as_millis()
        );
        println!(
            "scoped sync:             {:.1} s, {full_requests} requests (peak RSS so far {full_peak:.0} MiB)",
            full.as_secs_f64()
        );
        println!(
            "re-sync, {changed} changed:   {:.1} s, {again_requests} requests",
            again.as_secs_f64()
        );
        println!("peak RSS:                {:.0} MiB", peak_rss_mib());
    });
}
