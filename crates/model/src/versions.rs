//! Which official schema checks a document: the one of the version it declares. A version meshlens
//! has no schema for is checked against the nearest one it has (the newest of the same minor
//! version, else of the same major version, else the newest of all), with a warning that says so.
//! The schemas are the copies of the official files in `../shared/standards` (`schemas/SOURCES.md`);
//! other versions' files are not vendored.

use serde_json::Value;

use crate::schema::SchemaId;
use crate::types::{DocKind, Issue};

/// A version meshlens has the official schema for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownVersion {
    pub version: &'static str,
    pub schema: SchemaId,
}

const fn known(version: &'static str, schema: SchemaId) -> KnownVersion {
    KnownVersion { version, schema }
}

/// Newest first. v0.9.0 products are checked with v1.0.0, whose `apiVersion` enum names v0.9.0
/// (upstream's own v0.9.0 schema refuses the official v0.9.0 example; `schemas/SOURCES.md`).
const ODPS: &[KnownVersion] = &[
    known("v1.1.0", SchemaId::Odps110),
    known("v1.0.0", SchemaId::Odps100),
    known("v0.9.0", SchemaId::Odps100),
];
const ODCS: &[KnownVersion] = &[
    known("v3.1.0", SchemaId::Odcs310),
    known("v3.0.2", SchemaId::Odcs302),
    known("v2.2.2", SchemaId::Odcs222),
];
const DPS: &[KnownVersion] = &[known("0.0.1", SchemaId::Dps001)];
const DCS: &[KnownVersion] = &[known("1.2.1", SchemaId::Dcs121)];

/// The versions of a standard meshlens has schemas for, newest first.
pub fn known_versions(kind: DocKind) -> &'static [KnownVersion] {
    match kind {
        DocKind::Odps => ODPS,
        DocKind::Odcs => ODCS,
        DocKind::Dps => DPS,
        DocKind::Dcs => DCS,
    }
}

/// The top-level field in which a document of `kind` declares its version.
pub fn version_field(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Odps | DocKind::Odcs => "apiVersion",
        DocKind::Dps => "dataProductSpecification",
        DocKind::Dcs => "dataContractSpecification",
    }
}

fn label(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Odps => "ODPS",
        DocKind::Odcs => "ODCS",
        DocKind::Dps => "DPS",
        DocKind::Dcs => "DCS",
    }
}

/// How a declared version is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// The version whose schema checks the document.
    pub checked_as: KnownVersion,
    /// False when the declared version has no schema here (and `checked_as` stands in for it).
    pub declared_known: bool,
}

/// The schema for `declared`; an empty `declared` (no version field) is checked as the newest
/// version, whose schema then reports the missing field.
pub fn resolve(kind: DocKind, declared: &str) -> Resolved {
    let table = known_versions(kind);
    if let Some(exact) = table.iter().find(|k| k.version == declared) {
        return Resolved {
            checked_as: *exact,
            declared_known: true,
        };
    }
    // The nearest schema: the newest of the same minor version (v3.0.1 → v3.0.2), else of the same major
    // (DCS 1.1.0 → 1.2.1), else the newest of all.
    let nearest = |parts: usize| {
        let wanted = release(declared, parts)?;
        table
            .iter()
            .find(|k| release(k.version, parts).as_ref() == Some(&wanted))
    };
    Resolved {
        checked_as: *nearest(2).or_else(|| nearest(1)).unwrap_or(&table[0]),
        declared_known: declared.is_empty(),
    }
}

/// The first `parts` numbers of a version: `v3.0.2` → [3, 0] for 2, [3] for 1.
fn release(version: &str, parts: usize) -> Option<Vec<u64>> {
    let digits = version.strip_prefix('v').unwrap_or(version);
    let numbers: Option<Vec<u64>> = digits
        .split('.')
        .take(parts)
        .map(|n| n.parse().ok())
        .collect();
    numbers.filter(|n| n.len() == parts)
}

/// The warning for a declared version meshlens has no schema for, at the version field.
pub fn unknown_version_warning(kind: DocKind, declared: &str, resolved: &Resolved) -> Issue {
    let newest = known_versions(kind)[0].version;
    let field = version_field(kind);
    let checked = resolved.checked_as.version;
    let how = if checked == newest {
        format!("checked against {checked}")
    } else {
        format!("checked against {checked}, the nearest version meshlens has")
    };
    crate::parse::warning(
        format!("/{field}"),
        format!(
            "{} version `{declared}` has no schema in meshlens (newest known: {newest}); {how}",
            label(kind)
        ),
    )
}

