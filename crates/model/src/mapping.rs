//! Import mappings onto the canonical formats: DPS → ODPS, DCS → ODCS v3.1, ODCS v2 → v3.
//! Whatever the target has no place for goes into `customProperties`, so nothing is dropped.

use serde_json::{Map, Value, json};

use crate::parse::warning;
use crate::types::{DocKind, Issue};

/// The ODPS version mapped products declare: DPS ports have no version/contract, which ODPS
/// only allows from 1.1.0 on.
pub const MAPPED_ODPS_VERSION: &str = "v1.1.0";
/// The ODCS version mapped contracts declare.
pub const MAPPED_ODCS_VERSION: &str = "v3.1.0";

/// A mapped document and the fields of its source that the target has no place for, each kept as
/// a custom property (JSON pointers into the source, in source order).
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    pub value: Value,
    pub kept_as_custom: Vec<String>,
}

/// Reads a source object key by key; keys not taken end up in `customProperties`, and their
/// source paths in `kept`.
struct Source<'a> {
    obj: &'a Map<String, Value>,
    taken: Vec<&'a str>,
    /// JSON pointer of this object in the source document.
    at: String,
}

impl<'a> Source<'a> {
    fn new(v: &'a Value, at: String) -> Self {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        Source {
            obj: v.as_object().unwrap_or(&EMPTY),
            taken: Vec::new(),
            at,
        }
    }

    /// The pointer of `key` under this object.
    fn child(&self, key: &str) -> String {
        pointer(&self.at, key)
    }

    fn take(&mut self, key: &'a str) -> Option<&'a Value> {
        self.taken.push(key);
        self.obj.get(key).filter(|v| !v.is_null())
    }

    /// Copies `from` into `to` under `key` when present.
    fn copy(&mut self, from: &'a str, to: &mut Map<String, Value>, key: &str) {
        if let Some(v) = self.take(from) {
            to.insert(key.to_owned(), v.clone());
        }
    }

    /// `{property, value}` for every key not taken, prefixed to say where it came from.
    fn rest(&self, prefix: &str, custom: &mut Vec<Value>, kept: &mut Vec<String>) {
        for (k, v) in self.obj {
            if !self.taken.contains(&k.as_str()) {
                custom.push(custom_property(&format!("{prefix}{k}"), v));
                kept.push(self.child(k));
            }
        }
    }
}

fn pointer(parent: &str, key: &str) -> String {
    format!("{parent}/{}", crate::positions::escape_token(key))
}

fn custom_property(name: &str, value: &Value) -> Value {
    json!({"property": name, "value": value})
}

fn finish(mut target: Map<String, Value>, custom: Vec<Value>) -> Value {
    if !custom.is_empty() {
        target.insert("customProperties".into(), Value::Array(custom));
    }
    Value::Object(target)
}

/// DPS/DCS `links: {name: url}` → `authoritativeDefinitions[{type, url}]`.
fn links_to_definitions(links: &Value) -> Value {
    let defs = links
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| json!({"type": k, "url": v}));
    Value::Array(defs.collect())
}

/// DPS `custom: {k: v}` → `customProperties` entries.
fn flatten_custom(custom: Option<&Value>, out: &mut Vec<Value>) {
    for (k, v) in custom.and_then(Value::as_object).into_iter().flatten() {
        out.push(custom_property(k, v));
    }
}

