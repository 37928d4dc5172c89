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
    #[error(
        "another meshlens process kept the search index busy for minutes; try again when it is done"
    )]
    Busy,
    #[error("search index is damaged: {0}; run `meshlens reindex`")]
    Corrupt(&'static str),
}

impl SearchError {
    /// The I/O or cache error underneath, if any (tantivy keeps I/O errors out of the source chain), so a
    /// caller can tell a full disk from a damaged index.
    pub fn storage_cause(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SearchError::Io { source, .. } => Some(source),
            SearchError::Index(tantivy::TantivyError::IoError(io)) => Some(io.as_ref()),
            SearchError::Store(store) => Some(store),
            _ => None,
        }
    }
}
