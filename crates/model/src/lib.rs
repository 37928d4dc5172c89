//! Domain model and formats.
//!
//! Turns descriptor files (ODPS, ODCS, DPS, DCS) into a [`ParsedDocument`]: the original text kept
//! losslessly, the document mapped onto the canonical format (ODPS for products, ODCS for
//! contracts), and the extracted [`Entity`] that the store indexes and the UI shows.

pub mod civil;
mod classify;
mod error;
mod extract;
pub mod mapping;
mod parse;
mod positions;
pub mod schema;
pub mod types;
mod validate;

pub use classify::{FileClass, classify};
pub use error::DocumentError;
pub use parse::{ParseOptions, content_hash, parse_document, parse_document_with};
pub use types::*;
pub use validate::{ValidationReport, validate_file};
