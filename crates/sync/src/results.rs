//! Result files inside a source: OpenLineage events today, quality results once meshlens-quality
//! plugs in at [`ResultKind::of`]. They are ingested after the descriptor transaction commits (the
//! ingesters write in their own, idempotent transactions) and tracked in `result_files` so a
//! re-sync skips unchanged ones exactly as it skips unchanged descriptors.
//!
//! When a result file disappears its tracking row goes, but the events it brought stay: lineage is
//! history shared across files and sources (the same event may arrive from several), and the
//! ingester keeps no per-file ownership that would make removing them safe.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use meshlens_model::{FileClass, content_hash};
use meshlens_store::{FileStat, Store, StoreError, StoredFileState, SyncStatus};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use crate::{FileError, SourceSyncReport};

/// Which ingester takes a result file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResultKind {
    OpenLineage,
}

impl ResultKind {
    /// The one place that routes a classified file to an ingester.
    pub(crate) fn of(rel: &str, class: FileClass, bytes: &[u8]) -> Option<ResultKind> {
        match class {
            FileClass::OpenLineage => Some(ResultKind::OpenLineage),
            // A broken first event hides the class from `classify`; the sniff still recognises
            // the file, so its bad lines get reported instead of "not a data product".
            FileClass::Unknown
                if meshlens_lineage::is_lineage_file(Path::new(rel))
                    && meshlens_lineage::looks_like_openlineage(bytes) =>
            {
                Some(ResultKind::OpenLineage)
            }
            // Quality results belong to meshlens-quality: until its ingester is routed here they
            // are left alone, like any other file that is not a descriptor.
            FileClass::DbtRunResults
            | FileClass::DbtManifest
            | FileClass::GreatExpectations
            | FileClass::SodaScan => None,
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ResultKind::OpenLineage => "openlineage",
        }
    }

    fn parse(kind: &str) -> Option<ResultKind> {
        match kind {
            "openlineage" => Some(ResultKind::OpenLineage),
            _ => None,
        }
    }

    /// This kind's counters in the sync report.
    fn counters(self, report: &mut SourceSyncReport) -> &mut ResultFilesReport {
        match self {
            ResultKind::OpenLineage => &mut report.lineage,
        }
    }

    async fn ingest(
        self,
        store: &Store,
        source: &str,
        rel: &str,
        bytes: &[u8],
    ) -> Result<Ingested, String> {
        match self {
            ResultKind::OpenLineage => {
                let report = meshlens_lineage::ingest_bytes(store, source, rel, bytes)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Ingested {
                    imported: report.imported,
                    skipped: report.skipped,
                    rejected: report
                        .rejected
                        .into_iter()
                        .map(|i| FileError {
                            file: i.file,
                            line: u32::try_from(i.line).unwrap_or(u32::MAX),
                            column: 0,
                            message: i.message,
                            pointer: String::new(),
                        })
                        .collect(),
                })
            }
        }
    }
}

struct Ingested {
    imported: u64,
    skipped: u64,
    rejected: Vec<FileError>,
}

/// What one sync did with one kind of result file (`lineage` in [`SourceSyncReport`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResultFilesReport {
    /// Files read and ingested by this sync (new or changed).
    pub files: u64,
    /// Files skipped because they are as they were when last ingested.
    pub unchanged: u64,
    /// Records stored for the first time.
    pub imported: u64,
    /// Records of re-read files that were already stored (not written again).
    pub skipped: u64,
    /// Entries refused; each is also listed in the report's `errors` with its line.
    pub rejected: u64,
}

/// A tracked result file as last ingested.
pub(crate) struct TrackedResult {
    pub kind: ResultKind,
    pub state: StoredFileState,
    /// The lines refused then, as JSON, replayed while the file stays unchanged.
    rejected: Option<String>,
}

impl TrackedResult {
    pub fn rejected(&self) -> Vec<FileError> {
        self.rejected
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }
}

fn db(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database { operation, source }
}

/// path -> tracked result file, for one source.
pub(crate) async fn tracked(
    store: &Store,
    source: &str,
) -> Result<HashMap<String, TrackedResult>, StoreError> {
    let rows = sqlx::query(
        "SELECT path, kind, content_hash, size, mtime, rejected FROM result_files WHERE source = ?",
    )
    .bind(source)
    .fetch_all(store.pool())
    .await
    .map_err(db("read result file index"))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            // A kind this build does not know (written by a newer one) is re-read and re-routed.
            let kind = ResultKind::parse(row.get("kind"))?;
            let state = StoredFileState {
                content_hash: row.get("content_hash"),
                size: u64::try_from(row.get::<i64, _>("size")).unwrap_or(0),
                mtime: row.get("mtime"),
            };
            Some((
                row.get("path"),
                TrackedResult {
                    kind,
                    state,
                    rejected: row.get("rejected"),
                },
            ))
        })
        .collect())
}

/// A result file to (re-)ingest after the descriptor commit.
pub(crate) struct PendingResult {
    pub rel: String,
    pub abs: PathBuf,
    pub mtime: i64,
    pub kind: ResultKind,
}

