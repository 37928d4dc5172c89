use std::path::PathBuf;

/// Everything that can go wrong talking to the cache.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the cache folder {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the cache database {}: {source}", path.display())]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("the cache database {} is damaged ({detail}); run `meshlens doctor --repair`", path.display())]
    Damaged { path: PathBuf, detail: String },
    #[error("cannot bring the cache schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a source named '{0}' already exists")]
    SourceExists(String),
    #[error(
        "invalid source name '{0}': use letters, digits, '.', '_' or '-' (not starting with '.')"
    )]
    InvalidSourceName(String),
    #[error(transparent)]
    InvalidGitSource(#[from] crate::GitSourceError),
    #[error("there is no source named '{0}'")]
    UnknownSource(String),
    #[error("cache operation '{operation}' failed: {source}")]
    Database {
        operation: &'static str,
        source: sqlx::Error,
    },
    #[error("cannot encode {what}: {source}")]
    Encode {
        what: String,
        source: serde_json::Error,
    },
    #[error("kept version {version_id} of the history cannot be inflated: {detail}")]
    CorruptHistory { version_id: i64, detail: String },
    #[error("cached {what} cannot be read back: {source}")]
    Corrupt {
        what: String,
        source: serde_json::Error,
    },
}

/// A failed statement and what it was for. Each crate that owns tables turns it into its own
/// error type (`From<DbError>`), so `?` after [`Ctx::ctx`] works everywhere.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct DbError {
    pub context: &'static str,
    #[source]
    pub source: sqlx::Error,
}

/// Attaches a short description of the statement to sqlx errors so messages say what was being
/// done: `query.execute(pool).await.ctx("record sync status")?`.
pub trait Ctx<T> {
    fn ctx(self, context: &'static str) -> Result<T, DbError>;
}

impl<T> Ctx<T> for Result<T, sqlx::Error> {
    fn ctx(self, context: &'static str) -> Result<T, DbError> {
        self.map_err(|source| DbError { context, source })
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> StoreError {
        StoreError::Database {
            operation: e.context,
            source: e.source,
        }
    }
}

/// Decodes a JSON column written by this crate.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: impl FnOnce() -> String,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|source| StoreError::Corrupt {
        what: what(),
        source,
    })
}

/// A failure of the storage under the cache rather than of a statement: what the user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// No space left (SQLITE_FULL, ENOSPC, EFBIG, EDQUOT): the write was rolled back.
    DiskFull,
    /// The file is not a database or a page is corrupt (SQLITE_CORRUPT, SQLITE_NOTADB).
    Damaged,
    /// Another writer kept the cache locked past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED): nothing
    /// was written, and the same call succeeds once that writer is done.
    Busy,
}

const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_NOTADB: i32 = 26;
const ENOSPC: i32 = 28;
const EFBIG: i32 = 27;
const EDQUOT: i32 = 122;

/// The storage fault behind `err`, found anywhere in its chain of sources (sqlx errors and I/O
/// errors are recognised), so errors of every crate that writes the cache can be classified alike.
pub fn storage_fault(err: &(dyn std::error::Error + 'static)) -> Option<StorageFault> {
    let mut next = Some(err);
    while let Some(err) = next {
        let fault = if let Some(sqlx) = err.downcast_ref::<sqlx::Error>() {
            sqlx_fault(sqlx)
        } else {
            err.downcast_ref::<std::io::Error>().and_then(io_fault)
        };
        if fault.is_some() {
            return fault;
        }
        next = err.source();
    }
    None
}

fn sqlx_fault(err: &sqlx::Error) -> Option<StorageFault> {
    match err {
        sqlx::Error::Io(io) => io_fault(io),
        sqlx::Error::Database(db) => {
            // sqlx reports SQLite's extended code; its low byte is the primary code.
            let code: i32 = db.code()?.parse().ok()?;
            match code & 0xff {
                SQLITE_FULL => Some(StorageFault::DiskFull),
                SQLITE_CORRUPT | SQLITE_NOTADB => Some(StorageFault::Damaged),
                SQLITE_BUSY | SQLITE_LOCKED => Some(StorageFault::Busy),
                _ => None,
            }
        }
        _ => None,
    }
}

/// ENOSPC, EFBIG (a file-size limit) and EDQUOT all mean "no room for this write".
pub fn io_fault(err: &std::io::Error) -> Option<StorageFault> {
    match err.raw_os_error() {
        Some(ENOSPC | EFBIG | EDQUOT) => Some(StorageFault::DiskFull),
        _ if err.kind() == std::io::ErrorKind::StorageFull => Some(StorageFault::DiskFull),
        _ => None,
    }
}