/// The document as the stand-in schema expects it: its version field replaced by the version it is
/// checked as, since every official schema lists its own versions in an enum or pattern.
pub fn as_checked_version(kind: DocKind, doc: &Value, resolved: &Resolved) -> Value {
    let mut copy = doc.clone();
    if let Some(obj) = copy.as_object_mut() {
        obj.insert(
            version_field(kind).to_owned(),
            Value::String(resolved.checked_as.version.to_owned()),
        );
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_version_picks_its_own_schema() {
        let cases = [
            (DocKind::Odcs, "v3.1.0", SchemaId::Odcs310),
            (DocKind::Odcs, "v3.0.2", SchemaId::Odcs302),
            (DocKind::Odcs, "v2.2.2", SchemaId::Odcs222),
            (DocKind::Dcs, "1.2.1", SchemaId::Dcs121),
            (DocKind::Odps, "v1.1.0", SchemaId::Odps110),
            (DocKind::Odps, "v0.9.0", SchemaId::Odps100),
        ];
        for (kind, version, schema) in cases {
            let resolved = resolve(kind, version);
            assert_eq!(resolved.checked_as.schema, schema, "{kind:?} {version}");
            assert!(resolved.declared_known, "{kind:?} {version}");
        }
    }

    #[test]
    fn an_unknown_version_falls_back_to_its_minor_then_its_major_then_the_newest() {
        let r = resolve(DocKind::Odcs, "v3.2.0");
        assert_eq!((r.checked_as.version, r.declared_known), ("v3.1.0", false));
        // The v3.0 patch releases have no vendored schema but v3.0.2's: closer than v3.1.0.
        for patch in ["v3.0.0", "v3.0.1"] {
            let r = resolve(DocKind::Odcs, patch);
            assert_eq!((r.checked_as.version, r.declared_known), ("v3.0.2", false));
        }
        assert_eq!(
            resolve(DocKind::Odcs, "v2.2.1").checked_as.version,
            "v2.2.2"
        );
        assert_eq!(resolve(DocKind::Dcs, "0.9.3").checked_as.version, "1.2.1");
        assert_eq!(
            resolve(DocKind::Odcs, "v2.2.0").checked_as.version,
            "v2.2.2"
        );
        assert_eq!(
            resolve(DocKind::Odcs, "v9.0.0").checked_as.version,
            "v3.1.0"
        );
        assert_eq!(resolve(DocKind::Dcs, "1.0.0").checked_as.version, "1.2.1");
        assert_eq!(resolve(DocKind::Dps, "0.0.2").checked_as.version, "0.0.1");
        assert_eq!(
            resolve(DocKind::Odps, "v1.2.0").checked_as.schema,
            SchemaId::Odps110
        );
    }

    #[test]
    fn the_warning_names_the_version_and_the_newest_known() {
        let w = unknown_version_warning(DocKind::Odcs, "v2.3.0", &resolve(DocKind::Odcs, "v2.3.0"));
        assert_eq!(w.pointer, "/apiVersion");
        assert!(w.message.contains("`v2.3.0`"), "{}", w.message);
        assert!(w.message.contains("newest known: v3.1.0"), "{}", w.message);
        assert!(
            w.message.contains("checked against v2.2.2"),
            "{}",
            w.message
        );
    }

    #[test]
    fn a_missing_version_is_no_unknown_version() {
        let r = resolve(DocKind::Odcs, "");
        assert_eq!((r.checked_as.version, r.declared_known), ("v3.1.0", true));
    }

    use crate::{DocumentError, Severity, parse_document};

    const CONTRACT: &str =
        "apiVersion: VERSION\nkind: DataContract\nid: c\nversion: 1.0.0\nstatus: active\n";

    fn odcs(version: &str, body: &str) -> Result<crate::ParsedDocument, DocumentError> {
        let text = CONTRACT.replace("VERSION", version) + body;
        parse_document("c.odcs.yaml", text.as_bytes())
    }

    /// The pointers of the errors, each located (line and column found).
    fn error_pointers(result: Result<crate::ParsedDocument, DocumentError>) -> Vec<String> {
        match result {
            Err(DocumentError::Invalid { issues, .. }) => issues
                .into_iter()
                .inspect(|i| assert!(i.line > 0 && i.column > 0, "{i:?} not located"))
                .map(|i| i.pointer)
                .collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    fn assert_all_under(result: Result<crate::ParsedDocument, DocumentError>, prefix: &str) {
        let pointers = error_pointers(result);
        assert!(
            !pointers.is_empty() && pointers.iter().all(|p| p.starts_with(prefix)),
            "{pointers:?}"
        );
    }

    const TIMESTAMP: &str =
        "schema:\n  - name: t\n    properties:\n      - name: at\n        logicalType: timestamp\n";
    const TEAM_OBJECT: &str =
        "team:\n  name: payments\n  members:\n    - username: ann\n      role: owner\n";
    const RULE_QUALITY: &str = "schema:\n  - name: t\n    properties:\n      - name: a\n        quality:\n          - type: library\n            rule: nullCheck\n            mustBe: 0\n";
    const BOOLEAN_BOUND: &str = "schema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: integer\n        logicalTypeOptions:\n          minimum: 0\n          exclusiveMinimum: true\n";

    #[test]
    fn v3_1_additions_are_invalid_in_a_v3_0_2_contract() {
        // The two held-out misses of issue #26.
        assert_eq!(
            error_pointers(odcs("v3.0.2", TIMESTAMP)),
            ["/schema/0/properties/0/logicalType"]
        );
        assert_eq!(error_pointers(odcs("v3.0.2", TEAM_OBJECT)), ["/team"]);
        assert!(odcs("v3.0.0", TIMESTAMP).is_err());
        odcs("v3.1.0", TIMESTAMP).unwrap();
        odcs("v3.1.0", TEAM_OBJECT).unwrap();
    }

    #[test]
    fn v3_0_forms_are_invalid_in_a_v3_1_0_contract() {
        odcs("v3.0.2", RULE_QUALITY).unwrap();
        odcs("v3.0.2", BOOLEAN_BOUND).unwrap();
        assert_all_under(
            odcs("v3.1.0", RULE_QUALITY),
            "/schema/0/properties/0/quality/0",
        );
        assert_eq!(
            error_pointers(odcs("v3.1.0", BOOLEAN_BOUND)),
            ["/schema/0/properties/0/logicalTypeOptions/exclusiveMinimum"]
        );
    }

    #[test]
    fn v2_and_v3_contracts_are_each_invalid_in_the_other_version() {
        let v2 = "kind: DataContract\nuuid: u\nversion: 1.0.0\ntype: tables\nstatus: active\n\
                  datasetName: d\nquantumName: q\ndataset:\n  - table: t\n    columns:\n      - column: a\n        logicalType: string\n        physicalType: text\n";
        parse_document(
            "v2.odcs.yaml",
            format!("apiVersion: v2.2.2\n{v2}").as_bytes(),
        )
        .unwrap();
        assert!(
            parse_document(
                "v2.odcs.yaml",
                format!("apiVersion: v3.1.0\n{v2}").as_bytes()
            )
            .is_err()
        );
        assert!(odcs("v2.2.2", TIMESTAMP).is_err());
    }

    #[test]
    fn dcs_of_an_older_version_is_checked_as_1_2_1_with_a_warning() {
        let dcs = "dataContractSpecification: VERSION\nid: d\ninfo:\n  title: T\n  version: 1.0.0\n\
                   models:\n  m:\n    fields:\n      opens:\n        type: time\n";
        let parse = |v: &str| parse_document("d.yaml", dcs.replace("VERSION", v).as_bytes());
        // (Every DCS document also gets the deprecation warning; only the version's is counted here.)
        let version_warnings = |doc: crate::ParsedDocument| -> Vec<String> {
            doc.warnings
                .into_iter()
                .map(|w| w.message)
                .filter(|m| m.contains("has no schema"))
                .collect()
        };
        assert!(version_warnings(parse("1.2.1").unwrap()).is_empty());
        let older = version_warnings(parse("0.9.3").unwrap());
        assert_eq!(older.len(), 1, "{older:?}");
        let message = &older[0];
        assert!(
            message.contains("`0.9.3`") && message.contains("checked against 1.2.1"),
            "{message}"
        );
        let unknown_type = dcs.replace("type: time", "type: clock");
        let refused = parse_document(
            "d.yaml",
            unknown_type.replace("VERSION", "0.9.3").as_bytes(),
        );
        assert_eq!(error_pointers(refused), ["/models/m/fields/opens/type"]);
    }

    #[test]
    fn an_unknown_version_warns_and_is_checked_as_the_newest() {
        let doc = odcs("v3.2.0", TIMESTAMP).unwrap();
        let warning = &doc.warnings[0];
        assert_eq!(
            (warning.severity, warning.line, warning.column),
            (Severity::Warning, 1, 1)
        );
        assert!(warning.message.contains("`v3.2.0`") && warning.message.contains("v3.1.0"));
        assert_eq!(doc.declared_version, "v3.2.0");
        // Checked for real: what v3.1.0 refuses is still an error.
        assert_all_under(
            odcs("v3.2.0", RULE_QUALITY),
            "/schema/0/properties/0/quality/0",
        );
        let known = odcs("v3.1.0", TIMESTAMP).unwrap();
        assert!(known.warnings.iter().all(|w| w.pointer != "/apiVersion"));
    }
}
