//! Readers for the result formats. Each turns one file into [`Row`]s (one per check outcome) and
//! per-entry rejections; nothing here touches the store.

pub(crate) mod dbt;
pub(crate) mod gx;
pub(crate) mod openlineage;
pub(crate) mod soda;

use serde_json::Value;

use crate::time::parse_time;
use crate::types::Rejected;

/// One check outcome, normalised.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub tool: &'static str,
    pub check: String,
    pub check_type: Option<String>,
    pub data_source: Option<String>,
    pub dataset: String,
    pub target_key: String,
    pub column: Option<String>,
    pub status: Status,
    pub severity: Option<String>,
    pub observed: Option<String>,
    pub expected: Option<String>,
    pub at: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pass,
    Warn,
    Fail,
    Error,
    Skipped,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }

    /// A failed check whose severity says it does not block is a warning, not an outage.
    pub(crate) fn failed(severity: Option<&str>) -> Status {
        match severity.map(str::to_ascii_lowercase).as_deref() {
            Some("warn" | "warning" | "info") => Status::Warn,
            _ => Status::Fail,
        }
    }
}

/// Figures of one OpenLineage `dataQualityMetrics` facet: the dataset's (`column` empty) or one
/// column's, at the event's time.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MetricRow {
    pub target_key: String,
    pub namespace: String,
    pub dataset: String,
    pub column: String,
    pub at: String,
    pub at_ms: i64,
    pub row_count: Option<i64>,
    pub bytes: Option<i64>,
    pub file_count: Option<i64>,
    pub null_count: Option<i64>,
    pub distinct_count: Option<i64>,
    pub sum: Option<f64>,
    pub count: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// JSON object, quantile -> value.
    pub quantiles: Option<String>,
}

/// What a reader produced from one file.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub rows: Vec<Row>,
    pub metrics: Vec<MetricRow>,
    pub rejected: Vec<Rejected>,
}

impl Parsed {
    /// The file as one JSON document, or `None` after rejecting it with the parser's position.
    pub(crate) fn json(&mut self, file: &str, bytes: &[u8]) -> Option<Value> {
        match serde_json::from_slice(bytes) {
            Ok(doc) => Some(doc),
            Err(e) => {
                self.reject(file, e.line() as u64, format!("not JSON: {e}"));
                None
            }
        }
    }

    pub(crate) fn reject(&mut self, file: &str, line: u64, message: impl Into<String>) {
        self.rejected.push(Rejected {
            file: file.to_owned(),
            line,
            message: message.into(),
        });
    }
}

/// A result format, as [`read_results`] reads it.
#[derive(Debug, Clone, Copy)]
pub enum ResultFormat<'a> {
    /// A dbt `run_results.json`, read through the `manifest.json` of the same build.
    Dbt {
        manifest: &'a [u8],
    },
    GreatExpectations,
    Soda,
    /// OpenLineage events with `dataQualityAssertions` or `dataQualityMetrics` facets.
    OpenLineage,
}

/// What reading one result file yields before anything is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultsRead {
    pub outcomes: usize,
    pub metrics: usize,
    pub rejected: Vec<Rejected>,
}

/// Reads one result file with the reader an import uses for its format, storing nothing. The fuzz
/// targets (`tests/fuzz`) and their replay test call it. An unreadable dbt manifest rejects the
/// file, as an import does.
pub fn read_results(format: ResultFormat<'_>, path: &str, bytes: &[u8]) -> ResultsRead {
    let parsed = match format {
        ResultFormat::Dbt { manifest } => match dbt::read_manifest(manifest) {
            Ok(tests) => dbt::read_run_results(path, bytes, &tests),
            Err(message) => {
                let mut out = Parsed::default();
                out.reject(path, 0, message);
                out
            }
        },
        ResultFormat::GreatExpectations => gx::read(path, bytes),
        ResultFormat::Soda => soda::read(path, bytes),
        ResultFormat::OpenLineage => openlineage::read(path, bytes),
    };
    ResultsRead {
        outcomes: parsed.rows.len(),
        metrics: parsed.metrics.len(),
        rejected: parsed.rejected,
    }
}

/// The first of `candidates` that holds a date-time.
pub(crate) fn first_time<'a>(
    candidates: impl IntoIterator<Item = Option<&'a Value>>,
) -> Option<(String, i64)> {
    candidates
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(parse_time)
}

/// A value as short display text: strings verbatim, everything else as compact JSON.
pub(crate) fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub(crate) fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}
