use std::path::PathBuf;

/// Everything that can go wrong in ingestion and graph queries.
#[derive(Debug, thiserror::Error)]
pub enum LineageError {
    #[error("lineage store: {context}: {source}")]
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
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The id names no product, port, dataset (or alias), column or job known to the cache.
    #[error(
        "nothing in the lineage graph is called '{0}' (expected a product id, product/port, a contract, contract/dataset, contract/dataset/column, namespace:name or namespace:name#column)"
    )]
    NotFound(String),
    /// The request cannot be answered at the asked level (e.g. product lineage of a dataset no product owns).
    #[error("{0}")]
    Unsupported(String),
}

impl From<meshlens_store::DbError> for LineageError {
    fn from(e: meshlens_store::DbError) -> LineageError {
        LineageError::Db {
            context: e.context,
            source: e.source,
        }
    }
}
