//! SQLite cache: migrations, WAL, atomic sync commits, queries.
//!
//! One [`Store`] wraps a connection pool. Sync writes go through [`SyncTx`], a single open
//! transaction per source, so a crash at any point leaves the previous committed cache readable.

mod access;
mod adoption_history;
mod change_lists;
mod checkpoint;
mod error;
mod feed;
mod feedback;
mod git_source;
mod health;
mod history;
mod port_links;
mod provenance;
mod reads;
mod sources;
mod sync_tx;
mod upstream_stats;
mod version;

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use sqlx::sqlite::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqlitePool, Transaction};

use history::RecentTexts;

pub use access::StoredAgreement;
pub use adoption_history::{AdoptionFigures, AdoptionPoint};
pub use checkpoint::Checkpointer;
pub use error::{Ctx, DbError, StorageFault, StoreError, io_fault, storage_fault};
pub use feed::{FollowRow, HistoryFootprint, SyncRow, VersionRow, VersionSummary};
pub use feedback::{FeedbackRow, NewFeedback};
pub use git_source::{
    GIT_ALLOWED_PROTOCOLS, GitSourceError, check_git_branch, check_git_source, check_git_url,
    run_git,
};
pub use health::{Salvage, SchemaVersion, USER_TABLES, salvage, wal_size};
pub use history::{DEFAULT_HISTORY_VERSIONS, history_limit, install_history_limit};
pub use port_links::write_input_port_links;
pub use provenance::{CachedEntity, EntityProvenance, ProvenanceRow};
pub use reads::{
    ContractDetail, ContractEntry, MissingContract, PortContract, PortDirection, PortRef,
    ProductDetail, ProductFilter, ProductLevels, ProductSummary, StoreStats,
};
pub use sources::{SourceConfig, SourceKind, SourceRecord, SyncStatus};
pub use sync_tx::{
    AppliedSync, DocumentIndex, EntityConflict, EntityKind, FileStat, StoredFileState, SyncTx,
    UpsertOutcome,
};
pub use upstream_stats::ProductStats;

/// Readers and the one writer can share the file concurrently under WAL; a handful is plenty.
const MAX_CONNECTIONS: u32 = 4;

/// How long a write waits for another writer before it fails with "database is locked". The other
/// writer may be this process's own sync or another meshlens (the desktop app and a CLI on one data
/// directory), and a sync holds the write lock while it reads its source: 20–35 s for a 10k-product
/// mesh (docs/benchmarks.md). Two minutes covers that with room; [`install_busy_timeout`] changes it.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(120);
static BUSY_TIMEOUT: OnceLock<Duration> = OnceLock::new();

/// Sets the busy timeout of every cache opened afterwards in this process (the first call counts).
pub fn install_busy_timeout(timeout: Duration) {
    let _ = BUSY_TIMEOUT.set(timeout);
}

/// The busy timeout caches are opened with.
pub fn busy_timeout() -> Duration {
    BUSY_TIMEOUT.get().copied().unwrap_or(DEFAULT_BUSY_TIMEOUT)
}

/// Page cache per pooled connection (`PRAGMA cache_size`, negative = KiB). Readers mostly scan
/// (the lineage graph build, listings) and the OS caches the file anyway; in the desktop app four
/// connections at 8 MiB each held 32 MiB of pages at idle (docs/benchmarks.md, "Desktop UI").
const READ_CACHE_SIZE: &str = "-2048";
/// Page cache of the connection holding a sync transaction: a full sync writes hundreds of MB in
/// one transaction, and a small cache makes SQLite spill and re-read B-tree pages constantly.
const SYNC_CACHE_SIZE: &str = "-65536";

/// Page cache of a [`Store::bulk_writer`]. What speeds bulk writing up is one connection keeping its
/// cache from one transaction to the next; a larger one was not faster (docs/benchmarks.md).
const BULK_CACHE_SIZE: &str = "-16384";

/// Run on every connection going back to the pool (see [`Store::open`]): built once, not per return.
static RESET_READ_CACHE: LazyLock<String> =
    LazyLock::new(|| format!("PRAGMA cache_size = {READ_CACHE_SIZE}"));

/// What the WAL file is cut back to when SQLite starts it over: a full sync grows it past 1 GB,
/// which would otherwise stay on disk for good.
const WAL_SIZE_LIMIT: &str = "67108864";

/// `err` as [`StoreError::Damaged`] when it says the file is damaged, so every front end can tell
/// the user to run `meshlens doctor --repair`; any other error unchanged.
fn damaged_or(path: &Path, err: StoreError) -> StoreError {
    if health::is_damage(&err) {
        let detail =
            std::error::Error::source(&err).map_or_else(|| err.to_string(), |s| s.to_string());
        return StoreError::Damaged {
            path: path.to_path_buf(),
            detail,
        };
    }
    err
}

