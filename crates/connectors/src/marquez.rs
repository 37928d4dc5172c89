//! Marquez (REST `/api/v1`, limit/offset paging, usually no auth). Read-only.
//!
//! Namespaces become domains, datasets ODCS contracts (fields as properties), and jobs with their
//! inputs, outputs and latest run OpenLineage events, so Marquez lineage lands in the lineage graph.
//! Each listed dataset's column lineage (its `columnLineage`, which Marquez lists with the dataset
//! since 0.30: no request per dataset) becomes `columnLineage` facets on those events.
//! Marquez lists have no "changed since" filter: every sync lists everything, but a dataset whose
//! `currentVersion` and `updatedAt` match the cache's provenance is not mapped again (it is
//! [`Pulled::kept`]); lineage is read in full each time (ingestion skips events it holds).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::documents::{ColumnDoc, TableDoc, document_path};
use crate::openlineage::{RUN_EVENT_SCHEMA, column_lineage_facet, edge_run_id, facet_inputs};
use crate::openmetadata::epoch_millis_to_rfc3339;
use crate::paging::{PageCounters, offset_pages};
use crate::{
    ConnectorError, Found, FoundKind, HttpClient, Mapped, Provenance, PullContext, Pulled,
    PulledDocument, list,
};

const PRODUCER: &str = "https://github.com/meshlens/meshlens/connectors/marquez";

pub(crate) async fn pull(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Pulled, ConnectorError> {
    let namespaces = offset_pages(
        ctx,
        counters,
        "api/v1/namespaces",
        ("namespaces", "totalCount"),
        |ns| text(&ns, "name"),
    )
    .await?;
    let mut pulled = Pulled::default();
    // (namespace, name) -> updatedAt of every dataset listed, for its column lineage.
    let mut datasets = BTreeMap::new();
    let mut columns = BTreeMap::new();
    for ns in &namespaces {
        let base = format!("api/v1/namespaces/{}", encode_segment(ns));
        let listed = offset_pages(
            ctx,
            counters,
            &format!("{base}/datasets"),
            ("datasets", "totalCount"),
            |dataset| {
                let name = text(&dataset, "name")?;
                let updated = text(&dataset, "updatedAt");
                let column_lineage = listed_column_lineage(&dataset);
                let (path, provenance) = dataset_provenance(ns, &dataset)?;
                let mapped = Mapped::unless_known(ctx, path, provenance, |path, provenance| {
                    dataset_document(ns, &dataset, path, provenance)
                })?;
                Some((name, updated, column_lineage, mapped))
            },
        )
        .await?;
        for (name, updated, column_lineage, mapped) in listed {
            if !column_lineage.is_empty() {
                columns.insert((ns.clone(), name.clone()), column_lineage);
            }
            datasets.insert((ns.clone(), name), updated);
            mapped.into_pulled(&mut pulled);
        }
        let jobs = offset_pages(
            ctx,
            counters,
            &format!("{base}/jobs"),
            ("jobs", "totalCount"),
            |job| job_event(&job),
        )
        .await?;
        pulled.lineage_events.extend(jobs);
    }
    attach_column_lineage(&mut pulled.lineage_events, columns, &datasets);
    Ok(pulled)
}

/// A listed dataset's `columnLineage` (`[{name, inputFields: [{namespace, dataset, field,
/// transformationDescription, transformationType}]}]`) as the OpenLineage facet's `fields`: output
/// column -> its input columns and transformation. Columns without inputs add nothing.
/// Online search: the first `limit` datasets whose name matches `query` (`GET /api/v1/search`,
/// which answers `{totalCount, results: [{type, name, namespace, nodeId, updatedAt}]}`).
pub(crate) async fn search(
    http: &HttpClient,
    query: &str,
    limit: usize,
) -> Result<Vec<Found>, ConnectorError> {
    let params = [
        ("q", query.to_string()),
        ("filter", "DATASET".to_string()),
        ("limit", limit.to_string()),
    ];
    let answer = http.get_json("api/v1/search", &params).await?;
    Ok(list(&answer, "results")
        .filter_map(|hit| {
            let (namespace, name) = (text(hit, "namespace")?, text(hit, "name")?);
            Some(Found {
                upstream_id: format!("{namespace}:{name}"),
                url: http.page_url(&["lineage", "dataset", &namespace, &name]),
                name,
                kind: FoundKind::Dataset,
                description: None,
                // The pull makes a dataset's namespace its domain.
                domain: Some(namespace),
                tags: Vec::new(),
                owners: Vec::new(),
            })
        })
        .collect())
}

fn listed_column_lineage(dataset: &Value) -> Map<String, Value> {
    let mut fields = Map::new();
    let entries = dataset.get("columnLineage").and_then(Value::as_array);
    for entry in entries.into_iter().flatten() {
        let Some(column) = text(entry, "name") else {
            continue;
        };
        let inputs: Vec<Value> = entry
            .get("inputFields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|input| {
                let mut field = json!({
                    "namespace": text(input, "namespace")?,
                    "name": text(input, "dataset")?,
                    "field": text(input, "field")?,
                });
                // Marquez keeps the transformation per input field (0.30+); kept as it says it.
                for key in ["transformationDescription", "transformationType"] {
                    if let Some(value) = text(input, key) {
                        field[key] = json!(value);
                    }
                }
                Some(field)
            })
            .collect();
        if inputs.is_empty() {
            continue;
        }
        let mut out = Map::new();
        // The output column's own (pre-1.2) transformation: its first input's, as Marquez's UI shows.
        for key in ["transformationDescription", "transformationType"] {
            if let Some(value) = inputs.iter().find_map(|i| text(i, key)) {
                out.insert(key.into(), json!(value));
            }
        }
        out.insert("inputFields".into(), Value::Array(inputs));
        fields.insert(column, Value::Object(out));
    }
    fields
}

