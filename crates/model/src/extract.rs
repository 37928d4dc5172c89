//! The queryable fields, read from the canonical ODPS/ODCS form.

use serde_json::Value;

use crate::parse::text_of;
use crate::sensitivity::Sensitivity;
use crate::types::*;

pub fn entity(kind: DocKind, canonical: &Value) -> Entity {
    match kind {
        DocKind::Odps | DocKind::Dps => Entity::Product(product(canonical)),
        DocKind::Odcs | DocKind::Dcs => Entity::Contract(contract(canonical)),
    }
}

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(text_of)
}

fn list<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    list(v, key).filter_map(text_of).collect()
}

/// `customProperties[]` value for the first of `names` present (case-insensitive), as text.
fn custom(v: &Value, names: &[&str]) -> Option<String> {
    list(v, "customProperties").find_map(|p| {
        let prop = p.get("property")?.as_str()?;
        names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(prop))
            .then(|| p.get("value").and_then(text_of))
            .flatten()
    })
}

fn support(v: &Value) -> Vec<SupportChannel> {
    list(v, "support")
        .filter_map(|c| {
            Some(SupportChannel {
                channel: s(c, "channel")?,
                url: s(c, "url"),
                tool: s(c, "tool"),
                scope: s(c, "scope"),
            })
        })
        .collect()
}

fn members(team: Option<&Value>) -> Vec<TeamMember> {
    // ODCS before v3.1 wrote the team as a bare list of members.
    let list = match team {
        Some(Value::Array(a)) => a.as_slice(),
        Some(t) => t
            .get("members")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice),
        None => &[],
    };
    list.iter()
        .map(|m| TeamMember {
            username: s(m, "username"),
            name: s(m, "name"),
            role: s(m, "role"),
        })
        .collect()
}

pub fn product(doc: &Value) -> Product {
    let team = doc.get("team");
    let team_members = members(team);
    let owner = team_members
        .iter()
        .find(|m| {
            m.role
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case("owner"))
        })
        .and_then(|m| m.username.clone().or_else(|| m.name.clone()));
    let description = doc.get("description");
    let desc = |k: &str| description.and_then(|d| s(d, k));
    Product {
        id: s(doc, "id").unwrap_or_default(),
        name: s(doc, "name"),
        domain: s(doc, "domain"),
        tenant: s(doc, "tenant"),
        status: s(doc, "status"),
        version: s(doc, "version"),
        owner_team: team.and_then(|t| s(t, "name")),
        owner,
        team_members,
        tags: strings(doc, "tags"),
        description: desc("purpose"),
        limitations: desc("limitations"),
        usage: desc("usage"),
        input_ports: list(doc, "inputPorts")
            .map(|p| InputPort {
                name: s(p, "name").unwrap_or_default(),
                version: s(p, "version"),
                contract_id: s(p, "contractId"),
            })
            .collect(),
        output_ports: list(doc, "outputPorts")
            .map(|p| OutputPort {
                name: s(p, "name").unwrap_or_default(),
                version: s(p, "version"),
                contract_id: s(p, "contractId"),
                port_type: s(p, "type"),
                description: s(p, "description"),
                input_contracts: list(p, "inputContracts")
                    .filter_map(|c| s(c, "id"))
                    .collect(),
            })
            .collect(),
        support: support(doc),
        classification: custom(
            doc,
            &["classification", "dataClassification", "sensitivity"],
        ),
        retention: custom(doc, &["retention", "retentionPeriod"]),
    }
}

/// The most sensitive of `labels`, as written (a label naming no level ranks lowest).
fn highest<'a>(labels: impl Iterator<Item = &'a str>) -> Option<String> {
    labels
        .max_by_key(|l| Sensitivity::of_label(l))
        .map(str::to_owned)
}

/// A column's classification: its own, else a tag that names a level (catalogs such as OpenMetadata
/// classify columns with tags like `PII.Sensitive`).
fn column_classification(property: &Value, tags: &[String]) -> Option<String> {
    s(property, "classification").or_else(|| {
        tags.iter()
            .find(|t| Sensitivity::of_tag(t) != Sensitivity::Unknown)
            .cloned()
    })
}

