//! OpenLineage dataset identities for contract datasets, derived from an ODCS `servers[]` entry and
//! the dataset's physical name, following the OpenLineage naming conventions
//! (`website/docs/spec/naming.md`): e.g. Postgres `postgres://{host}:{port}` + `{db}.{schema}.{table}`.

use serde_json::Value;

/// Candidate `(namespace, name)` pairs under which OpenLineage producers report `physical` on
/// `server`. Usually one; object stores also try the bare location prefix (globbed exports).
pub(crate) fn dataset_identities(server: &Value, physical: &str) -> Vec<(String, String)> {
    let text = |key: &str| match server.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let kind = text("type").unwrap_or_default().to_ascii_lowercase();
    let host = text("host");
    let with_port = |default: &str| {
        host.as_ref().map(|h| match text("port") {
            _ if h.contains(':') => h.clone(),
            Some(p) => format!("{h}:{p}"),
            None => format!("{h}:{default}"),
        })
    };
    // `physical` may already be qualified (`schema.table` or `db.schema.table`).
    let qualify = |parts: &[Option<String>]| {
        let given = physical.split('.').count();
        let missing = parts.len().saturating_sub(given - 1);
        let mut all: Vec<String> = parts[..missing.min(parts.len())]
            .iter()
            .flatten()
            .cloned()
            .collect();
        all.push(physical.to_owned());
        all.join(".")
    };
    let db_schema = [text("database"), text("schema")];
    let single =
        |ns: Option<String>, name: String| ns.map(|ns| vec![(ns, name)]).unwrap_or_default();
    match kind.as_str() {
        "postgres" | "postgresql" => single(
            with_port("5432").map(|a| format!("postgres://{a}")),
            qualify(&db_schema),
        ),
        "mysql" => single(
            with_port("3306").map(|a| format!("mysql://{a}")),
            qualify(&[text("database")]),
        ),
        "sqlserver" => single(
            with_port("1433").map(|a| format!("mssql://{a}")),
            qualify(&db_schema),
        ),
        "redshift" => single(
            with_port("5439").map(|a| format!("redshift://{a}")),
            qualify(&db_schema),
        ),
        "trino" | "presto" => single(
            with_port("8080").map(|a| format!("{kind}://{a}")),
            qualify(&[text("catalog"), text("schema")]),
        ),
        "snowflake" => {
            let account = text("account").or_else(|| {
                host.as_ref()
                    .map(|h| h.trim_end_matches(".snowflakecomputing.com").to_owned())
            });
            single(
                account.map(|a| format!("snowflake://{a}")),
                qualify(&db_schema),
            )
        }
        "bigquery" => single(
            Some("bigquery".into()),
            qualify(&[text("project"), text("dataset")]),
        ),
        "kafka" => single(
            with_port("9092").map(|a| format!("kafka://{a}")),
            physical.to_owned(),
        ),
        "databricks" => single(
            host.map(|h| format!("databricks://{h}")),
            qualify(&[text("catalog"), text("schema")]),
        ),
        "s3" | "gcs" | "azure" | "abfs" => {
            object_store(&kind, text("location").as_deref(), physical)
        }
        _ => single(host.map(|h| format!("{kind}://{h}")), qualify(&db_schema)),
    }
}

/// `s3://bucket/prefix/` + `table` → (`s3://bucket`, `prefix/table`); a globbed location
/// (`s3://bucket/exports/x/*.csv`) names the folder itself: (`s3://bucket`, `exports/x`).
fn object_store(kind: &str, location: Option<&str>, physical: &str) -> Vec<(String, String)> {
    let Some(location) = location else {
        return Vec::new();
    };
    let Some((scheme, rest)) = location.split_once("://") else {
        return Vec::new();
    };
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    let scheme = if kind == "s3" { "s3" } else { scheme };
    let namespace = format!("{scheme}://{bucket}");
    let mut segments: Vec<&str> = key.split('/').filter(|s| !s.is_empty()).collect();
    if segments.last().is_some_and(|s| s.contains('*')) {
        segments.pop();
        return vec![(namespace, segments.join("/"))];
    }
    let prefix = segments.join("/");
    let joined = if prefix.is_empty() {
        physical.to_owned()
    } else {
        format!("{prefix}/{physical}")
    };
    let mut out = vec![(namespace.clone(), joined)];
    if !prefix.is_empty() {
        out.push((namespace, prefix));
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::dataset_identities;

    fn one(server: serde_json::Value, physical: &str) -> (String, String) {
        dataset_identities(&server, physical).remove(0)
    }

    #[test]
    fn follows_the_openlineage_naming_conventions() {
        let pg = json!({"type": "postgres", "host": "orders-db.northwind.internal", "port": 5432, "database": "sales", "schema": "public"});
        assert_eq!(
            one(pg.clone(), "orders"),
            (
                "postgres://orders-db.northwind.internal:5432".into(),
                "sales.public.orders".into()
            )
        );
        assert_eq!(one(pg, "crm.customers").1, "sales.crm.customers");
        let sf = json!({"type": "snowflake", "account": "northwind-analytics", "database": "ANALYTICS", "schema": "SALES"});
        assert_eq!(
            one(sf, "FCT_ORDERS"),
            (
                "snowflake://northwind-analytics".into(),
                "ANALYTICS.SALES.FCT_ORDERS".into()
            )
        );
        let bq = json!({"type": "bigquery", "project": "nw-ml-prod", "dataset": "churn"});
        assert_eq!(
            one(bq, "churn_scores"),
            ("bigquery".into(), "nw-ml-prod.churn.churn_scores".into())
        );
        let kafka = json!({"type": "kafka", "host": "kafka.northwind.internal:9092"});
        assert_eq!(
            one(kafka, "sales.order-events.v1"),
            (
                "kafka://kafka.northwind.internal:9092".into(),
                "sales.order-events.v1".into()
            )
        );
    }

    #[test]
    fn object_stores_use_bucket_and_key() {
        let lake = json!({"type": "s3", "location": "s3://nw-inventory-lake/curated/"});
        assert_eq!(
            one(lake, "stock_levels"),
            (
                "s3://nw-inventory-lake".into(),
                "curated/stock_levels".into()
            )
        );
        let glob =
            json!({"type": "s3", "location": "s3://nw-pos-legacy/exports/pos_transactions/*.csv"});
        assert_eq!(
            dataset_identities(&glob, "pos"),
            [(
                "s3://nw-pos-legacy".to_owned(),
                "exports/pos_transactions".to_owned()
            )]
        );
        assert!(dataset_identities(&json!({"type": "s3"}), "x").is_empty());
    }
}
