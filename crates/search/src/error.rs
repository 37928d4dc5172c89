use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("reading the cache for the search index: {0}")]
    Store(#[from] meshlens_store::StoreError),
    #[error("search index was written with a different schema")]
    SchemaMismatch,
    #[error("search index is damaged: {0}; run `meshlens reindex`")]
    Corrupt(&'static str),
}
