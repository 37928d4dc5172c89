//! `meshlens bench ...`: benchmarks on generated meshes, run on a fresh data directory.
//! Figures go to docs/benchmarks.md; timings are wall-clock on the machine that runs them.

pub mod draft_check;
pub mod history;
pub mod mesh;
pub mod validate;

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::{App, AppConfig, AppError, ErrorCode, NoEvents, SourceConfig, SourceKind, SyncArgs};

#[derive(Debug, Clone, Serialize)]
pub struct SyncBenchReport {
    pub products: usize,
    pub files: usize,
    pub generate_ms: u64,
    pub full_sync_ms: u64,
    pub resync_unchanged_ms: u64,
    pub cached_products: u64,
    pub cached_datasets: u64,
    /// Peak resident set size of this process (VmHWM), in MiB.
    pub peak_rss_mib: f64,
}

/// Generates a mesh of `products` products under `workdir`, then measures a full sync and a re-sync
/// with nothing changed, on a fresh data directory under `workdir`.
pub async fn bench_sync(
    workdir: &Path,
    products: usize,
    seed: u64,
) -> Result<SyncBenchReport, AppError> {
    let (mesh, generate_ms) = generated_mesh(workdir, products, seed)?;
    let app = app_on_mesh(workdir, &mesh).await?;
    let (full, full_sync_ms) = timed_sync(&app).await?;
    let started = Instant::now();
    app.sync(SyncArgs::default(), &NoEvents).await?;
    let resync_unchanged_ms = started.elapsed().as_millis() as u64;
    let stats = app.store().stats().await?;
    let report = &full.sources[0];
    let files = report.report.applied.added + report.report.errors.len();
    Ok(SyncBenchReport {
        products,
        files,
        generate_ms,
        full_sync_ms,
        resync_unchanged_ms,
        cached_products: stats.products as u64,
        cached_datasets: stats.datasets as u64,
        peak_rss_mib: peak_rss_mib(),
    })
}

fn io_error(dir: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |err| {
        AppError::new(
            ErrorCode::Io,
            format!("cannot prepare {}: {err}", dir.display()),
        )
    }
}

/// The mesh of `products` products under `workdir/mesh` and the time it took to generate (0 when an earlier
/// run left the same one).
pub(crate) fn generated_mesh(
    workdir: &Path,
    products: usize,
    seed: u64,
) -> Result<(std::path::PathBuf, u64), AppError> {
    let mesh = workdir.join("mesh");
    let io = io_error(workdir);
    let started = Instant::now();
    // Generating 10k products takes a while: reuse a mesh an earlier run made with the same parameters.
    let marker = mesh.join(".meshlens-generated");
    let wanted = format!("{products} {seed}");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(wanted.as_str()) {
        if mesh.exists() {
            std::fs::remove_dir_all(&mesh).map_err(&io)?;
        }
        let options = crate::demo::GenerateOptions {
            out: mesh.clone(),
            products,
            seed,
        };
        crate::demo::generate(&options)
            .map_err(|err| AppError::new(ErrorCode::Io, err.to_string()))?;
        std::fs::write(&marker, wanted).map_err(&io)?;
    }
    Ok((mesh, started.elapsed().as_millis() as u64))
}

/// Syncs every source and says how long it took, in milliseconds.
pub(crate) async fn timed_sync(app: &App) -> Result<(crate::SyncReport, u64), AppError> {
    let started = Instant::now();
    let report = app.sync(SyncArgs::default(), &NoEvents).await?;
    Ok((report, started.elapsed().as_millis() as u64))
}

