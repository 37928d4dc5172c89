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

use meshlens_model::{DatasetAddress, dataset_engine, is_object_store};
use serde_json::Value;

fn norm(s: &str) -> String {
    s.trim()
        .trim_matches('"')
        .replace("\".\"", ".")
        .to_lowercase()
}

pub(crate) fn server_key(data_source: &str, table: &str) -> String {
    format!("srv:{}|{}", norm(data_source), norm(table))
}

pub(crate) fn qualified_key(kind: &str, qualified: &str) -> String {
    format!("q:{}|{}", dataset_engine(kind), norm(qualified))
}

/// Key of an OpenLineage dataset `(namespace, name)`.
pub(crate) fn openlineage_key(namespace: &str, name: &str) -> String {
    match namespace.split_once("://") {
        Some((scheme, authority)) if is_object_store(&dataset_engine(scheme)) => {
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

/// Every key under which tools may report dataset `physical` served by `server` (raw ODCS JSON).
pub(crate) fn target_keys(server: &Value, physical: &str) -> Vec<String> {
    let address = DatasetAddress::read(server, physical);
    let mut keys = Vec::new();
    if let Some(name) = &address.server {
        keys.extend(address.forms.iter().map(|f| server_key(name, f)));
    }
    if let Some(at) = &address.location {
        let base = std::iter::once(&at.bucket)
            .chain(&at.folder)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("/");
        keys.push(qualified_key(&address.engine, &base));
        if !at.globbed {
            keys.push(qualified_key(
                &address.engine,
                &format!("{base}/{physical}"),
            ));
        }
    } else if !is_object_store(&address.engine) {
        keys.push(qualified_key(&address.engine, address.qualified()));
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
