//! dbt artifacts: `manifest.json` says what each test node checks (generic test name, column,
//! tested model and its relation, severity); `run_results.json` (v5, v6) says how each ran.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Parsed, Row, Status, first_time, str_at, text};
use crate::keys::qualified_key;

/// The test nodes of one manifest, reduced to what results need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ManifestTests {
    /// `metadata.adapter_type` (snowflake, postgres, duckdb...).
    pub adapter: String,
    pub project: String,
    pub tests: HashMap<String, TestNode>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct TestNode {
    pub name: String,
    /// `test_metadata.name` (unique, not_null...); `None` for singular tests.
    pub generic: Option<String>,
    pub column: Option<String>,
    /// `database.schema.identifier` of the tested model or source.
    pub relation: Option<String>,
    pub severity: Option<String>,
    pub expected: Option<String>,
}

pub(crate) fn read_manifest(bytes: &[u8]) -> Result<ManifestTests, String> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("manifest.json is not JSON: {e}"))?;
    let empty = Map::new();
    let nodes = doc
        .get("nodes")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let sources = doc
        .get("sources")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let lookup = |id: &str| nodes.get(id).or_else(|| sources.get(id));
    let adapter = str_at(&doc, "/metadata/adapter_type")
        .unwrap_or("dbt")
        .to_owned();
    let project = str_at(&doc, "/metadata/project_name")
        .unwrap_or_default()
        .to_owned();
    let mut tests = HashMap::new();
    for (id, node) in nodes {
        if node.get("resource_type").and_then(Value::as_str) != Some("test") {
            continue;
        }
        let meta = node.get("test_metadata").filter(|m| m.is_object());
        let kwargs = meta
            .and_then(|m| m.get("kwargs"))
            .and_then(Value::as_object);
        let tested = tested_node(node, kwargs, nodes, sources);
        let relation = tested.and_then(lookup).and_then(relation_of);
        let column = str_at(node, "/column_name")
            .or_else(|| {
                kwargs
                    .and_then(|k| k.get("column_name"))
                    .and_then(Value::as_str)
            })
            .map(str::to_owned);
        let expected = kwargs.and_then(|k| {
            let rest: Map<String, Value> = k
                .iter()
                .filter(|(key, _)| !matches!(key.as_str(), "model" | "column_name"))
                .map(|(key, v)| (key.clone(), v.clone()))
                .collect();
            (!rest.is_empty()).then(|| Value::Object(rest).to_string())
        });
        tests.insert(
            id.clone(),
            TestNode {
                name: str_at(node, "/name").unwrap_or(id).to_owned(),
                generic: meta.and_then(|m| str_at(m, "/name")).map(str::to_owned),
                column,
                relation,
                severity: str_at(node, "/config/severity").map(str::to_ascii_lowercase),
                expected,
            },
        );
    }
    Ok(ManifestTests {
        adapter,
        project,
        tests,
    })
}

/// The model or source a test checks: `attached_node`, else the `ref()`/`source()` in its `model`
/// argument, else its only dependency (relationships tests depend on two models).
fn tested_node<'a>(
    node: &'a Value,
    kwargs: Option<&'a Map<String, Value>>,
    nodes: &'a Map<String, Value>,
    sources: &'a Map<String, Value>,
) -> Option<&'a str> {
    if let Some(attached) = str_at(node, "/attached_node") {
        return Some(attached);
    }
    let deps: Vec<&str> = node
        .pointer("/depends_on/nodes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(model) = kwargs.and_then(|k| k.get("model")).and_then(Value::as_str) {
        let quoted: Vec<&str> = model.split(['\'', '"']).skip(1).step_by(2).collect();
        let found = deps.iter().copied().find(|dep| {
            let entry = nodes.get(*dep).or_else(|| sources.get(*dep));
            let name = entry.and_then(|e| str_at(e, "/name"));
            let source_name = entry.and_then(|e| str_at(e, "/source_name"));
            match (model.contains("source("), quoted.as_slice()) {
                (true, [src, table, ..]) => source_name == Some(src) && name == Some(table),
                (false, [.., model_name]) => name == Some(model_name),
                _ => false,
            }
        });
        if found.is_some() {
            return found;
        }
    }
    if deps.len() == 1 {
        return Some(deps[0]);
    }
    // Trimmed manifests lose `model`: dbt names generic tests `{test}_{model}_{column}...`.
    let test_name = str_at(node, "/name")?;
    let generic = node
        .pointer("/test_metadata/name")
        .and_then(Value::as_str)?;
    deps.into_iter()
        .filter_map(|dep| {
            let name = nodes
                .get(dep)
                .or_else(|| sources.get(dep))
                .and_then(|e| str_at(e, "/name"))?;
            test_name
                .starts_with(&format!("{generic}_{name}_"))
                .then_some((name.len(), dep))
        })
        .max()
        .map(|(_, dep)| dep)
}

