//! The one table of app commands, shared by the Tauri shell (through [`App::dispatch`]) and the CLI
//! (which calls the typed methods directly). TypeScript types for every argument and result are generated
//! from this table (see `tests/bindings.rs`), so the UI cannot drift from the backend.

use serde_json::Value;

use crate::{App, AppError, ErrorCode, EventSink};

/// Declares the command table: `name(Args) -> Result`, each handled by the `App` method of the same name.
macro_rules! command_table {
    ($( $(#[doc = $doc:literal])* $name:ident ( $args:ty ) -> $ret:ty; )*) => {
        /// Every command the UI may call, in table order.
        pub const COMMAND_NAMES: &[&str] = &[$(stringify!($name)),*];

        impl App {
            /// Runs a command by name with JSON arguments; the Tauri shell's only entry point.
            pub async fn dispatch(&self, command: &str, args: Value, events: &dyn EventSink) -> Result<Value, AppError> {
                match command {
                    $(stringify!($name) => {
                        // `null` stands for "no arguments" so the UI may call `list_sources` without `{}`.
                        let args = if args.is_null() { Value::Object(Default::default()) } else { args };
                        let args: $args = serde_json::from_value(args).map_err(|err| {
                            AppError::new(ErrorCode::InvalidArgs, format!("invalid arguments for `{command}`: {err}"))
                        })?;
                        let result: $ret = self.$name(args, events).await?;
                        serde_json::to_value(result).map_err(|err| {
                            AppError::new(ErrorCode::Internal, format!("cannot encode the result of `{command}`: {err}"))
                        })
                    })*
                    _ => Err(AppError::new(
                        ErrorCode::UnknownCommand,
                        format!("`{command}` is not a meshlens command (known: {})", COMMAND_NAMES.join(", ")),
                    )),
                }
            }
        }

        /// Signatures of the table for the TypeScript generator: (name, args type, result type, docs).
        pub fn command_signatures() -> Vec<crate::bindings::CommandSignature> {
            vec![$(crate::bindings::CommandSignature::of::<$args, $ret>(stringify!($name), concat!($($doc, "\n"),*))),*]
        }
    };
}

use crate::api::*;

command_table! {
    /// Version, data directory and cache counts.
    app_info(NoArgs) -> AppInfo;
    /// Products in the cache, optionally of one domain, sorted by domain then name.
    list_products(ListProductsArgs) -> Vec<ProductSummary>;
    /// One product with its ports, contracts, datasets and source file.
    get_product(GetProductArgs) -> ProductDetail;
    /// Configured sources with their last sync.
    list_sources(NoArgs) -> Vec<SourceRecord>;
    /// Registers a source (it is read on the next sync).
    add_source(SourceConfig) -> SourceRecord;
    /// Removes a source and everything cached from it.
    remove_source(RemoveSourceArgs) -> RemoveSourceResult;
    /// Syncs the named sources (all when none are named).
    sync(SyncArgs) -> SyncReport;
    /// Asks a running sync to stop; the cache keeps its previous state.
    cancel_sync(NoArgs) -> bool;
    /// Validates descriptor files against the official schemas.
    validate(ValidateArgs) -> Vec<ValidationReport>;
    /// Full-text search over products, contracts, datasets and columns, with facets.
    search(SearchArgs) -> SearchResults;
    /// Rebuilds the search index from the cache.
    reindex(NoArgs) -> IndexStats;
    /// Upstream and downstream lineage of a product, port, dataset or column.
    lineage(LineageArgs) -> LineageGraph;
    /// The shortest data-flow path between two nodes, if any.
    lineage_path(LineagePathArgs) -> Option<LineageGraph>;
    /// Everything downstream of a product, port, dataset or column, grouped by product.
    impact(ImpactArgs) -> ImpactReport;
    /// Imports OpenLineage events and quality results (dbt, Great Expectations, Soda) from a file or folder.
    import(ImportArgs) -> ImportOutcome;
    /// Quality check outcomes with a pass/fail/warn summary.
    quality(QualityArgs) -> QualityReport;
    /// One scorecard per product: pass rate, failing checks, SLA breaches, policy violations.
    scorecard(ScorecardArgs) -> Vec<Scorecard>;
    /// Checks products against the built-in and the sources' governance policies.
    check(CheckArgs) -> CheckReport;
    /// Writes the steward report: one self-contained HTML file.
    report(ReportArgs) -> ReportWritten;
    // catalog connectors
    /// Stores a catalog server source's token in the OS keyring (never in the cache or config); never returns it.
    set_token(SetTokenArgs) -> TokenStored;
}
