//! Import: detect the format, read it, store new outcomes and fold them into per-check summaries.

use std::collections::HashMap;
use std::path::Path;

use meshlens_model::{FileClass, classify};
use meshlens_store::Store;
use sha2::{Digest, Sha256};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::error::{Ctx, QualityError};
use crate::formats::dbt::{self, ManifestTests};
use crate::formats::{Parsed, Row, Status, gx, openlineage, soda};
use crate::types::{QualityImportReport, Rejected};

/// Rows per multi-row INSERT (16 bound values each stays under SQLite's 32766 limit).
const BATCH: usize = 2_000;

/// Imports one file, or every quality result file under a folder (others are left alone;
/// dbt manifests are read before the run results they explain).
pub async fn import_file(store: &Store, path: &Path) -> Result<QualityImportReport, QualityError> {
    let io = |source| QualityError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !path.is_dir() {
        let bytes = std::fs::read(path).map_err(io)?;
        return import_bytes(store, None, &path.to_string_lossy(), &bytes).await;
    }
    let mut files: Vec<(u8, String, Vec<u8>)> = Vec::new();
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        let entry = entry.map_err(|e| QualityError::Io {
            path: e
                .path()
                .map_or_else(|| path.to_path_buf(), Path::to_path_buf),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.path().to_string_lossy().into_owned();
        let bytes = std::fs::read(entry.path()).map_err(|source| QualityError::Io {
            path: entry.path().to_path_buf(),
            source,
        })?;
        let order = match class_of(&name, &bytes) {
            FileClass::DbtManifest => 0,
            FileClass::DbtRunResults
            | FileClass::GreatExpectations
            | FileClass::SodaScan
            | FileClass::OpenLineage => 1,
            _ => continue,
        };
        files.push((order, name, bytes));
    }
    files.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut report = QualityImportReport::default();
    for (_, name, bytes) in files {
        report.absorb(import_bytes(store, None, &name, &bytes).await?);
    }
    Ok(report)
}

/// Imports one file's bytes (the sync engine's entry point). `path` decides the folder that pairs
/// a dbt `run_results.json` with its `manifest.json`; `source` names the sync source, if any.
pub async fn import_bytes(
    store: &Store,
    source: Option<&str>,
    path: &str,
    bytes: &[u8],
) -> Result<QualityImportReport, QualityError> {
    let parsed = match class_of(path, bytes) {
        FileClass::DbtManifest => return store_manifest(store, source, path, bytes).await,
        FileClass::DbtRunResults => match manifest_for(store, source, path).await? {
            Some(manifest) => dbt::read_run_results(path, bytes, &manifest),
            None => return Ok(rejected(path, format!(
                "dbt run results need the manifest.json of the same build in the same folder ({})",
                folder(path)
            ))),
        },
        FileClass::GreatExpectations => gx::read(path, bytes),
        FileClass::SodaScan => soda::read(path, bytes),
        FileClass::OpenLineage => openlineage::read(path, bytes),
        FileClass::Descriptor(kind) => return Ok(rejected(path, format!(
            "this is a {} descriptor, not a quality result: sync reads it", kind.as_str()
        ))),
        FileClass::Policy => return Ok(rejected(path, "this is a governance policy, not a quality result: load it with the policies".into())),
        FileClass::Unknown | FileClass::NotStructured => return Ok(rejected(path,
            "not a quality result format meshlens reads (dbt run_results.json + manifest.json, Great Expectations validation result, Soda scan result, OpenLineage events)".into())),
    };
    store_rows(store, source, path, parsed).await
}

fn class_of(path: &str, bytes: &[u8]) -> FileClass {
    match classify(path, bytes) {
        // Test fixtures and some producers omit `producer`/`schemaURL`; lineage ingestion accepts them too.
        FileClass::Unknown if meshlens_lineage::looks_like_openlineage(bytes) => {
            FileClass::OpenLineage
        }
        class => class,
    }
}

fn rejected(file: &str, message: String) -> QualityImportReport {
    QualityImportReport {
        rejected: vec![Rejected {
            file: file.to_owned(),
            line: 0,
            message,
        }],
        ..QualityImportReport::default()
    }
}

fn folder(path: &str) -> String {
    Path::new(path)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn folder_key(source: Option<&str>, path: &str) -> String {
    format!("{}\0{}", source.unwrap_or(""), folder(path))
}

async fn store_manifest(
    store: &Store,
    source: Option<&str>,
    path: &str,
    bytes: &[u8],
) -> Result<QualityImportReport, QualityError> {
    let tests = match dbt::read_manifest(bytes) {
        Ok(tests) => tests,
        Err(message) => return Ok(rejected(path, message)),
    };
    let json = serde_json::to_string(&tests).unwrap_or_default();
    sqlx::query("INSERT INTO quality_dbt_manifests (folder, tests) VALUES (?, ?) ON CONFLICT(folder) DO UPDATE SET tests = excluded.tests")
        .bind(folder_key(source, path))
        .bind(json)
        .execute(store.pool())
        .await
        .ctx("store dbt manifest")?;
    Ok(QualityImportReport::default())
}

/// The manifest stored for the folder, else `manifest.json` beside `path` on disk.
async fn manifest_for(
    store: &Store,
    source: Option<&str>,
    path: &str,
) -> Result<Option<ManifestTests>, QualityError> {
    let stored: Option<(String,)> =
        sqlx::query_as("SELECT tests FROM quality_dbt_manifests WHERE folder = ?")
            .bind(folder_key(source, path))
            .fetch_optional(store.pool())
            .await
            .ctx("read dbt manifest")?;
    if let Some(tests) = stored.and_then(|(json,)| serde_json::from_str(&json).ok()) {
        return Ok(Some(tests));
    }
    let beside = Path::new(path).with_file_name("manifest.json");
    Ok(std::fs::read(beside)
        .ok()
        .and_then(|bytes| dbt::read_manifest(&bytes).ok()))
}

/// The outcome's time first, so one import's keys land in neighbouring index pages (a purely
/// random key dirties most of a million-entry index on every commit), then a content hash.
fn dedupe_key(row: &Row) -> Vec<u8> {
    let mut h = Sha256::new();
    for part in [
        row.tool,
        &row.check,
        &row.target_key,
        row.column.as_deref().unwrap_or(""),
        row.expected.as_deref().unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let mut key = row.at_ms.to_be_bytes().to_vec();
    key.extend_from_slice(&h.finalize()[..8]);
    key
}

/// Newly stored outcomes of one check, folded before the summary upsert.
#[derive(Default)]
struct CheckDelta {
    check_type: Option<String>,
    dataset: String,
    runs: i64,
    passes: i64,
    warns: i64,
    fails: i64,
    last_ms: i64,
    last_at: String,
    last_status: &'static str,
    last_id: i64,
}

async fn store_rows(
    store: &Store,
    source: Option<&str>,
    path: &str,
    parsed: Parsed,
) -> Result<QualityImportReport, QualityError> {
    let Parsed { rows, rejected } = parsed;
    let mut report = QualityImportReport {
        rejected,
        ..QualityImportReport::default()
    };
    let mut tx = store.pool().begin().await.ctx("begin quality import")?;
    for chunk in rows.chunks(BATCH) {
        let keys: Vec<Vec<u8>> = chunk.iter().map(dedupe_key).collect();
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT OR IGNORE INTO quality_results (dedupe_key, tool, check_name, check_type, data_source, dataset, target_key, column_name, status, severity, observed, expected, at, at_ms, source, path) ",
        );
        insert.push_values(chunk.iter().zip(&keys), |mut b, (row, key)| {
            b.push_bind(key.clone())
                .push_bind(row.tool)
                .push_bind(&row.check)
                .push_bind(&row.check_type)
                .push_bind(&row.data_source)
                .push_bind(&row.dataset)
                .push_bind(&row.target_key)
                .push_bind(&row.column)
                .push_bind(row.status.as_str())
                .push_bind(&row.severity)
                .push_bind(&row.observed)
                .push_bind(&row.expected)
                .push_bind(&row.at)
                .push_bind(row.at_ms)
                .push_bind(source)
                .push_bind(path);
        });
        insert.push(" RETURNING dedupe_key, id");
        let inserted: HashMap<Vec<u8>, i64> = insert
            .build_query_as::<(Vec<u8>, i64)>()
            .fetch_all(&mut *tx)
            .await
            .ctx("insert quality results")?
            .into_iter()
            .collect();
        report.imported += inserted.len() as u64;
        report.skipped += (chunk.len() - inserted.len()) as u64;
        let fresh = chunk
            .iter()
            .zip(&keys)
            .filter_map(|(r, k)| inserted.get(k).map(|id| (r, *id)));
        upsert_checks(&mut tx, fresh).await?;
    }
    tx.commit().await.ctx("commit quality import")?;
    Ok(report)
}

async fn upsert_checks<'a>(
    conn: &mut SqliteConnection,
    rows: impl Iterator<Item = (&'a Row, i64)>,
) -> Result<(), QualityError> {
    let mut deltas: HashMap<(&str, &str, &str, &str), CheckDelta> = HashMap::new();
    for (row, id) in rows {
        let key = (
            row.target_key.as_str(),
            row.tool,
            row.check.as_str(),
            row.column.as_deref().unwrap_or(""),
        );
        let d = deltas.entry(key).or_insert_with(|| CheckDelta {
            last_ms: i64::MIN,
            ..CheckDelta::default()
        });
        d.runs += 1;
        match row.status {
            Status::Pass => d.passes += 1,
            Status::Warn => d.warns += 1,
            Status::Fail | Status::Error => d.fails += 1,
            Status::Skipped => {}
        }
        if row.at_ms >= d.last_ms {
            d.last_ms = row.at_ms;
            d.last_id = id;
            d.last_at.clone_from(&row.at);
            d.last_status = row.status.as_str();
            d.check_type.clone_from(&row.check_type);
            d.dataset.clone_from(&row.dataset);
        }
    }
    let deltas: Vec<_> = deltas.into_iter().collect();
    for chunk in deltas.chunks(BATCH) {
        let mut upsert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO quality_checks (target_key, tool, check_name, column_name, check_type, dataset, runs, passes, warns, fails, last_ms, last_at, last_status, last_id) ",
        );
        upsert.push_values(chunk, |mut b, ((target, tool, check, column), d)| {
            b.push_bind(*target)
                .push_bind(*tool)
                .push_bind(*check)
                .push_bind(*column)
                .push_bind(&d.check_type)
                .push_bind(&d.dataset)
                .push_bind(d.runs)
                .push_bind(d.passes)
                .push_bind(d.warns)
                .push_bind(d.fails)
                .push_bind(d.last_ms)
                .push_bind(&d.last_at)
                .push_bind(d.last_status)
                .push_bind(d.last_id);
        });
        // Out-of-order imports: the newest outcome wins whatever order files arrive in.
        upsert.push(
            " ON CONFLICT (target_key, tool, check_name, column_name) DO UPDATE SET
                runs = runs + excluded.runs, passes = passes + excluded.passes,
                warns = warns + excluded.warns, fails = fails + excluded.fails,
                check_type = CASE WHEN excluded.last_ms >= last_ms THEN excluded.check_type ELSE check_type END,
                dataset = CASE WHEN excluded.last_ms >= last_ms THEN excluded.dataset ELSE dataset END,
                last_at = CASE WHEN excluded.last_ms >= last_ms THEN excluded.last_at ELSE last_at END,
                last_status = CASE WHEN excluded.last_ms >= last_ms THEN excluded.last_status ELSE last_status END,
                last_id = CASE WHEN excluded.last_ms >= last_ms THEN excluded.last_id ELSE last_id END,
                last_ms = MAX(last_ms, excluded.last_ms)",
        );
        upsert
            .build()
            .execute(&mut *conn)
            .await
            .ctx("update check summaries")?;
    }
    Ok(())
}

/// How long history is kept: outcomes older than `max_age_days` before `now_ms` are dropped,
/// then the oldest beyond `max_results`. Check summaries are rebuilt from what remains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Retention {
    pub max_age_days: Option<u32>,
    pub max_results: Option<u64>,
}

