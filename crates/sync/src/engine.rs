use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use meshlens_model::{
    DocumentError, FileClass, Issue, Limits, ParseOptions, ParsedDocument, ReadError, Severity,
    classify, content_hash, parse_document_with, read_capped,
};
use meshlens_store::{
    EntityConflict, EntityKind, FileStat, PortDirection, SourceConfig, SourceKind, Store,
    StoredFileState, SyncStatus, SyncTx, UpsertOutcome,
};
use rayon::prelude::*;
use tokio::sync::mpsc;

use crate::results::{self, PendingResult, ResultContent, ResultKind, ResultWork, TrackedResult};
use crate::scan::{Candidate, Links, Scan, scan};
use crate::{
    FileError, SourceSyncReport, SyncContext, SyncError, SyncPhase, SyncProgress, git, server,
};

/// Files handed to the parser pool at a time; with a channel of two chunks this bounds how many
/// parsed documents wait in memory for the writer.
const CHUNK: usize = 64;

/// What reading one file produced.
enum FileOutcome {
    /// Same bytes as cached; only size/mtime moved.
    SameContent {
        rel: String,
        stat: FileStat,
    },
    Parsed {
        rel: String,
        stat: FileStat,
        doc: Box<ParsedDocument>,
    },
    /// A result file an ingester takes after the descriptor commit.
    Result(PendingResult),
    /// A result file without an ingester, or similar: not ours to store as a descriptor.
    NotDescriptor {
        rel: String,
    },
    Failed {
        errors: Vec<FileError>,
    },
}

/// Reports a phase's progress: (phase, done, total).
type Emit<'a> = dyn Fn(SyncPhase, usize, usize) + Send + Sync + 'a;

