//! The serialised results (`--json` output of `meshlens quality`, `scorecard`, `check`, `import`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Outcome of importing quality result files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QualityImportReport {
    /// Check outcomes stored for the first time.
    pub imported: u64,
    /// Outcomes already stored (same tool, check, dataset, column and time): importing twice changes nothing.
    pub skipped: u64,
    /// Files or entries that could not be read, with the reason.
    pub rejected: Vec<Rejected>,
}

impl QualityImportReport {
    pub(crate) fn absorb(&mut self, other: QualityImportReport) {
        self.imported += other.imported;
        self.skipped += other.skipped;
        self.rejected.extend(other.rejected);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Rejected {
    pub file: String,
    /// 1-based line (NDJSON line or JSON error position); 0 when the whole file or an entry without position.
    pub line: u64,
    pub message: String,
}

/// `meshlens quality [ID] [--failing] [--since DATE]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QualityQuery {
    /// A product id, contract id, domain, dataset or check name; `None` for everything.
    pub id: Option<String>,
    /// Only checks whose newest outcome is `fail` or `error` (one row per check).
    pub failing: bool,
    /// Only outcomes at or after this date (`YYYY-MM-DD`) or date-time.
    pub since: Option<String>,
}

/// One check outcome. `status`: pass, warn, fail, error or skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QualityResult {
    pub check: String,
    /// The dataset as the tool named it (table, relation or OpenLineage name).
    pub dataset: String,
    pub column: Option<String>,
    /// The product whose contract declares the dataset, once it is in the cache.
    pub product: Option<String>,
    pub status: String,
    pub observed: Option<String>,
    pub expected: Option<String>,
    pub at: String,
    /// dbt, great_expectations, soda or openlineage.
    pub source_tool: String,
    /// The contract quality rule this outcome checks, when one matches (see `rules.rs`).
    pub rule: Option<RuleLink>,
}

/// A contract quality rule (ODCS `quality[]`) that a check outcome was linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RuleLink {
    pub contract: String,
    /// The schema object the rule is written on (or the contract dataset for contract-level rules).
    pub dataset: String,
    /// The property the rule is written on; `None` for object-level rules.
    pub column: Option<String>,
    pub name: Option<String>,
    /// library | text | sql | custom
    pub rule_type: Option<String>,
    pub metric: Option<String>,
    pub dimension: Option<String>,
    /// `name` (rule name = check name) or `metric` (same kind of check).
    pub matched_by: String,
}

/// `meshlens quality metrics DATASET`: the OpenLineage `dataQualityMetrics` history of a dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct DatasetMetrics {
    /// The dataset as asked for.
    pub dataset: String,
    /// Dataset-level figures, oldest first.
    pub points: Vec<DatasetMetricPoint>,
    /// Per-column figures, by column name, oldest first.
    pub columns: Vec<ColumnMetricsHistory>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DatasetMetricPoint {
    pub at: String,
    /// The OpenLineage `namespace:name` the figures were reported for.
    pub reported_as: String,
    pub row_count: Option<i64>,
    pub bytes: Option<i64>,
    pub file_count: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ColumnMetricsHistory {
    pub column: String,
    pub points: Vec<ColumnMetricPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ColumnMetricPoint {
    pub at: String,
    pub null_count: Option<i64>,
    pub distinct_count: Option<i64>,
    pub sum: Option<f64>,
    pub count: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Quantile ("0.25", "0.5", ...) to value.
    #[ts(type = "Record<string, number> | null")]
    pub quantiles: Option<std::collections::BTreeMap<String, f64>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QualitySummary {
    pub passed: u64,
    /// `fail` and `error`.
    pub failed: u64,
    pub warned: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QualityReport {
    pub results: Vec<QualityResult>,
    pub summary: QualitySummary,
}

/// `meshlens scorecard`: one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Scorecard {
    pub id: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    /// Passing share of every kept outcome (0..1), `None` without results.
    pub pass_rate: Option<f64>,
    /// Checks whose newest outcome is `fail` or `error`.
    pub failing: u64,
    pub sla_breaches: u64,
    /// Violations found by the last policy check.
    pub policy_violations: u64,
    pub last_run: Option<String>,
}

/// A domain's scorecard: its products' figures combined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DomainScorecard {
    pub domain: String,
    pub products: u64,
    pub pass_rate: Option<f64>,
    pub failing: u64,
    pub sla_breaches: u64,
    pub policy_violations: u64,
    pub last_run: Option<String>,
}

/// A promised SLA that the observed data does not meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SlaBreach {
    pub product: String,
    pub contract: String,
    pub dataset: String,
    /// `latency`/`freshness` (stale data) or the failing freshness check's name.
    pub sla: String,
    pub message: String,
}
