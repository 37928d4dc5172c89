//! Argument and result types of the command table. Types owned by lower crates are re-exported here so
//! the UI bindings and the CLI see one vocabulary.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use meshlens_lineage::{
    ImpactReport, ImportReport, Level as LineageLevel, LineageGraph, LineageStatus,
};
pub use meshlens_model::{
    CatalogScope, Dataset, Issue, Ownership, Role, RoleHolder, Severity, ValidationReport,
};
pub use meshlens_quality::{
    ColumnMetricPoint, ColumnMetricsHistory, DatasetMetricPoint, DatasetMetrics, PolicyError,
    QualityImportReport, QualityReport, QualityResult, QualitySummary, Retention, RuleLink,
    Scorecard, TrustFactor, TrustScore, Violation,
};
pub use meshlens_search::{
    Facets, IndexStats, OnlineReport, OnlineSource, OnlineStatus, SearchHit, SearchKind,
    SearchResults, TRUST_TIE_BREAK, TieBreak, UpstreamHit,
};
pub use meshlens_store::{
    EntityProvenance, PortContract, PortDirection, ProductDetail, ProductSummary, SourceConfig,
    SourceKind, SourceRecord,
};
pub use meshlens_sync::SourceSyncReport;

pub use crate::api_edit::*;

/// How a consumer of a product is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerVia {
    /// Runs in OpenLineage read the product's datasets and wrote the consumer's.
    Lineage,
    /// The consumer declares an input port on the contract of one of the product's output ports.
    InputPort,
    /// An approved access agreement in force (read from the source's `access/` files).
    Agreement,
}

/// One consumer of a product (`meshlens consumers ID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Consumer {
    /// The consuming product's id.
    pub consumer: String,
    pub via: ConsumerVia,
    /// The product's output port it consumes (for lineage: the port publishing the dataset read).
    pub port: Option<String>,
    /// For lineage: the start of the earliest run seen linking them; for an agreement: its start date.
    pub since: Option<String>,
    /// `undeclared`: seen in lineage, but the consumer declares no input port on this product
    /// and holds no approved agreement on it.
    pub flag: Option<String>,
}

/// For commands that take no arguments.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListProductsArgs {
    #[serde(default)]
    #[ts(optional)]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GetProductArgs {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RemoveSourceArgs {
    pub name: String,
    /// Also delete the versions its syncs recorded (kept otherwise).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub forget_history: bool,
}

/// `meshlens source scope NAME ...`: the part of a catalog server source its syncs read.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SourceScopeArgs {
    pub name: String,
    /// The new scope, replacing the old one; `null` or absent: the whole catalog again.
    #[serde(default)]
    #[ts(optional)]
    pub scope: Option<CatalogScope>,
    /// Add `scope`'s domains, tags and owners to the source's scope instead of replacing it (an
    /// online search hit's domain, in one step). Without a scope yet, `scope` becomes it.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub add: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoveSourceResult {
    pub name: String,
    pub removed: bool,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncArgs {
    /// Sources to sync; all when empty.
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub names: Vec<String>,
    /// Re-read every file even when size and modification time are unchanged.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub full: bool,
}

/// The outcome of one sync run over one or more sources (CLI: `meshlens sync --json`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncReport {
    pub sources: Vec<SourceSyncOutcome>,
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// Of which recording history: the versions in each source's commit and their comparisons after it.
    #[ts(type = "number")]
    pub history_ms: u64,
}

impl SyncReport {
    /// True when at least one source could not be read at all (CLI exit code 1).
    pub fn any_unreadable(&self) -> bool {
        self.sources.iter().any(|s| s.unreadable.is_some())
    }
}