/// Syncs one source into the store and reports what changed.
///
/// A folder or git source goes through named phases: scan the tree, plan what needs reading
/// (nothing for files whose size and mtime are as cached), read and parse the rest on the parser
/// pool while one transaction writes them, commit, ingest the result files, and warn about ports
/// whose contract is missing. A catalog server goes to [`server::sync_server`].
///
/// `progress` must be `Send + Sync` so the returned future can run on any runtime thread.
pub async fn sync_source(
    store: &Store,
    source: &SourceConfig,
    ctx: &SyncContext,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<SourceSyncReport, SyncError> {
    if let Some(kind) = server::server_kind(&source.kind) {
        return server::sync_server(store, source, kind, ctx, progress).await;
    }
    let started = Instant::now();
    let name = source.name.clone();
    let emit = |phase, done: usize, total: usize| {
        progress(SyncProgress {
            source: name.clone(),
            phase,
            done: done as u64,
            total: total as u64,
        })
    };
    let scanned = scan_source(store, source, ctx, &emit).await?;
    let index = store.document_index(&name).await?;
    let tracked = results::tracked(store, &name).await?;
    let plan = Plan::new(scanned, &index.files, &tracked, ctx.options.full);
    let total_files = plan.total_files;
    emit(SyncPhase::Reading, plan.fast_unchanged.len(), total_files);

    // One connection writes the descriptor transaction and then the result files; checkpoints run
    // beside it from the descriptor commit on (see `Store::bulk_writer`).
    let writer = store.bulk_writer().await?;
    let mut tx = writer.begin_sync_indexed(&index).await?;
    let (mut report, result_work) =
        read_and_apply(&mut tx, plan, &index.files, &tracked, ctx, &emit).await?;
    let writes = 1 + result_work.ingest.len();
    emit(SyncPhase::Writing, 0, writes);
    report.applied = tx
        .commit(
            status_of(&report.errors),
            summary(&report.errors).as_deref(),
        )
        .await?;
    emit(SyncPhase::Writing, 1, writes);
    if let Some(hook) = &ctx.on_descriptors_committed {
        (hook.0)(&report.applied);
    }
    let checkpoints = store.background_checkpoints();
    // Result files are ingested after the commit: the sync transaction holds the write lock.
    if !result_work.is_empty() {
        ingest_results(store, &writer, result_work, &mut report, ctx, &|done| {
            emit(SyncPhase::Writing, done, writes)
        })
        .await?;
    }
    // Dropped, not closed: for an in-memory cache it is the store itself.
    drop(writer);
    checkpoints.finish().await;
    warn_missing_contracts(store, &mut report).await?;
    emit(SyncPhase::Done, total_files, total_files);
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

fn status_of(errors: &[FileError]) -> SyncStatus {
    if errors.is_empty() {
        SyncStatus::Ok
    } else {
        SyncStatus::Partial
    }
}

/// Finds the source's root (a git source is fetched first) and walks it on a blocking thread. An
/// unreadable root is recorded as the source's failure.
async fn scan_source(
    store: &Store,
    source: &SourceConfig,
    ctx: &SyncContext,
    emit: &Emit<'_>,
) -> Result<Scan, SyncError> {
    let name = &source.name;
    emit(SyncPhase::Scanning, 0, 0);
    let (root, links) = match resolve_root(source, ctx).await {
        Ok(found) => found,
        Err(reason) => {
            store.record_sync_failure(name, &reason).await?;
            return Err(SyncError::SourceUnreadable {
                source_name: name.clone(),
                reason,
            });
        }
    };
    let scanned = tokio::task::spawn_blocking(move || scan(&root, links, |_| {}))
        .await
        .map_err(|e| worker_failed(name, e))?;
    check_cancel(ctx, name)?;
    emit(
        SyncPhase::Scanning,
        scanned.files.len(),
        scanned.files.len(),
    );
    Ok(scanned)
}

/// Writes the plan's deletions and unchanged files, then reads and parses the files to read on the
/// parser pool, a chunk at a time, applying each chunk as it comes. Returns the report so far (its
/// errors and warnings) and the result files to ingest after the commit.
async fn read_and_apply(
    tx: &mut SyncTx,
    plan: Plan,
    index: &HashMap<String, StoredFileState>,
    tracked: &HashMap<String, TrackedResult>,
    ctx: &SyncContext,
    emit: &Emit<'_>,
) -> Result<(SourceSyncReport, ResultWork), SyncError> {
    let name = tx.source().to_owned();
    let mut state = ApplyState {
        index,
        tracked,
        errors: plan.scan_errors,
        warnings: plan.skipped_links,
        results: ResultWork {
            forget: plan.deleted_results,
            ..ResultWork::default()
        },
        unchanged_results: plan.unchanged_results,
    };
    for path in &plan.deleted {
        tx.delete(path).await?;
    }
    for path in &plan.fast_unchanged {
        tx.unchanged(path, None).await?;
    }
    let to_read = plan.to_read.len();
    let (sender, mut receiver) = mpsc::channel::<Vec<FileOutcome>>(2);
    let producer = {
        let options = ParseOptions {
            max_bytes: ctx.options.max_file_bytes,
        };
        let cancel = ctx.cancel.clone();
        let work = plan.to_read;
        tokio::task::spawn_blocking(move || {
            for chunk in work.chunks(CHUNK) {
                if cancel.is_cancelled() {
                    return;
                }
                let outcomes = chunk
                    .par_iter()
                    .map(|(c, hash)| read_file(c, hash.as_deref(), &options))
                    .collect();
                if sender.blocking_send(outcomes).is_err() {
                    return; // the writer stopped (error or cancellation)
                }
            }
        })
    };
    let parse_started = Instant::now();
    let mut done = 0;
    while let Some(outcomes) = receiver.recv().await {
        check_cancel(ctx, &name)?;
        done += outcomes.len();
        for outcome in outcomes {
            state.apply(tx, outcome).await?;
        }
        emit(SyncPhase::Parsing, done, to_read);
    }
    producer.await.map_err(|e| worker_failed(&name, e))?;
    check_cancel(ctx, &name)?;
    tracing::debug!(
        source = %name,
        files = to_read,
        elapsed_ms = parse_started.elapsed().as_millis() as u64,
        "descriptors read and written"
    );
    let mut report = SourceSyncReport {
        errors: state.errors,
        warnings: state.warnings,
        ..SourceSyncReport::named(name)
    };
    for path in &state.unchanged_results {
        if let Some(t) = tracked.get(path) {
            results::count_unchanged(t, &mut report);
        }
    }
    Ok((report, state.results))
}

/// Ingests the result files after the descriptor commit, through the bulk writer; a cancelled sync
/// leaves the rest for the next one. When they add errors, the source's status is written again.
async fn ingest_results(
    store: &Store,
    writer: &Store,
    work: ResultWork,
    report: &mut SourceSyncReport,
    ctx: &SyncContext,
    written: &(dyn Fn(usize) + Send + Sync),
) -> Result<(), SyncError> {
    let name = report.name.clone();
    let results_started = Instant::now();
    let errors_before = report.errors.len();
    let mut done = 1;
    let left = work
        .run(
            writer,
            &name,
            report,
            || ctx.cancel.is_cancelled(),
            || {
                done += 1;
                written(done);
            },
        )
        .await?;
    if left > 0 {
        report.warnings.push(FileError::whole_file(
            "",
            format!("sync cancelled while ingesting result files; {left} left for the next sync"),
        ));
    }
    tracing::debug!(
        source = %name,
        elapsed_ms = results_started.elapsed().as_millis() as u64,
        "result files ingested"
    );
    if report.errors.len() > errors_before {
        let summary = summary(&report.errors);
        results::record_status(store, &name, status_of(&report.errors), summary.as_deref()).await?;
    }
    Ok(())
}

/// A warning for each port of the source's products whose contract is not in the cache.
async fn warn_missing_contracts(
    store: &Store,
    report: &mut SourceSyncReport,
) -> Result<(), SyncError> {
    for missing in store.missing_contracts(&report.name).await? {
        let direction = match missing.port.direction {
            PortDirection::In => "input",
            PortDirection::Out => "output",
        };
        let version = missing
            .port
            .version
            .as_deref()
            .map(|v| format!(" version {v}"))
            .unwrap_or_default();
        report.warnings.push(FileError::whole_file(
            missing.path,
            format!(
                "{direction} port '{}' of product '{}' points at contract '{}'{version}, which is not in the cache",
                missing.port.port, missing.product_id, missing.port.contract_id
            ),
        ));
    }
    Ok(())
}

/// The checkout or folder to walk and the links to follow in it; an error when the source cannot be
/// read at all.
async fn resolve_root(
    source: &SourceConfig,
    ctx: &SyncContext,
) -> Result<(PathBuf, Links), String> {
    let root = match &source.kind {
        SourceKind::Folder { path } => (path.clone(), Links::InsideRoot),
        SourceKind::Git { url, branch } => {
            let (data_dir, name, url, branch) = (
                ctx.data_dir.clone(),
                source.name.clone(),
                url.clone(),
                branch.clone(),
            );
            let checkout = tokio::task::spawn_blocking(move || {
                git::checkout(&data_dir, &name, &url, branch.as_deref())
            })
            .await
            .map_err(|e| format!("the git worker stopped: {e}"))??;
            (checkout, Links::Never)
        }
        server => return Err(format!("{} sources are read over HTTP", server.as_str())),
    };
    check_root(&root.0)?;
    Ok(root)
}

fn check_root(root: &Path) -> Result<(), String> {
    match std::fs::read_dir(root) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("folder {} does not exist", root.display()))
        }
        Err(e) => Err(format!("cannot read folder {}: {e}", root.display())),
    }
}