/// Puts each dataset's column lineage on the job events that write it; a dataset no job event
/// writes gets an event of its own (a synthetic job named after it, as OpenMetadata lineage
/// does), so its column edges reach the lineage graph either way.
fn attach_column_lineage(
    events: &mut Vec<Value>,
    mut columns: BTreeMap<(String, String), Map<String, Value>>,
    updated: &BTreeMap<(String, String), Option<String>>,
) {
    let facet = |fields: Map<String, Value>| column_lineage_facet(PRODUCER, fields);
    for event in events.iter_mut() {
        let outputs = event
            .get_mut("outputs")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten();
        for output in outputs {
            let key = (
                text(output, "namespace").unwrap_or_default(),
                text(output, "name").unwrap_or_default(),
            );
            if let Some(fields) = columns.remove(&key) {
                output["facets"] = json!({"columnLineage": facet(fields)});
            }
        }
    }
    for ((namespace, name), fields) in columns {
        let inputs = facet_inputs(&fields);
        let event_time = updated
            .get(&(namespace.clone(), name.clone()))
            .cloned()
            .flatten()
            .unwrap_or_else(|| epoch_millis_to_rfc3339(0));
        events.push(json!({
            "eventType": "COMPLETE",
            "eventTime": event_time,
            "run": {"runId": edge_run_id("column-lineage", &format!("{namespace}:{name}"))},
            "job": {"namespace": namespace, "name": format!("lineage.{name}")},
            "inputs": inputs,
            "outputs": [{"namespace": namespace, "name": name,
                "facets": {"columnLineage": facet(fields)}}],
            "producer": PRODUCER,
            "schemaURL": RUN_EVENT_SCHEMA
        }));
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn tag_names(value: &Value) -> Vec<String> {
    value
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A listed dataset's document path and provenance (`None` for a deleted dataset).
fn dataset_provenance(namespace: &str, dataset: &Value) -> Option<(String, Provenance)> {
    if dataset.get("deleted").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let upstream_id = format!("{namespace}:{}", text(dataset, "name")?);
    Some((
        document_path("datasets", &upstream_id, "odcs"),
        Provenance {
            upstream_id,
            upstream_version: text(dataset, "currentVersion"),
            upstream_updated_at: text(dataset, "updatedAt"),
        },
    ))
}

fn dataset_document(
    namespace: &str,
    dataset: &Value,
    path: String,
    provenance: Provenance,
) -> Option<PulledDocument> {
    let name = text(dataset, "name")?;
    let version = provenance.upstream_version.clone();
    let columns = dataset
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|field| {
            Some(ColumnDoc {
                name: text(field, "name")?,
                physical_type: text(field, "type").unwrap_or_else(|| "STRING".into()),
                description: text(field, "description"),
                primary_key: false,
                tags: tag_names(field),
            })
        })
        .collect();
    let table = TableDoc {
        id: format!("marquez.{namespace}.{name}"),
        name: name.clone(),
        // ODCS wants a version; Marquez versions are UUIDs, kept verbatim.
        version: version.clone().unwrap_or_else(|| "1.0.0".into()),
        domain: Some(namespace.to_string()),
        description: text(dataset, "description"),
        physical_name: text(dataset, "physicalName").unwrap_or_else(|| name.clone()),
        tags: tag_names(dataset),
        owners: Vec::new(),
        columns,
        servers: namespace_server(namespace, &name).into_iter().collect(),
        properties: Vec::new(),
    };
    Some(PulledDocument {
        path,
        text: serde_json::to_string(&table.to_json()).ok()?,
        provenance,
    })
}

/// The ODCS server of a dataset whose namespace is an OpenLineage data source
/// (`postgres://host:port`, name `database.schema.table`), so its contract resolves to the same
/// dataset identity as the OpenLineage events naming it, and as the same table pulled from
/// another catalog. Namespaces that name no data source (`food_delivery`) give none.
fn namespace_server(namespace: &str, name: &str) -> Option<Value> {
    let (scheme, authority) = namespace.split_once("://")?;
    if !matches!(scheme, "postgres" | "postgresql") {
        return None;
    }
    let (host, port) = authority.trim_end_matches('/').rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let [database, schema, _] = name.split('.').collect::<Vec<_>>()[..] else {
        return None;
    };
    Some(
        json!({"server": namespace, "type": "postgres", "host": host, "port": port,
        "database": database, "schema": schema}),
    )
}

/// The job's latest run as an OpenLineage event (inputs -> job -> outputs). A job that never ran
/// still carries lineage: its current version stands in for the run id.
fn job_event(job: &Value) -> Option<Value> {
    let namespace = text(job, "namespace")?;
    let name = text(job, "name")?;
    let run = job.get("latestRun").filter(|r| !r.is_null());
    let run_id = run
        .and_then(|r| text(r, "id"))
        .or_else(|| text(job, "currentVersion"))?;
    let event_type = match run.and_then(|r| text(r, "state")).as_deref() {
        Some("FAILED") => "FAIL",
        Some("ABORTED") => "ABORT",
        Some("RUNNING") | Some("NEW") => "RUNNING",
        _ => "COMPLETE",
    };
    let event_time = run
        .and_then(|r| text(r, "endedAt").or_else(|| text(r, "updatedAt")))
        .or_else(|| text(job, "updatedAt"))?;
    let datasets = |key: &str| -> Vec<Value> {
        job.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| {
                Some(json!({"namespace": text(d, "namespace")?, "name": text(d, "name")?}))
            })
            .collect()
    };
    Some(json!({
        "eventType": event_type,
        "eventTime": event_time,
        "run": {"runId": run_id},
        "job": {"namespace": namespace, "name": name},
        "inputs": datasets("inputs"),
        "outputs": datasets("outputs"),
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT_SCHEMA
    }))
}

/// Percent-encodes one path segment (namespaces like `postgres://db:5432` contain `/` and `:`).
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_with_slashes_are_one_segment() {
        assert_eq!(
            encode_segment("postgres://db:5432"),
            "postgres%3A%2F%2Fdb%3A5432"
        );
        assert_eq!(encode_segment("food_delivery"), "food_delivery");
    }

    #[test]
    fn openlineage_namespaces_name_the_server() {
        assert_eq!(
            namespace_server("postgres://orders-db:5432", "shop.public.orders"),
            Some(
                json!({"server": "postgres://orders-db:5432", "type": "postgres",
                "host": "orders-db", "port": 5432, "database": "shop", "schema": "public"})
            )
        );
        assert_eq!(namespace_server("food_delivery", "public.categories"), None);
        assert_eq!(
            namespace_server("postgres://db:5432", "public.categories"),
            None
        );
    }

    #[test]
    fn column_lineage_goes_on_the_job_event_that_writes_the_dataset() {
        let listed = json!({"name": "out", "columnLineage": [
            {"name": "total", "inputFields": [
                {"namespace": "ns", "dataset": "in", "field": "amount",
                 "transformationDescription": "sum", "transformationType": "AGGREGATION"},
                {"namespace": "ns", "dataset": "in", "field": "tax"}]},
            {"name": "id", "inputFields": []}
        ]});
        let fields = listed_column_lineage(&listed);
        assert_eq!(fields.len(), 1, "columns without inputs add nothing");
        let columns = BTreeMap::from([(("ns".to_string(), "out".to_string()), fields)]);
        let job = json!({"namespace": "ns", "name": "j", "inputs": [{"namespace": "ns", "name": "in"}],
            "outputs": [{"namespace": "ns", "name": "out"}], "updatedAt": "2022-07-12T16:36:44.355699Z",
            "currentVersion": "a4d1a0fc-1d6c-4904-a94c-7776f78f4435"});
        let mut events = vec![job_event(&job).unwrap()];
        attach_column_lineage(&mut events, columns, &BTreeMap::new());
        assert_eq!(
            events.len(),
            1,
            "no synthetic event when a job writes the dataset"
        );
        let total = &events[0]["outputs"][0]["facets"]["columnLineage"]["fields"]["total"];
        assert_eq!(total["transformationType"], "AGGREGATION");
        assert_eq!(total["inputFields"][0]["transformationDescription"], "sum");
        assert_eq!(total["inputFields"][1]["field"], "tax");
    }

    #[test]
    fn failed_run_becomes_a_fail_event() {
        let job = json!({"namespace": "ns", "name": "j", "inputs": [{"namespace": "ns", "name": "a"}],
            "outputs": [], "latestRun": {"id": "5d75efd9-4ec6-4fcc-931a-0c67faec9f92", "state": "FAILED",
            "endedAt": "2022-07-12T16:36:44.355699Z"}});
        let event = job_event(&job).unwrap();
        assert_eq!(event["eventType"], "FAIL");
        assert_eq!(event["inputs"][0]["name"], "a");
    }
}
