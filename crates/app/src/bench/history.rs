//! `meshlens bench history`: what recording history costs a sync of the generated mesh with 1% of its files
//! changed, how fast `changes --since last` and a 500-column `diff` answer, and how much disk the history
//! takes (issue #22).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::{Latency, app_on_mesh, generated_mesh, io_error, peak_rss_mib, timed_ms, timed_sync};
use crate::{App, AppError, ChangesArgs, DiffArgs, NoEvents, SourceConfig, SourceKind, SyncArgs};

#[derive(Debug, Clone, Serialize)]
pub struct HistoryBenchReport {
    pub products: usize,
    pub full_sync_ms: u64,
    /// Of which recording the first version of every entity and summarising it.
    pub full_sync_history_ms: u64,
    /// Descriptor files changed (one in a hundred) before the incremental sync.
    pub changed_files: usize,
    pub incremental_sync_ms: u64,
    /// Of which recording history.
    pub incremental_history_ms: u64,
    /// What recording adds to the incremental sync: history / (sync - history), in percent.
    pub incremental_history_added_pct: f64,
    /// Entities in the feed after the incremental sync.
    pub changes_entries: usize,
    pub changes_since_last: Latency,
    pub diff_500_columns: Latency,
    /// Kept versions after both syncs, and their compressed bodies.
    pub versions: u64,
    pub version_body_bytes: u64,
    /// The history tables and indexes on disk (SQLite's dbstat), after both syncs.
    pub history_disk_mib: f64,
    /// Measured: a product keyframe's body, a product delta's body (a version against the one before), and
    /// what a version costs on disk besides its body (its row and index entries).
    pub product_keyframe_bytes: f64,
    pub product_delta_bytes: f64,
    pub row_overhead_bytes: f64,
    /// What an entity costs once, besides its versions (its interned id and that index entry).
    pub entity_bytes: f64,
    /// From those: 50 versions of every product (7 keyframes and 43 deltas each, with their rows, and the
    /// product's entity).
    pub fifty_product_versions_mib: f64,
    /// Measured instead of modelled: what 50 versions of each of `fifty_sample` products (another purpose each
    /// time) added to the history on disk, per product, and that for `products` products.
    pub fifty_sample: usize,
    pub fifty_versions_bytes_per_product: f64,
    pub fifty_versions_measured_mib: f64,
    pub peak_rss_mib: f64,
}

