//! Result files inside a source, routed at [`ResultKind::of`]: OpenLineage events (to
//! meshlens-lineage, and to meshlens-quality when they carry `dataQualityAssertions` or
//! `dataQualityMetrics` facets) and quality results (dbt `run_results.json` + `manifest.json`,
//! Great Expectations validation results, Soda scans, to meshlens-quality). They are ingested after
//! the descriptor transaction commits (the ingesters write in their own, idempotent transactions)
//! and tracked in `result_files` so a re-sync skips unchanged ones exactly as it skips unchanged
//! descriptors.
//!
//! A changed file adds to the history (a dbt `target/` overwritten by each run keeps its past
//! runs). When a result file disappears upstream, what it brought in goes with it: its quality
//! outcomes and metrics, and its lineage events with everything derived from them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use meshlens_model::{FileClass, content_hash};
use meshlens_store::{Ctx, FileStat, Store, StoreError, StoredFileState, SyncStatus};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use crate::{FileError, SourceSyncReport};

/// Which ingester takes a result file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResultKind {
    OpenLineage,
    Quality,
    Agreement,
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
            FileClass::DbtRunResults
            | FileClass::DbtManifest
            | FileClass::GreatExpectations
            | FileClass::SodaScan => Some(ResultKind::Quality),
            FileClass::Agreement => Some(ResultKind::Agreement),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ResultKind::OpenLineage => "openlineage",
            ResultKind::Quality => "quality",
            ResultKind::Agreement => "agreement",
        }
    }

    fn parse(kind: &str) -> Option<ResultKind> {
        match kind {
            "openlineage" => Some(ResultKind::OpenLineage),
            "quality" => Some(ResultKind::Quality),
            "agreement" => Some(ResultKind::Agreement),
            _ => None,
        }
    }

    /// This kind's counters in the sync report.
    fn counters(self, report: &mut SourceSyncReport) -> &mut ResultFilesReport {
        match self {
            ResultKind::OpenLineage => &mut report.lineage,
            ResultKind::Quality => &mut report.quality,
            ResultKind::Agreement => &mut report.access,
        }
    }

    /// Ingests a result file's `bytes`; a `replacing` one (a server's listing) takes the place
    /// of what it brought before instead of adding to it.
    async fn ingest(
        self,
        store: &Store,
        source: &str,
        (rel, bytes): (&str, &[u8]),
        replacing: bool,
    ) -> Result<Ingested, String> {
        match self {
            ResultKind::OpenLineage => {
                let ingest = if replacing {
                    meshlens_lineage::replace_bytes(store, source, rel, bytes).await
                } else {
                    meshlens_lineage::ingest_bytes(store, source, rel, bytes).await
                };
                let report = ingest.map_err(|e| e.to_string())?;
                let mut ingested = Ingested {
                    imported: report.imported,
                    skipped: report.skipped,
                    rejected: report
                        .rejected
                        .into_iter()
                        .map(|i| line_error(i.file, i.line, i.message))
                        .collect(),
                    ..Ingested::default()
                };
                if carries_quality(bytes) {
                    let quality = quality_import(store, source, rel, bytes).await?;
                    // A line lineage refused is reported once, by lineage.
                    let refused: Vec<u32> = ingested.rejected.iter().map(|e| e.line).collect();
                    ingested.rejected.extend(
                        quality
                            .rejected
                            .into_iter()
                            .filter(|e| !refused.contains(&e.line)),
                    );
                    ingested.quality = Some((quality.imported, quality.skipped));
                }
                Ok(ingested)
            }
            ResultKind::Quality => quality_import(store, source, rel, bytes).await,
            ResultKind::Agreement => agreement_import(store, source, rel, bytes).await,
        }
    }
}

/// Validates an agreement file against its schema and stores it; an invalid file keeps the
/// agreement last read from it, as a descriptor keeps its last good version.
async fn agreement_import(
    store: &Store,
    source: &str,
    rel: &str,
    bytes: &[u8],
) -> Result<Ingested, String> {
    let issues = |issues: Vec<meshlens_model::Issue>| -> Vec<FileError> {
        issues
            .into_iter()
            .map(|i| crate::engine::issue_error(rel, i))
            .collect()
    };
    match meshlens_model::read_agreement(rel, bytes) {
        Ok((agreement, warnings)) => {
            store
                .upsert_agreement(source, rel, &agreement)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Ingested {
                imported: 1,
                warnings: issues(warnings),
                ..Ingested::default()
            })
        }
        Err(errors) => Ok(Ingested {
            rejected: issues(errors),
            ..Ingested::default()
        }),
    }
}

