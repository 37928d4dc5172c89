//! Import: detect the format, read it, store new outcomes and fold them into per-check summaries.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use meshlens_model::{FileClass, Limits, ReadError, classify};
use meshlens_store::Store;
use sha2::{Digest, Sha256};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use ts_rs::TS;

use meshlens_store::Ctx;

use crate::error::QualityError;
use crate::formats::dbt::{self, ManifestTests};
use crate::formats::{MetricRow, Parsed, Row, Status, gx, openlineage, soda};
use crate::types::{QualityImportReport, Rejected};

/// A deleted outcome: its check (target, tool, name, column), status and id.
type DeletedRow = (String, String, String, String, String, i64);
type DeleteQuery<'q> =
    sqlx::query::QueryAs<'q, Sqlite, DeletedRow, sqlx::sqlite::SqliteArguments<'q>>;

/// `DELETE FROM quality_results WHERE <condition>` returning what [`delete_results`] needs.
macro_rules! deleting {
    ($condition:literal) => {
        sqlx::query_as(concat!(
            "DELETE FROM quality_results WHERE ",
            $condition,
            " RETURNING target_key, tool, check_name, COALESCE(column_name, ''), status, id"
        ))
    };
}

/// Rows per multi-row INSERT (16 bound values each stays under SQLite's 32766 limit).
const BATCH: usize = 2_000;

/// Imports one file, or every quality result file under a folder (others are left alone;
/// dbt manifests are read before the run results they explain). Files past the size limit are
/// refused before they are read, and a folder's files are read one at a time.
pub async fn import_file(store: &Store, path: &Path) -> Result<QualityImportReport, QualityError> {
    if !path.is_dir() {
        let bytes = read_result_file(path)?;
        return import_bytes(store, None, &path.to_string_lossy(), &bytes).await;
    }
    let mut report = QualityImportReport::default();
    let mut files: Vec<(u8, PathBuf)> = Vec::new();
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
        let limits = Limits::process();
        let limit = limits.read_limit(&name, limits.max_file_bytes);
        let bytes = match meshlens_model::read_capped(entry.path(), limit) {
            Ok(bytes) => bytes,
            Err(ReadError::Io(source)) => {
                return Err(QualityError::Io {
                    path: entry.into_path(),
                    source,
                });
            }
            // One file past the limit does not stop the others.
            Err(too_large) => {
                report.absorb(rejected(&name, too_large.to_string()));
                continue;
            }
        };
        let order = match class_of(&name, &bytes) {
            FileClass::DbtManifest => 0,
            FileClass::DbtRunResults
            | FileClass::GreatExpectations
            | FileClass::SodaScan
            | FileClass::OpenLineage => 1,
            _ => continue,
        };
        files.push((order, entry.into_path()));
    }
    files.sort();
    for (_, file) in files {
        let bytes = read_result_file(&file)?;
        report.absorb(import_bytes(store, None, &file.to_string_lossy(), &bytes).await?);
    }
    Ok(report)
}

/// A result file's bytes, refused past the size limit before it is read (a dbt manifest's limit for
/// a file named like one; [`import_bytes`] refuses it past the file limit if it is not one).
fn read_result_file(path: &Path) -> Result<Vec<u8>, QualityError> {
    let limits = Limits::process();
    let limit = limits.read_limit(&path.to_string_lossy(), limits.max_file_bytes);
    meshlens_model::read_capped(path, limit).map_err(|e| QualityError::Io {
        path: path.to_path_buf(),
        source: e.into(),
    })
}

