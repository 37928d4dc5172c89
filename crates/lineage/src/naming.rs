//! OpenLineage dataset identities for contract datasets, derived from an ODCS `servers[]` entry and
//! the dataset's physical name, following the OpenLineage naming conventions
//! (`website/docs/spec/naming.md`): e.g. Postgres `postgres://{host}:{port}` + `{db}.{schema}.{table}`.

use meshlens_model::{DatasetAddress, ObjectLocation, is_object_store};
use serde_json::Value;

/// Candidate `(namespace, name)` pairs under which OpenLineage producers report `physical` on
/// `server`. Usually one; object stores also try the bare location prefix (globbed exports).
pub(crate) fn dataset_identities(server: &Value, physical: &str) -> Vec<(String, String)> {
    let address = DatasetAddress::read(server, physical);
    if is_object_store(&address.engine) {
        return address
            .location
            .as_ref()
            .map(|at| object_store(&address.engine, at, physical))
            .unwrap_or_default();
    }
    let name = address.qualified().to_owned();
    let at = |scheme: &str, default_port: Option<&str>| {
        address
            .authority(default_port)
            .map(|a| format!("{scheme}://{a}"))
    };
    let namespace = match address.engine.as_str() {
        "postgres" => at("postgres", Some("5432")),
        "mysql" => at("mysql", Some("3306")),
        "sqlserver" => at("mssql", Some("1433")),
        "redshift" => at("redshift", Some("5439")),
        "trino" | "presto" => at(&address.engine, Some("8080")),
        "kafka" => at("kafka", Some("9092")),
        // Without a port, as these producers name them.
        "databricks" => address.host.as_ref().map(|h| format!("databricks://{h}")),
        "snowflake" => address.account.as_ref().map(|a| format!("snowflake://{a}")),
        "bigquery" => Some("bigquery".into()),
        _ => address
            .host
            .as_ref()
            .map(|h| format!("{}://{h}", address.kind)),
    };
    namespace.map(|ns| vec![(ns, name)]).unwrap_or_default()
}

/// `s3://bucket/prefix/` + `table` → (`s3://bucket`, `prefix/table`); a globbed location
/// (`s3://bucket/exports/x/*.csv`) names the folder itself: (`s3://bucket`, `exports/x`).
fn object_store(engine: &str, at: &ObjectLocation, physical: &str) -> Vec<(String, String)> {
    let scheme = if engine == "s3" { "s3" } else { &at.scheme };
    let namespace = format!("{scheme}://{}", at.bucket);
    let prefix = at.folder.join("/");
    if at.globbed {
        return vec![(namespace, prefix)];
    }
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
