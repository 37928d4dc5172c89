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

/// Attaches the operation name to a sqlx error so messages say what was being done.
pub(crate) trait Ctx<T> {
    fn ctx(self, operation: &'static str) -> Result<T, StoreError>;
}

impl<T> Ctx<T> for Result<T, sqlx::Error> {
    fn ctx(self, operation: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database { operation, source })
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
