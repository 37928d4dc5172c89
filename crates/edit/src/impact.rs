//! Classifies the changes of a draft against its base as breaking or compatible for consumers.

use meshlens_model::{Column, Contract, Entity, Product, QualityRule, SlaProperty};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// One change as a consumer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ClassifiedChange {
    /// Where: a field path or `dataset.column`.
    pub path: String,
    pub breaking: bool,
    pub reason: String,
    /// Documentation only (descriptions, tags): nothing a reader of the data sees changes.
    #[serde(default)]
    pub metadata_only: bool,
}

/// Breaking changes first, then compatible ones, each in document order.
pub fn classify(base: &Entity, draft: &Entity, changed_paths: &[String]) -> Vec<ClassifiedChange> {
    let mut out = match (base, draft) {
        (Entity::Contract(a), Entity::Contract(b)) => contract_changes(a, b),
        (Entity::Product(a), Entity::Product(b)) => product_changes(a, b),
        _ => vec![breaking(
            "kind",
            "the document changed between product and contract",
        )],
    };
    // Whatever the rules above did not classify (descriptions, tags, servers...) is compatible.
    let covered = [
        "schema",
        "slaProperties",
        "quality",
        "version",
        "outputPorts",
    ];
    for path in changed_paths {
        let top = path.split('.').next().unwrap_or_default();
        if !covered.contains(&top) && !out.iter().any(|c| &c.path == path) {
            out.push(metadata(path, "documentation or metadata change"));
        }
    }
    out.sort_by_key(|c| !c.breaking);
    out
}

/// What a [`ClassifiedChange`]'s path names in `entity`, as JSON: a dataset (`orders`), a column
/// (`orders.id`), an SLA property, a quality rule, an output port, the version, or a field of the canonical
/// document for changes no rule covers (`canonical`). None when the entity has no such thing.
pub fn classified_value(entity: &Entity, canonical: &Value, path: &str) -> Option<Value> {
    let found = match entity {
        Entity::Contract(c) => contract_value(c, path),
        Entity::Product(p) => match path.strip_prefix("outputPorts.") {
            Some(name) => p.output_ports.iter().find(|o| o.name == name).map(to_json),
            None if path == "version" => p.version.clone().map(Value::from),
            None => None,
        },
    };
    found.or_else(|| crate::path::get(canonical, &crate::path::parse_path(path)).cloned())
}

