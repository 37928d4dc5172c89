//! One OpenLineage event, checked for the identity the graph needs and reduced to the nodes,
//! edges, aliases and facets it contributes. The event itself is stored verbatim elsewhere.

use std::io::Write;

use meshlens_model::schema::SchemaId;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::time::parse_event_time;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EntityKind {
    Dataset,
    Job,
}

impl EntityKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EntityKind::Dataset => "dataset",
            EntityKind::Job => "job",
        }
    }
}

/// A dataset or job as OpenLineage identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct NodeKey {
    pub kind: EntityKind,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Run,
    Dataset,
    Job,
}

impl EventKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EventKind::Run => "run",
            EventKind::Dataset => "dataset",
            EventKind::Job => "job",
        }
    }
}

pub(crate) struct ColumnEdge {
    pub from: NodeKey,
    pub from_column: String,
    pub to: NodeKey,
    pub to_column: String,
    pub transformation: String,
}

/// What one event contributes to the graph.
pub(crate) struct ParsedEvent {
    pub kind: EventKind,
    pub event_type: Option<String>,
    pub event_time: String,
    pub event_ms: i64,
    pub run_id: Option<String>,
    pub job: Option<NodeKey>,
    /// Nodes whose facets this event reports (facet maps as sent).
    pub facets: Vec<(NodeKey, Map<String, Value>)>,
    /// Every node mentioned, so that datasets without edges still exist.
    pub nodes: Vec<NodeKey>,
    pub edges: Vec<(NodeKey, NodeKey, &'static str)>,
    pub column_edges: Vec<ColumnEdge>,
    /// (alias, target, type)
    pub aliases: Vec<(NodeKey, NodeKey, Option<String>)>,
    /// First schema violation, if any: reported as a warning, never a rejection.
    pub schema_warning: Option<String>,
    pub dedupe_key: [u8; 16],
}

/// Reads `value` as an OpenLineage event. `Err` carries the reason it cannot be placed in the
/// graph (no identity, no usable time); everything else is accepted.
pub(crate) fn parse_event(value: &Value) -> Result<ParsedEvent, String> {
    let obj = value
        .as_object()
        .ok_or("an OpenLineage event must be a JSON object")?;
    let kind = if obj.contains_key("run") {
        EventKind::Run
    } else if obj.contains_key("dataset") {
        EventKind::Dataset
    } else if obj.contains_key("job") {
        EventKind::Job
    } else {
        return Err(
            "not an OpenLineage event: none of `run`, `job` or `dataset` is present".into(),
        );
    };
    let event_time = obj
        .get("eventTime")
        .and_then(Value::as_str)
        .ok_or("`eventTime` is missing or not a string")?
        .to_owned();
    let event_ms = parse_event_time(&event_time)
        .ok_or_else(|| format!("`eventTime` '{event_time}' is not an ISO 8601 date-time"))?;

    let mut event = ParsedEvent {
        kind,
        event_type: obj
            .get("eventType")
            .and_then(Value::as_str)
            .map(str::to_owned),
        event_time,
        event_ms,
        run_id: None,
        job: None,
        facets: Vec::new(),
        nodes: Vec::new(),
        edges: Vec::new(),
        column_edges: Vec::new(),
        aliases: Vec::new(),
        schema_warning: schema_warning(value),
        dedupe_key: dedupe_key(value),
    };

    if kind == EventKind::Run {
        let run_id = obj
            .get("run")
            .and_then(|r| r.get("runId"))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or("`run.runId` is missing or empty")?;
        event.run_id = Some(run_id.to_owned());
    }
    if kind == EventKind::Dataset {
        let dataset = obj.get("dataset").ok_or("`dataset` is missing")?;
        let key = identity(dataset, EntityKind::Dataset, "dataset")?;
        event.add_dataset(key, dataset);
        return Ok(event);
    }

    let job_value = obj.get("job").ok_or("`job` is missing")?;
    let job = identity(job_value, EntityKind::Job, "job")?;
    if let Some(facets) = job_value
        .get("facets")
        .and_then(Value::as_object)
        .filter(|f| !f.is_empty())
    {
        event.facets.push((job.clone(), facets.clone()));
        if let Some(lineage) = facets.get("lineage") {
            event.job_lineage_facet(&job, lineage);
        }
    }
    event.nodes.push(job.clone());
    let inputs = datasets(obj, "inputs")?;
    let outputs = datasets(obj, "outputs")?;
    for (key, value) in &inputs {
        event.edges.push((key.clone(), job.clone(), "consumes"));
        event.add_dataset(key.clone(), value);
    }
    // Column lineage on an output already has its job path from the inputs the event names.
    let job_inputs = inputs.iter().map(|(k, _)| k).collect::<Vec<_>>();
    for (key, value) in &outputs {
        event.edges.push((job.clone(), key.clone(), "produces"));
        event.add_dataset_with_inputs(key.clone(), value, &job_inputs);
    }
    event.job = Some(job);
    Ok(event)
}

/// The OpenLineage version meshlens has the schema of; events of any other version are checked
/// against it too (the 2-0-x and 1-0-x event shapes differ only in facets it does not require).
const KNOWN_OPENLINEAGE: &str = "2-0-2";

/// Why `value` is not a valid event of the schema it is checked against: the event's own version
/// when meshlens has it, else [`KNOWN_OPENLINEAGE`], which the warning then names.
fn schema_warning(value: &Value) -> Option<String> {
    let declared = declared_version(value);
    let unknown = declared.filter(|v| *v != KNOWN_OPENLINEAGE).map(|v| {
        format!(
            "declares OpenLineage {v}, which has no schema in meshlens (newest known: \
             {KNOWN_OPENLINEAGE}); checked against {KNOWN_OPENLINEAGE}"
        )
    });
    let validator = SchemaId::OpenLineage202.validator();
    // `is_valid` first: it stops at the first error and builds none, and nearly every event is valid.
    let valid = validator.is_valid(value);
    let mismatch = (!valid)
        .then(|| validator.iter_errors(value).next())
        .flatten()
        .map(|e| {
            format!(
                "does not match OpenLineage {KNOWN_OPENLINEAGE} at '{}': {e}",
                e.instance_path()
            )
        });
    match (unknown, mismatch) {
        (Some(unknown), Some(mismatch)) => Some(format!("{unknown}; {mismatch}")),
        (unknown, mismatch) => unknown.or(mismatch),
    }
}

/// The spec version in an event's `schemaURL` (`https://openlineage.io/spec/2-0-2/OpenLineage.json#…`).
fn declared_version(value: &Value) -> Option<&str> {
    let url = value.get("schemaURL")?.as_str()?;
    let (_, after) = url.split_once("/spec/")?;
    let version = after.split('/').next()?;
    let numeric = version.split('-').count() == 3
        && version
            .split('-')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    numeric.then_some(version)
}

/// `(namespace, name)` of a dataset or job, both required and non-empty.
fn identity(value: &Value, kind: EntityKind, at: &str) -> Result<NodeKey, String> {
    let field = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("`{at}.{key}` is missing or empty"))
    };
    Ok(NodeKey {
        kind,
        namespace: field("namespace")?.to_owned(),
        name: field("name")?.to_owned(),
    })
}