/// Data Product Specification 0.0.1 → ODPS (the mapping Entropy Data documents).
pub fn dps_to_odps(dps: &Value) -> Mapped {
    let mut kept = Vec::new();
    let mut src = Source::new(dps, String::new());
    src.take("dataProductSpecification");
    let mut out = Map::new();
    let mut custom = Vec::new();
    out.insert("apiVersion".into(), json!(MAPPED_ODPS_VERSION));
    out.insert("kind".into(), json!("DataProduct"));
    src.copy("id", &mut out, "id");
    if let Some(info) = src.take("info") {
        let mut i = Source::new(info, src.child("info"));
        i.copy("title", &mut out, "name");
        i.copy("status", &mut out, "status");
        i.copy("domain", &mut out, "domain");
        if let Some(d) = i.take("description") {
            out.insert("description".into(), json!({"purpose": d}));
        }
        if let Some(owner) = i.take("owner") {
            out.insert("team".into(), json!({"name": owner}));
        }
        i.rest("", &mut custom, &mut kept);
    }
    src.copy("tags", &mut out, "tags");
    if let Some(links) = src.take("links") {
        out.insert(
            "authoritativeDefinitions".into(),
            links_to_definitions(links),
        );
    }
    flatten_custom(src.take("custom"), &mut custom);
    for (from, output) in [("inputPorts", false), ("outputPorts", true)] {
        if let Some(ports) = src.take(from).and_then(Value::as_array) {
            let at = src.child(from);
            let mapped = ports
                .iter()
                .enumerate()
                .map(|(n, p)| dps_port(p, output, pointer(&at, &n.to_string()), &mut kept))
                .collect();
            out.insert(from.into(), Value::Array(mapped));
        }
    }
    src.rest("", &mut custom, &mut kept);
    mapped(finish(out, custom), kept)
}

fn mapped(value: Value, kept_as_custom: Vec<String>) -> Mapped {
    Mapped {
        value,
        kept_as_custom,
    }
}

/// ODPS input ports have no description or type: those stay as custom properties there.
fn dps_port(port: &Value, output: bool, at: String, kept: &mut Vec<String>) -> Value {
    let mut p = Source::new(port, at);
    let mut out = Map::new();
    let mut custom = Vec::new();
    p.copy("id", &mut out, "id");
    match (p.take("name"), p.take("id")) {
        (Some(name), _) | (None, Some(name)) => out.insert("name".into(), name.clone()),
        (None, None) => None,
    };
    if output {
        p.copy("dataContractId", &mut out, "contractId");
        p.copy("description", &mut out, "description");
        p.copy("type", &mut out, "type");
    }
    p.copy("tags", &mut out, "tags");
    if let Some(links) = p.take("links") {
        out.insert(
            "authoritativeDefinitions".into(),
            links_to_definitions(links),
        );
    }
    flatten_custom(p.take("custom"), &mut custom);
    p.rest("", &mut custom, kept);
    finish(out, custom)
}