fn contract_value(c: &Contract, path: &str) -> Option<Value> {
    if path == "version" {
        return c.version.clone().map(Value::from);
    }
    if let Some(property) = path.strip_prefix("slaProperties.") {
        return c.sla.iter().find(|s| s.property == property).map(to_json);
    }
    if let Some(label) = path.strip_prefix("quality.") {
        return c
            .quality
            .iter()
            .find(|r| rule_label(r) == label)
            .map(to_json);
    }
    let (dataset, column) = match path.split_once('.') {
        Some((d, col)) => (d, Some(col)),
        None => (path, None),
    };
    let dataset = c.datasets.iter().find(|d| d.name == dataset)?;
    match column {
        None => Some(to_json(dataset)),
        Some(name) => dataset
            .columns
            .iter()
            .find(|col| col.name == name)
            .map(to_json),
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    // The model's types serialise to JSON without fail (no maps with non-string keys).
    serde_json::to_value(value).unwrap_or_default()
}

fn breaking(path: &str, reason: impl Into<String>) -> ClassifiedChange {
    ClassifiedChange {
        path: path.into(),
        breaking: true,
        reason: reason.into(),
        metadata_only: false,
    }
}

fn compatible(path: &str, reason: impl Into<String>) -> ClassifiedChange {
    ClassifiedChange {
        path: path.into(),
        breaking: false,
        reason: reason.into(),
        metadata_only: false,
    }
}

fn metadata(path: &str, reason: impl Into<String>) -> ClassifiedChange {
    ClassifiedChange {
        metadata_only: true,
        ..compatible(path, reason)
    }
}

fn contract_changes(a: &Contract, b: &Contract) -> Vec<ClassifiedChange> {
    let mut out = Vec::new();
    for old in &a.datasets {
        let Some(new) = b.datasets.iter().find(|d| d.name == old.name) else {
            out.push(breaking(&old.name, format!("dataset {} removed", old.name)));
            continue;
        };
        out.extend(classification_change(
            &old.name,
            &old.classification,
            &new.classification,
        ));
        if old.description != new.description {
            out.push(metadata(
                &old.name,
                format!("description of {} changed", old.name),
            ));
        }
        let added: Vec<&Column> = new
            .columns
            .iter()
            .filter(|c| !old.columns.iter().any(|o| o.name == c.name))
            .collect();
        let mut renamed_to: Vec<&str> = Vec::new();
        for col in &old.columns {
            let at = format!("{}.{}", old.name, col.name);
            match new.columns.iter().find(|c| c.name == col.name) {
                Some(now) => out.extend(column_changes(&at, col, now)),
                None => {
                    let twin = added.iter().find(|c| {
                        !renamed_to.contains(&c.name.as_str())
                            && c.logical_type == col.logical_type
                            && c.physical_type == col.physical_type
                    });
                    match twin {
                        Some(twin) => {
                            renamed_to.push(&twin.name);
                            out.push(breaking(
                                &at,
                                format!("column {} renamed to {}", col.name, twin.name),
                            ));
                        }
                        None => out.push(breaking(&at, format!("column {} removed", col.name))),
                    }
                }
            }
        }
        for col in added
            .iter()
            .filter(|c| !renamed_to.contains(&c.name.as_str()))
        {
            out.push(compatible(
                &format!("{}.{}", new.name, col.name),
                format!("column {} added", col.name),
            ));
        }
    }
    for new in b
        .datasets
        .iter()
        .filter(|d| !a.datasets.iter().any(|o| o.name == d.name))
    {
        out.push(compatible(&new.name, format!("dataset {} added", new.name)));
    }
    out.extend(sla_changes(&a.sla, &b.sla));
    out.extend(quality_changes(&a.quality, &b.quality));
    if out.iter().any(|c| c.breaking) && a.version == b.version {
        out.push(breaking(
            "version",
            format!(
                "breaking changes but the version is still {}: publish them under a new version (and port version)",
                a.version.as_deref().unwrap_or("unset")
            ),
        ));
    }
    out
}

fn column_changes(at: &str, old: &Column, new: &Column) -> Vec<ClassifiedChange> {
    let mut out = Vec::new();
    if !old.required && new.required {
        out.push(breaking(at, format!("{at} made required")));
    }
    out.extend(classification_change(
        at,
        &old.classification,
        &new.classification,
    ));
    if old.description != new.description || old.tags != new.tags {
        out.push(metadata(at, format!("description or tags of {at} changed")));
    }
    // Consumers relying on non-null values (joins, sums, NOT NULL targets) break on the first null.
    if old.required && !new.required {
        out.push(breaking(
            at,
            format!("{at} made optional: consumers relying on non-null values break"),
        ));
    }
    for (label, before, after) in [
        ("logical type", &old.logical_type, &new.logical_type),
        ("physical type", &old.physical_type, &new.physical_type),
    ] {
        if before == after {
            continue;
        }
        let (Some(before), Some(after)) = (before, after) else {
            out.push(compatible(at, format!("{label} of {at} set or cleared")));
            continue;
        };
        if widens(before, after) {
            out.push(compatible(
                at,
                format!("{label} of {at} widened from {before} to {after}"),
            ));
        } else {
            out.push(breaking(
                at,
                format!("{label} of {at} narrowed or changed from {before} to {after}"),
            ));
        }
    }
    out
}

/// A changed classification changes who may read the data and how it must be handled, so consumers must
/// look again whichever way it moved.
fn classification_change(
    at: &str,
    old: &Option<String>,
    new: &Option<String>,
) -> Option<ClassifiedChange> {
    (old != new).then(|| {
        breaking(
            at,
            format!(
                "classification of {at} changed from {} to {}",
                old.as_deref().unwrap_or("none"),
                new.as_deref().unwrap_or("none")
            ),
        )
    })
}

/// `VARCHAR(64)` → ("varchar", [64]).
fn type_parts(t: &str) -> (String, Vec<u64>) {
    let lower = t.trim().to_ascii_lowercase();
    match lower.split_once('(') {
        Some((name, args)) => (
            name.trim().to_owned(),
            args.trim_end_matches(')')
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect(),
        ),
        None => (lower, Vec::new()),
    }
}

fn is_text(type_name: &str) -> bool {
    matches!(type_name, "string" | "text" | "varchar" | "char")
}

/// True when every value of `from` still fits `to` and reads the same way. The consumer's side: a number or
/// a date turned into text still "fits", yet every sum, comparison or date function over the column fails,
/// so only text widens into text.
fn widens(from: &str, to: &str) -> bool {
    let (a, a_args) = type_parts(from);
    let (b, b_args) = type_parts(to);
    if a == b {
        // Same type: sizes may only grow (a missing size is unbounded).
        return b_args.is_empty()
            || (a_args.len() == b_args.len() && a_args.iter().zip(&b_args).all(|(x, y)| y >= x));
    }
    if is_text(&b) {
        return is_text(&a);
    }
    matches!(
        (a.as_str(), b.as_str()),
        (
            "integer" | "int" | "smallint",
            "number" | "bigint" | "decimal" | "double" | "long"
        ) | ("long", "number" | "bigint" | "decimal")
            | ("date", "timestamp" | "datetime")
            | ("float", "double" | "number")
    )
}

/// An SLA value as one number to compare: a duration in milliseconds when it is one (`4h`, `PT4H`, `value: 4`
/// with `unit: h`), through the model's one duration parser, else the plain number (`99.9`, `"99.9%"`).
fn sla_amount(sla: &SlaProperty) -> Option<f64> {
    meshlens_model::duration_ms(&sla.value, sla.unit.as_deref())
        .map(|ms| ms as f64)
        .or_else(|| number(&sla.value))
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').parse().ok(),
        _ => None,
    }
}