fn datasets<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
) -> Result<Vec<(NodeKey, &'a Value)>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                Ok((
                    identity(item, EntityKind::Dataset, &format!("{key}[{i}]"))?,
                    item,
                ))
            })
            .collect(),
        Some(_) => Err(format!("`{key}` must be an array")),
    }
}

impl ParsedEvent {
    fn add_dataset(&mut self, key: NodeKey, value: &Value) {
        self.add_dataset_with_inputs(key, value, &[]);
    }

    /// Records the dataset, its facets, and what those facets say about lineage and aliases.
    /// `job_inputs` are the datasets the event's job already connects to this one.
    fn add_dataset_with_inputs(&mut self, key: NodeKey, value: &Value, job_inputs: &[&NodeKey]) {
        self.nodes.push(key.clone());
        let Some(facets) = value
            .get("facets")
            .and_then(Value::as_object)
            .filter(|f| !f.is_empty())
        else {
            return;
        };
        if let Some(identifiers) = at(facets, "symlinks", "/identifiers").and_then(Value::as_array)
        {
            for id in identifiers {
                if let Ok(alias) = identity(id, EntityKind::Dataset, "symlinks.identifiers") {
                    let kind = id.get("type").and_then(Value::as_str).map(str::to_owned);
                    self.alias(alias, &key, kind);
                }
            }
        }
        if let Some(change) = facets.get("lifecycleStateChange") {
            let renamed =
                change.get("lifecycleStateChange").and_then(Value::as_str) == Some("RENAME");
            let previous = change.get("previousIdentifier").filter(|_| renamed);
            if let Some(Ok(alias)) =
                previous.map(|p| identity(p, EntityKind::Dataset, "previousIdentifier"))
            {
                self.alias(alias, &key, Some("RENAME".into()));
            }
        }
        if let Some(fields) = at(facets, "columnLineage", "/fields").and_then(Value::as_object) {
            for (column, entry) in fields {
                // Pre-1.2 producers put the transformation on the output field itself.
                let legacy = entry.get("transformationType").and_then(Value::as_str);
                for input in entry
                    .get("inputFields")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    self.column_input(&key, column, input, legacy, job_inputs);
                }
            }
        }
        if let Some(inputs) = at(facets, "columnLineage", "/dataset").and_then(Value::as_array) {
            for input in inputs {
                self.dataset_input(&key, input, job_inputs);
            }
        }
        if let Some(lineage) = facets.get("lineage") {
            self.dataset_lineage_facet(&key, lineage, job_inputs);
        }
        self.facets.push((key, facets.clone()));
    }

    fn alias(&mut self, alias: NodeKey, target: &NodeKey, kind: Option<String>) {
        if &alias != target {
            self.nodes.push(alias.clone());
            self.aliases.push((alias, target.clone(), kind));
        }
    }

    /// A field-level input of `target.column`: a column edge, and the dataset-level dependency.
    fn column_input(
        &mut self,
        target: &NodeKey,
        column: &str,
        input: &Value,
        legacy: Option<&str>,
        job_inputs: &[&NodeKey],
    ) {
        let Some(source) = self.dataset_input(target, input, job_inputs) else {
            return;
        };
        let Some(field) = input.get("field").and_then(Value::as_str) else {
            return;
        };
        let transformations: Vec<String> =
            match input.get("transformations").and_then(Value::as_array) {
                Some(list) if !list.is_empty() => list.iter().map(transformation_label).collect(),
                _ => vec![legacy.unwrap_or_default().to_owned()],
            };
        for transformation in transformations {
            self.column_edges.push(ColumnEdge {
                from: source.clone(),
                from_column: field.to_owned(),
                to: target.clone(),
                to_column: column.to_owned(),
                transformation,
            });
        }
    }

    /// A dataset-level input named inside a facet; adds a `derived` edge unless the job already
    /// links the two. Inputs without identity are skipped (the facet is still stored).
    fn dataset_input(
        &mut self,
        target: &NodeKey,
        input: &Value,
        job_inputs: &[&NodeKey],
    ) -> Option<NodeKey> {
        let source = identity(input, EntityKind::Dataset, "input").ok()?;
        if !self.nodes.contains(&source) {
            self.nodes.push(source.clone());
        }
        let edge = (source.clone(), target.clone(), "derived");
        if !job_inputs.contains(&&source) && !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
        Some(source)
    }

    /// The generic `lineage` dataset facet: entity inputs (datasets or jobs) and field inputs.
    fn dataset_lineage_facet(&mut self, target: &NodeKey, facet: &Value, job_inputs: &[&NodeKey]) {
        for input in facet
            .get("inputs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.lineage_input(target, input, job_inputs);
        }
        for (column, entry) in facet
            .get("fields")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for input in entry
                .get("inputs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if is_job(input) {
                    self.lineage_input(target, input, job_inputs);
                } else {
                    self.column_input(target, column, input, None, job_inputs);
                }
            }
        }
    }

    fn lineage_input(&mut self, target: &NodeKey, input: &Value, job_inputs: &[&NodeKey]) {
        if !is_job(input) {
            self.dataset_input(target, input, job_inputs);
            return;
        }
        let Ok(job) = identity(input, EntityKind::Job, "input") else {
            return;
        };
        let kind = if target.kind == EntityKind::Job {
            "triggers"
        } else {
            "produces"
        };
        self.nodes.push(job.clone());
        self.edges.push((job, target.clone(), kind));
    }

    /// The generic `lineage` job facet: entries name a target (default: this job) and its inputs.
    fn job_lineage_facet(&mut self, job: &NodeKey, facet: &Value) {
        for entry in facet
            .get("entries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let target = if is_job(entry) {
                identity(entry, EntityKind::Job, "entry").unwrap_or_else(|_| job.clone())
            } else {
                match identity(entry, EntityKind::Dataset, "entry") {
                    Ok(dataset) => dataset,
                    Err(_) => continue,
                }
            };
            self.nodes.push(target.clone());
            for input in entry
                .get("inputs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if target.kind == EntityKind::Job && !is_job(input) {
                    if let Ok(dataset) = identity(input, EntityKind::Dataset, "input") {
                        self.nodes.push(dataset.clone());
                        self.edges.push((dataset, target.clone(), "consumes"));
                    }
                } else {
                    self.lineage_input(&target, input, &[]);
                }
            }
            if target.kind == EntityKind::Dataset {
                for (column, field) in entry
                    .get("fields")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    for input in field
                        .get("inputs")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        self.column_input(&target, column, input, None, &[]);
                    }
                }
            }
        }
    }
}

