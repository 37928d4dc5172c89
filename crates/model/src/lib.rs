//! Domain model and formats.
//!
//! Turns descriptor files (ODPS, ODCS, DPS, DCS) into a [`ParsedDocument`]: the original text kept
//! losslessly, the document mapped onto the canonical format (ODPS for products, ODCS for
//! contracts), and the extracted [`Entity`] that the store indexes and the UI shows.

pub mod types;

pub use types::*;