/// One source's result: the sync counts, or why the source could not be read (its cache left untouched).
#[derive(Debug, Clone, Serialize, TS)]
pub struct SourceSyncOutcome {
    #[serde(flatten)]
    pub report: SourceSyncReport,
    /// Set when the source could not be read at all; the previous cache of this source was kept.
    pub unreadable: Option<crate::AppError>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ValidateArgs {
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    #[ts(type = "number")]
    pub sources: u64,
    #[ts(type = "number")]
    pub products: u64,
    #[ts(type = "number")]
    pub contracts: u64,
    #[ts(type = "number")]
    pub datasets: u64,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LineageArgs {
    /// A product id, `product/port`, a dataset `namespace:name` (or an alias), a column
    /// `namespace:name#column`, or a job `job:namespace:name`.
    pub id: String,
    /// Hops upstream (default 3).
    #[serde(default = "default_depth")]
    #[ts(as = "Option<u32>", optional)]
    pub upstream: u32,
    /// Hops downstream (default 3).
    #[serde(default = "default_depth")]
    #[ts(as = "Option<u32>", optional)]
    pub downstream: u32,
    #[serde(default)]
    #[ts(as = "Option<LineageLevel>", optional)]
    pub level: LineageLevel,
}

fn default_depth() -> u32 {
    3
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LineagePathArgs {
    pub from: String,
    pub to: String,
    #[serde(default)]
    #[ts(as = "Option<LineageLevel>", optional)]
    pub level: LineageLevel,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ImpactArgs {
    /// A product, port, dataset or column id (see `LineageArgs::id`).
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ImportArgs {
    /// A file or a folder of OpenLineage events (`.json`, `.ndjson`).
    pub path: String,
}

/// A search as the UI's search box and `meshlens search` express it. Filters are exact values (any case).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct SearchArgs {
    pub query: String,
    #[ts(optional)]
    pub kind: Option<String>,
    #[ts(optional)]
    pub domain: Option<String>,
    #[ts(optional)]
    pub tag: Option<String>,
    #[ts(optional)]
    pub owner: Option<String>,
    #[ts(optional)]
    pub status: Option<String>,
    #[ts(optional)]
    pub classification: Option<String>,
    /// `public`, `internal`, `confidential`, `restricted` or `unknown`.
    #[ts(optional)]
    pub sensitivity: Option<String>,
    /// Hits to return (default 20, at most 1000).
    #[ts(optional)]
    pub limit: Option<u32>,
    #[ts(optional)]
    pub offset: Option<u32>,
    /// Also ask each catalog source's own search API (hits the cache lacks come `cached: false`).
    #[ts(as = "Option<bool>", optional)]
    pub online: bool,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct QualityArgs {
    /// A product, contract, domain, dataset or check; everything when absent.
    #[ts(optional)]
    pub id: Option<String>,
    /// Only checks whose newest outcome failed (one row per check).
    #[ts(as = "Option<bool>", optional)]
    pub failing: bool,
    /// Only outcomes at or after this date (`YYYY-MM-DD`) or date-time.
    #[ts(optional)]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct QualityMetricsArgs {
    /// An OpenLineage dataset (`namespace:name` or bare name), a contract dataset or a contract id.
    pub dataset: String,
}

/// Changes the quality retention; fields left out keep their value, `0` removes that limit.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionArgs {
    #[ts(optional)]
    pub max_age_days: Option<u32>,
    #[ts(optional)]
    pub max_results_per_check: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct ScorecardArgs {
    #[ts(optional)]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
pub struct CheckArgs {
    /// One product; every product when absent.
    #[ts(optional)]
    pub id: Option<String>,
}

/// Policy violations, and policy files (or rules) that could not be used while the rest still applied.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CheckReport {
    pub violations: Vec<Violation>,
    pub policy_errors: Vec<PolicyError>,
}

impl CheckReport {
    /// `meshlens check` exits 1 when any violation has severity `error`.
    pub fn has_errors(&self) -> bool {
        self.violations.iter().any(|v| v.severity == "error")
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReportArgs {
    #[serde(default)]
    #[ts(optional)]
    pub domain: Option<String>,
    /// Where to write the HTML file.
    pub out: String,
    /// Replace an existing file (never through a symbolic link); without it an existing file is an error.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub force: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ReportWritten {
    pub out: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// `meshlens import`: lineage events (top-level counts, the CLI contract) and quality results found in the same files.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportOutcome {
    #[serde(flatten)]
    pub lineage: ImportReport,
    pub quality: QualityImportReport,
}

/// A catalog server source's token, to store in the OS keyring. Not `Debug`-printable as is:
/// the token must never reach a log.
#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetTokenArgs {
    /// The source (of kind openmetadata, datahub, marquez, entropy or amundsen).
    pub name: String,
    pub token: String,
}

impl std::fmt::Debug for SetTokenArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetTokenArgs")
            .field("name", &self.name)
            .field("token", &"***")
            .finish()
    }
}

/// Where a token went. The token itself is never returned.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TokenStored {
    pub name: String,
    /// Always `"keyring"` (service `meshlens`, account = the source name).
    pub stored_in: String,
    /// True for Marquez: the token is used for reading only, edits are never pushed to it.
    pub read_only: bool,
}