fn is_job(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("JOB")
}

/// `TYPE/SUBTYPE` (or `TYPE`) of one column transformation, plus `+masking` when it masks.
fn transformation_label(t: &Value) -> String {
    let kind = t.get("type").and_then(Value::as_str).unwrap_or_default();
    let mut label = match t
        .get("subtype")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        Some(sub) => format!("{kind}/{sub}"),
        None => kind.to_owned(),
    };
    if t.get("masking").and_then(Value::as_bool) == Some(true) {
        label.push_str("+masking");
    }
    label
}

/// `pointer` inside the facet named `facet`.
fn at<'v>(facets: &'v Map<String, Value>, facet: &str, pointer: &str) -> Option<&'v Value> {
    facets.get(facet)?.pointer(pointer)
}

/// 16 bytes of SHA-256 over the event with object keys sorted, so the same event sent twice
/// (even re-serialised with another key order or spacing) is recognised as a duplicate.
pub(crate) fn dedupe_key(value: &Value) -> [u8; 16] {
    fn feed(h: &mut Sha256, v: &Value) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                h.update(b"{");
                for k in keys {
                    feed(h, &Value::String(k.clone()));
                    h.update(b":");
                    feed(h, &map[k]);
                    h.update(b",");
                }
                h.update(b"}");
            }
            Value::Array(items) => {
                h.update(b"[");
                for item in items {
                    feed(h, item);
                    h.update(b",");
                }
                h.update(b"]");
            }
            scalar => {
                // Writing into a hasher cannot fail.
                let _ = serde_json::to_writer(HashWriter(h), scalar);
            }
        }
    }
    let mut hasher = Sha256::new();
    feed(&mut hasher, value);
    let digest = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run_event() -> Value {
        json!({
            "eventType": "COMPLETE", "eventTime": "2026-11-09T00:32:00Z",
            "producer": "https://example.com", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": "b87cbca2-65b8-54ab-9259-a96428b47bc5"},
            "job": {"namespace": "airflow", "name": "dag.task"},
            "inputs": [{"namespace": "postgres://db:5432", "name": "a.public.src"}],
            "outputs": [{"namespace": "postgres://db:5432", "name": "a.public.dst", "facets": {
                "columnLineage": {"_producer": "p", "_schemaURL": "s", "fields": {"id": {"inputFields": [
                    {"namespace": "postgres://db:5432", "name": "a.public.src", "field": "src_id",
                     "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}]},
                    {"namespace": "postgres://db:5432", "name": "a.public.other", "field": "x"}]}}},
                "symlinks": {"_producer": "p", "_schemaURL": "s", "identifiers": [{"namespace": "hive", "name": "a.dst", "type": "TABLE"}]},
                "myVendorFacet": {"_producer": "p", "_schemaURL": "s", "anything": [1, 2]}
            }}]
        })
    }

    #[test]
    fn run_event_yields_job_edges_columns_aliases_and_keeps_unknown_facets() {
        let e = parse_event(&run_event()).unwrap();
        assert_eq!(e.kind, EventKind::Run);
        assert_eq!(
            e.run_id.as_deref(),
            Some("b87cbca2-65b8-54ab-9259-a96428b47bc5")
        );
        let kinds: Vec<_> = e
            .edges
            .iter()
            .map(|(f, t, k)| (f.name.as_str(), t.name.as_str(), *k))
            .collect();
        assert_eq!(
            kinds,
            [
                ("a.public.src", "dag.task", "consumes"),
                ("dag.task", "a.public.dst", "produces"),
                ("a.public.other", "a.public.dst", "derived")
            ]
        );
        let cols: Vec<_> = e
            .column_edges
            .iter()
            .map(|c| {
                (
                    c.from_column.as_str(),
                    c.to_column.as_str(),
                    c.transformation.as_str(),
                )
            })
            .collect();
        assert_eq!(cols, [("src_id", "id", "DIRECT/IDENTITY"), ("x", "id", "")]);
        assert_eq!(e.aliases.len(), 1);
        assert_eq!(e.aliases[0].0.namespace, "hive");
        let (_, facets) = e
            .facets
            .iter()
            .find(|(k, _)| k.name == "a.public.dst")
            .unwrap();
        assert!(facets.contains_key("myVendorFacet"));
        assert!(e.schema_warning.is_none(), "{:?}", e.schema_warning);
    }

    #[test]
    fn identity_is_required_and_named_in_the_error() {
        let mut e = run_event();
        e["outputs"][0]["namespace"] = json!("");
        assert_eq!(
            parse_event(&e).err().unwrap(),
            "`outputs[0].namespace` is missing or empty"
        );
        let mut e = run_event();
        e["run"] = json!({});
        assert!(parse_event(&e).err().unwrap().contains("runId"));
        let mut e = run_event();
        e["eventTime"] = json!("soon");
        assert!(parse_event(&e).err().unwrap().contains("eventTime"));
        assert!(parse_event(&json!([1])).is_err());
    }

    #[test]
    fn an_event_of_another_version_is_checked_as_the_known_one_with_a_warning() {
        let mut e = run_event();
        e["schemaURL"] =
            json!("https://openlineage.io/spec/1-0-5/OpenLineage.json#/definitions/RunEvent");
        let warning = parse_event(&e).unwrap().schema_warning.unwrap();
        assert!(
            warning.contains("OpenLineage 1-0-5") && warning.contains("newest known: 2-0-2"),
            "{warning}"
        );
        assert!(!warning.contains("does not match"), "{warning}");
        e["eventType"] = json!("EXPLODED");
        let both = parse_event(&e).unwrap().schema_warning.unwrap();
        assert!(
            both.contains("1-0-5") && both.contains("eventType"),
            "{both}"
        );
        e["schemaURL"] = json!("not a url");
        assert!(
            !parse_event(&e)
                .unwrap()
                .schema_warning
                .unwrap()
                .contains("declares")
        );
    }

    #[test]
    fn schema_failures_are_warnings() {
        let mut e = run_event();
        e["eventType"] = json!("EXPLODED");
        let parsed = parse_event(&e).unwrap();
        assert!(parsed.schema_warning.unwrap().contains("eventType"));
    }

    #[test]
    fn dedupe_key_ignores_key_order_and_spacing() {
        let a: Value = serde_json::from_str(r#"{"a":1,"b":{"c":[1,2],"d":"x"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "b": {"d": "x", "c": [1, 2]}, "a": 1 }"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"a":1,"b":{"c":[2,1],"d":"x"}}"#).unwrap();
        assert_eq!(dedupe_key(&a), dedupe_key(&b));
        assert_ne!(dedupe_key(&a), dedupe_key(&c));
    }
}