/// SLA properties where a larger value is a stronger promise; for the rest (latency, frequency,
/// time to repair...) smaller is stronger.
fn higher_is_stronger(property: &str) -> bool {
    let p = property.to_ascii_lowercase();
    [
        "availability",
        "uptime",
        "retention",
        "completeness",
        "throughput",
    ]
    .iter()
    .any(|k| p.contains(k))
}

fn sla_changes(a: &[SlaProperty], b: &[SlaProperty]) -> Vec<ClassifiedChange> {
    let mut out = Vec::new();
    for old in a {
        let at = format!("slaProperties.{}", old.property);
        let Some(new) = b
            .iter()
            .find(|s| s.property == old.property && s.element == old.element)
        else {
            out.push(breaking(&at, format!("SLA {} removed", old.property)));
            continue;
        };
        if old.value == new.value && old.unit == new.unit {
            continue;
        }
        let (Some(x), Some(y)) = (sla_amount(old), sla_amount(new)) else {
            out.push(breaking(
                &at,
                format!(
                    "SLA {} changed from {} to {}",
                    old.property, old.value, new.value
                ),
            ));
            continue;
        };
        if x == y {
            continue; // the same promise written another way (`4h`, `240 min`)
        }
        let looser = if higher_is_stronger(&old.property) {
            y < x
        } else {
            y > x
        };
        let text = format!(
            "SLA {} from {} {} to {} {}",
            old.property,
            old.value,
            old.unit.as_deref().unwrap_or(""),
            new.value,
            new.unit.as_deref().unwrap_or("")
        );
        out.push(if looser {
            breaking(&at, format!("{} loosened", text.trim_end()))
        } else {
            compatible(&at, format!("{} tightened", text.trim_end()))
        });
    }
    for new in b.iter().filter(|s| {
        !a.iter()
            .any(|o| o.property == s.property && o.element == s.element)
    }) {
        out.push(compatible(
            &format!("slaProperties.{}", new.property),
            format!("SLA {} added", new.property),
        ));
    }
    out
}

/// A rule's identity: where it applies and what it measures.
fn rule_key(rule: &QualityRule) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        rule.dataset.as_deref(),
        rule.column.as_deref(),
        rule.name
            .as_deref()
            .or(rule.metric.as_deref())
            .or(rule.description.as_deref()),
    )
}

