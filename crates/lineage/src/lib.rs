//! OpenLineage ingestion and lineage queries.
//!
//! - Ingestion ([`ingest_file`], [`ingest_dir`], [`import_path`], [`ingest_bytes`] for the sync
//!   engine) reads RunEvents, DatasetEvents and JobEvents from NDJSON, JSON arrays or single
//!   objects, keeps every accepted event verbatim (unknown facets included), and records datasets
//!   and jobs by `(namespace, name)`, their edges, column lineage, symlink aliases and run states.
//!   [`forget_events`] takes a removed source's (or file's) events back out, with all they implied.
//! - Queries ([`lineage`], [`path_between`], [`impact`], [`to_dot`], [`latest_runs`]) run on an
//!   in-memory graph cached per database and rebuilt when the data changes (see `graph.rs` for
//!   why that beats recursive SQL). Contract datasets are joined to OpenLineage datasets through
//!   the identity their ODCS servers imply, which is how datasets, columns and jobs get a product.
//!   A graph built is also written beside the database (`graph_file.rs`), so that the next process
//!   reads it instead of building it again while the generation holds.
//!
//! Node ids: products by their id; datasets `namespace:name`; columns `namespace:name#column`;
//! jobs `job:namespace:name`; ports (as input) `product/port`.

mod codec;
mod consumers;
mod error;
mod event;
mod graph;
mod graph_file;
mod ids;
mod ingest;
mod naming;
mod nodes;
mod query;
mod reader;
mod time;

pub use consumers::{LineageConsumer, all_lineage_links, lineage_consumers, refresh_consumers};
pub use error::LineageError;
pub use graph::{LineageStatus, NodeKind, status as graph_status, warm as warm_graph};
pub use graph_file::{
    GraphFileError, check_graph_file, graph_file_path, rebuild_graph_file, remove_graph_file,
};
pub use ids::contract_dataset_node;
pub use ingest::{
    ImportIssue, ImportReport, forget_events, import_path, ingest_bytes, ingest_dir, ingest_file,
    is_lineage_file, looks_like_openlineage, read_events, replace_bytes,
};
pub use query::{
    GraphEdge, GraphNode, ImpactDataset, ImpactProduct, ImpactReport, JobRun, Level, LineageGraph,
    LineageRequest, impact, latest_runs, lineage, path_between, to_dot,
};
pub use time::parse_event_time;
