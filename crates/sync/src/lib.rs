//! Sources (folder, git) and the incremental sync engine.
//!
//! [`sync_source`] walks a source, skips files whose size and mtime match the cache, hashes and
//! parses the rest on all cores, and streams the results into one store transaction
//! ([`meshlens_store::SyncTx`]) that commits at the end: a crash or cancellation at any point
//! leaves the previous cache intact. Result files found in the source (OpenLineage events, dbt,
//! Great Expectations and Soda results) are then ingested into the lineage and quality tables
//! (see `results.rs`), each in its own idempotent transactions, and tracked so a re-sync skips
//! the unchanged ones.

mod engine;
mod git;
mod results;
mod scan;
mod server;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use meshlens_connectors::PullBudget;
use meshlens_store::{AppliedSync, StoreError};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use engine::sync_source;
pub use results::ResultFilesReport;
pub use server::{connect_server, server_kind};

/// Default per-file size limit (10 MiB): descriptors are small; anything bigger is a mistake.
pub const DEFAULT_MAX_FILE_BYTES: u64 = meshlens_model::DEFAULT_MAX_FILE_BYTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncOptions {
    /// Larger files are reported as errors without being read.
    pub max_file_bytes: u64,
    /// Re-read and re-hash every file instead of trusting size + mtime.
    pub full: bool,
    /// What a catalog server source's pull may read (it is held in memory until the write). Set
    /// from the configuration, never from a request.
    #[serde(skip)]
    #[ts(skip)]
    pub pull_budget: PullBudget,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            max_file_bytes: meshlens_model::Limits::process().max_file_bytes,
            full: false,
            pull_budget: PullBudget::default(),
        }
    }
}

/// Shared flag to stop a running sync; the cache then stays as it was before the sync.
#[derive(Debug, Clone, Default)]
pub struct CancellationFlag(Arc<AtomicBool>);

impl CancellationFlag {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Everything a sync needs besides the store and the source.
#[derive(Debug, Clone, Default)]
pub struct SyncContext {
    /// The app's data folder; git checkouts live in `<data_dir>/git/<source>`.
    pub data_dir: PathBuf,
    pub options: SyncOptions,
    pub cancel: CancellationFlag,
    /// Told what changed as soon as a source's descriptors are committed, before its result files
    /// are ingested, so the caller can update what derives from descriptors (the search index)
    /// while lineage and quality results are written.
    pub on_descriptors_committed: Option<DescriptorsCommitted>,
}

/// The hook of [`SyncContext::on_descriptors_committed`]: called with what the commit changed.
#[derive(Clone)]
pub struct DescriptorsCommitted(pub Arc<OnCommit>);

/// See [`DescriptorsCommitted`].
pub type OnCommit = dyn Fn(&AppliedSync) + Send + Sync;

impl std::fmt::Debug for DescriptorsCommitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DescriptorsCommitted(..)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum SyncPhase {
    /// Fetching (git) and walking the source folder.
    Scanning,
    /// Comparing files with the cache by size and modification time.
    Reading,
    /// Hashing and parsing the files that may have changed.
    Parsing,
    /// Committing to the cache.
    Writing,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncProgress {
    pub source: String,
    pub phase: SyncPhase,
    pub done: u64,
    /// 0 while unknown.
    pub total: u64,
}

/// A problem with one file (or folder) of a source. `file` is relative to the source root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FileError {
    pub file: String,
    /// 1-based; 0 when unknown.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    pub message: String,
    /// JSON pointer into the document, `""` when not about one field.
    pub pointer: String,
}

impl FileError {
    pub(crate) fn whole_file(file: impl Into<String>, message: impl Into<String>) -> FileError {
        FileError {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            pointer: String::new(),
        }
    }
}

/// The outcome of syncing one source. Serialized flat: `name`, `added`, `updated`, `removed`,
/// `unchanged` (descriptor files), `errors`, `warnings`, `lineage`, `quality`, `access`, `duration_ms`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SourceSyncReport {
    pub name: String,
    #[serde(flatten)]
    pub applied: AppliedSync,
    /// Files that could not be applied (they were skipped; the cache keeps their last good state).
    pub errors: Vec<FileError>,
    /// Applied, but worth a look (document warnings, ports naming contracts not in the cache).
    pub warnings: Vec<FileError>,
    /// OpenLineage files of the source: ingested, skipped as unchanged, events imported. Their
    /// rejected lines are also in `errors`.
    pub lineage: ResultFilesReport,
    /// Quality result files (dbt, Great Expectations, Soda): ingested, skipped as unchanged,
    /// check outcomes imported (also those of OpenLineage quality facets).
    pub quality: ResultFilesReport,
    /// Access request and agreement files (Data Usage Agreement Specification): ingested, skipped as
    /// unchanged, agreements stored. Invalid ones are also in `errors`.
    #[serde(default)]
    pub access: ResultFilesReport,
    pub duration_ms: u64,
}

impl SourceSyncReport {
    /// The report of source `name` before anything was read.
    pub fn named(name: impl Into<String>) -> SourceSyncReport {
        SourceSyncReport {
            name: name.into(),
            ..SourceSyncReport::default()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("source '{source_name}' cannot be read: {reason}")]
    SourceUnreadable { source_name: String, reason: String },
    #[error("sync of source '{0}' was cancelled; the cache is unchanged")]
    Cancelled(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sync of source '{source_name}' failed internally: {reason}")]
    Worker { source_name: String, reason: String },
}