pub(crate) fn check_cancel(ctx: &SyncContext, name: &str) -> Result<(), SyncError> {
    if ctx.cancel.is_cancelled() {
        return Err(SyncError::Cancelled(name.to_string()));
    }
    Ok(())
}

pub(crate) fn worker_failed(name: &str, e: tokio::task::JoinError) -> SyncError {
    SyncError::Worker {
        source_name: name.to_string(),
        reason: e.to_string(),
    }
}

/// The decisions that need no file content.
struct Plan {
    total_files: usize,
    fast_unchanged: Vec<String>,
    /// Tracked result files whose size and mtime match.
    unchanged_results: Vec<String>,
    /// Candidates to read, with the stored hash when the path is cached or tracked.
    to_read: Vec<(Candidate, Option<String>)>,
    deleted: Vec<String>,
    deleted_results: Vec<String>,
    scan_errors: Vec<FileError>,
    skipped_links: Vec<FileError>,
}

impl Plan {
    fn new(
        scanned: Scan,
        index: &HashMap<String, StoredFileState>,
        tracked: &HashMap<String, TrackedResult>,
        full: bool,
    ) -> Plan {
        let present: HashSet<&str> = scanned.files.iter().map(|c| c.rel.as_str()).collect();
        let gone = |paths: &mut dyn Iterator<Item = &String>| {
            let mut gone: Vec<String> = paths
                .filter(|path| !present.contains(path.as_str()) && !scanned.covers_unreadable(path))
                .cloned()
                .collect();
            gone.sort();
            gone
        };
        let deleted = gone(&mut index.keys());
        let deleted_results = gone(&mut tracked.keys());
        let total_files = scanned.files.len();
        let mut fast_unchanged = Vec::new();
        let mut unchanged_results = Vec::new();
        let mut to_read = Vec::new();
        for candidate in scanned.files {
            let same = |stored: &StoredFileState| {
                !full && stored.size == candidate.stat.size && stored.mtime == candidate.stat.mtime
            };
            let result = tracked.get(&candidate.rel).map(|t| &t.state);
            match (index.get(&candidate.rel), result) {
                (Some(stored), _) if same(stored) => fast_unchanged.push(candidate.rel),
                (None, Some(stored)) if same(stored) => unchanged_results.push(candidate.rel),
                (stored, result) => {
                    let hash = stored.or(result).map(|s| s.content_hash.clone());
                    to_read.push((candidate, hash))
                }
            }
        }
        Plan {
            total_files,
            fast_unchanged,
            unchanged_results,
            to_read,
            deleted,
            deleted_results,
            scan_errors: scanned.errors,
            skipped_links: scanned.skipped_links,
        }
    }
}

