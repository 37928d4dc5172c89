//! Marquez (REST `/api/v1`, limit/offset paging, usually no auth). Read-only.
//!
//! Namespaces become domains, datasets ODCS contracts (fields as properties), and jobs with their
//! inputs, outputs and latest run OpenLineage events, so Marquez lineage lands in the lineage graph.
//! Marquez lists have no "changed since" filter: every sync lists everything, and the sync engine
//! skips the documents whose content did not change.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::documents::{ColumnDoc, TableDoc, document_path};
use crate::paging::offset_pages;
use crate::{ConnectorError, Provenance, PullContext, Pulled, PulledDocument};

const PRODUCER: &str = "https://github.com/meshlens/meshlens/connectors/marquez";

pub(crate) async fn pull(ctx: &PullContext<'_>) -> Result<Pulled, ConnectorError> {
    let fetched = AtomicU64::new(0);
    let requests = AtomicU64::new(0);
    let namespaces = offset_pages(
        ctx,
        "api/v1/namespaces",
        "namespaces",
        "totalCount",
        &fetched,
        &requests,
        |ns| text(&ns, "name"),
    )
    .await?;
    let mut pulled = Pulled::default();
    for ns in &namespaces {
        let base = format!("api/v1/namespaces/{}", encode_segment(ns));
        let datasets = offset_pages(
            ctx,
            &format!("{base}/datasets"),
            "datasets",
            "totalCount",
            &fetched,
            &requests,
            |dataset| dataset_document(ns, &dataset),
        )
        .await?;
        pulled.documents.extend(datasets);
        let jobs = offset_pages(
            ctx,
            &format!("{base}/jobs"),
            "jobs",
            "totalCount",
            &fetched,
            &requests,
            |job| job_event(&job),
        )
        .await?;
        pulled.lineage_events.extend(jobs);
    }
    pulled.requests = requests.load(Ordering::Relaxed);
    Ok(pulled)
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

fn dataset_document(namespace: &str, dataset: &Value) -> Option<PulledDocument> {
    if dataset.get("deleted").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let name = text(dataset, "name")?;
    let upstream_id = format!("{namespace}:{name}");
    let version = text(dataset, "currentVersion");
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
    };
    let document = serde_json::to_string(&table.to_json()).ok()?;
    Some(PulledDocument {
        path: document_path("datasets", &upstream_id, "odcs"),
        text: document,
        provenance: Provenance {
            upstream_id,
            upstream_version: version,
            upstream_updated_at: text(dataset, "updatedAt"),
        },
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
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
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
    fn failed_run_becomes_a_fail_event() {
        let job = json!({"namespace": "ns", "name": "j", "inputs": [{"namespace": "ns", "name": "a"}],
            "outputs": [], "latestRun": {"id": "5d75efd9-4ec6-4fcc-931a-0c67faec9f92", "state": "FAILED",
            "endedAt": "2022-07-12T16:36:44.355699Z"}});
        let event = job_event(&job).unwrap();
        assert_eq!(event["eventType"], "FAIL");
        assert_eq!(event["inputs"][0]["name"], "a");
    }
}
