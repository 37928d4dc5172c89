//! OpenLineage `dataQualityAssertions` facets on the inputs and outputs of events. Producers put
//! them under `facets` (current), `inputFacets` (older, and the dbt integration writes both), or
//! `outputFacets`; the same assertion found twice in one event is kept once. `dataQualityMetrics`
//! facets (same holders) become [`MetricRow`]s: dataset figures and per-column statistics.

use std::collections::HashSet;

use serde_json::Value;

use super::{MetricRow, Parsed, Row, Status, str_at, text};
use crate::keys::openlineage_key;
use crate::time::parse_time;

pub(crate) fn read(file: &str, bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(events)) => {
            for (index, event) in events.iter().enumerate() {
                read_event(file, index as u64 + 1, event, &mut out);
            }
        }
        Ok(event) => read_event(file, 1, &event, &mut out),
        // NDJSON: one event per line, a bad line loses only itself.
        Err(_) => {
            let text = String::from_utf8_lossy(bytes);
            for (index, line) in text.lines().enumerate() {
                let line_no = index as u64 + 1;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(event) => read_event(file, line_no, &event, &mut out),
                    Err(e) => out.reject(file, line_no, format!("not JSON: {e}")),
                }
            }
        }
    }
    out
}

fn read_event(file: &str, line: u64, event: &Value, out: &mut Parsed) {
    let Some(time_text) = str_at(event, "/eventTime") else {
        let message = if event.get("dataQualityAssertions").is_some()
            || event.get("dataQualityMetrics").is_some()
        {
            "a bare dataQuality facet, not an event: it names no dataset and no time"
        } else {
            "not an OpenLineage event (no eventTime)"
        };
        out.reject(file, line, message);
        return;
    };
    let Some((at, at_ms)) = parse_time(time_text) else {
        out.reject(
            file,
            line,
            format!("eventTime '{time_text}' is not a date-time"),
        );
        return;
    };
    let datasets = ["inputs", "outputs"]
        .iter()
        .filter_map(|side| event.get(*side).and_then(Value::as_array))
        .flatten();
    for dataset in datasets {
        let (Some(namespace), Some(name)) =
            (str_at(dataset, "/namespace"), str_at(dataset, "/name"))
        else {
            continue;
        };
        read_metrics(namespace, name, dataset, &at, at_ms, out);
        let mut seen = HashSet::new();
        for holder in ["facets", "inputFacets", "outputFacets"] {
            let Some(assertions) = dataset
                .pointer(&format!("/{holder}/dataQualityAssertions/assertions"))
                .and_then(Value::as_array)
            else {
                continue;
            };
            for assertion in assertions {
                let Some(kind) = str_at(assertion, "/assertion") else {
                    out.reject(
                        file,
                        line,
                        format!("{namespace}/{name}: an assertion without `assertion`"),
                    );
                    continue;
                };
                let check = str_at(assertion, "/name").unwrap_or(kind).to_owned();
                let column = str_at(assertion, "/column").map(str::to_owned);
                if !seen.insert((check.clone(), column.clone())) {
                    continue;
                }
                let severity = str_at(assertion, "/severity").map(str::to_ascii_lowercase);
                let status = match assertion.get("success").and_then(Value::as_bool) {
                    Some(true) => Status::Pass,
                    Some(false) => Status::failed(severity.as_deref()),
                    None => {
                        out.reject(
                            file,
                            line,
                            format!(
                                "{namespace}/{name}: assertion '{check}' has no boolean `success`"
                            ),
                        );
                        continue;
                    }
                };
                out.rows.push(Row {
                    tool: "openlineage",
                    check,
                    check_type: Some(kind.to_owned()),
                    data_source: Some(namespace.to_owned()),
                    dataset: name.to_owned(),
                    target_key: openlineage_key(namespace, name),
                    column,
                    status,
                    severity,
                    observed: assertion.get("actual").and_then(text),
                    expected: assertion
                        .get("expected")
                        .and_then(text)
                        .or_else(|| str_at(assertion, "/content").map(str::to_owned)),
                    at: at.clone(),
                    at_ms,
                });
            }
        }
    }
}

/// The first `dataQualityMetrics` facet of a dataset (producers that write it under both
/// `facets` and `inputFacets` repeat the same figures).
fn read_metrics(
    namespace: &str,
    name: &str,
    dataset: &Value,
    at: &str,
    at_ms: i64,
    out: &mut Parsed,
) {
    let Some(facet) = ["facets", "inputFacets", "outputFacets"]
        .iter()
        .find_map(|holder| dataset.pointer(&format!("/{holder}/dataQualityMetrics")))
        .filter(|f| f.is_object())
    else {
        return;
    };
    let int = |v: &Value, key: &str| v.get(key).and_then(Value::as_f64).map(|n| n as i64);
    let float = |v: &Value, key: &str| v.get(key).and_then(Value::as_f64);
    let base = MetricRow {
        target_key: openlineage_key(namespace, name),
        namespace: namespace.to_owned(),
        dataset: name.to_owned(),
        at: at.to_owned(),
        at_ms,
        ..MetricRow::default()
    };
    out.metrics.push(MetricRow {
        row_count: int(facet, "rowCount"),
        bytes: int(facet, "bytes"),
        file_count: int(facet, "fileCount"),
        ..base.clone()
    });
    let columns = facet.get("columnMetrics").and_then(Value::as_object);
    for (column, m) in columns.into_iter().flatten() {
        let quantiles = m
            .get("quantiles")
            .filter(|q| q.as_object().is_some_and(|o| !o.is_empty()))
            .map(Value::to_string);
        out.metrics.push(MetricRow {
            column: column.clone(),
            null_count: int(m, "nullCount"),
            distinct_count: int(m, "distinctCount"),
            sum: float(m, "sum"),
            count: float(m, "count"),
            min: float(m, "min"),
            max: float(m, "max"),
            quantiles,
            ..base.clone()
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::read;

    #[test]
    fn metrics_facets_become_dataset_and_column_rows_once_per_event() {
        let facet = json!({
            "rowCount": 10, "bytes": 2048, "fileCount": 5,
            "columnMetrics": {
                "amount": {"count": 10, "sum": 6600, "min": 100, "max": 1500,
                           "quantiles": {"0.5": 550.5}},
                "user_id": {"nullCount": 0, "distinctCount": 3}
            }
        });
        let event = json!({
            "eventTime": "2023-05-30T10:54:22Z",
            "inputs": [{"namespace": "postgres://db:5432", "name": "shop.public.orders",
                        "facets": {"dataQualityMetrics": facet},
                        "inputFacets": {"dataQualityMetrics": facet}}]
        });
        let parsed = read("e.json", event.to_string().as_bytes());
        assert_eq!(parsed.rejected, []);
        let rows: Vec<_> = parsed
            .metrics
            .iter()
            .map(|m| {
                (
                    m.column.as_str(),
                    m.row_count,
                    m.bytes,
                    m.file_count,
                    m.null_count,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("", Some(10), Some(2048), Some(5), None),
                ("amount", None, None, None, None),
                ("user_id", None, None, None, Some(0)),
            ]
        );
        let amount = &parsed.metrics[1];
        assert_eq!(
            (amount.min, amount.max, amount.sum),
            (Some(100.0), Some(1500.0), Some(6600.0))
        );
        assert_eq!(amount.quantiles.as_deref(), Some(r#"{"0.5":550.5}"#));
        assert_eq!(amount.target_key, "q:postgres|shop.public.orders");
        assert_eq!(amount.at_ms, 1_685_444_062_000);
    }
}
