//! Sync of catalog server sources (OpenMetadata, DataHub, Marquez, Entropy Data, Amundsen).
//!
//! The connector pulls everything first (nothing is written while the network is in use); the
//! documents then go through the same parser and one `SyncTx` as files, with their upstream
//! provenance in the same transaction. A failed or cancelled pull writes nothing, so the last good
//! data of the source stays. The pull is incremental where the server's API allows: entities whose
//! upstream version and update time equal the cached provenance are not mapped, parsed or
//! validated again and keep their cached documents (a full pull without provenance or with
//! `--full`). Documents whose text did not change since the last sync are counted unchanged
//! without parsing; entities that left the server are removed. Since the pull is held in memory
//! until the write, it stops at the sync's [`PullBudget`](meshlens_connectors::PullBudget) of
//! bytes and entities: a catalog beyond it is an error that names the source and the limit.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use meshlens_connectors::{
    CheckOutcome, CheckStatus, ConnectorError, HttpPolicy, Known, PullContext, Pulled,
    PulledDocument, ServerKind,
};
use meshlens_model::{ParseOptions, ParsedDocument, Severity, content_hash, parse_document_with};
use meshlens_quality::{CatalogOutcome, CatalogStatus, CatalogTool};
use meshlens_store::{
    DocumentIndex, FileStat, ProvenanceRow, SourceConfig, SourceKind, Store, StoredFileState,
    SyncStatus, SyncTx, UpsertOutcome,
};
use rayon::prelude::*;

use crate::engine::{check_cancel, conflict_message, issue_error, summary, worker_failed};
use crate::results::{self, ResultKind};
use crate::{FileError, SourceSyncReport, SyncContext, SyncError, SyncPhase, SyncProgress};

/// Requests in flight per source: enough to hide latency, few enough not to hammer a server.
const CONCURRENCY: usize = 8;
/// Entities per page (Marquez's default maximum is 100; OpenMetadata accepts more).
const PAGE_SIZE: usize = 100;
/// Documents parsed at once before they are written.
const CHUNK: usize = 512;

/// The connector kind of a catalog server source; `None` for folder and git sources.
pub fn server_kind(kind: &SourceKind) -> Option<ServerKind> {
    Some(match kind {
        SourceKind::OpenMetadata { .. } => ServerKind::OpenMetadata,
        SourceKind::DataHub { .. } => ServerKind::DataHub,
        SourceKind::Marquez { .. } => ServerKind::Marquez,
        SourceKind::Entropy { .. } => ServerKind::Entropy,
        SourceKind::Amundsen { .. } => ServerKind::Amundsen,
        SourceKind::Folder { .. } | SourceKind::Git { .. } => return None,
    })
}

/// The source's client, and its search service's for Amundsen, with `policy`'s time-outs and
/// bounds.
pub async fn connect_server(
    source: &SourceConfig,
    kind: ServerKind,
    policy: HttpPolicy,
) -> Result<
    (
        meshlens_connectors::HttpClient,
        Option<meshlens_connectors::HttpClient>,
    ),
    ConnectorError,
> {
    match &source.kind {
        SourceKind::Amundsen { url, search_url } => {
            let (http, search) = meshlens_connectors::connect_amundsen(
                &source.name,
                url,
                search_url.as_deref(),
                policy,
            )
            .await?;
            Ok((http, Some(search)))
        }
        other => {
            let url = other.server_url().unwrap_or_default();
            let http =
                meshlens_connectors::connect_source_with(kind, &source.name, url, policy).await?;
            Ok((http, None))
        }
    }
}

enum Outcome {
    Unchanged,
    Parsed(Box<ParsedDocument>),
    Failed(Vec<FileError>),
}

/// Reports a phase's progress: (phase, done, total).
type Emit<'a> = dyn Fn(SyncPhase, u64, u64) + Send + Sync + 'a;