fn quality_rules(
    v: &Value,
    dataset: Option<&str>,
    column: Option<&str>,
    out: &mut Vec<QualityRule>,
) {
    const OPERATORS: [&str; 9] = [
        "mustBe",
        "mustNotBe",
        "mustBeGreaterThan",
        "mustBeGreaterOrEqualTo",
        "mustBeLessThan",
        "mustBeLessOrEqualTo",
        "mustBeBetween",
        "mustNotBeBetween",
        "mustBeGreaterThanOrEqualTo",
    ];
    for q in list(v, "quality") {
        let threshold = OPERATORS.iter().find_map(|op| {
            let value = q.get(*op)?;
            Some(serde_json::json!({ *op: value }))
        });
        out.push(QualityRule {
            name: s(q, "name"),
            rule_type: s(q, "type").or_else(|| q.get("metric").map(|_| "library".to_owned())),
            metric: s(q, "metric").or_else(|| s(q, "rule")),
            dimension: s(q, "dimension"),
            severity: s(q, "severity"),
            description: s(q, "description"),
            dataset: dataset.map(str::to_owned),
            column: column.map(str::to_owned),
            threshold,
        });
    }
}

/// Flattens nested properties (objects and array items) into dotted column names.
fn columns(
    v: &Value,
    prefix: &str,
    dataset: Option<&str>,
    cols: &mut Vec<Column>,
    rules: &mut Vec<QualityRule>,
) {
    for p in list(v, "properties") {
        let name = match s(p, "name") {
            Some(n) if prefix.is_empty() => n,
            Some(n) => format!("{prefix}.{n}"),
            None => continue,
        };
        quality_rules(p, dataset, Some(&name), rules);
        let tags = strings(p, "tags");
        cols.push(Column {
            name: name.clone(),
            logical_type: s(p, "logicalType"),
            physical_type: s(p, "physicalType"),
            description: s(p, "description"),
            classification: column_classification(p, &tags),
            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            primary_key: p
                .get("primaryKey")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            unique: p.get("unique").and_then(Value::as_bool).unwrap_or(false),
            tags,
            sensitivity: Default::default(),
        });
        columns(p, &name, dataset, cols, rules);
        if let Some(items) = p.get("items") {
            columns(items, &name, dataset, cols, rules);
        }
    }
}

pub fn contract(doc: &Value) -> Contract {
    let mut quality = Vec::new();
    quality_rules(doc, None, None, &mut quality);
    let datasets: Vec<Dataset> = list(doc, "schema")
        .map(|o| {
            let name = s(o, "name").unwrap_or_default();
            quality_rules(o, Some(&name), None, &mut quality);
            let mut cols = Vec::new();
            columns(o, "", Some(&name), &mut cols, &mut quality);
            Dataset {
                physical_name: s(o, "physicalName"),
                physical_type: s(o, "physicalType"),
                description: s(o, "description"),
                classification: s(o, "classification"),
                columns: cols,
                name,
                sensitivity: Default::default(),
            }
        })
        .collect();
    let sla: Vec<SlaProperty> = list(doc, "slaProperties")
        .filter_map(|p| {
            Some(SlaProperty {
                property: s(p, "property")?,
                value: p.get("value").cloned().unwrap_or(Value::Null),
                unit: s(p, "unit"),
                element: s(p, "element"),
                driver: s(p, "driver"),
            })
        })
        .collect();
    let retention = sla
        .iter()
        .find(|p| p.property.eq_ignore_ascii_case("retention"))
        .map(|p| {
            let value = text_of(&p.value).unwrap_or_else(|| p.value.to_string());
            match &p.unit {
                Some(unit) => format!("{value} {unit}"),
                None => value,
            }
        });
    let classification = {
        let own = s(doc, "classification");
        let labels = own
            .iter()
            .map(String::as_str)
            .chain(datasets.iter().flat_map(|d| {
                d.classification
                    .as_deref()
                    .into_iter()
                    .chain(d.columns.iter().filter_map(|c| c.classification.as_deref()))
            }));
        highest(labels)
    };
    let description = match doc.get("description") {
        Some(Value::String(d)) => Some(d.clone()),
        Some(d) => s(d, "purpose"),
        None => None,
    };
    let mut contract = Contract {
        id: s(doc, "id").unwrap_or_default(),
        version: s(doc, "version"),
        name: s(doc, "name"),
        status: s(doc, "status"),
        domain: s(doc, "domain"),
        owner_team: doc.get("team").and_then(|t| s(t, "name")),
        description,
        tags: strings(doc, "tags"),
        datasets,
        sla,
        quality,
        servers: list(doc, "servers")
            .map(|sv| Server {
                server: s(sv, "server"),
                server_type: s(sv, "type"),
                environment: s(sv, "environment"),
                host: s(sv, "host"),
                port: s(sv, "port"),
                database: s(sv, "database")
                    .or_else(|| s(sv, "project"))
                    .or_else(|| s(sv, "catalog")),
                schema: s(sv, "schema").or_else(|| s(sv, "dataset")),
            })
            .collect(),
        support: support(doc),
        classification,
        retention,
    };
    contract.note_levels();
    contract
}
