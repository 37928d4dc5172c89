//! Soda Core v3 scan results (`soda scan -srf FILE`). No schema exists; the fields are the ones
//! soda-core 3.x `SodaCloud.build_scan_results` writes.

use std::collections::HashMap;

use serde_json::Value;

use super::{Parsed, Row, Status, first_time, str_at, text};
use crate::keys::server_key;

pub(crate) fn read(file: &str, bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    let Some(doc) = out.json(file, bytes) else {
        return out;
    };
    let Some((at, at_ms)) = first_time([
        doc.get("dataTimestamp"),
        doc.get("scanEndTimestamp"),
        doc.get("scanStartTimestamp"),
    ]) else {
        out.reject(
            file,
            0,
            "Soda scan result without dataTimestamp/scanEndTimestamp",
        );
        return out;
    };
    let default_source = str_at(&doc, "/defaultDataSource");
    // Metric identities end in the metric name: `metric-<scan>-<source>-<table>[-<column>]-<metric>`.
    let metric_names: HashMap<&str, &str> = doc
        .get("metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| Some((str_at(m, "/identity")?, str_at(m, "/metricName")?)))
        .collect();
    let Some(checks) = doc.get("checks").and_then(Value::as_array) else {
        out.reject(file, 0, "Soda scan result without a `checks` list");
        return out;
    };
    for (index, check) in checks.iter().enumerate() {
        let Some(name) = str_at(check, "/name") else {
            out.reject(file, 0, format!("checks[{index}] has no name"));
            continue;
        };
        let Some(table) = str_at(check, "/table") else {
            out.reject(file, 0, format!("check '{name}' names no table"));
            continue;
        };
        let status = match str_at(check, "/outcome") {
            Some("pass") => Status::Pass,
            Some("warn") => Status::Warn,
            Some("fail") => Status::Fail,
            // Soda writes no outcome when the check could not be evaluated.
            None => Status::Error,
            Some(other) => {
                out.reject(
                    file,
                    0,
                    format!("check '{name}': unknown outcome '{other}'"),
                );
                continue;
            }
        };
        let data_source = str_at(check, "/dataSource").or(default_source);
        let check_type = check
            .get("metrics")
            .and_then(Value::as_array)
            .and_then(|m| m.first())
            .and_then(Value::as_str)
            .and_then(|id| metric_names.get(id).copied())
            .map(str::to_owned);
        let diagnostics = check.get("diagnostics").cloned().unwrap_or(Value::Null);
        let thresholds: serde_json::Map<String, Value> = ["fail", "warn"]
            .iter()
            .filter_map(|k| diagnostics.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        let expected = if thresholds.is_empty() {
            str_at(check, "/definition").map(|d| {
                d.lines()
                    .last()
                    .unwrap_or(d)
                    .trim()
                    .trim_start_matches("- ")
                    .to_owned()
            })
        } else {
            Some(Value::Object(thresholds).to_string())
        };
        out.rows.push(Row {
            tool: "soda",
            check: name.to_owned(),
            check_type,
            data_source: data_source.map(str::to_owned),
            dataset: table.to_owned(),
            target_key: server_key(data_source.unwrap_or("soda"), table),
            column: str_at(check, "/column").map(str::to_owned),
            status,
            severity: (status == Status::Warn).then(|| "warn".to_owned()),
            observed: diagnostics.get("value").and_then(text),
            expected,
            at: at.clone(),
            at_ms,
        });
    }
    out
}
