use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use meshlens_model::{
    DocumentError, FileClass, Issue, ParseOptions, ParsedDocument, Severity, classify,
    content_hash, parse_document_with,
};
use meshlens_store::{
    EntityConflict, EntityKind, FileStat, PortDirection, SourceConfig, SourceKind, Store,
    StoredFileState, SyncStatus, SyncTx, UpsertOutcome,
};
use rayon::prelude::*;
use tokio::sync::mpsc;

use crate::scan::{Candidate, Scan, scan};
use crate::{FileError, SourceSyncReport, SyncContext, SyncError, SyncPhase, SyncProgress, git};

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
    /// A lineage/quality/result file or similar: not ours to store as a descriptor.
    NotDescriptor {
        rel: String,
    },
    Failed {
        errors: Vec<FileError>,
    },
}

/// Syncs one source into the store and reports what changed.
///
/// `progress` must be `Send + Sync` so the returned future can run on any runtime thread.
pub async fn sync_source(
    store: &Store,
    source: &SourceConfig,
    ctx: &SyncContext,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<SourceSyncReport, SyncError> {
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
    emit(SyncPhase::Scanning, 0, 0);
    let root = match resolve_root(source, ctx).await {
        Ok(root) => root,
        Err(reason) => {
            store.record_sync_failure(&name, &reason).await?;
            return Err(SyncError::SourceUnreadable {
                source_name: name,
                reason,
            });
        }
    };
    let scanned = {
        let root = root.clone();
        tokio::task::spawn_blocking(move || scan(&root, |_| {}))
            .await
            .map_err(|e| worker_failed(&name, e))?
    };
    check_cancel(ctx, &name)?;
    emit(
        SyncPhase::Scanning,
        scanned.files.len(),
        scanned.files.len(),
    );

    let index = store.document_index(&name).await?;
    let plan = Plan::new(scanned, &index, ctx.options.full);
    emit(
        SyncPhase::Reading,
        plan.fast_unchanged.len(),
        plan.total_files,
    );

    let mut tx = store.begin_sync(&name).await?;
    let mut errors = plan.scan_errors;
    let mut warnings = Vec::new();
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
    let mut done = 0;
    while let Some(outcomes) = receiver.recv().await {
        check_cancel(ctx, &name)?;
        done += outcomes.len();
        for outcome in outcomes {
            apply(&mut tx, &index, outcome, &mut errors, &mut warnings).await?;
        }
        emit(SyncPhase::Parsing, done, to_read);
    }
    producer.await.map_err(|e| worker_failed(&name, e))?;
    check_cancel(ctx, &name)?;

    emit(SyncPhase::Writing, 0, 1);
    let status = if errors.is_empty() {
        SyncStatus::Ok
    } else {
        SyncStatus::Partial
    };
    let applied = tx.commit(status, summary(&errors).as_deref()).await?;
    emit(SyncPhase::Writing, 1, 1);

    for missing in store.missing_contracts(&name).await? {
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
        warnings.push(FileError::whole_file(
            missing.path,
            format!(
                "{direction} port '{}' of product '{}' points at contract '{}'{version}, which is not in the cache",
                missing.port.port, missing.product_id, missing.port.contract_id
            ),
        ));
    }
    emit(SyncPhase::Done, plan.total_files, plan.total_files);
    Ok(SourceSyncReport {
        name,
        applied,
        errors,
        warnings,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// The checkout or folder to walk; an error when the source cannot be read at all.
async fn resolve_root(source: &SourceConfig, ctx: &SyncContext) -> Result<PathBuf, String> {
    let root = match &source.kind {
        SourceKind::Folder { path } => path.clone(),
        SourceKind::Git { url, branch } => {
            let (data_dir, name, url, branch) = (
                ctx.data_dir.clone(),
                source.name.clone(),
                url.clone(),
                branch.clone(),
            );
            tokio::task::spawn_blocking(move || {
                git::checkout(&data_dir, &name, &url, branch.as_deref())
            })
            .await
            .map_err(|e| format!("the git worker stopped: {e}"))??
        }
    };
    check_root(&root)?;
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

fn check_cancel(ctx: &SyncContext, name: &str) -> Result<(), SyncError> {
    if ctx.cancel.is_cancelled() {
        return Err(SyncError::Cancelled(name.to_string()));
    }
    Ok(())
}

fn worker_failed(name: &str, e: tokio::task::JoinError) -> SyncError {
    SyncError::Worker {
        source_name: name.to_string(),
        reason: e.to_string(),
    }
}

/// The decisions that need no file content.
struct Plan {
    total_files: usize,
    fast_unchanged: Vec<String>,
    /// Candidates to read, with the stored hash when the path is cached.
    to_read: Vec<(Candidate, Option<String>)>,
    deleted: Vec<String>,
    scan_errors: Vec<FileError>,
}

impl Plan {
    fn new(scanned: Scan, index: &HashMap<String, StoredFileState>, full: bool) -> Plan {
        let present: HashSet<&str> = scanned.files.iter().map(|c| c.rel.as_str()).collect();
        let mut deleted: Vec<String> = index
            .keys()
            .filter(|path| !present.contains(path.as_str()) && !scanned.covers_unreadable(path))
            .cloned()
            .collect();
        deleted.sort();
        let total_files = scanned.files.len();
        let mut fast_unchanged = Vec::new();
        let mut to_read = Vec::new();
        for candidate in scanned.files {
            match index.get(&candidate.rel) {
                Some(stored)
                    if !full
                        && stored.size == candidate.stat.size
                        && stored.mtime == candidate.stat.mtime =>
                {
                    fast_unchanged.push(candidate.rel)
                }
                stored => {
                    let hash = stored.map(|s| s.content_hash.clone());
                    to_read.push((candidate, hash))
                }
            }
        }
        Plan {
            total_files,
            fast_unchanged,
            to_read,
            deleted,
            scan_errors: scanned.errors,
        }
    }
}

/// Runs on the parser pool: size check, read, hash, classify, parse.
fn read_file(c: &Candidate, stored_hash: Option<&str>, options: &ParseOptions) -> FileOutcome {
    let rel = c.rel.clone();
    if c.stat.size > options.max_bytes {
        let error = DocumentError::TooLarge {
            size: c.stat.size,
            limit: options.max_bytes,
        };
        return FileOutcome::Failed {
            errors: vec![FileError::whole_file(rel, error.to_string())],
        };
    }
    let bytes = match std::fs::read(&c.abs) {
        Ok(bytes) => bytes,
        Err(e) => {
            return FileOutcome::Failed {
                errors: vec![FileError::whole_file(rel, format!("cannot read: {e}"))],
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

fn issue_error(file: &str, issue: Issue) -> FileError {
    FileError {
        file: file.to_string(),
        line: issue.line,
        column: issue.column,
        message: issue.message,
        pointer: issue.pointer,
    }
}

async fn apply(
    tx: &mut SyncTx,
    index: &HashMap<String, StoredFileState>,
    outcome: FileOutcome,
    errors: &mut Vec<FileError>,
    warnings: &mut Vec<FileError>,
) -> Result<(), SyncError> {
    match outcome {
        FileOutcome::SameContent { rel, stat } => tx.unchanged(&rel, Some(stat)).await?,
        FileOutcome::Parsed { rel, stat, doc } => match tx.upsert(&rel, stat, &doc).await? {
            UpsertOutcome::Added | UpsertOutcome::Updated => {
                warnings.extend(
                    doc.warnings
                        .into_iter()
                        .filter(|i| i.severity == Severity::Warning)
                        .map(|i| issue_error(&rel, i)),
                );
            }
            UpsertOutcome::Conflict(conflict) => errors.push(FileError::whole_file(
                &rel,
                conflict_message(&rel, tx.source(), &conflict),
            )),
        },
        FileOutcome::NotDescriptor { rel } => {
            // It used to be a descriptor; it is not one any more.
            if index.contains_key(&rel) {
                tx.delete(&rel).await?;
            }
        }
        FileOutcome::Failed {
            errors: file_errors,
        } => errors.extend(file_errors),
    }
    Ok(())
}

fn conflict_message(rel: &str, source: &str, c: &EntityConflict) -> String {
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
fn summary(errors: &[FileError]) -> Option<String> {
    let first = errors.first()?;
    let more = match errors.len() - 1 {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    Some(format!("{}: {}{more}", first.file, first.message))
}
