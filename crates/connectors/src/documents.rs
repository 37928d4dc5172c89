//! Canonical ODPS/ODCS documents built from upstream entities, so pulled metadata goes through the
//! same parser, validation, store and search as files from a folder or git source.

use serde_json::{Map, Value, json};

/// A table or dataset, as an ODCS v3.1.0 data contract with one schema object.
#[derive(Debug, Clone, Default)]
pub(crate) struct TableDoc {
    pub id: String,
    pub name: String,
    pub version: String,
    pub domain: Option<String>,
    pub description: Option<String>,
    pub physical_name: String,
    pub tags: Vec<String>,
    pub owners: Vec<String>,
    pub columns: Vec<ColumnDoc>,
    /// ODCS `servers[]` entries: where the table lives, as far as the catalog knows. Quality
    /// results and lineage find the contract's dataset through them.
    pub servers: Vec<Value>,
    /// More `customProperties` (name, value) after the owners: what the catalog holds that ODCS
    /// has no field for (Amundsen's badges and programmatic descriptions).
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnDoc {
    pub name: String,
    pub physical_type: String,
    pub description: Option<String>,
    pub primary_key: bool,
    pub tags: Vec<String>,
}

/// A data product, as an ODPS v1.0.0 document whose output ports point at its tables' contracts.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProductDoc {
    pub id: String,
    pub name: String,
    pub version: String,
    pub domain: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub owners: Vec<String>,
    /// (contract id, contract version) of each output.
    pub outputs: Vec<(String, String)>,
}

impl TableDoc {
    pub fn to_json(&self) -> Value {
        let properties: Vec<Value> = self
            .columns
            .iter()
            .map(|column| {
                let mut property = Map::new();
                property.insert("name".into(), json!(column.name));
                property.insert("physicalType".into(), json!(column.physical_type));
                property.insert(
                    "logicalType".into(),
                    json!(logical_type(&column.physical_type)),
                );
                if let Some(description) = nonempty(&column.description) {
                    property.insert("description".into(), json!(description));
                }
                if column.primary_key {
                    property.insert("primaryKey".into(), json!(true));
                }
                if !column.tags.is_empty() {
                    property.insert("tags".into(), json!(column.tags));
                }
                Value::Object(property)
            })
            .collect();
        let mut schema = Map::new();
        schema.insert("name".into(), json!(self.name));
        schema.insert("physicalName".into(), json!(self.physical_name));
        schema.insert("physicalType".into(), json!("table"));
        if let Some(description) = nonempty(&self.description) {
            schema.insert("description".into(), json!(description));
        }
        schema.insert("properties".into(), Value::Array(properties));
        let mut doc = header(
            "v3.1.0",
            "DataContract",
            &self.id,
            &self.name,
            &self.version,
        );
        common(
            &mut doc,
            &self.domain,
            &self.description,
            &self.tags,
            &self.owners,
        );
        add_custom_properties(&mut doc, &self.properties);
        if !self.servers.is_empty() {
            doc.insert("servers".into(), Value::Array(self.servers.clone()));
        }
        doc.insert("schema".into(), json!([Value::Object(schema)]));
        Value::Object(doc)
    }
}

impl ProductDoc {
    pub fn to_json(&self) -> Value {
        let mut doc = header("v1.0.0", "DataProduct", &self.id, &self.name, &self.version);
        common(
            &mut doc,
            &self.domain,
            &self.description,
            &self.tags,
            &self.owners,
        );
        let ports: Vec<Value> = self
            .outputs
            .iter()
            .map(|(contract, version)| {
                json!({"name": contract, "version": version, "contractId": contract})
            })
            .collect();
        if !ports.is_empty() {
            doc.insert("outputPorts".into(), Value::Array(ports));
        }
        Value::Object(doc)
    }
}

fn header(api: &str, kind: &str, id: &str, name: &str, version: &str) -> Map<String, Value> {
    let mut doc = Map::new();
    doc.insert("apiVersion".into(), json!(api));
    doc.insert("kind".into(), json!(kind));
    doc.insert("id".into(), json!(id));
    doc.insert("name".into(), json!(name));
    doc.insert("version".into(), json!(version));
    doc.insert("status".into(), json!("active"));
    doc
}

fn common(
    doc: &mut Map<String, Value>,
    domain: &Option<String>,
    description: &Option<String>,
    tags: &[String],
    owners: &[String],
) {
    if let Some(domain) = nonempty(domain) {
        doc.insert("domain".into(), json!(domain));
    }
    if !tags.is_empty() {
        doc.insert("tags".into(), json!(tags));
    }
    if let Some(description) = nonempty(description) {
        doc.insert("description".into(), json!({"purpose": description}));
    }
    if !owners.is_empty() {
        doc.insert(
            "customProperties".into(),
            json!([{"property": "owners", "value": owners.join(", ")}]),
        );
    }
}

