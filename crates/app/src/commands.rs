//! The one table of app commands, shared by the Tauri shell (through [`App::dispatch`]) and the CLI
//! (which calls the typed methods directly). TypeScript types for every argument and result are generated
//! from this table (see `tests/bindings.rs`), so the UI cannot drift from the backend.

use serde_json::Value;

use crate::{App, AppError, Caller, ErrorCode, EventSink};

/// Declares the command table: `name(Args) -> Result`, each handled by the `App` method of the same name.
macro_rules! command_table {
    ($( $(#[doc = $doc:literal])* $name:ident ( $args:ty ) -> $ret:ty; )*) => {
        /// Every command the UI may call, in table order.
        pub const COMMAND_NAMES: &[&str] = &[$(stringify!($name)),*];

        impl App {
            /// Runs a command by name with JSON arguments for the CLI (`meshlens call`).
            pub async fn dispatch(&self, command: &str, args: Value, events: &dyn EventSink) -> Result<Value, AppError> {
                self.dispatch_as(Caller::Cli, command, args, events).await
            }

            /// Runs a command by name with JSON arguments, checking the paths they name against what `caller`
            /// may use; the Tauri shell's only entry point (as [`Caller::Desktop`]).
            pub async fn dispatch_as(&self, caller: Caller<'_>, command: &str, args: Value, events: &dyn EventSink) -> Result<Value, AppError> {
                match command {
                    $(stringify!($name) => {
                        // `null` stands for "no arguments" so the UI may call `list_sources` without `{}`.
                        let args = if args.is_null() { Value::Object(Default::default()) } else { args };
                        let args: $args = serde_json::from_value(args).map_err(|err| {
                            AppError::new(ErrorCode::InvalidArgs, format!("invalid arguments for `{command}`: {err}"))
                        })?;
                        let result: $ret = self.$name(caller.admit(args)?, events).await?;
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

use crate::about::About;
use crate::access::*;
use crate::api::*;
use crate::doctor::{DoctorArgs, DoctorReport};
use crate::feed::*;
use crate::feedback::*;
use crate::history::*;
use crate::mesh::*;
use crate::schedule::{SyncSchedule, SyncScheduleStatus};
use crate::updates::{UpdatePreferences, UpdateSettings};
use crate::upgrade::{UpgradeArgs, UpgradeReport};

command_table! {
    /// Version, data directory and cache counts.
    app_info(NoArgs) -> AppInfo;
    /// About meshlens: version, commit, data directory and its size, licences of the bundled packages.
    about(NoArgs) -> About;
    /// Registers the bundled demo mesh as source `demo` (if missing) and syncs it: the welcome screen's
    /// "Try the demo".
    open_demo(NoArgs) -> SyncReport;
    /// The update settings in force: the user's, with what the machine's policy file fixes.
    update_settings(NoArgs) -> UpdateSettings;
    /// Stores the user's update mode and manifest URL; refuses what the policy fixes (`E_UPDATE_POLICY`).
    set_update_preferences(UpdatePreferences) -> UpdateSettings;
    /// Products in the cache, optionally of one domain, sorted by domain then name.
    list_products(ListProductsArgs) -> Vec<ProductSummary>;
    /// One product with its ports, contracts, datasets and source file.
    get_product(GetProductArgs) -> ProductDetail;
    /// Who to ask about a product: business and technical owner, steward, on-call, escalation, members,
    /// and the expected roles nobody holds.
    owners(GetProductArgs) -> Ownership;
    /// Who consumes a product: input ports on its output ports' contracts and runs seen in lineage
    /// (`undeclared` when lineage shows a consumer that declares no input port).
    consumers(GetProductArgs) -> Vec<Consumer>;
    /// Configured sources with their last sync.
    list_sources(NoArgs) -> Vec<SourceRecord>;
    /// Registers a source (it is read on the next sync).
    add_source(SourceConfig) -> SourceRecord;
    /// Removes a source and everything cached from it.
    remove_source(RemoveSourceArgs) -> RemoveSourceResult;
    /// Replaces a catalog server source's scope (none: the whole catalog); the next sync reads it and
    /// drops what left it.
    set_source_scope(SourceScopeArgs) -> SourceRecord;
    /// Syncs the named sources (all when none are named).
    sync(SyncArgs) -> SyncReport;
    /// Asks a running sync to stop; the cache keeps its previous state.
    cancel_sync(NoArgs) -> bool;
    /// The background sync's schedule, its last run and when the next is due.
    sync_schedule(NoArgs) -> SyncScheduleStatus;
    /// Sets the background sync's interval (0 = off, else 5 to 1440 minutes) and whether breaking changes
    /// to followed things are announced.
    set_sync_schedule(SyncSchedule) -> SyncScheduleStatus;
    /// Validates descriptor files against the official schemas.
    validate(ValidateArgs) -> Vec<ValidationReport>;
    /// DCS, ODCS v2.2.x/v3.0.x contracts and DPS products (files, or cached ids) rewritten as ODCS
    /// v3.1.0 / ODPS v1.1.0: reported per file, written to a folder (`out`) or made drafts (`draft`).
    upgrade(UpgradeArgs) -> Vec<UpgradeReport>;
    /// Full-text search over products, contracts, datasets and columns, with facets.
    search(SearchArgs) -> SearchResults;
    /// Rebuilds the search index from the cache.
    reindex(NoArgs) -> IndexStats;
    /// Upstream and downstream lineage of a product, port, dataset or column.
    lineage(LineageArgs) -> LineageGraph;
    /// Whether the lineage graph is built (requests answered at once) or being built (they wait for it).
    lineage_status(NoArgs) -> LineageStatus;
    /// The shortest data-flow path between two nodes, if any.
    lineage_path(LineagePathArgs) -> Option<LineageGraph>;
    /// Everything downstream of a product, port, dataset or column, grouped by product.
    impact(ImpactArgs) -> ImpactReport;
    /// Imports OpenLineage events and quality results (dbt, Great Expectations, Soda) from a file or folder.
    import(ImportArgs) -> ImportOutcome;
    /// Quality check outcomes with a pass/fail/warn summary.
    quality(QualityArgs) -> QualityReport;
    /// History of a dataset's OpenLineage data-quality metrics (row count, bytes, files, per-column statistics).
    quality_metrics(QualityMetricsArgs) -> DatasetMetrics;
    /// Shows (no fields) or changes how long quality history is kept; applied after every import and sync.
    quality_retention(RetentionArgs) -> Retention;
    /// One scorecard per product: pass rate, failing checks, SLA breaches, policy violations.
    scorecard(ScorecardArgs) -> Vec<Scorecard>;
    /// Checks products against the built-in and the sources' governance policies.
    check(CheckArgs) -> CheckReport;
    /// Writes the steward report: one self-contained HTML file.
    report(ReportArgs) -> ReportWritten;
    /// Checks the data directory (cache integrity, migrations, WAL, search index, lineage, sources, disk
    /// space); with `repair`, rebuilds what is derived. Drafts, the outbox and tokens are never touched.
    doctor(DoctorArgs) -> DoctorReport;

    // drafts and submit
    /// A new draft from a template (product or contract) or from a cached product or contract.
    draft_new(DraftNewArgs) -> Draft;
    /// Saves a draft's text (as typed) or sets dotted fields (`description.purpose=...`).
    draft_edit(DraftEditArgs) -> Draft;
    /// Every draft, oldest first.
    draft_list(NoArgs) -> Vec<Draft>;
    /// One draft with its text, base and conflicts.
    draft_get(DraftRef) -> Draft;
    /// A draft against its base: field by field and as a line diff.
    draft_diff(DraftRef) -> DraftDiff;
    /// Schema errors (with lines), governance policies and the impact preview of a draft.
    draft_check(DraftRef) -> DraftCheck;
    /// Checks a draft and queues it in the outbox; delivers it at once when the target is reachable.
    submit(DraftRef) -> SubmitOutcome;
    /// The outbox, after delivering the items that are due.
    outbox(NoArgs) -> Vec<OutboxItem>;
    /// Makes a queued or failed outbox item due now and tries it.
    outbox_retry(OutboxRef) -> OutboxItem;
    /// Drops an outbox item that was not delivered.
    outbox_cancel(OutboxRef) -> OutboxItem;
    /// Settles a draft's conflicts with upstream: mine or theirs, per field or all at once.
    conflict_resolve(ConflictResolveArgs) -> ConflictResolution;

    // access requests and agreements
    /// Requests access to a product's output port: the agreement file (Data Usage Agreement 0.0.1,
    /// `info.status: requested`) waits in the outbox and goes to the product's folder or git source.
    access_request(AccessRequestArgs) -> AccessRequested;
    /// Withdraws an access request that was not delivered yet.
    access_cancel(AccessRef) -> AccessEntry;
    /// Access requests and agreements across all sources, with their status (My access with `mine`).
    access_list(AccessListArgs) -> Vec<AccessEntry>;

    // history, diffs, the change feed and follows
    /// Every kept version of a product, contract or dataset, newest first.
    history(HistoryArgs) -> Vec<HistoryEntry>;
    /// Two kept versions field by field, each change breaking or compatible with its reason (default: the
    /// previous version against the newest).
    diff(DiffArgs) -> VersionDiff;
    /// What the syncs since the last one read (or a date, or a sync) added, removed and changed, grouped by
    /// domain and product; cut to followed or breaking changes; `markRead` marks everything read.
    changes(ChangesArgs) -> ChangesFeed;
    /// The inbox badge: how many changes `changes` would list since the last sync read, of which breaking, and
    /// breaking in followed things (counted, not sent).
    unread(NoArgs) -> UnreadCount;
    /// Follows a product, contract, dataset or domain.
    follow(FollowArgs) -> Followed;
    /// Stops following a product, contract, dataset or domain.
    unfollow(FollowArgs) -> Unfollowed;
    /// Everything followed.
    following(NoArgs) -> Vec<Followed>;

    // the mesh at a glance
    /// Domains (products, owner teams, health, score, consumers, the domains they feed and depend on)
    /// and the product edges between domains, by kind: lineage, input_port or agreement.
    mesh(MeshArgs) -> Mesh;
    /// Consumers per product through agreements, lineage and input ports (`unused`: only products
    /// with none), with the catalog's usage statistics where it has them.
    adoption(AdoptionArgs) -> Vec<Adoption>;
    /// A product's trust score (0–100) with each factor's value, weight and reason.
    trust(GetProductArgs) -> TrustScore;
    /// Rates a product (1–5) with an optional comment; kept on this machine, private.
    feedback(FeedbackArgs) -> Feedback;
    /// A product's ratings, newest first, with their count and mean.
    feedback_list(GetProductArgs) -> FeedbackList;

    // catalog connectors
    /// Stores a catalog server source's token in the OS keyring (never in the cache or config); never returns it.
    set_token(SetTokenArgs) -> TokenStored;
}
