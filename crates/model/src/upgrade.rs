//! `meshlens upgrade`: a DCS contract, an ODCS v2.2.x or v3.0.x contract or a DPS product rewritten
//! as the current ODCS or ODPS, through the one import mapping (`mapping.rs`). Fields the target
//! has no place for are kept as custom properties and listed; none is dropped.

use serde_json::{Map, Value};

use crate::mapping::{self, MAPPED_ODCS_VERSION, MAPPED_ODPS_VERSION, Mapped};
use crate::parse::detect;
use crate::schema::{SchemaId, dotted};
use crate::types::DocKind;
use crate::versions::known_versions;

/// The standard and version an upgrade writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeTarget {
    Odcs310,
    Odps110,
}

impl UpgradeTarget {
    /// `odcs-3.1.0` / `odps-1.1.0`, as `--to` takes it.
    pub fn parse(name: &str) -> Option<UpgradeTarget> {
        [UpgradeTarget::Odcs310, UpgradeTarget::Odps110]
            .into_iter()
            .find(|t| t.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            UpgradeTarget::Odcs310 => "odcs-3.1.0",
            UpgradeTarget::Odps110 => "odps-1.1.0",
        }
    }

    pub fn kind(self) -> DocKind {
        match self {
            UpgradeTarget::Odcs310 => DocKind::Odcs,
            UpgradeTarget::Odps110 => DocKind::Odps,
        }
    }

    pub fn schema(self) -> SchemaId {
        match self {
            UpgradeTarget::Odcs310 => SchemaId::Odcs310,
            UpgradeTarget::Odps110 => SchemaId::Odps110,
        }
    }

    /// Where a document of `kind` goes.
    fn for_kind(kind: DocKind) -> UpgradeTarget {
        match kind {
            DocKind::Odcs | DocKind::Dcs => UpgradeTarget::Odcs310,
            DocKind::Odps | DocKind::Dps => UpgradeTarget::Odps110,
        }
    }
}

/// An upgraded document.
#[derive(Debug, Clone, PartialEq)]
pub struct Upgrade {
    /// Standard and declared version of the source, e.g. `dcs-1.2.1`, `odcs-v3.0.2`.
    pub from: String,
    pub to: UpgradeTarget,
    pub value: Value,
    /// The source was rewritten as a whole (another standard, or ODCS v2's shape), so its layout
    /// and comments cannot be kept; an ODCS v3.0 contract is changed field by field instead.
    pub restructured: bool,
    /// Source values (scalars) now held by a field of the target standard.
    pub mapped: usize,
    /// Source fields kept as custom properties, as paths (`info.contact.x`, `models.orders.y`).
    pub kept_as_custom: Vec<String>,
    /// Fields the target requires that the source lacks, set to a stated default.
    pub defaulted: Vec<String>,
    /// True when the source already is the target version (nothing to write).
    pub unchanged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpgradeError {
    #[error("not a data contract or data product: {0}")]
    UnknownKind(String),
    #[error("{from} cannot be upgraded to {to}")]
    WrongTarget { from: String, to: &'static str },
    #[error("`{path}` cannot be kept in {to}: {reason}")]
    CannotKeep {
        path: String,
        to: &'static str,
        reason: String,
    },
}

/// The status an upgraded DCS contract gets when it declares none (ODCS requires one): the new
/// contract is reviewed before it replaces the old one.
pub const DEFAULT_STATUS: &str = "draft";

/// Upgrades `original` (parsed, not necessarily valid in its declared version) to `to`, or to the
/// current version of its standard.
pub fn upgrade(original: &Value, to: Option<UpgradeTarget>) -> Result<Upgrade, UpgradeError> {
    let detected = detect(original).map_err(|e| UpgradeError::UnknownKind(e.to_string()))?;
    let kind = detected.kind;
    let version = detected.version.trim_start_matches('v');
    let from = format!("{}-{version}", prefix(kind));
    let target = to.unwrap_or(UpgradeTarget::for_kind(kind));
    if UpgradeTarget::for_kind(kind) != target {
        return Err(UpgradeError::WrongTarget {
            from,
            to: target.name(),
        });
    }
    let current = current_version(target);
    let (mapped, restructured) = match kind {
        DocKind::Dcs => (mapping::dcs_to_odcs(original), true),
        DocKind::Dps => (mapping::dps_to_odps(original), true),
        DocKind::Odcs if detected.schema().is_odcs_v2() || detected.version.starts_with("v2") => {
            (mapping::odcs_v2_to_v3(original), true)
        }
        DocKind::Odcs => (odcs_v3_0_to_v3_1(original)?, false),
        DocKind::Odps => (same_shape(original, MAPPED_ODPS_VERSION), false),
    };
    let mut value = mapped.value;
    let defaulted = fill_required(kind, &mut value);
    let kept_leaves: usize = mapped
        .kept_as_custom
        .iter()
        .filter_map(|p| original.pointer(p))
        .map(leaves)
        .sum();
    Ok(Upgrade {
        from,
        to: target,
        unchanged: detected.version == current,
        value,
        restructured,
        mapped: leaves(original) - kept_leaves,
        kept_as_custom: mapped.kept_as_custom.iter().map(|p| dotted(p)).collect(),
        defaulted,
    })
}

fn prefix(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Odcs => "odcs",
        DocKind::Odps => "odps",
        DocKind::Dcs => "dcs",
        DocKind::Dps => "dps",
    }
}

fn current_version(target: UpgradeTarget) -> &'static str {
    known_versions(target.kind())[0].version
}

