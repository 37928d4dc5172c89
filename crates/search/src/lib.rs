//! Full-text search: a tantivy index derived from the SQLite cache.
//!
//! The cache stays the source of truth. The index is built from plain [`SearchDoc`]s (one per
//! product, contract, dataset and column), updated once per sync with [`SearchIndex::apply`], and
//! rebuilt with [`SearchIndex::rebuild`] whenever [`SearchIndex::needs_rebuild`] says the files on
//! disk were missing, of an older schema, damaged, or interrupted mid-write.

mod doc;
mod error;
mod facets;
mod index;
mod query;
mod schema;
mod snippet;
mod tokenizer;

pub use doc::{ColumnText, DocRef, SearchDoc, SearchKind};
pub use error::SearchError;
pub use facets::{FACET_VALUES, Facets};
pub use index::{
    DEFAULT_LIMIT, IndexStats, MAX_LIMIT, SearchHit, SearchIndex, SearchRequest, SearchResults,
};