/// Syncs a catalog server, in named phases: what the cache knows, pull, tell unchanged documents by
/// hash, write the documents in one transaction, commit, then store the lineage, check runs,
/// agreements and usage figures the server gave.
pub(crate) async fn sync_server(
    store: &Store,
    source: &SourceConfig,
    kind: ServerKind,
    ctx: &SyncContext,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<SourceSyncReport, SyncError> {
    let started = Instant::now();
    let name = source.name.clone();
    let emit = |phase, done: u64, total: u64| {
        progress(SyncProgress {
            source: name.clone(),
            phase,
            done,
            total,
        })
    };
    emit(SyncPhase::Scanning, 0, 0);
    let index = Arc::new(store.document_index(&name).await?);
    let full = ctx.options.full;
    let known = known_entities(store, &name, &index.files, full).await?;
    let mut pulled = pull_server(store, source, kind, ctx, &known, &emit).await?;
    check_cancel(ctx, &name)?;
    tracing::debug!(
        source = %name,
        requests = pulled.requests,
        documents = pulled.documents.len(),
        kept = pulled.kept.len(),
        incremental = !known.is_empty(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "catalog server pulled"
    );
    let total = (pulled.documents.len() + pulled.kept.len()) as u64;
    emit(SyncPhase::Reading, 0, total);
    let documents = std::mem::take(&mut pulled.documents);
    let (documents, unchanged) = mark_unchanged(documents, &index, full, &name).await?;

    let mut tx = store.begin_sync_indexed(&index).await?;
    tx.set_pull_cursor(pulled.cursor);
    let mut report = SourceSyncReport::named(&name);
    let written = Written {
        documents,
        unchanged,
        kept: &pulled.kept,
        index: &index.files,
    };
    write_documents(&mut tx, written, ctx, &mut report, &|done| {
        emit(SyncPhase::Writing, done, total)
    })
    .await?;
    check_cancel(ctx, &name)?;
    let status = if report.errors.is_empty() {
        SyncStatus::Ok
    } else {
        SyncStatus::Partial
    };
    report.applied = tx
        .commit(status, summary(&report.errors).as_deref())
        .await?;
    if let Some(hook) = &ctx.on_descriptors_committed {
        (hook.0)(&report.applied);
    }

    let events = std::mem::take(&mut pulled.lineage_events);
    ingest_lineage(store, kind, events, &mut report).await?;
    ingest_check_outcomes(store, kind, &pulled.check_outcomes, &mut report).await;
    if let Some(agreements) = pulled.agreements.take() {
        store_agreements(store, &name, agreements, &mut report).await?;
    }
    store.replace_upstream_stats(&name, &pulled.stats).await?;
    emit(SyncPhase::Done, total, total);
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// What the cache holds of the source, so an incremental pull skips entities whose upstream
/// version and update time are those of the cached document, and where its last good sync left
/// the pull (its cursor); with `--full`, or nothing synced yet, everything is read again.
async fn known_entities(
    store: &Store,
    name: &str,
    index: &HashMap<String, StoredFileState>,
    full: bool,
) -> Result<Known, SyncError> {
    if full {
        return Ok(Known::default());
    }
    let origins = store.source_provenance(name).await?;
    let cursor = store.pull_cursor(name).await?;
    let known = Known::new(
        origins
            .into_iter()
            .filter(|origin| index.contains_key(&origin.path))
            .map(|origin| {
                (
                    origin.path,
                    origin.upstream_version,
                    origin.upstream_updated_at,
                )
            }),
    );
    Ok(known.with_cursor(cursor))
}

/// Connects and pulls. A server that cannot be read is recorded as the source's failure.
async fn pull_server(
    store: &Store,
    source: &SourceConfig,
    kind: ServerKind,
    ctx: &SyncContext,
    known: &Known,
    emit: &Emit<'_>,
) -> Result<Pulled, SyncError> {
    let fetched = |count: u64| emit(SyncPhase::Scanning, count, 0);
    let cancelled = || ctx.cancel.is_cancelled();
    let pull = async {
        let (http, search) = connect_server(source, kind, HttpPolicy::default()).await?;
        let pull_ctx = PullContext {
            http,
            search,
            budget: ctx.options.pull_budget,
            concurrency: CONCURRENCY,
            page_size: PAGE_SIZE,
            progress: &fetched,
            cancelled: &cancelled,
            known,
            scope: source.scope.as_ref(),
        };
        meshlens_connectors::pull(kind, &pull_ctx).await
    };
    let name = &source.name;
    match pull.await {
        Ok(pulled) => Ok(pulled),
        Err(ConnectorError::Cancelled(_)) => Err(SyncError::Cancelled(name.clone())),
        Err(err) => {
            let reason = err.to_string();
            store.record_sync_failure(name, &reason).await?;
            Err(SyncError::SourceUnreadable {
                source_name: name.clone(),
                reason,
            })
        }
    }
}

/// Which documents are as cached, by hash, before the write transaction starts; their text is
/// dropped at once, so a re-sync holds only what it has to write.
async fn mark_unchanged(
    mut documents: Vec<PulledDocument>,
    index: &Arc<DocumentIndex>,
    full: bool,
    name: &str,
) -> Result<(Vec<PulledDocument>, Vec<bool>), SyncError> {
    let index = index.clone();
    tokio::task::spawn_blocking(move || {
        let unchanged: Vec<bool> = documents
            .par_iter()
            .map(|doc| {
                !full
                    && index.files.get(&doc.path).is_some_and(|stored| {
                        stored.content_hash == content_hash(doc.text.as_bytes())
                    })
            })
            .collect();
        for (doc, same) in documents.iter_mut().zip(&unchanged) {
            if *same {
                doc.text = String::new();
            }
        }
        (documents, unchanged)
    })
    .await
    .map_err(|e| worker_failed(name, e))
}

/// What the write phase takes: the pulled documents with their unchanged marks, the paths the
/// pull kept without mapping, and the cache's documents before the sync.
struct Written<'a> {
    documents: Vec<PulledDocument>,
    unchanged: Vec<bool>,
    kept: &'a [String],
    index: &'a HashMap<String, StoredFileState>,
}

/// Deletes what the server no longer has, keeps what it kept, then parses the documents a chunk at a
/// time on all cores and writes each chunk with its provenance. Parsed documents are large
/// (original and canonical JSON): each chunk is freed before the next, so memory shrinks as the
/// sync goes on.
async fn write_documents(
    tx: &mut SyncTx,
    written: Written<'_>,
    ctx: &SyncContext,
    report: &mut SourceSyncReport,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(), SyncError> {
    let Written {
        mut documents,
        mut unchanged,
        kept,
        index,
    } = written;
    let name = report.name.clone();
    let present: HashSet<&str> = documents
        .iter()
        .map(|d| d.path.as_str())
        .chain(kept.iter().map(String::as_str))
        .collect();
    for path in index.keys().filter(|p| !present.contains(p.as_str())) {
        tx.delete(path).await?;
    }
    drop(present);
    // Unchanged upstream: the cached document and its provenance stay as they are.
    let mut done = 0;
    for path in kept {
        tx.unchanged(path, None).await?;
        done += 1;
    }
    let options = ParseOptions {
        max_bytes: ctx.options.max_file_bytes,
    };
    documents.reverse();
    unchanged.reverse();
    while !documents.is_empty() {
        check_cancel(ctx, &name)?;
        let at = documents.len().saturating_sub(CHUNK);
        let (mut chunk, mut same) = (documents.split_off(at), unchanged.split_off(at));
        chunk.reverse();
        same.reverse();
        let (chunk, outcomes) = tokio::task::spawn_blocking(move || {
            let outcomes: Vec<Outcome> = chunk
                .par_iter()
                .zip(same)
                .map(|(doc, same)| read(doc, same, &options))
                .collect();
            (chunk, outcomes)
        })
        .await
        .map_err(|e| worker_failed(&name, e))?;
        done += write_chunk(tx, chunk, outcomes, report).await?;
        progress(done);
    }
    Ok(())
}

/// Writes one parsed chunk and its provenance; returns how many documents it wrote.
async fn write_chunk(
    tx: &mut SyncTx,
    chunk: Vec<PulledDocument>,
    outcomes: Vec<Outcome>,
    report: &mut SourceSyncReport,
) -> Result<u64, SyncError> {
    let mut provenance = Vec::with_capacity(chunk.len());
    for (doc, outcome) in chunk.into_iter().zip(outcomes) {
        match outcome {
            Outcome::Unchanged => tx.unchanged(&doc.path, None).await?,
            Outcome::Failed(file_errors) => {
                report.errors.extend(file_errors);
                continue;
            }
            Outcome::Parsed(parsed) => {
                let stat = FileStat {
                    size: doc.text.len() as u64,
                    mtime: 0,
                };
                match tx.upsert(&doc.path, stat, &parsed).await? {
                    UpsertOutcome::Added | UpsertOutcome::Updated => report.warnings.extend(
                        parsed
                            .warnings
                            .iter()
                            .filter(|i| i.severity == Severity::Warning)
                            .map(|i| issue_error(&doc.path, i.clone())),
                    ),
                    UpsertOutcome::Conflict(conflict) => {
                        let message = conflict_message(&doc.path, &report.name, &conflict);
                        report
                            .errors
                            .push(FileError::whole_file(&doc.path, message));
                        continue;
                    }
                }
            }
        }
        provenance.push(ProvenanceRow {
            path: doc.path,
            upstream_id: doc.provenance.upstream_id,
            upstream_version: doc.provenance.upstream_version,
            upstream_updated_at: doc.provenance.upstream_updated_at,
        });
    }
    let written = provenance.len() as u64;
    tx.record_provenance(&provenance).await?;
    Ok(written)
}

/// Stores the lineage events a server pulled (after the commit: the sync transaction held the
/// write lock) as one listing, `<kind>-lineage.ndjson`, tracked like a result file of a folder:
/// unchanged, it is skipped; changed, it replaces what the server brought before, so an edge that
/// disappeared upstream leaves the graph. Its lines are sorted, so the same lineage listed in
/// another order is the same listing.
async fn ingest_lineage(
    store: &Store,
    kind: ServerKind,
    events: Vec<serde_json::Value>,
    report: &mut SourceSyncReport,
) -> Result<(), SyncError> {
    // Each event's tree is freed as soon as it is written: as text it takes a fraction of the memory.
    let mut lines: Vec<String> = events.into_iter().map(|e| e.to_string()).collect();
    lines.sort_unstable();
    let mut ndjson = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        ndjson.extend_from_slice(line.as_bytes());
        ndjson.push(b'\n');
    }
    let label = format!("{}-lineage.ndjson", kind.as_str());
    let listing = (label.as_str(), ResultKind::OpenLineage);
    let source = report.name.clone();
    results::sync_listing(store, &source, listing, ndjson, report).await?;
    Ok(())
}

/// Stores the data-quality check runs a server pulled.
async fn ingest_check_outcomes(
    store: &Store,
    kind: ServerKind,
    outcomes: &[CheckOutcome],
    report: &mut SourceSyncReport,
) {
    if outcomes.is_empty() {
        return;
    }
    let label = format!("{}-quality", kind.as_str());
    let outcomes = catalog_outcomes(kind, outcomes);
    match meshlens_quality::import_outcomes(store, &report.name, &label, &outcomes).await {
        Ok(imported) => {
            report.quality.files = 1;
            report.quality.imported = imported.imported;
            report.quality.skipped = imported.skipped;
        }
        Err(err) => report.warnings.push(FileError::whole_file(
            &label,
            format!("quality results not imported: {err}"),
        )),
    }
}

/// Makes the source's agreements those the server listed. Each is validated against the Data
/// Usage Agreement schema like an agreement file; one that fails keeps the agreement last read
/// from it and is reported, and one no longer listed is forgotten.
async fn store_agreements(
    store: &Store,
    source: &str,
    agreements: Vec<PulledDocument>,
    report: &mut SourceSyncReport,
) -> Result<(), SyncError> {
    let mut read = Vec::with_capacity(agreements.len());
    let mut kept = Vec::new();
    for doc in agreements {
        match meshlens_model::read_agreement(&doc.path, doc.text.as_bytes()) {
            Ok((agreement, warnings)) => {
                let warned = warnings.into_iter().map(|i| issue_error(&doc.path, i));
                report.warnings.extend(warned);
                read.push((doc.path, agreement));
            }
            Err(issues) => {
                report.access.rejected += 1;
                report
                    .errors
                    .extend(issues.into_iter().map(|i| issue_error(&doc.path, i)));
                kept.push(doc.path);
            }
        }
    }
    report.access.files = 1;
    report.access.imported = read.len() as u64;
    store.replace_agreements(source, &read, &kept).await?;
    Ok(())
}

/// The server's check runs in the quality store's terms.
fn catalog_outcomes(kind: ServerKind, outcomes: &[CheckOutcome]) -> Vec<CatalogOutcome> {
    let tool = match kind {
        ServerKind::DataHub => CatalogTool::DataHub,
        _ => CatalogTool::OpenMetadata,
    };
    outcomes
        .iter()
        .map(|o| CatalogOutcome {
            tool,
            check: o.check.clone(),
            check_type: o.check_type.clone(),
            data_source: o.data_source.clone(),
            dataset: o.dataset.clone(),
            column: o.column.clone(),
            status: match o.status {
                CheckStatus::Pass => CatalogStatus::Pass,
                CheckStatus::Fail => CatalogStatus::Fail,
                CheckStatus::Error => CatalogStatus::Error,
                CheckStatus::Skipped => CatalogStatus::Skipped,
            },
            observed: o.observed.clone(),
            expected: o.expected.clone(),
            at_ms: o.at_ms,
        })
        .collect()
}

/// Parses a document unless it is unchanged.
fn read(doc: &PulledDocument, unchanged: bool, options: &ParseOptions) -> Outcome {
    if unchanged {
        return Outcome::Unchanged;
    }
    match parse_document_with(&doc.path, doc.text.as_bytes(), options) {
        Ok(parsed) => Outcome::Parsed(Box::new(parsed)),
        Err(err) => Outcome::Failed(
            err.issues()
                .into_iter()
                .map(|i| issue_error(&doc.path, i))
                .collect(),
        ),
    }
}
