//! Domain model and formats.
//!
//! Turns descriptor files (ODPS, ODCS, DPS, DCS) into a [`ParsedDocument`]: the original text kept
//! losslessly, the document mapped onto the canonical format (ODPS for products, ODCS for
//! contracts), and the extracted [`Entity`] that the store indexes and the UI shows.

mod access;
pub mod civil;
mod classify;
mod dataset_address;
mod duration;
mod error;
mod extract;
mod limits;
pub mod mapping;
mod parse;
mod positions;
mod roles;
pub mod schema;
mod scope;
mod sensitivity;
pub mod types;
pub mod upgrade;
mod validate;
pub mod versions;
mod yaml;

pub use access::{AccessStatus, Agreement, date_days, parse_agreement, read_agreement};
pub use classify::{FileClass, classify};
pub use dataset_address::{
    DatasetAddress, ObjectLocation, engine as dataset_engine, is_object_store,
};
pub use duration::{duration_ms, retention_days};
pub use error::DocumentError;
/// The model extracted from a canonical (ODPS/ODCS) document, as parsing extracts it.
pub use extract::entity as extract_entity;
pub use limits::{
    DBT_MANIFEST_NAME, DEFAULT_MAX_DBT_MANIFEST_BYTES, DEFAULT_MAX_FILE_BYTES,
    DEFAULT_YAML_EXPANSION_FACTOR, Limits, MAX_NESTING_DEPTH, MIN_YAML_EXPANSION_BYTES, ReadError,
    read_capped,
};
pub use parse::{ParseOptions, content_hash, parse_document, parse_document_with};
pub use roles::{Ownership, Role, RoleHolder, role_holders};
pub use scope::CatalogScope;
pub use sensitivity::Sensitivity;
pub use types::*;
pub use validate::{ValidationReport, validate_file, validation_report};
pub use yaml::{
    YamlError, check_yaml, from_yaml_str, from_yaml_str_with, yaml_double_quoted, yaml_printable,
};