fn rule_label(rule: &QualityRule) -> String {
    let (dataset, column, what) = rule_key(rule);
    [dataset, column, what]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(".")
}

fn quality_changes(a: &[QualityRule], b: &[QualityRule]) -> Vec<ClassifiedChange> {
    let mut out = Vec::new();
    for old in a {
        let label = rule_label(old);
        let at = format!("quality.{label}");
        let Some(new) = b.iter().find(|r| rule_key(r) == rule_key(old)) else {
            out.push(breaking(&at, format!("quality rule {label} removed")));
            continue;
        };
        if severity_rank(new.severity.as_deref()) < severity_rank(old.severity.as_deref()) {
            out.push(breaking(
                &at,
                format!(
                    "quality rule {label} lowered to severity {}",
                    new.severity.as_deref().unwrap_or("none")
                ),
            ));
        }
        if old.threshold != new.threshold {
            let looser = threshold_looser(old.threshold.as_ref(), new.threshold.as_ref());
            let text = format!(
                "quality rule {label} threshold {} → {}",
                show(&old.threshold),
                show(&new.threshold)
            );
            out.push(if looser {
                breaking(&at, format!("{text} (loosened)"))
            } else {
                compatible(&at, format!("{text} (tightened)"))
            });
        }
    }
    for new in b
        .iter()
        .filter(|r| !a.iter().any(|o| rule_key(o) == rule_key(r)))
    {
        out.push(compatible(
            &format!("quality.{}", rule_label(new)),
            format!("quality rule {} added", rule_label(new)),
        ));
    }
    out
}

fn show(value: &Option<Value>) -> String {
    value.as_ref().map_or("none".into(), |v| v.to_string())
}

fn severity_rank(severity: Option<&str>) -> u8 {
    match severity.map(str::to_ascii_lowercase).as_deref() {
        Some("error" | "critical" | "high") => 3,
        Some("warning" | "warn" | "medium") => 2,
        Some("info" | "low") => 1,
        _ => 0,
    }
}

/// Thresholds are written `{mustBeLessThan: 5}` (one operator); a bound moved to admit more values is
/// looser, and so is any change the rules cannot compare.
fn threshold_looser(old: Option<&Value>, new: Option<&Value>) -> bool {
    let op = |v: Option<&Value>| -> Option<(String, Value)> {
        let (k, v) = v?.as_object()?.iter().next()?;
        Some((k.clone(), v.clone()))
    };
    let (Some((op_a, va)), Some((op_b, vb))) = (op(old), op(new)) else {
        return new.is_none();
    };
    if op_a != op_b {
        return true;
    }
    let bound = |v: &Value| number(v);
    match op_a.as_str() {
        "mustBeLessThan" | "mustBeLessOrEqualTo" => bound(&vb) > bound(&va),
        "mustBeGreaterThan" | "mustBeGreaterOrEqualTo" => bound(&vb) < bound(&va),
        "mustBeBetween" | "mustNotBeBetween" => {
            let range = |v: &Value| -> Option<(f64, f64)> {
                let list = v.as_array()?;
                Some((number(list.first()?)?, number(list.get(1)?)?))
            };
            match (range(&va), range(&vb)) {
                (Some((lo_a, hi_a)), Some((lo_b, hi_b))) if op_a == "mustBeBetween" => {
                    lo_b < lo_a || hi_b > hi_a
                }
                (Some((lo_a, hi_a)), Some((lo_b, hi_b))) => lo_b > lo_a || hi_b < hi_a,
                _ => true,
            }
        }
        _ => true,
    }
}

