//! dbt artifacts: `manifest.json` says what each test node checks (generic test name, column,
//! tested model and its relation, severity); `run_results.json` (v5, v6) says how each ran.

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
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

/// The parts of `manifest.json` that tests need. Everything else (macros, docs, the parent and child
/// maps) is skipped while parsing, and so are most fields of each node (see [`NodeFields`]).
#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    metadata: Value,
    #[serde(default)]
    nodes: HashMap<String, NodeFields>,
    #[serde(default)]
    sources: HashMap<String, NodeFields>,
}

/// What a node says about a test or about the model it tests.
const NODE_FIELDS: &[&str] = &[
    "resource_type",
    "name",
    "source_name",
    "test_metadata",
    "column_name",
    "config",
    "attached_node",
    "depends_on",
    "relation_name",
    "alias",
    "identifier",
    "database",
    "schema",
];

/// One node with only [`NODE_FIELDS`]. Compiled SQL, descriptions and column docs are most of a
/// manifest's bytes (tens of MB in a large project); they are skipped without being built, so the
/// parsed manifest is a small fraction of the file.
struct NodeFields(Map<String, Value>);

impl<'de> Deserialize<'de> for NodeFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = NodeFields;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a manifest node (an object)")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeFields, A::Error> {
                let mut kept = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if NODE_FIELDS.contains(&key.as_str()) {
                        kept.insert(key, map.next_value()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(NodeFields(kept))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

fn node_values(nodes: HashMap<String, NodeFields>) -> Map<String, Value> {
    nodes
        .into_iter()
        .map(|(id, NodeFields(fields))| (id, Value::Object(fields)))
        .collect()
}

pub(crate) fn read_manifest(bytes: &[u8]) -> Result<ManifestTests, String> {
    let manifest: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| format!("manifest.json is not a dbt manifest: {e}"))?;
    let metadata = manifest.metadata;
    let nodes = &node_values(manifest.nodes);
    let sources = &node_values(manifest.sources);
    let lookup = |id: &str| nodes.get(id).or_else(|| sources.get(id));
    let adapter = str_at(&metadata, "/adapter_type")
        .unwrap_or("dbt")
        .to_owned();
    let project = str_at(&metadata, "/project_name")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A node's compiled SQL and docs are skipped, not built; what tests need is read as before.
    #[test]
    fn manifests_keep_what_tests_need_and_skip_the_rest() {
        let heavy = "x".repeat(100_000);
        let manifest = serde_json::json!({
            "metadata": {"adapter_type": "duckdb", "project_name": "shop"},
            "macros": {"m": {"macro_sql": heavy}},
            "nodes": {
                "model.shop.orders": {
                    "resource_type": "model", "name": "orders", "database": "db", "schema": "main",
                    "compiled_code": heavy, "description": heavy, "columns": {"id": {"description": heavy}}
                },
                "test.shop.not_null_orders_id.1": {
                    "resource_type": "test", "name": "not_null_orders_id", "column_name": "id",
                    "attached_node": "model.shop.orders", "raw_code": heavy,
                    "test_metadata": {"name": "not_null", "kwargs": {"column_name": "id"}},
                    "config": {"severity": "ERROR"}
                }
            },
            "child_map": {"model.shop.orders": ["test.shop.not_null_orders_id.1"]}
        });
        let tests = read_manifest(manifest.to_string().as_bytes()).unwrap();
        assert_eq!(
            (tests.adapter.as_str(), tests.project.as_str()),
            ("duckdb", "shop")
        );
        let test = &tests.tests["test.shop.not_null_orders_id.1"];
        assert_eq!(test.relation.as_deref(), Some("db.main.orders"));
        assert_eq!(test.generic.as_deref(), Some("not_null"));
        assert_eq!(test.severity.as_deref(), Some("error"));
        let kept = serde_json::to_string(&tests).unwrap();
        assert!(kept.len() < 1_000, "{kept}");
    }

    #[test]
    fn a_manifest_whose_nodes_are_not_objects_is_refused_with_the_reason() {
        let err = read_manifest(br#"{"nodes": {"test.a": 7}}"#).unwrap_err();
        assert!(
            err.contains("not a dbt manifest") && err.contains("manifest node"),
            "{err}"
        );
    }
}
