//! The bundled demo mesh and the deterministic synthetic mesh generator.
//!
//! - [`bundled_demo_mesh_dir`] finds the small hand-written demo mesh shipped with the app.
//! - [`generate`] writes a large synthetic mesh (ODPS products, ODCS contracts, OpenLineage lineage and
//!   quality results) for benchmarks and search-relevance tests. Same options, same bytes.

mod generate;
mod locate;
mod ndjson;
mod words;
mod yaml;

pub use generate::{
    GenerateError, GenerateOptions, GenerateSummary, MAX_NDJSON_FILE_BYTES, generate,
};
pub use locate::{DEMO_MESH_ENV, bundled_demo_mesh_dir};
pub use yaml::yaml_str;