/// An app on a fresh data directory `workdir/data` with `mesh` as its folder source `bench` (not synced).
pub(crate) async fn app_on_mesh(workdir: &Path, mesh: &Path) -> Result<App, AppError> {
    let data_dir = workdir.join("data");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir).map_err(io_error(workdir))?;
    }
    let app = App::open(AppConfig { data_dir }).await?;
    app.store()
        .add_source(&SourceConfig {
            name: "bench".into(),
            kind: SourceKind::Folder {
                path: mesh.to_path_buf(),
            },
            scope: None,
        })
        .await?;
    Ok(app)
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`); 0 where unavailable.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                let kib = line
                    .strip_prefix("VmHWM:")?
                    .trim()
                    .trim_end_matches("kB")
                    .trim();
                kib.parse::<f64>().ok()
            })
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// What the search box asks per keystroke: as many hits as the home screen shows.
const TYPING_PAGE: u32 = 50;
/// Words typed when none are given: the mix `tests/e2e/bench.mjs` types in the app.
pub const DEFAULT_TYPED: [&str; 5] = ["customer", "revenue", "ordrs", "shipmnt", "consent mart"];

#[derive(Debug, Clone, Serialize)]
pub struct TypingBenchReport {
    pub documents: u64,
    pub keystrokes: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Every keystroke: the text in the box then, its time and its total.
    pub samples: Vec<TypingSample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypingSample {
    pub query: String,
    pub ms: f64,
    pub total: u64,
}

/// Types each of `words` one character at a time into the search of an already synced cache,
/// as the home screen's search box does (one search per keystroke, a page of hits, all facets),
/// `rounds` times, and reports the latency of the backend's answer per keystroke.
pub async fn bench_typing(
    app: &App,
    words: &[String],
    rounds: usize,
) -> Result<TypingBenchReport, AppError> {
    let mut samples = Vec::new();
    for _ in 0..rounds.max(1) {
        for word in words {
            let chars: Vec<(usize, char)> = word.char_indices().collect();
            for (at, c) in chars {
                let query = word[..at + c.len_utf8()].to_string();
                let args = crate::SearchArgs {
                    query: query.clone(),
                    limit: Some(TYPING_PAGE),
                    ..crate::SearchArgs::default()
                };
                let started = Instant::now();
                let results = app.search(args, &NoEvents).await?;
                samples.push(TypingSample {
                    query,
                    ms: started.elapsed().as_secs_f64() * 1000.0,
                    total: results.total,
                });
            }
        }
    }
    let mut sorted: Vec<f64> = samples.iter().map(|s| s.ms).collect();
    sorted.sort_by(f64::total_cmp);
    let pct = |p: f64| percentile(&sorted, p);
    Ok(TypingBenchReport {
        documents: app.search_documents().await,
        keystrokes: samples.len(),
        p50_ms: pct(0.5),
        p95_ms: pct(0.95),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        samples,
    })
}

/// The `p` quantile (0 to 1) of `sorted` samples, by nearest rank; `sorted` must not be empty.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Latency of one kind of call, over every sample.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub calls: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    fn of(mut samples: Vec<f64>) -> Latency {
        samples.sort_by(f64::total_cmp);
        let pct = |p: f64| percentile(&samples, p);
        Latency {
            calls: samples.len(),
            p50_ms: pct(0.5),
            p99_ms: pct(0.99),
            max_ms: pct(1.0),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessBenchReport {
    pub products: usize,
    pub agreements: usize,
    /// `access list --product ID`, for products picked across the mesh.
    pub access_list_product: Latency,
    /// `access list --mine` (this machine's requests: the My access screen's default).
    pub access_list_mine: Latency,
    /// Storing every product's lineage consumers, as a sync (or import, or source removal) does after
    /// it changed the lineage: builds the lineage graph.
    pub store_consumers_ms: f64,
    /// `consumers ID`: input ports, lineage and agreements.
    pub consumers: Latency,
    pub peak_rss_mib: f64,
}

/// Stores `agreements` approved agreements spread over the output ports of an already synced cache
/// (as a sync of `access/` files does, under its first source) and the lineage consumers (as a sync
/// does after changing the lineage), then times `access list` and `consumers` on `samples` products
/// picked evenly across the mesh.
pub async fn bench_access(
    app: &App,
    agreements: usize,
    samples: usize,
) -> Result<AccessBenchReport, AppError> {
    let ports = app.store().output_ports().await?;
    let source = app.store().list_sources().await?.into_iter().next();
    let (Some(source), false) = (source, ports.is_empty()) else {
        return Err(AppError::new(
            ErrorCode::InvalidArgs,
            "the cache has no products: sync a mesh first (`meshlens bench sync --dir DIR` leaves one in DIR/data)",
        ));
    };
    store_agreements(app, &source.config.name, &ports, agreements).await?;
    let started = Instant::now();
    meshlens_lineage::refresh_consumers(app.store()).await?;
    let store_consumers_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut products: Vec<&str> = ports.iter().map(|(p, _)| p.as_str()).collect();
    products.dedup();
    let step = (products.len() / samples.max(1)).max(1);
    let picked: Vec<&str> = products
        .iter()
        .step_by(step)
        .take(samples)
        .copied()
        .collect();
    let mut by_product = Vec::new();
    let mut consumers = Vec::new();
    let mut mine = Vec::new();
    for id in &picked {
        let args = crate::AccessListArgs {
            mine: false,
            product: Some((*id).to_owned()),
        };
        by_product.push(timed_ms(app.access_list(args, &NoEvents)).await?);
        let args = crate::GetProductArgs {
            id: (*id).to_owned(),
        };
        consumers.push(timed_ms(app.consumers(args, &NoEvents)).await?);
        let args = crate::AccessListArgs {
            mine: true,
            product: None,
        };
        mine.push(timed_ms(app.access_list(args, &NoEvents)).await?);
    }
    Ok(AccessBenchReport {
        products: products.len(),
        agreements,
        access_list_product: Latency::of(by_product),
        access_list_mine: Latency::of(mine),
        store_consumers_ms,
        consumers: Latency::of(consumers),
        peak_rss_mib: peak_rss_mib(),
    })
}

async fn timed_ms<T>(
    call: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<f64, AppError> {
    let started = Instant::now();
    call.await?;
    Ok(started.elapsed().as_secs_f64() * 1000.0)
}

/// `count` approved agreements, round-robin over `ports`, each from another consuming team, stored as
/// files of `source` would be.
async fn store_agreements(
    app: &App,
    source: &str,
    ports: &[(String, String)],
    count: usize,
) -> Result<(), AppError> {
    for n in 0..count {
        let (product, port) = &ports[n % ports.len()];
        let agreement = meshlens_model::Agreement {
            id: format!("bench-{n:06}"),
            product: product.clone(),
            port: port.clone(),
            contract: None,
            provider_team: "provider".into(),
            consumer_team: Some(format!("team-{}", n % 997)),
            consumer_product: None,
            consumer_user: None,
            purpose: "benchmark".into(),
            declared_status: "approved".into(),
            active: Some(true),
            start_date: "2026-01-01".into(),
            end_date: None,
            columns: Vec::new(),
            requested_at: None,
        };
        let path = format!("access/bench-{n:06}.yaml");
        app.store()
            .upsert_agreement(source, &path, &agreement)
            .await?;
    }
    Ok(())
}