/// Imports one file's bytes (the sync engine's entry point). `path` decides the folder that pairs
/// a dbt `run_results.json` with its `manifest.json`; `source` names the sync source, if any.
pub async fn import_bytes(
    store: &Store,
    source: Option<&str>,
    path: &str,
    bytes: &[u8],
) -> Result<QualityImportReport, QualityError> {
    let class = class_of(path, bytes);
    let limits = Limits::process();
    if let Err(too_large) = limits.admit(class, bytes.len() as u64, limits.max_file_bytes) {
        return Ok(rejected(path, too_large.to_string()));
    }
    let parsed = match class {
        FileClass::DbtManifest => return store_manifest(store, source, path, bytes).await,
        FileClass::DbtRunResults => match manifest_for(store, source, path).await? {
            Some(manifest) => dbt::read_run_results(path, bytes, &manifest),
            // A sync does not track the file, so it is read again once the manifest arrives.
            None if source.is_some() => return Err(QualityError::MissingManifest(folder(path))),
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
        FileClass::Agreement => return Ok(rejected(path, "this is a data usage agreement, not a quality result: sync reads it".into())),
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
    Ok(read_result_file(&beside)
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
    let Parsed {
        rows,
        metrics,
        rejected,
    } = parsed;
    let mut report = QualityImportReport {
        rejected,
        ..QualityImportReport::default()
    };
    let mut tx = store.begin_write().await.ctx("begin quality import")?;
    store_metrics(&mut tx, source, path, &metrics).await?;
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
            .persistent(false)
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
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("update check summaries")?;
    }
    Ok(())
}

async fn store_metrics(
    conn: &mut SqliteConnection,
    source: Option<&str>,
    path: &str,
    metrics: &[MetricRow],
) -> Result<(), QualityError> {
    for chunk in metrics.chunks(1_500) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT OR IGNORE INTO quality_metrics (target_key, namespace, dataset, column_name, at_ms, at, row_count, bytes, file_count, null_count, distinct_count, sum, count, min, max, quantiles, source, path) ",
        );
        insert.push_values(chunk, |mut b, m| {
            b.push_bind(&m.target_key)
                .push_bind(&m.namespace)
                .push_bind(&m.dataset)
                .push_bind(&m.column)
                .push_bind(m.at_ms)
                .push_bind(&m.at)
                .push_bind(m.row_count)
                .push_bind(m.bytes)
                .push_bind(m.file_count)
                .push_bind(m.null_count)
                .push_bind(m.distinct_count)
                .push_bind(m.sum)
                .push_bind(m.count)
                .push_bind(m.min)
                .push_bind(m.max)
                .push_bind(&m.quantiles)
                .push_bind(source)
                .push_bind(path);
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await
            .ctx("insert dataset metrics")?;
    }
    Ok(())
}

/// How long history is kept: outcomes (and dataset metrics) older than `max_age_days` are
/// dropped, and of every check only the newest `max_results_per_check` outcomes stay. `None`
/// keeps everything on that axis. The newest outcome of a check (and the newest figures of a
/// dataset or column) always stays: it is the current status until a newer one replaces it, and
/// a file of old results imported today is not erased on arrival. Stored in the cache (`quality_settings`, default 180 days and
/// 1000 outcomes per check) and applied after every import and sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, TS)]
pub struct Retention {
    pub max_age_days: Option<u32>,
    pub max_results_per_check: Option<u32>,
}

/// The retention stored in the cache.
pub async fn retention(store: &Store) -> Result<Retention, QualityError> {
    let (days, per_check): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT max_age_days, max_results_per_check FROM quality_settings WHERE id = 1",
    )
    .fetch_one(store.pool())
    .await
    .ctx("read retention settings")?;
    Ok(Retention {
        max_age_days: days.and_then(|d| u32::try_from(d).ok()),
        max_results_per_check: per_check.and_then(|n| u32::try_from(n).ok()),
    })
}

/// Stores `retention` for the following imports and syncs (a zero limit is refused: it would
/// erase the history as it arrives).
pub async fn set_retention(store: &Store, retention: Retention) -> Result<(), QualityError> {
    if retention.max_age_days == Some(0) || retention.max_results_per_check == Some(0) {
        return Err(QualityError::BadRetention);
    }
    sqlx::query(
        "UPDATE quality_settings SET max_age_days = ?, max_results_per_check = ? WHERE id = 1",
    )
    .bind(retention.max_age_days)
    .bind(retention.max_results_per_check)
    .execute(store.pool())
    .await
    .ctx("store retention settings")?;
    Ok(())
}

/// Applies the stored retention as of now; returns how many outcomes were removed.
pub async fn apply_stored_retention(store: &Store) -> Result<u64, QualityError> {
    let settings = retention(store).await?;
    apply_retention(store, settings, crate::query::now_ms()).await
}

/// Applies `retention` as of `now_ms`; returns how many outcomes were removed.
pub async fn apply_retention(
    store: &Store,
    retention: Retention,
    now_ms: i64,
) -> Result<u64, QualityError> {
    let mut tx = store.begin_write().await.ctx("begin retention")?;
    let mut removed = 0;
    if let Some(days) = retention.max_age_days {
        let cutoff = now_ms - i64::from(days) * 86_400_000;
        removed += delete_results(
            &mut tx,
            deleting!("at_ms < ? AND id NOT IN (SELECT last_id FROM quality_checks)").bind(cutoff),
        )
        .await?;
        sqlx::query(
            "DELETE FROM quality_metrics AS m WHERE at_ms < ?1 AND at_ms < (SELECT MAX(n.at_ms)
             FROM quality_metrics n WHERE n.target_key = m.target_key AND n.column_name = m.column_name)",
        )
        .bind(cutoff)
            .execute(&mut *tx)
            .await
            .ctx("drop old dataset metrics")?;
    }
    if let Some(max) = retention.max_results_per_check {
        let max = i64::from(max);
        // Only checks over the limit are ranked, so a sync that adds one run per check does
        // not sort the whole history when nothing needs to go.
        let over: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM quality_checks WHERE runs > ?")
            .bind(max)
            .fetch_one(&mut *tx)
            .await
            .ctx("find checks over the retention limit")?;
        if over.0 > 0 {
            removed += delete_results(
                &mut tx,
                deleting!(
                    "id IN (SELECT id FROM (
                    SELECT r.id, ROW_NUMBER() OVER (
                        PARTITION BY r.target_key, r.tool, r.check_name, COALESCE(r.column_name, '')
                        ORDER BY r.at_ms DESC, r.id DESC) AS newer
                    FROM quality_results r JOIN quality_checks c
                      ON c.target_key = r.target_key AND c.tool = r.tool
                     AND c.check_name = r.check_name AND c.column_name = COALESCE(r.column_name, '')
                    WHERE c.runs > ?1) WHERE newer > ?1)"
                )
                .bind(max),
            )
            .await?;
        }
    }
    tx.commit().await.ctx("commit retention")?;
    Ok(removed)
}

