//! Normalised dataset keys shared by results and contract datasets.
//!
//! Tools name a tested table in one of two ways, and each becomes one key:
//! - by the data source they connect to, which teams name after the contract's `servers[].server`
//!   (Great Expectations datasource, Soda data source): `srv:{server}|{table}`;
//! - by engine and qualified name (dbt adapter + relation, OpenLineage namespace scheme + name):
//!   `q:{engine}|{db.schema.table}` (object stores: `q:s3|{bucket}/{key}`).
//!
//! A contract dataset is registered under every form a tool may use (bare table, `schema.table`,
//! `db.schema.table`). Hosts are deliberately left out of `q:` keys: dbt never reports one, and an
//! OpenLineage namespace spells the host the way its producer saw it.

use serde_json::Value;

fn norm(s: &str) -> String {
    s.trim()
        .trim_matches('"')
        .replace("\".\"", ".")
        .to_lowercase()
}

/// Engines named differently by different tools.
fn engine(kind: &str) -> String {
    match norm(kind).as_str() {
        "postgresql" | "postgres" => "postgres".into(),
        "mssql" | "sqlserver" => "sqlserver".into(),
        "abfss" | "abfs" | "azure" => "azure".into(),
        "gs" | "gcs" => "gcs".into(),
        "s3a" | "s3n" | "s3" => "s3".into(),
        other => other.to_owned(),
    }
}

pub(crate) fn server_key(data_source: &str, table: &str) -> String {
    format!("srv:{}|{}", norm(data_source), norm(table))
}

pub(crate) fn qualified_key(kind: &str, qualified: &str) -> String {
    format!("q:{}|{}", engine(kind), norm(qualified))
}

/// Key of an OpenLineage dataset `(namespace, name)`.
pub(crate) fn openlineage_key(namespace: &str, name: &str) -> String {
    match namespace.split_once("://") {
        Some((scheme, authority)) if is_object_store(&engine(scheme)) => {
            let bucket = authority.split(['/', '@']).next().unwrap_or(authority);
            qualified_key(
                scheme,
                &format!("{bucket}/{}", name.trim_start_matches('/')),
            )
        }
        Some((scheme, _)) => qualified_key(scheme, name),
        None => qualified_key(namespace, name),
    }
}

fn is_object_store(engine: &str) -> bool {
    matches!(engine, "s3" | "gcs" | "azure" | "file" | "hdfs")
}

/// Every key under which tools may report dataset `physical` served by `server` (raw ODCS JSON).
pub(crate) fn target_keys(server: &Value, physical: &str) -> Vec<String> {
    let text = |key: &str| match server.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let kind = engine(&text("type").unwrap_or_default());
    // Outer to inner qualifiers of the table name, per engine.
    let qualifiers: Vec<String> = match kind.as_str() {
        "bigquery" => [text("project"), text("dataset")],
        "trino" | "presto" | "databricks" => [text("catalog"), text("schema")],
        "mysql" | "kafka" => [None, text("database").filter(|_| kind == "mysql")],
        _ => [text("database"), text("schema")],
    }
    .into_iter()
    .flatten()
    .collect();
    let given = physical.split('.').count() - 1;
    let mut forms = vec![physical.to_owned()];
    for take in 1..=qualifiers.len().saturating_sub(given) {
        let start = qualifiers.len() - given - take;
        let mut parts = qualifiers[start..qualifiers.len() - given].to_vec();
        parts.push(physical.to_owned());
        forms.push(parts.join("."));
    }
    let mut keys = Vec::new();
    if let Some(name) = text("server") {
        keys.extend(forms.iter().map(|f| server_key(&name, f)));
    }
    if is_object_store(&kind) {
        if let Some((_, rest)) = text("location")
            .as_deref()
            .and_then(|l| l.split_once("://"))
        {
            let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
            let globbed = segments.last().is_some_and(|s| s.contains('*'));
            let folder = if globbed {
                &segments[..segments.len() - 1]
            } else {
                &segments[..]
            };
            let base = folder.join("/");
            keys.push(qualified_key(&kind, &base));
            if !globbed {
                keys.push(qualified_key(&kind, &format!("{base}/{physical}")));
            }
        }
    } else if let Some(full) = forms.last() {
        keys.push(qualified_key(&kind, full));
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn contract_datasets_meet_tool_keys() {
        let pg = json!({"server": "crm-db-prod", "type": "postgres", "host": "crm-db", "database": "crm", "schema": "public"});
        let keys = target_keys(&pg, "customers");
        assert!(keys.contains(&server_key("crm-db-prod", "customers")));
        assert!(keys.contains(&server_key("crm-db-prod", "public.customers")));
        assert!(keys.contains(&openlineage_key(
            "postgres://crm-db.northwind.internal:5432",
            "crm.public.customers"
        )));
        let sf = json!({"server": "sf", "type": "snowflake", "database": "ANALYTICS", "schema": "SALES"});
        assert!(target_keys(&sf, "FCT_ORDERS").contains(&qualified_key(
            "snowflake",
            "\"ANALYTICS\".\"SALES\".\"FCT_ORDERS\""
        )));
        let lake = json!({"type": "s3", "location": "s3://nw-inventory-lake/curated/"});
        assert!(
            target_keys(&lake, "stock_levels").contains(&openlineage_key(
                "s3://nw-inventory-lake",
                "curated/stock_levels"
            ))
        );
        let glob =
            json!({"type": "s3", "location": "s3://nw-pos-legacy/exports/pos_transactions/*.csv"});
        assert!(target_keys(&glob, "pos").contains(&openlineage_key(
            "s3://nw-pos-legacy",
            "exports/pos_transactions"
        )));
        let kafka = json!({"type": "kafka", "host": "kafka:9092"});
        assert_eq!(
            target_keys(&kafka, "sales.order-events.v1"),
            vec![openlineage_key(
                "kafka://kafka:9092",
                "sales.order-events.v1"
            )]
        );
    }
}
