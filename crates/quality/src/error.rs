use std::path::PathBuf;

/// Everything that can go wrong in quality import, queries and policy checks.
#[derive(Debug, thiserror::Error)]
pub enum QualityError {
    #[error("quality store: {context}: {source}")]
    Db {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A `--since` or similar date the user typed that is not a date.
    #[error("'{0}' is not a date (expected YYYY-MM-DD or an RFC 3339 date-time)")]
    BadDate(String),
    #[error("no product '{0}' in the cache")]
    UnknownProduct(String),
    /// dbt run results read by a sync before the manifest of their folder.
    #[error(
        "dbt run results need the manifest.json of the same build in the same folder ({0}); read again at the next sync"
    )]
    MissingManifest(String),
    #[error(
        "a retention limit of 0 would erase the quality history as it arrives; give at least 1 or leave it unset"
    )]
    BadRetention,
    /// Rows read as one JSON text that does not parse (a damaged cache).
    #[error("quality store: {what}: unreadable rows: {detail}")]
    Corrupt { what: &'static str, detail: String },
}

impl From<meshlens_store::DbError> for QualityError {
    fn from(e: meshlens_store::DbError) -> QualityError {
        QualityError::Db {
            context: e.context,
            source: e.source,
        }
    }
}

/// Rows a query selected as one JSON array (sqlx hands rows across one at a time, which costs more than the
/// query itself for tens of thousands of rows).
pub(crate) fn rows_from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &'static str,
) -> Result<Vec<T>, QualityError> {
    serde_json::from_str(text).map_err(|err| QualityError::Corrupt {
        what,
        detail: err.to_string(),
    })
}