/// Applies `retention`; returns how many outcomes were removed.
pub async fn apply_retention(
    store: &Store,
    retention: Retention,
    now_ms: i64,
) -> Result<u64, QualityError> {
    let mut tx = store.pool().begin().await.ctx("begin retention")?;
    let mut removed = 0;
    if let Some(days) = retention.max_age_days {
        let cutoff = now_ms - i64::from(days) * 86_400_000;
        removed += sqlx::query("DELETE FROM quality_results WHERE at_ms < ?")
            .bind(cutoff)
            .execute(&mut *tx)
            .await
            .ctx("drop old results")?
            .rows_affected();
    }
    if let Some(max) = retention.max_results {
        removed += sqlx::query(
            "DELETE FROM quality_results WHERE id IN (SELECT id FROM quality_results ORDER BY at_ms DESC, id DESC LIMIT -1 OFFSET ?)",
        )
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .ctx("drop results beyond the limit")?
        .rows_affected();
    }
    if removed > 0 {
        rebuild_checks(&mut tx).await?;
    }
    tx.commit().await.ctx("commit retention")?;
    Ok(removed)
}

/// Forgets everything imported from sync source `source` (the source was removed); returns how
/// many outcomes were removed.
pub async fn remove_source_results(store: &Store, source: &str) -> Result<u64, QualityError> {
    let mut tx = store.pool().begin().await.ctx("begin source removal")?;
    let removed = sqlx::query("DELETE FROM quality_results WHERE source = ?")
        .bind(source)
        .execute(&mut *tx)
        .await
        .ctx("drop the source's results")?
        .rows_affected();
    sqlx::query("DELETE FROM quality_dbt_manifests WHERE folder >= ? AND folder < ?")
        .bind(format!("{source}\0"))
        .bind(format!("{source}\u{1}"))
        .execute(&mut *tx)
        .await
        .ctx("drop the source's dbt manifests")?;
    if removed > 0 {
        rebuild_checks(&mut tx).await?;
    }
    tx.commit().await.ctx("commit source removal")?;
    Ok(removed)
}

/// Recomputes every check summary from the kept outcomes (after deletions).
async fn rebuild_checks(conn: &mut SqliteConnection) -> Result<(), QualityError> {
    sqlx::query("DELETE FROM quality_checks")
        .execute(&mut *conn)
        .await
        .ctx("clear check summaries")?;
    // SQLite takes the bare columns (check_type, dataset, at, status, id) from the MAX(at_ms) row.
    sqlx::query(
        "INSERT INTO quality_checks (target_key, tool, check_name, column_name, check_type, dataset, runs, passes, warns, fails, last_ms, last_at, last_status, last_id)
         SELECT target_key, tool, check_name, COALESCE(column_name, ''), check_type, dataset, COUNT(*),
                SUM(status = 'pass'), SUM(status = 'warn'), SUM(status IN ('fail', 'error')), MAX(at_ms), at, status, id
         FROM quality_results
         GROUP BY target_key, tool, check_name, COALESCE(column_name, '')",
    )
    .execute(&mut *conn)
    .await
    .ctx("rebuild check summaries")?;
    Ok(())
}