/// Runs on the parser pool: size check, read, hash, classify, parse.
fn read_file(c: &Candidate, stored_hash: Option<&str>, options: &ParseOptions) -> FileOutcome {
    let rel = c.rel.clone();
    let limits = Limits::process();
    let limit = limits.read_limit(&rel, options.max_bytes);
    // Refused from its size before a byte is read, even if it grew since the walk.
    let bytes = match read_capped(&c.abs, limit) {
        Ok(bytes) => bytes,
        Err(ReadError::Io(e)) => {
            return FileOutcome::Failed {
                errors: vec![FileError::whole_file(rel, format!("cannot read: {e}"))],
            };
        }
        Err(too_large) => {
            return FileOutcome::Failed {
                errors: vec![FileError::whole_file(rel, too_large.to_string())],
            };
        }
    };
    // The file may have changed between the walk and the read; record what was actually read.
    let stat = FileStat {
        size: bytes.len() as u64,
        mtime: c.stat.mtime,
    };
    if stored_hash == Some(content_hash(&bytes).as_str()) {
        return FileOutcome::SameContent { rel, stat };
    }
    let class = classify(&rel, &bytes);
    if let Err(too_large) = limits.admit(class, stat.size, options.max_bytes) {
        return FileOutcome::Failed {
            errors: vec![FileError::whole_file(rel, too_large.to_string())],
        };
    }
    if let Some(kind) = ResultKind::of(&rel, class, &bytes) {
        return FileOutcome::Result(PendingResult {
            rel,
            content: ResultContent::File {
                abs: c.abs.clone(),
                max_bytes: limit,
            },
            mtime: stat.mtime,
            kind,
        });
    }
    if class.is_ingestible_result() || class == FileClass::NotStructured {
        return FileOutcome::NotDescriptor { rel };
    }
    match parse_document_with(&rel, &bytes, options) {
        Ok(doc) => FileOutcome::Parsed {
            rel,
            stat,
            doc: Box::new(doc),
        },
        Err(DocumentError::UnknownKind { hint }) => FileOutcome::Failed {
            errors: vec![FileError::whole_file(
                rel,
                format!("not a data product or contract ({hint})"),
            )],
        },
        Err(error) => FileOutcome::Failed {
            errors: error
                .issues()
                .into_iter()
                .map(|i| issue_error(&rel, i))
                .collect(),
        },
    }
}