/// The local cache. Cheap to clone (it is a pool handle).
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// The database file; `None` for an in-memory cache.
    path: Option<Arc<Path>>,
    /// Texts of the versions this process's syncs just recorded, shared by every handle on the cache.
    recent_texts: Arc<Mutex<RecentTexts>>,
}

impl Store {
    /// Opens (creating if needed) the cache file and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(busy_timeout())
            .foreign_keys(true)
            // Statement journals in memory: every multi-row INSERT of a sync writes one, and on disk
            // they were a tenth of the writer's time (docs/benchmarks.md, seventh sync round).
            .pragma("temp_store", "memory")
            // Readers page through the cache sequentially and need little; a sync transaction raises
            // its own connection's cache while it writes (see `SyncTx`).
            .pragma("cache_size", READ_CACHE_SIZE)
            .pragma("journal_size_limit", WAL_SIZE_LIMIT);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            // A sync transaction raises its connection's cache and gives it back at commit; one that
            // fails or is cancelled is dropped instead, so the pool sets the reader size on every
            // return rather than keep a 64 MiB cache of a failed sync's pages.
            .after_release(|conn, _| {
                Box::pin(async move {
                    sqlx::query(&RESET_READ_CACHE).execute(conn).await?;
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })
            .map_err(|err| damaged_or(path, err))?;
        let store = Self::migrate(pool, Some(path.into()))
            .await
            .map_err(|err| damaged_or(path, err))?;
        store.probe_tables().await.map_err(|source| {
            damaged_or(
                path,
                StoreError::Open {
                    path: path.to_path_buf(),
                    source,
                },
            )
        })?;
        Ok(store)
    }

    /// A private in-memory cache (tests, throwaway sessions).
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|source| StoreError::Open {
                path: ":memory:".into(),
                source,
            })?
            .foreign_keys(true);
        // Every connection to `:memory:` is a separate database, so the pool must hold exactly one
        // connection and never recycle it.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: ":memory:".into(),
                source,
            })?;
        Self::migrate(pool, None).await
    }

    async fn migrate(pool: SqlitePool, path: Option<Arc<Path>>) -> Result<Store, StoreError> {
        sqlx::migrate!("./migrations").run(&pool).await?;
        let store = Store {
            pool,
            path,
            recent_texts: Arc::default(),
        };
        change_lists::deflate_legacy_changes(&store).await?;
        Ok(store)
    }

    /// A second handle on the same file for one long run of write transactions (a sync's
    /// descriptor transaction, then its result files): a single connection, so every transaction
    /// finds the B-tree pages the previous one left in its cache (pooled connections take turns,
    /// each with a cold cache). Its commits do not checkpoint the WAL: run
    /// [`Store::background_checkpoints`] beside it. Drop it when done (its connection then
    /// closes); never `close` it: for an in-memory cache it is `self`.
    pub async fn bulk_writer(&self) -> Result<Store, StoreError> {
        // Another connection to an in-memory cache would be another, empty database.
        if self.path.is_none() {
            return Ok(self.clone());
        }
        let options = (*self.pool.connect_options())
            .clone()
            .pragma("cache_size", BULK_CACHE_SIZE)
            // A commit would otherwise copy its frames into the database file on this thread
            // (seconds after a full sync's descriptor transaction) while the next write waits.
            .pragma("wal_autocheckpoint", "0");
        self.one_connection(options, "open a bulk writer").await
    }

    /// A handle on the same file with a connection of its own, outside the pool.
    async fn one_connection(
        &self,
        options: SqliteConnectOptions,
        what: &'static str,
    ) -> Result<Store, StoreError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .ctx(what)?;
        Ok(Store {
            pool,
            path: self.path.clone(),
            recent_texts: self.recent_texts.clone(),
        })
    }

    /// Opens a write transaction holding SQLite's write lock from its first statement on
    /// (`BEGIN IMMEDIATE`), waiting up to the busy timeout for another writer to finish. A deferred
    /// `BEGIN` that reads before it writes fails at once, without waiting, when another connection
    /// committed in between: under WAL its snapshot is stale (SQLITE_BUSY_SNAPSHOT). Every write
    /// of more than one statement goes through here.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }

    /// The pool, for crates that own their own tables in this database (meshlens-lineage).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file, for caches derived from it that live beside it (the lineage graph file);
    /// `None` for an in-memory cache.
    pub fn database_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// `PRAGMA integrity_check`: `"ok"` when the file is sound, otherwise SQLite's findings.
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        self.check_pragma("PRAGMA integrity_check", "integrity check")
            .await
    }

    /// A checking pragma's findings, one line each (`"ok"` alone when there are none).
    pub(crate) async fn check_pragma(
        &self,
        pragma: &'static str,
        context: &'static str,
    ) -> Result<String, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(pragma)
            .fetch_all(&self.pool)
            .await
            .ctx(context)?;
        Ok(rows
            .into_iter()
            .map(|(line,)| line)
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// Closes the pool, waiting for connections to finish (checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