/// Whether an OpenLineage file holds facets meshlens-quality reads (a byte scan is far cheaper
/// than parsing a large event file twice).
fn carries_quality(bytes: &[u8]) -> bool {
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    has(b"\"dataQualityAssertions\"") || has(b"\"dataQualityMetrics\"")
}

async fn quality_import(
    store: &Store,
    source: &str,
    rel: &str,
    bytes: &[u8],
) -> Result<Ingested, String> {
    let report = meshlens_quality::import_bytes(store, Some(source), rel, bytes)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Ingested {
        imported: report.imported,
        skipped: report.skipped,
        rejected: report
            .rejected
            .into_iter()
            .map(|r| line_error(r.file, r.line, r.message))
            .collect(),
        ..Ingested::default()
    })
}

fn line_error(file: String, line: u64, message: String) -> FileError {
    FileError {
        file,
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: 0,
        message,
        pointer: String::new(),
    }
}

#[derive(Default)]
struct Ingested {
    imported: u64,
    skipped: u64,
    rejected: Vec<FileError>,
    /// Reported when the file is ingested (an agreement of a version meshlens has no schema for).
    warnings: Vec<FileError>,
    /// Quality outcomes (imported, skipped) found in an OpenLineage file's facets.
    quality: Option<(u64, u64)>,
}

impl Ingested {
    /// Adds what a file of `kind` brought to the report.
    fn count(self, kind: ResultKind, report: &mut SourceSyncReport) {
        if let Some((imported, skipped)) = self.quality {
            report.quality.imported += imported;
            report.quality.skipped += skipped;
        }
        let counters = kind.counters(report);
        counters.files += 1;
        counters.imported += self.imported;
        counters.skipped += self.skipped;
        counters.rejected += self.rejected.len() as u64;
        report.errors.extend(self.rejected);
        report.warnings.extend(self.warnings);
    }
}

/// What one sync did with one kind of result file (`lineage` and `quality` in
/// [`SourceSyncReport`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResultFilesReport {
    /// Files read and ingested by this sync (new or changed).
    pub files: u64,
    /// Files skipped because they are as they were when last ingested.
    pub unchanged: u64,
    /// Records stored for the first time (events; check outcomes for `quality`, including
    /// those found in OpenLineage facets).
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
    .ctx("read result file index")?;
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
    pub content: ResultContent,
    pub mtime: i64,
    pub kind: ResultKind,
}

/// Where a pending result file's bytes are.
pub(crate) enum ResultContent {
    /// A file of the source, read again when it is ingested.
    File {
        abs: PathBuf,
        /// The sync's size limit, checked again when the file is re-read.
        max_bytes: u64,
    },
    /// What a catalog server's pull listed (its lineage), held in memory. Such a listing is
    /// whole at every sync, so it replaces what it brought before instead of adding to it.
    Listing(Vec<u8>),
}

impl ResultContent {
    /// The bytes to ingest. A file is re-read rather than carried over from the parse phase: at
    /// most one result file is held in memory, and the hash recorded is that of the bytes
    /// actually ingested.
    fn bytes(self, rel: &str) -> Result<Vec<u8>, FileError> {
        let (abs, max_bytes) = match self {
            ResultContent::Listing(bytes) => return Ok(bytes),
            ResultContent::File { abs, max_bytes } => (abs, max_bytes),
        };
        meshlens_model::read_capped(&abs, max_bytes).map_err(|e| {
            let message = match e {
                meshlens_model::ReadError::Io(e) => format!("cannot read: {e}"),
                too_large => too_large.to_string(),
            };
            FileError::whole_file(rel, message)
        })
    }
}