pub(crate) fn issue_error(file: &str, issue: Issue) -> FileError {
    FileError {
        file: file.to_string(),
        line: issue.line,
        column: issue.column,
        message: issue.message,
        pointer: issue.pointer,
    }
}

/// The descriptor transaction's running state: what is cached, and what the sync found so far.
struct ApplyState<'a> {
    index: &'a HashMap<String, StoredFileState>,
    tracked: &'a HashMap<String, TrackedResult>,
    errors: Vec<FileError>,
    warnings: Vec<FileError>,
    results: ResultWork,
    /// Tracked result files found unchanged (by stat in the plan, or by content here).
    unchanged_results: Vec<String>,
}

impl ApplyState<'_> {
    async fn apply(&mut self, tx: &mut SyncTx, outcome: FileOutcome) -> Result<(), SyncError> {
        match outcome {
            FileOutcome::SameContent { rel, stat } => {
                if self.index.contains_key(&rel) {
                    tx.unchanged(&rel, Some(stat)).await?
                } else {
                    self.results.touch.push((rel.clone(), stat));
                    self.unchanged_results.push(rel);
                }
            }
            FileOutcome::Parsed { rel, stat, doc } => {
                self.forget_result(&rel);
                match tx.upsert(&rel, stat, &doc).await? {
                    UpsertOutcome::Added | UpsertOutcome::Updated => {
                        self.warnings.extend(
                            doc.warnings
                                .into_iter()
                                .filter(|i| i.severity == Severity::Warning)
                                .map(|i| issue_error(&rel, i)),
                        );
                    }
                    UpsertOutcome::Conflict(conflict) => self.errors.push(FileError::whole_file(
                        &rel,
                        conflict_message(&rel, tx.source(), &conflict),
                    )),
                }
            }
            FileOutcome::Result(pending) => {
                // It used to be a descriptor; it is a result file now.
                if self.index.contains_key(&pending.rel) {
                    tx.delete(&pending.rel).await?;
                }
                self.results.ingest.push(pending);
            }
            FileOutcome::NotDescriptor { rel } => {
                // It used to be a descriptor or a tracked result; it is neither any more.
                if self.index.contains_key(&rel) {
                    tx.delete(&rel).await?;
                }
                self.forget_result(&rel);
            }
            FileOutcome::Failed {
                errors: file_errors,
            } => self.errors.extend(file_errors),
        }
        Ok(())
    }

    fn forget_result(&mut self, rel: &str) {
        if self.tracked.contains_key(rel) {
            self.results.forget.push(rel.to_string());
        }
    }
}

pub(crate) fn conflict_message(rel: &str, source: &str, c: &EntityConflict) -> String {
    let what = match c.kind {
        EntityKind::Product => format!("product id '{}'", c.id),
        EntityKind::Contract => match &c.version {
            Some(v) => format!("contract id '{}' version {v}", c.id),
            None => format!("contract id '{}'", c.id),
        },
    };
    format!(
        "duplicate {what}: {source}:{rel} and {}:{} both declare it; kept {}:{} and skipped this file",
        c.source, c.path, c.source, c.path
    )
}

/// The source's `last_error`: the first problem, and how many more.
pub(crate) fn summary(errors: &[FileError]) -> Option<String> {
    let first = errors.first()?;
    let more = match errors.len() - 1 {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    Some(format!("{}: {}{more}", first.file, first.message))
}