fn leaves(value: &Value) -> usize {
    match value {
        Value::Object(map) => map.values().map(leaves).sum(),
        Value::Array(items) => items.iter().map(leaves).sum(),
        _ => 1,
    }
}

/// The document with only its version changed.
fn same_shape(original: &Value, version: &str) -> Mapped {
    let mut value = original.clone();
    value["apiVersion"] = Value::String(version.to_owned());
    Mapped {
        value,
        kept_as_custom: Vec::new(),
    }
}

/// ODCS requires a status; DCS does not (issue #26: the upgraded file must validate).
fn fill_required(kind: DocKind, value: &mut Value) -> Vec<String> {
    let Some(obj) = value.as_object_mut() else {
        return Vec::new();
    };
    if kind == DocKind::Dcs && !obj.contains_key("status") {
        obj.insert("status".into(), Value::String(DEFAULT_STATUS.to_owned()));
        return vec!["status".to_owned()];
    }
    Vec::new()
}

/// v3.0 → v3.1: the version, number bounds instead of boolean flags, and library `rule` names
/// replaced by v3.1 metrics (the JSON Schema's breaking changes listed in ODCS's changelog).
fn odcs_v3_0_to_v3_1(original: &Value) -> Result<Mapped, UpgradeError> {
    let mut mapped = same_shape(original, MAPPED_ODCS_VERSION);
    walk_v3_0(&mut mapped.value, String::new())?;
    Ok(mapped)
}