/// DCS (0.9.x–1.2.1) → ODCS v3.1.0.
pub fn dcs_to_odcs(dcs: &Value) -> Mapped {
    let mut kept = Vec::new();
    let mut src = Source::new(dcs, String::new());
    src.take("dataContractSpecification");
    let mut out = Map::new();
    let mut custom = Vec::new();
    out.insert("apiVersion".into(), json!(MAPPED_ODCS_VERSION));
    out.insert("kind".into(), json!("DataContract"));
    src.copy("id", &mut out, "id");
    let mut description = Map::new();
    if let Some(info) = src.take("info") {
        let mut i = Source::new(info, src.child("info"));
        i.copy("title", &mut out, "name");
        i.copy("version", &mut out, "version");
        i.copy("status", &mut out, "status");
        i.copy("description", &mut description, "purpose");
        if let Some(owner) = i.take("owner") {
            out.insert("team".into(), json!({"name": owner}));
        }
        if let Some(contact) = i.take("contact").and_then(Value::as_object) {
            let mut c = Map::new();
            c.insert(
                "channel".into(),
                contact.get("name").cloned().unwrap_or(json!("contact")),
            );
            for key in ["url", "email"] {
                if let Some(v) = contact.get(key) {
                    let url = if key == "email" {
                        json!(format!("mailto:{}", v.as_str().unwrap_or_default()))
                    } else {
                        v.clone()
                    };
                    c.entry("url").or_insert(url);
                }
            }
            out.insert("support".into(), json!([c]));
        }
        i.rest("info.", &mut custom, &mut kept);
    }
    if let Some(terms) = src.take("terms") {
        let mut t = Source::new(terms, src.child("terms"));
        t.copy("usage", &mut description, "usage");
        t.copy("limitations", &mut description, "limitations");
        let mut terms_custom = Vec::new();
        t.rest("", &mut terms_custom, &mut kept);
        if !terms_custom.is_empty() {
            description.insert("customProperties".into(), Value::Array(terms_custom));
        }
    }
    if !description.is_empty() {
        out.insert("description".into(), Value::Object(description));
    }
    src.copy("tags", &mut out, "tags");
    if let Some(servers) = src.take("servers").and_then(Value::as_object) {
        let mapped = servers
            .iter()
            .map(|(name, s)| dcs_server(name, s))
            .collect();
        out.insert("servers".into(), Value::Array(mapped));
    }
    let definitions = src.take("definitions");
    if let Some(models) = src.take("models").and_then(Value::as_object) {
        let at = src.child("models");
        let schema = models
            .iter()
            .map(|(name, m)| dcs_model(name, m, definitions, pointer(&at, name), &mut kept))
            .collect();
        out.insert("schema".into(), Value::Array(schema));
    }
    if let Some(q) = src.take("quality") {
        // DCS 0.9 had one contract-level quality block (e.g. SodaCL), unlike ODCS rules.
        custom.push(custom_property("quality", q));
        kept.push(src.child("quality"));
    }
    if let Some(levels) = src.take("servicelevels").and_then(Value::as_object) {
        let sla = levels
            .iter()
            .map(|(name, l)| dcs_service_level(name, l, &mut custom, &mut kept))
            .collect();
        out.insert("slaProperties".into(), Value::Array(sla));
    }
    if let Some(links) = src.take("links") {
        out.insert(
            "authoritativeDefinitions".into(),
            links_to_definitions(links),
        );
    }
    if let Some(defs) = definitions {
        custom.push(custom_property("definitions", defs));
        kept.push(src.child("definitions"));
    }
    src.rest("", &mut custom, &mut kept);
    mapped(finish(out, custom), kept)
}

