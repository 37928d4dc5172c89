//! Where a contract dataset lives, read once from its ODCS `servers[]` entry and its physical name:
//! the engine, the names that enclose the table, the host, or the object-store location. Every
//! tool names a dataset from these parts its own way (OpenLineage by namespace and name, Great
//! Expectations and Soda by data source and table, dbt by relation); lineage and quality build
//! their names from one [`DatasetAddress`], so they agree on what a contract's dataset is.

use serde_json::Value;

/// A contract dataset's address on its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetAddress {
    /// The server's `type` as written, in lower case (`postgresql`, `mssql`, …).
    pub kind: String,
    /// The engine under one name where tools use several (see [`engine`]).
    pub engine: String,
    /// The server entry's own name (`servers[].server`), which data-source tools name.
    pub server: Option<String>,
    /// The physical name, then qualified by one more enclosing name each, up to the fully qualified
    /// name (`customers`, `public.customers`, `crm.public.customers`).
    pub forms: Vec<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    /// Snowflake's account (`account`, else the host without `.snowflakecomputing.com`).
    pub account: Option<String>,
    /// Object stores: where `location` points.
    pub location: Option<ObjectLocation>,
}

/// An object-store `location` (`s3://bucket/folder/…`), split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectLocation {
    /// The URL scheme as written (`s3`, `gs`, `abfss`, …).
    pub scheme: String,
    pub bucket: String,
    /// The folders under the bucket.
    pub folder: Vec<String>,
    /// The location names files by a glob (`…/exports/*.csv`): the dataset is the folder itself.
    pub globbed: bool,
}

/// An engine under one name where tools use several (`postgresql` → `postgres`, `s3a` → `s3`).
pub fn engine(kind: &str) -> String {
    match kind.trim().to_lowercase().as_str() {
        "postgresql" | "postgres" => "postgres".into(),
        "mssql" | "sqlserver" => "sqlserver".into(),
        "abfss" | "abfs" | "azure" => "azure".into(),
        "gs" | "gcs" => "gcs".into(),
        "s3a" | "s3n" | "s3" => "s3".into(),
        other => other.to_owned(),
    }
}

/// Engines whose datasets are files under a bucket, not tables.
pub fn is_object_store(engine: &str) -> bool {
    matches!(engine, "s3" | "gcs" | "azure" | "file" | "hdfs")
}

impl DatasetAddress {
    /// The address of dataset `physical` served by `server` (a raw ODCS `servers[]` entry).
    pub fn read(server: &Value, physical: &str) -> DatasetAddress {
        let text = |key: &str| match server.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let kind = text("type").unwrap_or_default().to_ascii_lowercase();
        let engine = engine(&kind);
        // Outer to inner names that enclose a table, per engine.
        let enclosing = match engine.as_str() {
            "bigquery" => vec![text("project"), text("dataset")],
            "trino" | "presto" | "databricks" => vec![text("catalog"), text("schema")],
            "mysql" => vec![text("database")],
            "kafka" => vec![],
            _ => vec![text("database"), text("schema")],
        };
        let host = text("host");
        let account = text("account").or_else(|| {
            host.as_ref()
                .map(|h| h.trim_end_matches(".snowflakecomputing.com").to_owned())
        });
        let location = is_object_store(&engine)
            .then(|| text("location").as_deref().and_then(object_location))
            .flatten();
        DatasetAddress {
            forms: qualified_forms(physical, &enclosing),
            server: text("server"),
            port: text("port"),
            kind,
            engine,
            host,
            account,
            location,
        }
    }

    /// The fully qualified name (`db.schema.table`).
    pub fn qualified(&self) -> &str {
        self.forms.last().map_or("", String::as_str)
    }

    /// `host:port`, with `default_port` when the server names none (a host may carry its own).
    pub fn authority(&self, default_port: Option<&str>) -> Option<String> {
        let host = self.host.as_ref()?;
        let port = self.port.as_deref().or(default_port);
        Some(match port {
            Some(port) if !host.contains(':') => format!("{host}:{port}"),
            _ => host.clone(),
        })
    }
}

/// `physical`, then qualified by one more of `enclosing` each. A `physical` that is already
/// qualified (`schema.table`) takes the place of as many inner names as it carries.
fn qualified_forms(physical: &str, enclosing: &[Option<String>]) -> Vec<String> {
    let carried = physical.split('.').count() - 1;
    let outer = enclosing.len().saturating_sub(carried);
    let names: Vec<&String> = enclosing[..outer].iter().flatten().collect();
    let mut forms = vec![physical.to_owned()];
    for taken in 1..=names.len() {
        let mut parts: Vec<&str> = names[names.len() - taken..]
            .iter()
            .map(|s| s.as_str())
            .collect();
        parts.push(physical);
        forms.push(parts.join("."));
    }
    forms
}

fn object_location(location: &str) -> Option<ObjectLocation> {
    let (scheme, rest) = location.split_once("://")?;
    let mut segments = rest.split('/').filter(|s| !s.is_empty()).map(str::to_owned);
    let bucket = segments.next()?;
    let mut folder: Vec<String> = segments.collect();
    let globbed = folder.last().is_some_and(|s| s.contains('*'));
    if globbed {
        folder.pop();
    }
    Some(ObjectLocation {
        scheme: scheme.to_owned(),
        bucket,
        folder,
        globbed,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_table_is_qualified_by_the_names_its_engine_uses() {
        let pg = json!({"server": "crm", "type": "postgresql", "host": "db", "database": "crm", "schema": "public"});
        let address = DatasetAddress::read(&pg, "customers");
        assert_eq!(address.engine, "postgres");
        assert_eq!(address.kind, "postgresql");
        assert_eq!(
            address.forms,
            ["customers", "public.customers", "crm.public.customers"]
        );
        assert_eq!(address.authority(Some("5432")).as_deref(), Some("db:5432"));
        // A physical name that carries its schema replaces the server's.
        let given = DatasetAddress::read(&pg, "sales.orders");
        assert_eq!(given.forms, ["sales.orders", "crm.sales.orders"]);
        let bq = json!({"type": "bigquery", "project": "p", "dataset": "d"});
        assert_eq!(DatasetAddress::read(&bq, "t").qualified(), "p.d.t");
        let kafka = json!({"type": "kafka", "host": "k:9092"});
        let topic = DatasetAddress::read(&kafka, "a.b.c");
        assert_eq!(topic.forms, ["a.b.c"]);
        assert_eq!(topic.authority(Some("1")).as_deref(), Some("k:9092"));
    }

    #[test]
    fn an_object_store_location_is_split_into_bucket_and_folder() {
        let lake = json!({"type": "s3a", "location": "s3://lake/curated/"});
        let at = DatasetAddress::read(&lake, "stock").location.unwrap();
        assert_eq!(
            (
                at.scheme.as_str(),
                at.bucket.as_str(),
                at.folder.as_slice(),
                at.globbed
            ),
            ("s3", "lake", &["curated".to_owned()][..], false)
        );
        let glob = json!({"type": "s3", "location": "s3://old/exports/pos/*.csv"});
        let at = DatasetAddress::read(&glob, "pos").location.unwrap();
        assert_eq!(
            (at.folder.join("/"), at.globbed),
            ("exports/pos".into(), true)
        );
        assert!(
            DatasetAddress::read(&json!({"type": "s3"}), "x")
                .location
                .is_none()
        );
        assert!(
            DatasetAddress::read(&json!({"type": "postgres", "location": "s3://b/x"}), "x")
                .location
                .is_none()
        );
    }
}