fn walk_v3_0(value: &mut Value, at: String) -> Result<(), UpgradeError> {
    match value {
        Value::Object(obj) => {
            if let Some(Value::Object(options)) = obj.get_mut("logicalTypeOptions") {
                number_bounds(options);
            }
            if let Some(Value::Array(rules)) = obj.get_mut("quality") {
                for (i, rule) in rules.iter_mut().enumerate() {
                    library_metric(rule, &format!("{at}/quality/{i}"))?;
                }
            }
            for (key, child) in obj.iter_mut() {
                let at = format!("{at}/{}", crate::positions::escape_token(key));
                walk_v3_0(child, at)?;
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk_v3_0(child, format!("{at}/{i}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `minimum: 0` + `exclusiveMinimum: true` → `exclusiveMinimum: 0`; a `false` flag says nothing.
fn number_bounds(options: &mut Map<String, Value>) {
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match options.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = options.remove(bound) {
                    options.insert(flag.to_owned(), limit);
                }
            }
            Some(Value::Bool(false)) => {
                options.remove(flag);
            }
            _ => {}
        }
    }
}

/// v3.0 library rules name their check in `rule`; v3.1 requires one of its `metric`s.
fn library_metric(rule: &mut Value, at: &str) -> Result<(), UpgradeError> {
    let Some(obj) = rule.as_object_mut() else {
        return Ok(());
    };
    let library = obj.get("type").is_none_or(|t| t == "library");
    if !library || obj.contains_key("metric") {
        return Ok(());
    }
    let Some(name) = obj.get("rule").and_then(Value::as_str) else {
        return Ok(());
    };
    let metric = match name {
        "nullCheck" | "nullValues" => "nullValues",
        "duplicateCount" | "duplicateValues" | "uniqueCheck" => "duplicateValues",
        "rowCount" | "countCheck" => "rowCount",
        "missingValues" => "missingValues",
        "invalidValues" => "invalidValues",
        other => {
            return Err(UpgradeError::CannotKeep {
                path: dotted(&format!("{at}/rule")),
                to: UpgradeTarget::Odcs310.name(),
                reason: format!(
                    "library rule `{other}` has no ODCS v3.1 metric (nullValues, missingValues, \
                     invalidValues, duplicateValues, rowCount); rewrite it as one of them or as a \
                     `custom` or `sql` rule, then upgrade again"
                ),
            });
        }
    };
    obj.remove("rule");
    obj.insert("metric".into(), Value::String(metric.to_owned()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::check;

    fn load(text: &str) -> Value {
        crate::from_yaml_str(text).unwrap()
    }

    fn assert_valid(upgrade: &Upgrade) {
        let errors = check(upgrade.to.schema(), upgrade.to.kind(), &upgrade.value);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn a_dcs_contract_becomes_valid_odcs_keeping_what_has_no_place() {
        let dcs = load(include_str!(
            "../tests/fixtures/datacontract-specification/examples/orders-latest/datacontract.yaml"
        ));
        let up = upgrade(&dcs, None).unwrap();
        assert_eq!(
            (up.from.as_str(), up.to),
            ("dcs-1.2.0", UpgradeTarget::Odcs310)
        );
        assert!(up.restructured && !up.unchanged);
        assert_valid(&up);
        assert_eq!(up.defaulted, ["status"]);
        assert_eq!(up.value["status"], DEFAULT_STATUS);
        assert!(
            up.kept_as_custom.contains(&"definitions".to_owned()),
            "{:?}",
            up.kept_as_custom
        );
        assert!(up.mapped > 50, "{}", up.mapped);
        // Every kept path names a field of the source.
        for path in &up.kept_as_custom {
            assert!(!path.is_empty());
        }
    }

    fn scalars(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => map.values().for_each(|v| scalars(v, out)),
            Value::Array(items) => items.iter().for_each(|v| scalars(v, out)),
            other => out.push(other.to_string()),
        }
    }

    #[test]
    fn no_value_of_an_official_dcs_or_dps_example_is_lost() {
        for text in [
            include_str!(
                "../tests/fixtures/datacontract-specification/examples/orders-latest/datacontract.yaml"
            ),
            include_str!(
                "../tests/fixtures/datacontract-specification/examples/covid-cases/datacontract.yaml"
            ),
            include_str!(
                "../tests/fixtures/datacontract-specification/examples/time-example/datacontract.yaml"
            ),
            include_str!(
                "../tests/fixtures/dataproduct-specification/README-example.dataproduct.yaml"
            ),
        ] {
            let source = load(text);
            let up = upgrade(&source, None).unwrap();
            let (mut before, mut after) = (Vec::new(), Vec::new());
            scalars(&source, &mut before);
            scalars(&up.value, &mut after);
            let version = before.remove(0); // the version key, replaced by `apiVersion`
            let lost: Vec<_> = before.iter().filter(|v| !after.contains(v)).collect();
            assert!(lost.is_empty(), "{version}: lost {lost:?}");
        }
    }

    #[test]
    fn a_v3_0_contract_gets_v3_1_metrics_and_bounds() {
        let v30 = load(concat!(
            "apiVersion: v3.0.2\nkind: DataContract\nid: c\nversion: 1.0.0\nstatus: active\n",
            "schema:\n  - name: t\n    properties:\n      - name: a\n        logicalType: integer\n",
            "        logicalTypeOptions:\n          minimum: 0\n          exclusiveMinimum: true\n",
            "        quality:\n          - type: library\n            rule: nullCheck\n            mustBe: 0\n",
        ));
        let up = upgrade(&v30, None).unwrap();
        assert!(!up.restructured);
        assert_valid(&up);
        let a = &up.value["schema"][0]["properties"][0];
        assert_eq!(
            a["logicalTypeOptions"],
            serde_json::json!({"exclusiveMinimum": 0})
        );
        assert_eq!(a["quality"][0]["metric"], "nullValues");
        assert!(up.kept_as_custom.is_empty());
    }

    #[test]
    fn a_rule_without_a_v3_1_metric_fails_with_its_path() {
        let v30 = load(
            "apiVersion: v3.0.2\nkind: DataContract\nid: c\nversion: 1.0.0\nstatus: active\n\
             quality:\n  - rule: freshnessCheck\n",
        );
        match upgrade(&v30, None) {
            Err(UpgradeError::CannotKeep { path, .. }) => assert_eq!(path, "quality[0].rule"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn targets_follow_the_kind_and_a_current_document_is_unchanged() {
        let dps = load(
            "dataProductSpecification: 0.0.1\nid: p\ninfo:\n  title: P\n  owner: t\n  archetype: x\n",
        );
        let up = upgrade(&dps, None).unwrap();
        assert_eq!(
            (up.from.as_str(), up.to.name()),
            ("dps-0.0.1", "odps-1.1.0")
        );
        assert_eq!(up.kept_as_custom, ["info.archetype"]);
        assert_valid(&up);
        assert!(matches!(
            upgrade(&dps, Some(UpgradeTarget::Odcs310)),
            Err(UpgradeError::WrongTarget { .. })
        ));
        let current =
            load("apiVersion: v3.1.0\nkind: DataContract\nid: c\nversion: 1.0.0\nstatus: active\n");
        assert!(upgrade(&current, None).unwrap().unchanged);
    }
}