/// Forgets everything imported from sync source `source` (the source was removed); returns how
/// many outcomes were removed.
pub async fn remove_source_results(store: &Store, source: &str) -> Result<u64, QualityError> {
    let mut tx = store.begin_write().await.ctx("begin source removal")?;
    let removed = delete_results(&mut tx, deleting!("source = ?").bind(source)).await?;
    sqlx::query("DELETE FROM quality_metrics WHERE source = ?")
        .bind(source)
        .execute(&mut *tx)
        .await
        .ctx("drop the source's dataset metrics")?;
    sqlx::query("DELETE FROM quality_dbt_manifests WHERE folder >= ? AND folder < ?")
        .bind(format!("{source}\0"))
        .bind(format!("{source}\u{1}"))
        .execute(&mut *tx)
        .await
        .ctx("drop the source's dbt manifests")?;
    tx.commit().await.ctx("commit source removal")?;
    Ok(removed)
}

/// Forgets what the files at `paths` of sync source `source` brought in (each is gone upstream or
/// no longer a result file), in one transaction whose check summaries are settled once for all of
/// them; returns how many outcomes were removed.
pub async fn remove_file_results(
    store: &Store,
    source: &str,
    paths: &[String],
) -> Result<u64, QualityError> {
    let mut tx = store.begin_write().await.ctx("begin file removal")?;
    let mut deleted = Vec::new();
    for path in paths {
        let rows: Vec<DeletedRow> = deleting!("source = ? AND path = ?")
            .bind(source)
            .bind(path)
            .fetch_all(&mut *tx)
            .await
            .ctx("delete quality results")?;
        deleted.extend(rows);
        forget_file_extras(&mut tx, source, path).await?;
    }
    let removed = settle_summaries(&mut tx, &deleted).await?;
    tx.commit().await.ctx("commit file removal")?;
    Ok(removed)
}