fn relation_of(node: &Value) -> Option<String> {
    if let Some(rel) = str_at(node, "/relation_name") {
        return Some(rel.replace(['"', '`'], ""));
    }
    let table = str_at(node, "/alias")
        .or_else(|| str_at(node, "/identifier"))
        .or_else(|| str_at(node, "/name"))?;
    let parts: Vec<&str> = [
        str_at(node, "/database"),
        str_at(node, "/schema"),
        Some(table),
    ]
    .into_iter()
    .flatten()
    .collect();
    Some(parts.join("."))
}

/// Test outcomes of a `run_results.json`, mapped through the manifest of the same build.
pub(crate) fn read_run_results(file: &str, bytes: &[u8], manifest: &ManifestTests) -> Parsed {
    let mut out = Parsed::default();
    let Some(doc) = out.json(file, bytes) else {
        return out;
    };
    // v4 to v6 share `results[]`; newer versions are read the same way (tolerant by design).
    let generated = doc.pointer("/metadata/generated_at");
    let Some(results) = doc.get("results").and_then(Value::as_array) else {
        out.reject(file, 0, "run_results.json has no `results` list");
        return out;
    };
    for (index, result) in results.iter().enumerate() {
        let Some(id) = str_at(result, "/unique_id") else {
            out.reject(file, 0, format!("results[{index}] has no unique_id"));
            continue;
        };
        if !id.starts_with("test.") {
            continue; // models, seeds, snapshots: not quality checks
        }
        let status = match str_at(result, "/status")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("pass") => Status::Pass,
            Some("warn") => Status::Warn,
            Some("fail") => Status::Fail,
            Some("error" | "runtime error") => Status::Error,
            Some("skipped") => Status::Skipped,
            other => {
                out.reject(file, 0, format!("test {id}: unknown status {other:?}"));
                continue;
            }
        };
        let timing = result.get("timing").and_then(Value::as_array);
        let execute = timing.and_then(|t| {
            t.iter()
                .find(|step| step.get("name").and_then(Value::as_str) == Some("execute"))
        });
        let Some((at, at_ms)) = first_time([
            execute.and_then(|e| e.get("completed_at")),
            timing
                .and_then(|t| t.last())
                .and_then(|e| e.get("completed_at")),
            generated,
        ]) else {
            out.reject(
                file,
                0,
                format!("test {id}: no completion time and no metadata.generated_at"),
            );
            continue;
        };
        let test = manifest.tests.get(id);
        let (dataset, target_key) = match test.and_then(|t| t.relation.as_deref()) {
            Some(rel) => (rel.to_owned(), qualified_key(&manifest.adapter, rel)),
            // Singular tests on no model are run-level: kept under the project.
            None => {
                let project = id.split('.').nth(1).unwrap_or(&manifest.project).to_owned();
                let key = format!("dbt:{project}");
                (project, key)
            }
        };
        let observed = result
            .get("failures")
            .and_then(text)
            .map(|f| {
                if f.chars().all(|c| c.is_ascii_digit()) {
                    format!("{f} failing rows")
                } else {
                    f
                }
            })
            .or_else(|| str_at(result, "/message").map(str::to_owned));
        out.rows.push(Row {
            tool: "dbt",
            check: test.map_or_else(
                || id.split('.').nth(2).unwrap_or(id).to_owned(),
                |t| t.name.clone(),
            ),
            check_type: test.and_then(|t| t.generic.clone()),
            data_source: Some(manifest.adapter.clone()),
            dataset,
            target_key,
            column: test.and_then(|t| t.column.clone()),
            status,
            severity: test.and_then(|t| t.severity.clone()),
            observed,
            expected: Some(
                test.and_then(|t| t.expected.clone())
                    .unwrap_or_else(|| "0 failing rows".into()),
            ),
            at,
            at_ms,
        });
    }
    out
}
