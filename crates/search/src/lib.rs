//! Full-text search: a tantivy index derived from the SQLite cache.
//!
//! The cache stays the source of truth. The index is built from plain [`SearchDoc`]s (one per
//! product, contract, dataset and column), updated once per sync with [`SearchIndex::apply`], and
//! rebuilt with [`SearchIndex::rebuild`] whenever [`SearchIndex::needs_rebuild`] says the files on
//! disk were missing, of an older schema, damaged, or interrupted mid-write. [`rebuild_from_store`]
//! and [`update_from_store`] do both straight from the cache.

// The synthetic mesh of the integration tests, for unit tests that need a realistic index.
#[cfg(test)]
extern crate self as meshlens_search;
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod test_mesh;

mod doc;
mod doc_values;
mod error;
mod eval;
mod facets;
mod from_store;
mod index;
mod online;
mod query;
mod schema;
mod snippet;
mod tie_break;
mod tokenizer;

pub use doc::{ColumnText, DocRef, SearchDoc, SearchKind};
pub use error::SearchError;
pub use facets::{FACET_VALUES, Facets};
pub use from_store::{contract_docs, product_doc, rebuild_from_store, update_from_store};
pub use index::{
    DEFAULT_LIMIT, IndexStats, MAX_LIMIT, Ranked, Rebuild, SearchHit, SearchIndex, SearchRequest,
    SearchResults, TRUST_TIE_BREAK, TieBreak,
};
pub use online::{OnlineReport, OnlineSource, OnlineStatus, UpstreamHit};