/// A removed file's dataset metrics, and its dbt manifest when it was one.
async fn forget_file_extras(
    conn: &mut SqliteConnection,
    source: &str,
    path: &str,
) -> Result<(), QualityError> {
    sqlx::query("DELETE FROM quality_metrics WHERE source = ? AND path = ?")
        .bind(source)
        .bind(path)
        .execute(&mut *conn)
        .await
        .ctx("drop the file's dataset metrics")?;
    if Path::new(path)
        .file_name()
        .is_some_and(|n| n == "manifest.json")
    {
        sqlx::query("DELETE FROM quality_dbt_manifests WHERE folder = ?")
            .bind(folder_key(Some(source), path))
            .execute(&mut *conn)
            .await
            .ctx("drop the file's dbt manifest")?;
    }
    Ok(())
}

/// Runs a [`deleting!`] statement and takes the outcomes out of their check summaries: counts go
/// down, summaries left without outcomes go, and a check whose newest outcome went gets its
/// newest remaining one. Cheaper than rebuilding every summary when a few outcomes go.
async fn delete_results(
    conn: &mut SqliteConnection,
    delete: DeleteQuery<'_>,
) -> Result<u64, QualityError> {
    let deleted: Vec<DeletedRow> = delete
        .fetch_all(&mut *conn)
        .await
        .ctx("delete quality results")?;
    settle_summaries(conn, &deleted).await
}

/// Takes deleted outcomes out of their check summaries (see [`delete_results`]); returns how many
/// there were.
async fn settle_summaries(
    conn: &mut SqliteConnection,
    deleted: &[DeletedRow],
) -> Result<u64, QualityError> {
    if deleted.is_empty() {
        return Ok(0);
    }
    let mut deltas: HashMap<(&str, &str, &str, &str), [i64; 4]> = HashMap::new();
    for (target, tool, check, column, status, _) in deleted {
        let d = deltas
            .entry((
                target.as_str(),
                tool.as_str(),
                check.as_str(),
                column.as_str(),
            ))
            .or_default();
        d[0] += 1;
        match status.as_str() {
            "pass" => d[1] += 1,
            "warn" => d[2] += 1,
            "fail" | "error" => d[3] += 1,
            _ => {}
        }
    }
    for ((target, tool, check, column), [runs, passes, warns, fails]) in deltas {
        sqlx::query(
            "UPDATE quality_checks SET runs = runs - ?, passes = passes - ?, warns = warns - ?, fails = fails - ?
             WHERE target_key = ? AND tool = ? AND check_name = ? AND column_name = ?",
        )
        .bind(runs)
        .bind(passes)
        .bind(warns)
        .bind(fails)
        .bind(target)
        .bind(tool)
        .bind(check)
        .bind(column)
        .execute(&mut *conn)
        .await
        .ctx("update check summaries")?;
    }
    sqlx::query("DELETE FROM quality_checks WHERE runs <= 0")
        .execute(&mut *conn)
        .await
        .ctx("drop emptied check summaries")?;
    // Retention never drops a check's newest outcome; a removed file or source may.
    let (dangling,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM quality_checks k
         WHERE NOT EXISTS (SELECT 1 FROM quality_results x WHERE x.id = k.last_id)",
    )
    .fetch_one(&mut *conn)
    .await
    .ctx("find check summaries that lost their newest outcome")?;
    if dangling == 0 {
        return Ok(deleted.len() as u64);
    }
    // SQLite takes the bare columns (at, status, id...) from the MAX(at_ms) row.
    sqlx::query(
        "UPDATE quality_checks AS c SET last_ms = n.at_ms, last_at = n.at, last_status = n.status,
             last_id = n.id, check_type = n.check_type, dataset = n.dataset
         FROM (SELECT r.target_key, r.tool, r.check_name, COALESCE(r.column_name, '') AS column_name,
                      MAX(r.at_ms) AS at_ms, r.at, r.status, r.id, r.check_type, r.dataset
               FROM quality_results r JOIN quality_checks k
                 ON k.target_key = r.target_key AND k.tool = r.tool AND k.check_name = r.check_name
                AND k.column_name = COALESCE(r.column_name, '')
               WHERE NOT EXISTS (SELECT 1 FROM quality_results x WHERE x.id = k.last_id)
               GROUP BY r.target_key, r.tool, r.check_name, COALESCE(r.column_name, '')) AS n
         WHERE c.target_key = n.target_key AND c.tool = n.tool AND c.check_name = n.check_name
           AND c.column_name = n.column_name",
    )
    .execute(&mut *conn)
    .await
    .ctx("re-point check summaries at their newest outcome")?;
    Ok(deleted.len() as u64)
}

