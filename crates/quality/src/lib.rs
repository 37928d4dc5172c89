//! Quality and governance.
//!
//! - Import ([`import_file`], [`import_bytes`]): dbt `run_results.json` (v4-v6) mapped through the
//!   `manifest.json` of the same folder, Great Expectations validation results, Soda scan results
//!   and OpenLineage `dataQualityAssertions` facets. Every outcome is kept with its time
//!   (deduplicated; bounded by [`apply_retention`]).
//! - Links: a result names its dataset the way its tool does; contract datasets are registered
//!   under the same keys (server name + table, engine + qualified name), so results link to the
//!   dataset, contract and product, including results imported before the contract was synced.
//! - Sync: the sync engine feeds source files to [`import_bytes`] and, when a file or a source
//!   goes, calls [`remove_file_results`] / [`remove_source_results`]; [`apply_stored_retention`]
//!   runs after every import and sync ([`set_retention`] configures it).
//! - Reads: [`quality`] (history or currently failing checks, each linked to the contract rule it
//!   checks, see `rules.rs`), [`dataset_metrics`] (OpenLineage `dataQualityMetrics` history), [`scorecards`] and
//!   [`domain_scorecards_at`], [`sla_breaches`] (latency/freshness promises of ODCS `slaProperties`).
//!   Scorecards and trust scores read per-product figures that [`refresh_figures`] stores after each
//!   change (`figures.rs`), or compute them when those are stale.
//! - Governance: policies as code ([`load_policies`], [`default_policies`], [`check_policies`] over the
//!   stored facts, the pure [`evaluate`] over any [`PolicySubject`]s, a draft's included),
//!   format documented in `POLICIES.md`.
//! - [`render_report`]: the steward report, one self-contained HTML file.

mod error;
mod figures;
mod formats;
mod import;
mod keys;
mod policy;
mod query;
mod report;
mod rules;
mod targets;
mod time;
mod trust;
mod types;

pub use error::QualityError;
pub use figures::refresh_figures;
pub use formats::{ResultFormat, ResultsRead, read_results};
pub use import::{
    CatalogOutcome, CatalogStatus, CatalogTool, Retention, apply_retention, apply_stored_retention,
    import_bytes, import_file, import_outcomes, remove_file_results, remove_source_results,
    retention, set_retention,
};
pub use policy::{
    LoadedPolicy, Policy, PolicyError, PolicyRule, PolicyScope, PolicySubject, RuleSeverity,
    Violation, When, check_policies, default_policies, evaluate, load_local_policies,
    load_policies, load_policy_bytes, product_in_lineage,
};
pub use query::{
    dataset_metrics, domain_scorecards, domain_scorecards_at, quality, scorecards, scorecards_at,
    sla_breaches, sla_breaches_at,
};
pub use report::{render_report, render_report_at};
pub use trust::{
    ProductTrust, ProductValues, TrustFactor, TrustScore, TrustSection, trust_score, trust_scores,
    trust_scores_of, trust_values,
};
pub use types::*;