/// Brings a catalog server's listing (`rel`, of `kind`) through the bookkeeping of result files: as
/// tracked, it is counted unchanged; changed or new, it replaces what it brought before; empty,
/// what it brought is forgotten.
pub(crate) async fn sync_listing(
    store: &Store,
    source: &str,
    (rel, kind): (&str, ResultKind),
    bytes: Vec<u8>,
    report: &mut SourceSyncReport,
) -> Result<(), StoreError> {
    let tracked = tracked(store, source).await?;
    let mut work = ResultWork::default();
    match tracked.get(rel) {
        Some(known) if known.state.content_hash == content_hash(&bytes) => {
            count_unchanged(known, report);
            return Ok(());
        }
        // A listing untracked yet may still have events from before its bookkeeping.
        _ if bytes.is_empty() => work.forget.push(rel.to_string()),
        _ => work.ingest.push(PendingResult {
            rel: rel.to_string(),
            content: ResultContent::Listing(bytes),
            mtime: 0,
            kind,
        }),
    }
    work.run(store, source, report, || false, || {}).await?;
    Ok(())
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
        forget_files(store, source, &self.forget, report).await;
        // The bookkeeping of every file in one commit: after a fresh checkout every mtime moved.
        let mut tx = store.begin_write().await.ctx("begin result file state")?;
        for path in &self.forget {
            sqlx::query("DELETE FROM result_files WHERE source = ? AND path = ?")
                .bind(source)
                .bind(path)
                .execute(&mut *tx)
                .await
                .ctx("forget result file")?;
        }
        for (path, stat) in &self.touch {
            sqlx::query(
                "UPDATE result_files SET size = ?, mtime = ? WHERE source = ? AND path = ?",
            )
            .bind(i64::try_from(stat.size).unwrap_or(i64::MAX))
            .bind(stat.mtime)
            .bind(source)
            .bind(path)
            .execute(&mut *tx)
            .await
            .ctx("update result file state")?;
        }
        tx.commit().await.ctx("commit result file state")?;
        let mut ingest = self.ingest;
        // dbt run results are mapped through the manifest of their folder: manifests go first.
        ingest.sort_by_key(|f| !f.rel.ends_with("manifest.json"));
        let total = ingest.len();
        for (done, file) in ingest.into_iter().enumerate() {
            if stop() {
                return Ok(total - done);
            }
            ingest_one(store, source, file, report).await?;
            on_file();
        }
        Ok(0)
    }
}

/// Takes away what result files that are gone (or no longer result files) brought in; lineage
/// re-derives its graph once for all of them. A failure is reported and the sync goes on; the
/// tracking rows still go, so the next sync does not retry, which is why it is an error.
async fn forget_files(
    store: &Store,
    source: &str,
    paths: &[String],
    report: &mut SourceSyncReport,
) {
    if paths.is_empty() {
        return;
    }
    let mut failures = Vec::new();
    if let Err(e) = meshlens_quality::remove_file_results(store, source, paths).await {
        failures.extend(paths.iter().map(|p| (p.as_str(), e.to_string())));
    }
    if let Err(e) = store.remove_agreements(source, paths).await {
        failures.extend(paths.iter().map(|p| (p.as_str(), e.to_string())));
    }
    if let Err(e) = meshlens_lineage::forget_events(store, source, Some(paths)).await {
        failures.extend(paths.iter().map(|p| (p.as_str(), e.to_string())));
    }
    for (path, failure) in failures {
        report.errors.push(FileError::whole_file(
            path,
            format!("removed upstream, but what it brought could not be removed from the cache: {failure}"),
        ));
    }
}

async fn ingest_one(
    store: &Store,
    source: &str,
    file: PendingResult,
    report: &mut SourceSyncReport,
) -> Result<(), StoreError> {
    let PendingResult {
        rel,
        content,
        mtime,
        kind,
    } = file;
    let replacing = matches!(content, ResultContent::Listing(_));
    let bytes = match content.bytes(&rel) {
        Ok(bytes) => bytes,
        Err(unreadable) => {
            report.errors.push(unreadable);
            return Ok(());
        }
    };
    let started = std::time::Instant::now();
    let ingested = match kind.ingest(store, source, (&rel, &bytes), replacing).await {
        Ok(ingested) => ingested,
        Err(message) => {
            // Nothing is tracked, so the next sync tries the file again.
            report.errors.push(FileError::whole_file(
                &rel,
                format!("cannot ingest: {message}"),
            ));
            return Ok(());
        }
    };
    track(
        store,
        source,
        (&rel, kind, mtime),
        &bytes,
        &ingested.rejected,
    )
    .await?;
    tracing::debug!(
        file = %rel,
        bytes = bytes.len(),
        imported = ingested.imported,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "result file ingested"
    );
    ingested.count(kind, report);
    Ok(())
}

/// Records the result file `rel` of `kind` as ingested from `bytes`, with the lines it refused.
async fn track(
    store: &Store,
    source: &str,
    (rel, kind, mtime): (&str, ResultKind, i64),
    bytes: &[u8],
    rejected: &[FileError],
) -> Result<(), StoreError> {
    let rejected = if rejected.is_empty() {
        None
    } else {
        Some(
            serde_json::to_string(rejected).map_err(|source| StoreError::Encode {
                what: format!("rejected lines of {rel}"),
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
    .bind(rel)
    .bind(kind.as_str())
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(mtime)
    .bind(content_hash(bytes))
    .bind(rejected)
    .execute(store.pool())
    .await
    .ctx("record result file")?;
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
        .ctx("record sync status")?;
    Ok(())
}