/// The catalog server a [`CatalogOutcome`] was read from (the result's `source_tool`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogTool {
    OpenMetadata,
    DataHub,
}

impl CatalogTool {
    fn as_str(self) -> &'static str {
        match self {
            CatalogTool::OpenMetadata => "openmetadata",
            CatalogTool::DataHub => "datahub",
        }
    }
}

/// One check run read from a catalog server (OpenMetadata test case result, DataHub assertion
/// run event). The dataset is named by server and table, like Great Expectations and Soda name
/// theirs: it links to contract datasets whose `servers[].server` is `data_source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogOutcome {
    pub tool: CatalogTool,
    pub check: String,
    pub check_type: Option<String>,
    pub data_source: String,
    pub dataset: String,
    pub column: Option<String>,
    /// pass, fail, error or skipped.
    pub status: CatalogStatus,
    pub observed: Option<String>,
    pub expected: Option<String>,
    /// Epoch milliseconds.
    pub at_ms: i64,
}

/// The status of a [`CatalogOutcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogStatus {
    Pass,
    Fail,
    Error,
    Skipped,
}

/// Stores check runs pulled from a catalog server by sync source `source`, under `label` (the
/// result "file" they belong to, so [`remove_file_results`] and [`remove_source_results`] take
/// them away). Runs already stored are skipped.
pub async fn import_outcomes(
    store: &Store,
    source: &str,
    label: &str,
    outcomes: &[CatalogOutcome],
) -> Result<QualityImportReport, QualityError> {
    let rows = outcomes
        .iter()
        .map(|o| Row {
            tool: o.tool.as_str(),
            check: o.check.clone(),
            check_type: o.check_type.clone(),
            data_source: Some(o.data_source.clone()),
            dataset: o.dataset.clone(),
            target_key: crate::keys::server_key(&o.data_source, &o.dataset),
            column: o.column.clone(),
            status: match o.status {
                CatalogStatus::Pass => Status::Pass,
                CatalogStatus::Fail => Status::Fail,
                CatalogStatus::Error => Status::Error,
                CatalogStatus::Skipped => Status::Skipped,
            },
            severity: None,
            observed: o.observed.clone(),
            expected: o.expected.clone(),
            at: meshlens_model::civil::format_epoch_millis(o.at_ms, true),
            at_ms: o.at_ms,
        })
        .collect();
    let parsed = Parsed {
        rows,
        ..Parsed::default()
    };
    store_rows(store, Some(source), label, parsed).await
}