fn product_changes(a: &Product, b: &Product) -> Vec<ClassifiedChange> {
    let mut out = Vec::new();
    for old in &a.output_ports {
        let at = format!("outputPorts.{}", old.name);
        match b.output_ports.iter().find(|p| p.name == old.name) {
            None => out.push(breaking(&at, format!("output port {} removed", old.name))),
            Some(new) if new.contract_id != old.contract_id => {
                let mut change = breaking(
                    &at,
                    format!(
                        "output port {} now publishes contract {} instead of {}",
                        old.name,
                        new.contract_id.as_deref().unwrap_or("none"),
                        old.contract_id.as_deref().unwrap_or("none")
                    ),
                );
                if new.version == old.version {
                    change.reason.push_str(&format!(
                        "; its version is still {}",
                        old.version.as_deref().unwrap_or("unset")
                    ));
                }
                out.push(change);
            }
            Some(new) if new != old => {
                out.push(compatible(&at, format!("output port {} updated", old.name)))
            }
            Some(_) => {}
        }
    }
    for new in b
        .output_ports
        .iter()
        .filter(|p| !a.output_ports.iter().any(|o| o.name == p.name))
    {
        out.push(compatible(
            &format!("outputPorts.{}", new.name),
            format!("output port {} added", new.name),
        ));
    }
    if a.version != b.version {
        out.push(compatible(
            "version",
            format!(
                "version {} → {}",
                a.version.as_deref().unwrap_or("unset"),
                b.version.as_deref().unwrap_or("unset")
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshlens_model::Dataset;
    use serde_json::json;

    fn column(name: &str, logical: &str, physical: &str, required: bool) -> Column {
        Column {
            name: name.into(),
            logical_type: Some(logical.into()),
            physical_type: Some(physical.into()),
            required,
            ..Default::default()
        }
    }

    fn contract(
        columns: Vec<Column>,
        sla: Vec<SlaProperty>,
        quality: Vec<QualityRule>,
        version: &str,
    ) -> Entity {
        Entity::Contract(Contract {
            id: "c".into(),
            version: Some(version.into()),
            datasets: vec![Dataset {
                name: "t".into(),
                columns,
                ..Default::default()
            }],
            sla,
            quality,
            ..Default::default()
        })
    }

    fn sla(property: &str, value: Value, unit: &str) -> SlaProperty {
        SlaProperty {
            property: property.into(),
            value,
            unit: Some(unit.into()),
            ..Default::default()
        }
    }

    fn rule(metric: &str, threshold: Value) -> QualityRule {
        QualityRule {
            metric: Some(metric.into()),
            dataset: Some("t".into()),
            threshold: Some(threshold),
            severity: Some("error".into()),
            ..Default::default()
        }
    }

    /// Durations are compared whatever way they are written: a unit apart, inside the value, or ISO 8601.
    #[test]
    fn sla_durations_written_differently_are_compared() {
        let latency = |value: Value, unit: Option<&str>| SlaProperty {
            property: "latency".into(),
            value,
            unit: unit.map(Into::into),
            ..Default::default()
        };
        let change = |a: SlaProperty, b: SlaProperty| sla_changes(&[a], &[b]);
        let tighter = change(latency(json!("4h"), None), latency(json!("PT2H"), None));
        assert!(!tighter[0].breaking, "{tighter:?}");
        let looser = change(latency(json!("4h"), None), latency(json!(1), Some("d")));
        assert!(looser[0].breaking, "{looser:?}");
        let same = change(latency(json!("4h"), None), latency(json!(240), Some("min")));
        assert!(same.is_empty(), "{same:?}");
    }

    #[test]
    fn breaking_contract_changes_are_named() {
        let base = contract(
            vec![
                column("id", "integer", "NUMBER(38,0)", true),
                column("email", "string", "VARCHAR(64)", false),
                column("country", "string", "VARCHAR(2)", false),
                column("amount", "number", "NUMBER(12,2)", false),
            ],
            vec![
                sla("latency", json!(4), "h"),
                sla("availability", json!(99.9), "%"),
            ],
            vec![rule("nullValues", json!({"mustBeLessThan": 5}))],
            "1.0.0",
        );
        let draft = contract(
            vec![
                column("id", "integer", "NUMBER(38,0)", true),
                column("mail", "string", "VARCHAR(64)", false),
                column("amount", "integer", "NUMBER(12,2)", true),
                column("note", "string", "VARCHAR(200)", false),
            ],
            vec![
                sla("latency", json!(1), "d"),
                sla("availability", json!(99.95), "%"),
            ],
            vec![rule("nullValues", json!({"mustBeLessThan": 10}))],
            "1.0.0",
        );
        let changes = classify(&base, &draft, &["description.purpose".into()]);
        let reasons: Vec<(&str, bool)> = changes
            .iter()
            .map(|c| (c.reason.as_str(), c.breaking))
            .collect();
        for expected in [
            ("column email renamed to mail", true),
            ("column country removed", true),
            ("t.amount made required", true),
            (
                "logical type of t.amount narrowed or changed from number to integer",
                true,
            ),
            ("SLA latency from 4 h to 1 d loosened", true),
            ("SLA availability from 99.9 % to 99.95 % tightened", false),
            (
                "quality rule t.nullValues threshold {\"mustBeLessThan\":5} → {\"mustBeLessThan\":10} (loosened)",
                true,
            ),
            ("column note added", false),
            ("documentation or metadata change", false),
        ] {
            assert!(
                reasons.contains(&expected),
                "missing {expected:?} in {reasons:#?}"
            );
        }
        assert!(changes.iter().any(|c| c.path == "version" && c.breaking));
        assert!(
            changes.iter().take_while(|c| c.breaking).count()
                == changes.iter().filter(|c| c.breaking).count()
        );
    }

    /// The two changes a held-out check found called compatible although they break readers (issue #22).
    #[test]
    fn optional_columns_and_numbers_turned_text_break_consumers() {
        let base = contract(
            vec![
                column("id", "integer", "BIGINT", true),
                column("amount", "number", "NUMBER(12,2)", false),
            ],
            vec![],
            vec![],
            "1.0.0",
        );
        let draft = contract(
            vec![
                column("id", "integer", "BIGINT", false),
                column("amount", "string", "NUMBER(12,2)", false),
            ],
            vec![],
            vec![],
            "2.0.0",
        );
        let changes = classify(&base, &draft, &[]);
        let reasons: Vec<(&str, &str, bool)> = changes
            .iter()
            .map(|c| (c.path.as_str(), c.reason.as_str(), c.breaking))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    "t.id",
                    "t.id made optional: consumers relying on non-null values break",
                    true
                ),
                (
                    "t.amount",
                    "logical type of t.amount narrowed or changed from number to string",
                    true
                ),
            ]
        );
    }

    #[test]
    fn a_changed_classification_breaks_and_a_description_is_metadata_only() {
        let col = |classification: &str, description: &str| Column {
            classification: Some(classification.into()),
            description: Some(description.into()),
            ..column("email", "string", "VARCHAR(64)", true)
        };
        let base = contract(vec![col("internal", "mail")], vec![], vec![], "1.0.0");
        let draft = contract(vec![col("restricted", "e-mail")], vec![], vec![], "1.1.0");
        let changes = classify(&base, &draft, &[]);
        let flags: Vec<(&str, bool, bool)> = changes
            .iter()
            .map(|c| (c.reason.as_str(), c.breaking, c.metadata_only))
            .collect();
        assert_eq!(
            flags,
            [
                (
                    "classification of t.email changed from internal to restricted",
                    true,
                    false
                ),
                ("description or tags of t.email changed", false, true),
            ]
        );
    }

    #[test]
    fn widening_types_is_compatible() {
        assert!(widens("VARCHAR(10)", "VARCHAR(20)"));
        assert!(!widens("VARCHAR(20)", "VARCHAR(10)"));
        assert!(widens("integer", "number"));
        assert!(!widens("number", "integer"));
        assert!(widens("VARCHAR(20)", "string"));
        assert!(!widens("date", "string"));
        assert!(!widens("NUMBER(12,2)", "NUMBER(10,2)"));
    }

    #[test]
    fn removing_or_repointing_an_output_port_breaks_consumers() {
        let port = |name: &str, contract: &str| meshlens_model::OutputPort {
            name: name.into(),
            version: Some("1.0.0".into()),
            contract_id: Some(contract.into()),
            ..Default::default()
        };
        let a = Entity::Product(Product {
            output_ports: vec![port("a", "x"), port("b", "y")],
            ..Default::default()
        });
        let b = Entity::Product(Product {
            output_ports: vec![port("a", "z")],
            ..Default::default()
        });
        let changes = classify(&a, &b, &[]);
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.breaking));
        assert!(changes[0].reason.contains("its version is still 1.0.0"));
    }
}