fn add_custom_properties(doc: &mut Map<String, Value>, properties: &[(String, String)]) {
    if properties.is_empty() {
        return;
    }
    let list = doc
        .entry("customProperties")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = list {
        list.extend(
            properties
                .iter()
                .map(|(property, value)| json!({"property": property, "value": value})),
        );
    }
}

fn nonempty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// ODCS logical type of an upstream physical type name (SQL, Avro, OpenMetadata's dataType).
pub(crate) fn logical_type(physical: &str) -> &'static str {
    let upper = physical.to_ascii_uppercase();
    let base = upper.split(['(', '<', ' ']).next().unwrap_or("");
    match base {
        "INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "LONG" | "INT64" | "INT32"
        | "SERIAL" | "BIGSERIAL" => "integer",
        "NUMERIC" | "NUMBER" | "DECIMAL" | "FLOAT" | "DOUBLE" | "REAL" | "FLOAT64" | "MONEY" => {
            "number"
        }
        "BOOLEAN" | "BOOL" => "boolean",
        "DATE" => "date",
        "TIMESTAMP" | "TIMESTAMPTZ" | "TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" | "TIMESTAMP_TZ"
        | "DATETIME" => "timestamp",
        "TIME" => "time",
        "ARRAY" => "array",
        "STRUCT" | "MAP" | "JSON" | "JSONB" | "RECORD" | "OBJECT" | "VARIANT" => "object",
        _ => "string",
    }
}

/// A document path inside a source: `<kind>/<id>.<odcs|odps>.json`, with `/` in ids escaped so
/// every entity has exactly one path.
pub(crate) fn document_path(kind: &str, id: &str, suffix: &str) -> String {
    format!("{kind}/{}.{suffix}.json", escape_id(id))
}

/// An upstream id as one file name: `/` (and `%`, to keep it reversible) escaped.
pub(crate) fn escape_id(id: &str) -> String {
    id.replace('%', "%25").replace('/', "%2F")
}

/// The upstream id of the document at `path`, when it is of `kind` with `suffix`
/// ([`document_path`] read backwards).
pub(crate) fn document_id(path: &str, kind: &str, suffix: &str) -> Option<String> {
    let escaped = path
        .strip_prefix(kind)?
        .strip_prefix('/')?
        .strip_suffix(".json")?
        .strip_suffix(suffix)?
        .strip_suffix('.')?;
    Some(escaped.replace("%2F", "/").replace("%25", "%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_paths_read_back_to_their_ids() {
        for id in ["svc.db.s.t", "a/b%2Fc", "100%"] {
            let path = document_path("tables", id, "odcs");
            assert_eq!(document_id(&path, "tables", "odcs").as_deref(), Some(id));
            assert_eq!(document_id(&path, "dataProducts", "odps"), None);
        }
    }

    #[test]
    fn built_documents_parse_as_odcs_and_odps() {
        let table = TableDoc {
            id: "food_delivery.public.categories".into(),
            name: "public.categories".into(),
            version: "aeccd013".into(),
            domain: Some("food_delivery".into()),
            description: Some("A table for categories.".into()),
            physical_name: "public.categories".into(),
            tags: vec!["pii".into()],
            owners: vec!["owner@food.com".into()],
            columns: vec![ColumnDoc {
                name: "id".into(),
                physical_type: "INTEGER".into(),
                description: Some("The unique ID of the category.".into()),
                primary_key: true,
                tags: vec![],
            }],
            servers: vec![json!({"server": "sample_data", "type": "custom",
                "database": "ecommerce_db", "schema": "shopify"})],
            properties: vec![("badges".into(), "beta".into())],
        };
        let text = serde_json::to_string_pretty(&table.to_json()).unwrap();
        let parsed = meshlens_model::parse_document("t.odcs.json", text.as_bytes()).unwrap();
        assert_eq!(parsed.entity.id(), "food_delivery.public.categories");
        assert_eq!(
            table.to_json()["customProperties"],
            json!([{"property": "owners", "value": "owner@food.com"},
                   {"property": "badges", "value": "beta"}])
        );
        let product = ProductDoc {
            id: "TestDomain.TestDataProduct".into(),
            name: "Test Data Product".into(),
            version: "0.1".into(),
            domain: Some("TestDomain".into()),
            outputs: vec![("food_delivery.public.categories".into(), "aeccd013".into())],
            ..ProductDoc::default()
        };
        let text = serde_json::to_string_pretty(&product.to_json()).unwrap();
        let parsed = meshlens_model::parse_document("p.odps.json", text.as_bytes()).unwrap();
        assert_eq!(parsed.entity.id(), "TestDomain.TestDataProduct");
    }

    #[test]
    fn logical_types() {
        assert_eq!(logical_type("VARCHAR(100)"), "string");
        assert_eq!(logical_type("numeric"), "number");
        assert_eq!(logical_type("TIMESTAMP"), "timestamp");
        assert_eq!(logical_type("INTEGER"), "integer");
    }

    #[test]
    fn paths_escape_slashes() {
        assert_eq!(
            document_path("table", "a/b%c", "odcs"),
            "table/a%2Fb%25c.odcs.json"
        );
    }
}
