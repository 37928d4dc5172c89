//! Full-text search: a tantivy index derived from the SQLite cache