fn dcs_server(name: &str, server: &Value) -> Value {
    let mut s = Source::new(server, String::new());
    let mut out = Map::new();
    out.insert("server".into(), json!(name));
    if let Some(roles) = s.take("roles").and_then(Value::as_array) {
        let mapped = roles
            .iter()
            .map(|r| {
                let mut r = r.clone();
                if let Some(o) = r.as_object_mut()
                    && let Some(n) = o.remove("name")
                {
                    o.insert("role".into(), n);
                }
                r
            })
            .collect();
        out.insert("roles".into(), Value::Array(mapped));
    }
    // Connection fields share their names between DCS and ODCS (host, port, database, schema, location...).
    for (k, v) in s.obj {
        if !s.taken.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// DCS field types → ODCS logical types.
fn logical_type(dcs_type: &str) -> Option<&'static str> {
    Some(match dcs_type.to_ascii_lowercase().as_str() {
        "string" | "text" | "varchar" | "bytes" | "uuid" => "string",
        "number" | "decimal" | "numeric" | "float" | "double" => "number",
        "integer" | "int" | "long" | "bigint" => "integer",
        "boolean" => "boolean",
        "timestamp" | "timestamp_tz" | "timestamp_ntz" => "timestamp",
        "date" => "date",
        "time" => "time",
        "object" | "record" | "struct" | "map" => "object",
        "array" => "array",
        _ => return None,
    })
}

fn dcs_model(
    name: &str,
    model: &Value,
    definitions: Option<&Value>,
    at: String,
    kept: &mut Vec<String>,
) -> Value {
    let mut m = Source::new(model, at);
    let mut out = Map::new();
    let mut custom = Vec::new();
    out.insert("name".into(), json!(name));
    out.insert("physicalName".into(), json!(name));
    out.insert("logicalType".into(), json!("object"));
    m.copy("type", &mut out, "physicalType");
    m.copy("description", &mut out, "description");
    m.copy("title", &mut out, "businessName");
    m.copy("tags", &mut out, "tags");
    let primary: Vec<&str> = m
        .take("primaryKey")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(fields) = m.take("fields").and_then(Value::as_object) {
        let at = m.child("fields");
        let props = fields
            .iter()
            .map(|(n, f)| {
                let pk = primary.iter().position(|p| p == n);
                dcs_field(n, f, definitions, pk, pointer(&at, n), kept)
            })
            .collect();
        out.insert("properties".into(), Value::Array(props));
    }
    if let Some(q) = m.take("quality").and_then(Value::as_array) {
        out.insert("quality".into(), dcs_quality(q));
    }
    m.rest("", &mut custom, kept);
    finish(out, custom)
}

/// DCS quality rules have ODCS's shape but two operator names of their own.
fn dcs_quality(rules: &[Value]) -> Value {
    let renames = [
        ("mustBeGreaterThanOrEqualTo", "mustBeGreaterOrEqualTo"),
        ("mustBeLessThanOrEqualTo", "mustBeLessOrEqualTo"),
    ];
    Value::Array(rules.iter().map(|r| rename(r, &renames)).collect())
}

/// Resolves a local `$ref: '#/definitions/x'`: the definition's keys, then the field's own on top.
fn resolve_field(field: &Value, definitions: Option<&Value>) -> Value {
    let target = field
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/definitions/"))
        .and_then(|name| definitions?.get(name));
    match (target.and_then(Value::as_object), field.as_object()) {
        (Some(def), Some(own)) => {
            let mut merged = def.clone();
            merged.remove("name");
            for (k, v) in own {
                merged.insert(k.clone(), v.clone());
            }
            Value::Object(merged)
        }
        _ => field.clone(),
    }
}

fn dcs_field(
    name: &str,
    field: &Value,
    definitions: Option<&Value>,
    primary_position: Option<usize>,
    at: String,
    kept: &mut Vec<String>,
) -> Value {
    let field = resolve_field(field, definitions);
    let mut f = Source::new(&field, at);
    let mut out = Map::new();
    let mut custom = Vec::new();
    out.insert("name".into(), json!(name));
    if let Some(t) = f.take("type") {
        if let Some(lt) = t.as_str().and_then(logical_type) {
            out.insert("logicalType".into(), json!(lt));
        }
        out.insert("physicalType".into(), t.clone());
    }
    f.copy("title", &mut out, "businessName");
    f.copy("description", &mut out, "description");
    f.copy("required", &mut out, "required");
    f.copy("unique", &mut out, "unique");
    f.copy("classification", &mut out, "classification");
    f.copy("tags", &mut out, "tags");
    f.copy("examples", &mut out, "examples");
    match f.take("primaryKey") {
        Some(pk) => {
            out.insert("primaryKey".into(), pk.clone());
        }
        None if primary_position.is_some() => {
            out.insert("primaryKey".into(), json!(true));
            out.insert(
                "primaryKeyPosition".into(),
                json!(primary_position.map(|p| p + 1)),
            );
        }
        None => {}
    }
    let mut options = Map::new();
    for key in [
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    ] {
        f.copy(key, &mut options, key);
    }
    if !options.is_empty() {
        out.insert("logicalTypeOptions".into(), Value::Object(options));
    }
    if let Some(q) = f.take("quality").and_then(Value::as_array) {
        out.insert("quality".into(), dcs_quality(q));
    }
    if let Some(nested) = f.take("fields").and_then(Value::as_object) {
        let at = f.child("fields");
        let props = nested
            .iter()
            .map(|(n, sub)| dcs_field(n, sub, definitions, None, pointer(&at, n), kept))
            .collect();
        out.insert("properties".into(), Value::Array(props));
    }
    if let Some(items) = f.take("items") {
        let at = f.child("items");
        let mapped = dcs_field("items", items, definitions, None, at, kept);
        out.insert("items".into(), mapped);
    }
    f.rest("", &mut custom, kept);
    finish(out, custom)
}

/// One DCS service level → one ODCS SLA property. The main value per level follows the DCS
/// spec; the remaining details become contract custom properties `servicelevels.<level>.<key>`.
fn dcs_service_level(
    name: &str,
    level: &Value,
    contract_custom: &mut Vec<Value>,
    kept: &mut Vec<String>,
) -> Value {
    let mut l = Source::new(level, pointer("/servicelevels", name));
    let mut out = Map::new();
    out.insert("property".into(), json!(name));
    let (value_keys, element_key): (&[&str], Option<&str>) = match name {
        "availability" => (&["percentage"], None),
        "retention" => (&["period", "unlimited"], Some("timestampField")),
        "latency" => (&["threshold"], Some("sourceTimestampField")),
        "freshness" => (&["threshold"], Some("timestampField")),
        "frequency" => (&["interval", "cron", "type"], None),
        "support" => (&["time", "responseTime"], None),
        "backup" => (&["interval", "cron"], None),
        _ => (&[], None),
    };
    let value = value_keys
        .iter()
        .find_map(|k| l.take(k))
        .cloned()
        .or_else(|| {
            let first = l
                .obj
                .iter()
                .find(|(k, v)| k.as_str() != "description" && !v.is_object() && !v.is_array());
            first.map(|(k, v)| {
                l.taken.push(k.as_str());
                v.clone()
            })
        });
    let value = match value {
        // `unlimited: true` is the only way DCS says "kept forever".
        Some(Value::Bool(true)) if name == "retention" => json!("unlimited"),
        Some(v) => v,
        None => Value::Null,
    };
    out.insert("value".into(), value);
    if let Some(e) = element_key {
        l.copy(e, &mut out, "element");
    }
    l.copy("description", &mut out, "description");
    l.rest(&format!("servicelevels.{name}."), contract_custom, kept);
    Value::Object(out)
}

/// ODCS v2.2.x → v3 shape (the renames listed in the ODCS v3 migration notes).
pub fn odcs_v2_to_v3(v2: &Value) -> Mapped {
    let mut kept = Vec::new();
    let mut src = Source::new(v2, String::new());
    let mut out = Map::new();
    let mut custom = Vec::new();
    src.take("apiVersion");
    out.insert("apiVersion".into(), json!(MAPPED_ODCS_VERSION));
    src.copy("kind", &mut out, "kind");
    src.copy("uuid", &mut out, "id");
    src.copy("quantumName", &mut out, "name");
    src.copy("version", &mut out, "version");
    src.copy("status", &mut out, "status");
    src.copy("tenant", &mut out, "tenant");
    src.copy("datasetDomain", &mut out, "domain");
    src.copy("description", &mut out, "description");
    src.copy("tags", &mut out, "tags");
    src.copy("price", &mut out, "price");
    src.copy("roles", &mut out, "roles");
    src.copy("slaDefaultColumn", &mut out, "slaDefaultElement");
    src.copy("contractCreatedTs", &mut out, "contractCreatedTs");
    if let Some(members) = src.take("stakeholders") {
        out.insert("team".into(), json!({"members": members}));
    }
    let mut support = Vec::new();
    for (key, tool) in [
        ("productSlackChannel", "slack"),
        ("productFeedbackUrl", "other"),
        ("productDl", "email"),
    ] {
        if let Some(url) = src.take(key) {
            support.push(json!({"channel": key, "url": url, "tool": tool}));
        }
    }
    if !support.is_empty() {
        out.insert("support".into(), Value::Array(support));
    }
    // v2 `type` is the kind of objects (e.g. tables); the platform is `sourcePlatform`. v2 lacks
    // the fields v3 requires per platform (e.g. Snowflake `account`), so the server is `custom`.
    if let Some(platform) = src.take("sourcePlatform") {
        let mut server = Map::new();
        server.insert("server".into(), platform.clone());
        server.insert("type".into(), json!("custom"));
        src.copy("server", &mut server, "host");
        src.copy("database", &mut server, "database");
        out.insert("servers".into(), json!([server]));
    }
    if let Some(datasets) = src.take("dataset").and_then(Value::as_array) {
        let at = src.child("dataset");
        let tables = datasets
            .iter()
            .enumerate()
            .map(|(n, t)| odcs_v2_table(t, pointer(&at, &n.to_string()), &mut kept))
            .collect();
        out.insert("schema".into(), Value::Array(tables));
    }
    if let Some(sla) = src.take("slaProperties").and_then(Value::as_array) {
        let mapped = sla
            .iter()
            .map(|p| rename(p, &[("column", "element")]))
            .collect();
        out.insert("slaProperties".into(), Value::Array(mapped));
    }
    if let Some(existing) = src.take("customProperties").and_then(Value::as_array) {
        custom.extend(existing.iter().cloned());
    }
    src.rest("", &mut custom, &mut kept);
    mapped(finish(out, custom), kept)
}

fn rename(v: &Value, renames: &[(&str, &str)]) -> Value {
    let mut out = Map::new();
    for (k, val) in v.as_object().into_iter().flatten() {
        let key = renames
            .iter()
            .find(|(from, _)| from == k)
            .map_or(k.as_str(), |(_, to)| to);
        out.insert(key.to_owned(), val.clone());
    }
    Value::Object(out)
}

fn odcs_v2_table(table: &Value, at: String, kept: &mut Vec<String>) -> Value {
    let mut t = Source::new(table, at);
    let mut out = Map::new();
    let mut custom = Vec::new();
    t.copy("table", &mut out, "name");
    t.copy("physicalName", &mut out, "physicalName");
    out.insert("logicalType".into(), json!("object"));
    out.insert("physicalType".into(), json!("table"));
    t.copy("description", &mut out, "description");
    t.copy(
        "authoritativeDefinitions",
        &mut out,
        "authoritativeDefinitions",
    );
    t.copy("dataGranularity", &mut out, "dataGranularityDescription");
    if let Some(cols) = t.take("columns").and_then(Value::as_array) {
        let at = t.child("columns");
        let columns = cols
            .iter()
            .enumerate()
            .map(|(n, c)| odcs_v2_column(c, pointer(&at, &n.to_string()), kept))
            .collect();
        out.insert("properties".into(), Value::Array(columns));
    }
    if let Some(q) = t.take("quality").and_then(Value::as_array) {
        let rules = odcs_v2_rules(q, t.child("quality"), kept);
        out.insert("quality".into(), rules);
    }
    t.rest("", &mut custom, kept);
    finish(out, custom)
}

fn odcs_v2_column(col: &Value, at: String, kept: &mut Vec<String>) -> Value {
    let mut c = Source::new(col, at);
    let mut out = Map::new();
    let mut custom = Vec::new();
    for (from, to) in [
        ("column", "name"),
        ("isPrimaryKey", "primaryKey"),
        ("primaryKeyPosition", "primaryKeyPosition"),
        ("businessName", "businessName"),
        ("physicalType", "physicalType"),
        ("description", "description"),
        ("isUnique", "unique"),
        ("partitionStatus", "partitioned"),
        ("partitionKeyPosition", "partitionKeyPosition"),
        ("classification", "classification"),
        ("authoritativeDefinitions", "authoritativeDefinitions"),
        ("encryptedColumnName", "encryptedName"),
        ("transformSourceTables", "transformSourceObjects"),
        ("transformLogic", "transformLogic"),
        ("transformDescription", "transformDescription"),
        ("sampleValues", "examples"),
        ("criticalDataElementStatus", "criticalDataElement"),
        ("tags", "tags"),
    ] {
        c.copy(from, &mut out, to);
    }
    if let Some(t) = c.take("logicalType") {
        match t.as_str().and_then(logical_type) {
            Some(lt) => {
                out.insert("logicalType".into(), json!(lt));
            }
            None => {
                custom.push(custom_property("logicalType", t));
                kept.push(c.child("logicalType"));
            }
        }
    }
    if let Some(nullable) = c.take("isNullable").and_then(Value::as_bool) {
        out.insert("required".into(), json!(!nullable));
    }
    if let Some(q) = c.take("quality").and_then(Value::as_array) {
        let rules = odcs_v2_rules(q, c.child("quality"), kept);
        out.insert("quality".into(), rules);
    }
    c.rest("", &mut custom, kept);
    finish(out, custom)
}

fn odcs_v2_rules(rules: &[Value], at: String, kept: &mut Vec<String>) -> Value {
    let mapped = rules
        .iter()
        .enumerate()
        .map(|(n, r)| odcs_v2_quality(r, pointer(&at, &n.to_string()), kept))
        .collect();
    Value::Array(mapped)
}

fn odcs_v2_quality(rule: &Value, at: String, kept: &mut Vec<String>) -> Value {
    let mut q = Source::new(rule, at);
    let mut out = Map::new();
    let mut custom = Vec::new();
    out.insert("type".into(), json!("custom"));
    q.copy("code", &mut out, "name");
    q.copy("description", &mut out, "description");
    q.copy("toolName", &mut out, "engine");
    match (q.take("toolRuleName"), q.take("templateName")) {
        (Some(i), _) | (None, Some(i)) => out.insert("implementation".into(), i.clone()),
        (None, None) => None,
    };
    q.copy("dimension", &mut out, "dimension");
    q.copy("severity", &mut out, "severity");
    q.copy("businessImpact", &mut out, "businessImpact");
    q.copy("scheduleCronExpression", &mut out, "schedule");
    if let Some(existing) = q.take("customProperties").and_then(Value::as_array) {
        custom.extend(existing.iter().cloned());
    }
    q.rest("", &mut custom, kept);
    finish(out, custom)
}

/// Problems that do not make a document invalid but that people should see.
pub fn warnings(kind: DocKind, doc: &Value) -> Vec<Issue> {
    let mut out = Vec::new();
    match kind {
        DocKind::Odps | DocKind::Dps => {
            let contract_key = if kind == DocKind::Odps {
                "contractId"
            } else {
                "dataContractId"
            };
            for (i, port) in doc
                .get("outputPorts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if port.get(contract_key).is_none() {
                    let name = port
                        .get("name")
                        .or_else(|| port.get("id"))
                        .and_then(Value::as_str)
                        .unwrap_or("?");
                    out.push(warning(
                        format!("/outputPorts/{i}"),
                        format!("output port `{name}` has no `{contract_key}`, so it cannot be linked to its data contract"),
                    ));
                }
            }
            if kind == DocKind::Odps {
                for (i, port) in doc
                    .get("inputPorts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if port.get("contractId").is_none() {
                        let name = port.get("name").and_then(Value::as_str).unwrap_or("?");
                        out.push(warning(
                            format!("/inputPorts/{i}"),
                            format!("input port `{name}` has no `contractId`, so the data it consumes is unknown"),
                        ));
                    }
                }
            }
        }
        DocKind::Dcs => {
            out.push(warning(
                "/dataContractSpecification".into(),
                "the Data Contract Specification is deprecated in favour of ODCS; this contract is shown as ODCS v3.1.0".into(),
            ));
            if doc.get("info").is_some_and(|i| i.get("status").is_none()) {
                out.push(warning(
                    "/info".into(),
                    "`info.status` is missing; ODCS requires a status, so the contract's status is unknown".into(),
                ));
            }
        }
        DocKind::Odcs => {
            if doc.get("dataProduct").is_some() {
                out.push(warning(
                    "/dataProduct".into(),
                    "`dataProduct` is deprecated since ODCS v3.1.0; link the contract from the product's port instead".into(),
                ));
            }
        }
    }
    out
}
