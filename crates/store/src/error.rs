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
    #[error("cannot bring the cache schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a source named '{0}' already exists")]
    SourceExists(String),
    #[error(
        "invalid source name '{0}': use letters, digits, '.', '_' or '-' (not starting with '.')"
    )]
    InvalidSourceName(String),
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
