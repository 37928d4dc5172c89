//! The official JSON Schemas, embedded and compiled once, and the translation of schema
//! errors into sentences a product owner understands.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::{Value, json};

use crate::types::{DocKind, Issue, Severity};

/// OpenLineage core 2-0-2, which checks every 2-0-x event (tolerantly, see `meshlens-lineage`).
pub const OPENLINEAGE_2_0_2: &str = include_str!("../schemas/openlineage-2-0-2.json");

/// Which official schema a document is checked against: one per vendored file (`schemas/SOURCES.md`),
/// plus ODPS 1.1.x. Which declared version picks which schema is `crate::versions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaId {
    Odps100,
    /// ODPS 1.1.x: the 1.0.0 schema relaxed, see [`relax_odps_for_v1_1`].
    Odps110,
    Odcs310,
    Odcs302,
    Odcs222,
    Dps001,
    Dcs121,
    OpenLineage202,
}

impl SchemaId {
    pub const ALL: [SchemaId; 8] = [
        SchemaId::Odps100,
        SchemaId::Odps110,
        SchemaId::Odcs310,
        SchemaId::Odcs302,
        SchemaId::Odcs222,
        SchemaId::Dps001,
        SchemaId::Dcs121,
        SchemaId::OpenLineage202,
    ];

    /// ODCS v2.2.x, whose documents are mapped onto v3 (`uuid`/`dataset`/`quantumName` → `id`/`schema`/`name`).
    pub fn is_odcs_v2(self) -> bool {
        matches!(self, SchemaId::Odcs222)
    }

    /// The vendored schema text, unchanged.
    pub fn text(self) -> &'static str {
        match self {
            SchemaId::Odps100 | SchemaId::Odps110 => {
                include_str!("../schemas/odps-json-schema-v1.0.0.json")
            }
            SchemaId::Odcs310 => include_str!("../schemas/odcs-json-schema-v3.1.0.json"),
            SchemaId::Odcs302 => include_str!("../schemas/odcs-json-schema-v3.0.2.json"),
            SchemaId::Odcs222 => include_str!("../schemas/odcs-json-schema-v2.2.2.json"),
            SchemaId::Dps001 => include_str!("../schemas/dataproduct.schema.json"),
            SchemaId::Dcs121 => include_str!("../schemas/datacontract-1.2.1.schema.json"),
            SchemaId::OpenLineage202 => OPENLINEAGE_2_0_2,
        }
    }

    /// The compiled validator. Each schema is compiled once, the first time a document needs it,
    /// so a mesh of v3.1 contracts never pays for the other versions.
    pub fn validator(self) -> &'static Validator {
        static COMPILED: [OnceLock<Validator>; SchemaId::ALL.len()] =
            [const { OnceLock::new() }; SchemaId::ALL.len()];
        COMPILED[self as usize].get_or_init(|| {
            let mut schema = parse(self.text());
            if self == SchemaId::Odps110 {
                relax_odps_for_v1_1(&mut schema);
            }
            compile(&schema)
        })
    }
}

fn compile(schema: &Value) -> Validator {
    // Offline: every schema here is self-contained, and a sync must never touch the network.
    jsonschema::options()
        .offline()
        .build(schema)
        .expect("embedded schema compiles")
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("embedded schema is JSON")
}

/// ODPS v1.1.0 was approved upstream after our schema snapshot, and its final schema is not
/// available offline. 1.1.0 only adds optional fields and drops requirements, so a 1.1 document
/// is checked against the 1.0.0 schema with exactly those changes applied (taken from the
/// published 1.1.0 changes): `status` and port `version`/`contractId` optional; optional `id` on
/// every array item; root `type`, `context`, `synonyms`, `deprecated`; port `deprecated`; output
/// port `synonyms`/`context`; `customProperties[].vendor`; SBOM `tags`. Everything else stays
/// closed, so typos are still reported.
pub fn relax_odps_for_v1_1(schema: &mut Value) {
    let any = json!({});
    let string = json!({"type": "string"});
    let boolean = json!({"type": "boolean"});
    let array = json!({"type": "array"});
    schema["required"] = json!(["apiVersion", "kind", "id"]);
    if let Some(versions) = schema
        .pointer_mut("/properties/apiVersion/enum")
        .and_then(Value::as_array_mut)
    {
        versions.push(json!("v1.1.0"));
    }
    let root = &mut schema["properties"];
    root["type"] = string.clone();
    root["context"] = any.clone();
    root["synonyms"] = array.clone();
    root["deprecated"] = boolean.clone();
    let defs = &mut schema["$defs"];
    for item in [
        "CustomProperty",
        "AuthoritativeDefinition",
        "InputPort",
        "OutputPort",
        "SBOM",
        "InputContract",
        "ManagementPort",
        "Support",
        "TeamMember",
    ] {
        defs[item]["properties"]["id"] = string.clone();
    }
    for port in ["InputPort", "OutputPort", "ManagementPort"] {
        defs[port]["properties"]["deprecated"] = boolean.clone();
    }
    defs["InputPort"]["required"] = json!(["name"]);
    defs["OutputPort"]["required"] = json!(["name"]);
    defs["OutputPort"]["properties"]["synonyms"] = array;
    defs["OutputPort"]["properties"]["context"] = any;
    defs["CustomProperty"]["properties"]["vendor"] = string;
    defs["SBOM"]["properties"]["tags"] = json!({"$ref": "#/$defs/Tags"});
}