/// Bookkeeping for result files collected while the descriptor transaction runs, applied after it
/// commits (the transaction holds SQLite's write lock).
#[derive(Default)]
pub(crate) struct ResultWork {
    pub ingest: Vec<PendingResult>,
    /// Same content as tracked, new size/mtime.
    pub touch: Vec<(String, FileStat)>,
    /// Tracking rows to drop: the file is gone or no longer a result file.
    pub forget: Vec<String>,
}

impl ResultWork {
    pub fn is_empty(&self) -> bool {
        self.ingest.is_empty() && self.touch.is_empty() && self.forget.is_empty()
    }

    /// Updates the tracking table, then ingests each pending file and records it once its
    /// ingestion finished. Per-file failures become errors; the rest of the files go on.
    /// Stops before the next file when `stop()` says so, returning how many were left.
    pub async fn run(
        self,
        store: &Store,
        source: &str,
        report: &mut SourceSyncReport,
        stop: impl Fn() -> bool,
        mut on_file: impl FnMut(),
    ) -> Result<usize, StoreError> {
        for path in &self.forget {
            sqlx::query("DELETE FROM result_files WHERE source = ? AND path = ?")
                .bind(source)
                .bind(path)
                .execute(store.pool())
                .await
                .map_err(db("forget result file"))?;
        }
        for (path, stat) in &self.touch {
            sqlx::query(
                "UPDATE result_files SET size = ?, mtime = ? WHERE source = ? AND path = ?",
            )
            .bind(i64::try_from(stat.size).unwrap_or(i64::MAX))
            .bind(stat.mtime)
            .bind(source)
            .bind(path)
            .execute(store.pool())
            .await
            .map_err(db("update result file state"))?;
        }
        let total = self.ingest.len();
        for (done, file) in self.ingest.into_iter().enumerate() {
            if stop() {
                return Ok(total - done);
            }
            ingest_one(store, source, file, report).await?;
            on_file();
        }
        Ok(0)
    }
}

async fn ingest_one(
    store: &Store,
    source: &str,
    file: PendingResult,
    report: &mut SourceSyncReport,
) -> Result<(), StoreError> {
    // Re-read rather than carried over from the parse phase: keeps at most one result file in
    // memory, and the hash recorded is that of the bytes actually ingested.
    let bytes = match std::fs::read(&file.abs) {
        Ok(bytes) => bytes,
        Err(e) => {
            report.errors.push(FileError::whole_file(
                &file.rel,
                format!("cannot read: {e}"),
            ));
            return Ok(());
        }
    };
    let started = std::time::Instant::now();
    let ingested = match file.kind.ingest(store, source, &file.rel, &bytes).await {
        Ok(ingested) => ingested,
        Err(message) => {
            // Nothing is tracked, so the next sync tries the file again.
            report.errors.push(FileError::whole_file(
                &file.rel,
                format!("cannot ingest: {message}"),
            ));
            return Ok(());
        }
    };
    let rejected = if ingested.rejected.is_empty() {
        None
    } else {
        Some(
            serde_json::to_string(&ingested.rejected).map_err(|source| StoreError::Encode {
                what: format!("rejected lines of {}", file.rel),
                source,
            })?,
        )
    };
    sqlx::query(
        "INSERT INTO result_files (source, path, kind, size, mtime, content_hash, rejected)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (source, path) DO UPDATE SET kind = excluded.kind, size = excluded.size,
             mtime = excluded.mtime, content_hash = excluded.content_hash, rejected = excluded.rejected",
    )
    .bind(source)
    .bind(&file.rel)
    .bind(file.kind.as_str())
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(file.mtime)
    .bind(content_hash(&bytes))
    .bind(rejected)
    .execute(store.pool())
    .await
    .map_err(db("record result file"))?;
    tracing::debug!(
        file = %file.rel,
        bytes = bytes.len(),
        imported = ingested.imported,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "result file ingested"
    );
    let counters = file.kind.counters(report);
    counters.files += 1;
    counters.imported += ingested.imported;
    counters.skipped += ingested.skipped;
    counters.rejected += ingested.rejected.len() as u64;
    report.errors.extend(ingested.rejected);
    Ok(())
}

/// Counts a tracked file skipped as unchanged and replays the lines it had refused.
pub(crate) fn count_unchanged(tracked: &TrackedResult, report: &mut SourceSyncReport) {
    let rejected = tracked.rejected();
    let counters = tracked.kind.counters(report);
    counters.unchanged += 1;
    counters.rejected += rejected.len() as u64;
    report.errors.extend(rejected);
}

/// Rewrites the source's status once result files added errors after the descriptor commit.
pub(crate) async fn record_status(
    store: &Store,
    source: &str,
    status: SyncStatus,
    last_error: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sources SET last_sync_status = ?, last_error = ? WHERE name = ?")
        .bind(status.as_str())
        .bind(last_error)
        .bind(source)
        .execute(store.pool())
        .await
        .map_err(db("record sync status"))?;
    Ok(())
}
