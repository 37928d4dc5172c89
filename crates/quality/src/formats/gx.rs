//! Great Expectations validation results (`ExpectationSuiteValidationResult.to_json_dict()`):
//! GX 1.x keys (`suite_name`, `expectation_config.type`) and the 0.x ones they replaced.

use serde_json::{Map, Value};

use super::{Parsed, Row, Status, first_time, str_at, text};
use crate::keys::server_key;

pub(crate) fn read(file: &str, bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    let Some(doc) = out.json(file, bytes) else {
        return out;
    };
    let meta = doc.get("meta").cloned().unwrap_or(Value::Null);
    let Some((at, at_ms)) = first_time([
        meta.get("validation_time"),
        meta.pointer("/run_id/run_time"),
        meta.get("run_id"),
        meta.get("run_time"),
    ]) else {
        out.reject(file, 0, "Great Expectations result without a validation time (meta.validation_time or meta.run_id)");
        return out;
    };
    let suite = str_at(&doc, "/suite_name")
        .or_else(|| str_at(&meta, "/expectation_suite_name"))
        .unwrap_or("suite");
    let data_source = str_at(&meta, "/active_batch_definition/datasource_name")
        .or_else(|| str_at(&meta, "/batch_spec/datasource_name"))
        .or_else(|| str_at(&meta, "/batch_kwargs/datasource"));
    let table = str_at(&meta, "/batch_spec/table_name")
        .or_else(|| str_at(&meta, "/batch_kwargs/table"))
        .or_else(|| str_at(&meta, "/active_batch_definition/data_asset_name"))
        .or_else(|| str_at(&meta, "/batch_spec/data_asset_name"));
    let qualified = match (str_at(&meta, "/batch_spec/schema_name"), table) {
        (Some(schema), Some(table)) if !table.contains('.') => Some(format!("{schema}.{table}")),
        (_, table) => table.map(str::to_owned),
    };
    let dataset = qualified.clone().unwrap_or_else(|| suite.to_owned());
    let target_key = match data_source {
        Some(ds) => server_key(ds, &dataset),
        // No datasource recorded (old fixtures): kept under the suite, never linked by guess.
        None => format!("gx:{}|{}", suite.to_lowercase(), dataset.to_lowercase()),
    };
    let Some(results) = doc.get("results").and_then(Value::as_array) else {
        out.reject(
            file,
            0,
            "Great Expectations result without a `results` list",
        );
        return out;
    };
    for (index, result) in results.iter().enumerate() {
        let config = result
            .get("expectation_config")
            .cloned()
            .unwrap_or(Value::Null);
        let Some(kind) = str_at(&config, "/type").or_else(|| str_at(&config, "/expectation_type"))
        else {
            out.reject(
                file,
                0,
                format!("results[{index}] names no expectation type"),
            );
            continue;
        };
        let raised = result
            .pointer("/exception_info/raised_exception")
            .and_then(Value::as_bool)
            == Some(true);
        let severity = str_at(&config, "/severity").map(str::to_ascii_lowercase);
        let status = match (raised, result.get("success").and_then(Value::as_bool)) {
            (true, _) => Status::Error,
            (false, Some(true)) => Status::Pass,
            (false, Some(false)) => Status::failed(severity.as_deref()),
            (false, None) => {
                out.reject(
                    file,
                    0,
                    format!("results[{index}] ({kind}) has no boolean `success`"),
                );
                continue;
            }
        };
        let kwargs = config.get("kwargs").and_then(Value::as_object);
        let column = kwargs
            .and_then(|k| k.get("column"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let expected = kwargs.and_then(|k| {
            let rest: Map<String, Value> = k
                .iter()
                .filter(|(key, v)| {
                    !v.is_null() && !matches!(key.as_str(), "column" | "batch_id" | "result_format")
                })
                .map(|(key, v)| (key.clone(), v.clone()))
                .collect();
            (!rest.is_empty()).then(|| Value::Object(rest).to_string())
        });
        let observed = result
            .pointer("/result/observed_value")
            .and_then(text)
            .or_else(|| {
                result
                    .pointer("/result/unexpected_count")
                    .and_then(Value::as_u64)
                    .map(|n| format!("{n} unexpected"))
            })
            .or_else(|| str_at(result, "/exception_info/exception_message").map(str::to_owned));
        out.rows.push(Row {
            tool: "great_expectations",
            check: kind.to_owned(),
            check_type: Some(kind.to_owned()),
            data_source: data_source.map(str::to_owned),
            dataset: dataset.clone(),
            target_key: target_key.clone(),
            column,
            status,
            severity,
            observed,
            expected,
            at: at.clone(),
            at_ms,
        });
    }
    out
}