/// Syncs the generated mesh, changes one descriptor file in a hundred, syncs again and times the change feed
/// and a diff of two versions of a 500-column contract, `samples` times each. The mesh's files are put back
/// afterwards (the mesh is reused by the other benchmarks).
pub async fn bench_history(
    workdir: &Path,
    products: usize,
    seed: u64,
    samples: usize,
) -> Result<HistoryBenchReport, AppError> {
    let (mesh, _) = generated_mesh(workdir, products, seed)?;
    let app = app_on_mesh(workdir, &mesh).await?;
    let (full, full_sync_ms) = timed_sync(&app).await?;
    mark_read(&app).await?;
    let originals = revise_one_in_a_hundred(&mesh)?;
    let started = Instant::now();
    let incremental = app.sync(SyncArgs::default(), &NoEvents).await;
    let incremental_sync_ms = started.elapsed().as_millis() as u64;
    restore(&originals, workdir)?;
    let incremental = incremental?;
    let mut feed = Vec::new();
    let mut changes_entries = 0;
    for _ in 0..samples.max(1) {
        let started = Instant::now();
        changes_entries = app
            .changes(ChangesArgs::default(), &NoEvents)
            .await?
            .changes
            .len();
        feed.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let diff_500_columns = bench_wide_diff(&app, workdir, samples).await?;
    let footprint = app.store().history_footprint().await?;
    let (fifty_sample, fifty_per_product) = measure_fifty_versions(&app, workdir, &mesh).await?;
    let history = incremental.history_ms;
    let average = |(n, bytes): (u64, u64)| bytes as f64 / n.max(1) as f64;
    let (keyframe, delta) = (
        average(footprint.product_keyframes),
        average(footprint.product_deltas),
    );
    // What an entity costs once (its interned id) is not a cost of each version.
    let overhead = footprint
        .disk_bytes
        .saturating_sub(footprint.body_bytes + footprint.entity_bytes) as f64
        / footprint.versions.max(1) as f64;
    let per_entity = footprint.entity_bytes as f64 / footprint.entities.max(1) as f64;
    let per_product = 7.0 * keyframe + 43.0 * delta + 50.0 * overhead + per_entity;
    Ok(HistoryBenchReport {
        products,
        full_sync_ms,
        full_sync_history_ms: full.history_ms,
        changed_files: originals.len(),
        incremental_sync_ms,
        incremental_history_ms: history,
        incremental_history_added_pct: 100.0 * history as f64
            / (incremental_sync_ms.saturating_sub(history)).max(1) as f64,
        changes_entries,
        changes_since_last: Latency::of(feed),
        diff_500_columns,
        versions: footprint.versions,
        version_body_bytes: footprint.body_bytes,
        history_disk_mib: mib(footprint.disk_bytes),
        product_keyframe_bytes: keyframe,
        product_delta_bytes: delta,
        row_overhead_bytes: overhead,
        entity_bytes: per_entity,
        fifty_product_versions_mib: products as f64 * per_product / (1024.0 * 1024.0),
        fifty_sample,
        fifty_versions_bytes_per_product: fifty_per_product,
        fifty_versions_measured_mib: products as f64 * fifty_per_product / (1024.0 * 1024.0),
        peak_rss_mib: peak_rss_mib(),
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn mark_read(app: &App) -> Result<(), AppError> {
    let args = ChangesArgs {
        mark_read: true,
        ..ChangesArgs::default()
    };
    app.changes(args, &NoEvents).await.map(drop)
}

/// Every descriptor file below `dir`, sorted.
fn descriptors(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Rewrites the purpose of one descriptor in a hundred (a change of meaning, not only of bytes) and returns
/// the original texts.
fn revise_one_in_a_hundred(mesh: &Path) -> Result<Vec<(PathBuf, String)>, AppError> {
    let mut originals = Vec::new();
    for path in descriptors(mesh).into_iter().step_by(100) {
        let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
        std::fs::write(&path, with_purpose(&text, "Revised.")).map_err(io_error(&path))?;
        originals.push((path, text));
    }
    Ok(originals)
}

/// `text` (a descriptor) with `prefix` put before its purpose, quoted or not.
fn with_purpose(text: &str, prefix: &str) -> String {
    let revised = text.replacen("  purpose: \"", &format!("  purpose: \"{prefix} "), 1);
    if revised == text {
        text.replacen("  purpose: ", &format!("  purpose: {prefix} "), 1)
    } else {
        revised
    }
}

/// Products whose 50 versions [`measure_fifty_versions`] writes.
const FIFTY_SAMPLE: usize = 100;

/// 50 versions of up to [`FIFTY_SAMPLE`] products, measured rather than modelled: copies of the mesh's first
/// product descriptors under new ids, synced 50 times as source `fifty` with another purpose each time.
/// Returns how many products, and the history's growth on disk per product.
async fn measure_fifty_versions(
    app: &App,
    workdir: &Path,
    mesh: &Path,
) -> Result<(usize, f64), AppError> {
    let dir = workdir.join("fifty");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let mut copies = Vec::new();
    let products = descriptors(mesh)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".odps.yaml"));
    for path in products.take(FIFTY_SAMPLE) {
        let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
        let copy = dir.join(path.file_name().unwrap_or_default());
        copies.push((copy, text.replacen("\nid: ", "\nid: fifty-", 1)));
    }
    let fifty = SourceConfig {
        name: "fifty".into(),
        kind: SourceKind::Folder { path: dir.clone() },
        scope: None,
    };
    app.store().add_source(&fifty).await?;
    let before = app.store().history_footprint().await?.disk_bytes;
    for revision in 0..50 {
        for (path, text) in &copies {
            let text = with_purpose(text, &format!("Revision {revision}."));
            std::fs::write(path, text).map_err(io_error(&dir))?;
        }
        let only_fifty = SyncArgs {
            names: vec!["fifty".into()],
            full: false,
        };
        app.sync(only_fifty, &NoEvents).await?;
    }
    let after = app.store().history_footprint().await?.disk_bytes;
    let per_product = after.saturating_sub(before) as f64 / copies.len().max(1) as f64;
    Ok((copies.len(), per_product))
}

fn restore(originals: &[(PathBuf, String)], workdir: &Path) -> Result<(), AppError> {
    for (path, text) in originals {
        std::fs::write(path, text).map_err(io_error(workdir))?;
    }
    Ok(())
}

/// A contract of 500 columns, synced, changed (a column removed, a type changed, ten descriptions edited)
/// and synced again as source `wide`; then `diff` of its two versions timed `samples` times.
async fn bench_wide_diff(app: &App, workdir: &Path, samples: usize) -> Result<Latency, AppError> {
    let dir = workdir.join("wide");
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let file = dir.join("wide.odcs.yaml");
    std::fs::write(&file, wide_contract(|_| true, "")).map_err(io_error(&dir))?;
    let wide = SourceConfig {
        name: "wide".into(),
        kind: SourceKind::Folder { path: dir.clone() },
        scope: None,
    };
    app.store().add_source(&wide).await?;
    let only_wide = || SyncArgs {
        names: vec!["wide".into()],
        full: false,
    };
    app.sync(only_wide(), &NoEvents).await?;
    std::fs::write(&file, wide_contract(|i| i != 7, " (revised)")).map_err(io_error(&dir))?;
    app.sync(only_wide(), &NoEvents).await?;
    let mut times = Vec::new();
    for _ in 0..samples.max(1) {
        let args = DiffArgs {
            id: "bench-wide-500".into(),
            from: None,
            to: None,
        };
        times.push(timed_ms(app.diff(args, &NoEvents)).await?);
    }
    Ok(Latency::of(times))
}

/// An ODCS contract of 500 columns (`keep` says which), the first ten descriptions ending with `edit`, column
/// 42 a string once `edit` is set.
fn wide_contract(keep: impl Fn(usize) -> bool, edit: &str) -> String {
    let mut text = String::from(
        "apiVersion: v3.1.0\nkind: DataContract\nid: bench-wide-500\nversion: \"1.0.0\"\nstatus: active\n\
         schema:\n  - name: wide\n    physicalType: table\n    properties:\n",
    );
    for i in (0..500).filter(|i| keep(*i)) {
        let logical = if i == 42 && !edit.is_empty() {
            "string"
        } else {
            "number"
        };
        let note = if i < 10 { edit } else { "" };
        text.push_str(&format!(
            "      - name: c{i:03}\n        logicalType: {logical}\n        physicalType: NUMBER(12,2)\n        \
             description: Column {i}{note}\n        required: {}\n",
            i % 2 == 0
        ));
    }
    text
}