/// Checks `doc` and returns its errors without positions (line/column 0; the caller locates them).
pub fn check(schema: SchemaId, kind: DocKind, doc: &Value) -> Vec<Issue> {
    let validator = schema.validator();
    // Fast path: most documents are valid, and `is_valid` stops at nothing to collect.
    if validator.is_valid(doc) {
        return Vec::new();
    }
    let mut issues = Vec::new();
    for err in validator.iter_errors(doc) {
        describe(&err, kind, &mut issues);
    }
    issues.dedup_by(|a, b| a.pointer == b.pointer && a.message == b.message);
    issues
}

fn issue(pointer: String, message: String) -> Issue {
    Issue {
        line: 0,
        column: 0,
        pointer,
        message,
        severity: Severity::Error,
    }
}

/// `/outputPorts/0/version` → `outputPorts[0].version`: how people read paths.
pub fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

fn join(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", crate::positions::escape_token(key))
}

fn subject(pointer: &str) -> String {
    if pointer.is_empty() {
        "the document".to_owned()
    } else {
        format!("`{}`", dotted(pointer))
    }
}

fn extension_hint(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Odps => " (ODPS allows extensions only in customProperties)",
        DocKind::Odcs => " (ODCS allows extensions only in customProperties)",
        DocKind::Dps => " (DPS allows extensions only in `custom`)",
        DocKind::Dcs => "",
    }
}

fn type_name(t: &jsonschema::JsonType) -> &'static str {
    use jsonschema::JsonType::*;
    match t {
        Array => "a list",
        Boolean => "true or false",
        Integer => "a whole number",
        Null => "empty",
        Number => "a number",
        Object => "a mapping (key: value)",
        String => "a string",
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn describe(err: &ValidationError<'_>, kind: DocKind, out: &mut Vec<Issue>) {
    let ptr = err.instance_path().as_str().to_owned();
    let what = subject(&ptr);
    let message = match err.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            format!("`{}` is required", dotted(&join(&ptr, name)))
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for key in unexpected {
                out.push(issue(
                    join(&ptr, key),
                    format!("unknown field `{key}`{}", extension_hint(kind)),
                ));
            }
            return;
        }
        ValidationErrorKind::Type { kind: tk } => {
            let expected = match tk {
                TypeKind::Single(t) => type_name(t).to_owned(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| type_name(&t))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("{what} must be {expected}")
        }
        ValidationErrorKind::Enum { options } => {
            let opts = options
                .as_array()
                .map(|a| a.iter().map(short).collect::<Vec<_>>().join(", "));
            format!(
                "{what} is `{}` but must be one of: {}",
                short(err.instance()),
                opts.unwrap_or_default()
            )
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("{what} must be `{}`", short(expected_value))
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            if let Some(best) = closest_branch(context) {
                for e in best {
                    describe(e, kind, out);
                }
                return;
            }
            format!("{what} does not match any of the allowed forms")
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            format!("{what} matches more than one of the allowed forms; make it unambiguous")
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!(
                "{what} is `{}`, which does not have the expected form (pattern `{pattern}`)",
                short(err.instance())
            )
        }
        ValidationErrorKind::Format { format } => {
            format!(
                "{what} is `{}`, which is not a valid {format}",
                short(err.instance())
            )
        }
        ValidationErrorKind::MinItems { limit } => format!("{what} needs at least {limit} item(s)"),
        ValidationErrorKind::MaxItems { limit } => format!("{what} allows at most {limit} item(s)"),
        ValidationErrorKind::MinLength { limit } => {
            format!("{what} must be at least {limit} character(s) long")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("{what} must be at most {limit} character(s) long")
        }
        ValidationErrorKind::UniqueItems => format!("{what} contains duplicate items"),
        _ => format!("{what}: {}", err.masked()),
    };
    out.push(issue(ptr, message));
}

/// Of the alternatives of an `anyOf`/`oneOf`, the one the author most likely meant: the branch
/// that got furthest into the document (deepest error), then the one with the fewest errors.
/// A branch that fails only on the value's type at the same spot is the wrong shape entirely.
fn closest_branch<'a>(
    context: &'a [Vec<ValidationError<'static>>],
) -> Option<&'a Vec<ValidationError<'static>>> {
    context
        .iter()
        .filter(|b| !b.is_empty())
        .max_by_key(|branch| {
            let depth = branch
                .iter()
                .map(|e| e.instance_path().as_str().matches('/').count())
                .max()
                .unwrap_or(0);
            let shape_only = branch
                .iter()
                .all(|e| matches!(e.kind(), ValidationErrorKind::Type { .. }));
            (!shape_only, depth, std::cmp::Reverse(branch.len()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_schema_compiles() {
        for (index, id) in SchemaId::ALL.into_iter().enumerate() {
            assert_eq!(id as usize, index, "ALL lists {id:?} in declaration order");
            assert!(
                !id.validator().is_valid(&json!(42)),
                "{id:?} accepts a bare number"
            );
        }
    }

    #[test]
    fn dotted_paths_read_naturally() {
        assert_eq!(dotted("/outputPorts/0/version"), "outputPorts[0].version");
        assert_eq!(dotted("/a~1b/c~0d"), "a/b.c~d");
        assert_eq!(dotted(""), "");
    }

    #[test]
    fn relaxed_odps_accepts_v1_1_additions_but_not_typos() {
        let v = SchemaId::Odps110.validator();
        let ok = json!({"apiVersion": "v1.1.0", "kind": "DataProduct", "id": "p", "type": "aggregate",
            "outputPorts": [{"name": "o", "id": "o1", "deprecated": false}],
            "customProperties": [{"property": "a", "value": 1, "vendor": "x"}]});
        assert!(v.is_valid(&ok));
        let typo = json!({"apiVersion": "v1.1.0", "kind": "DataProduct", "id": "p", "stauts": "x"});
        assert!(!v.is_valid(&typo));
    }
}
