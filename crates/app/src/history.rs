//! History (issue #22): the versions each sync recorded (`history`), field-by-field diffs of two of them
//! classified by the one impact classifier submit uses (`diff`), the change feed since the last sync the user
//! read (`changes`), and follows.

use meshlens_edit::{ClassifiedChange, FieldDiff, classified_value, classify};
use meshlens_model::{Contract, Dataset, DocKind, Entity, extract_entity};
use meshlens_store::{VersionRow, VersionSummary};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::{App, AppError, ErrorCode, EventSink};

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct HistoryArgs {
    /// A product, contract or dataset (`contract/dataset`) id.
    pub id: String,
}

/// One kept version (`meshlens history ID`), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HistoryEntry {
    /// The version the entity declares.
    pub version: Option<String>,
    /// sha-256 of its canonical form (none for a removal).
    pub hash: Option<String>,
    pub seen_at: String,
    /// The sync that recorded it.
    pub sync: i64,
    pub source: String,
    /// Breaking for its consumers against the version before it.
    pub breaking: bool,
    pub summary: String,
    /// product | contract | dataset
    pub kind: String,
    /// added | changed | removed
    pub op: String,
    /// A product version's output ports with the version each declared and its contract (empty for contracts,
    /// datasets and removals).
    pub ports: Vec<PortVersion>,
}

/// An output port as one product version declared it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PortVersion {
    pub name: String,
    pub version: Option<String>,
    pub contract: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DiffArgs {
    pub id: String,
    /// A declared version or a hash (a prefix of at least 7 characters); default: the version before `to`.
    #[serde(default)]
    #[ts(optional)]
    pub from: Option<String>,
    /// A declared version or a hash; default: the newest kept version.
    #[serde(default)]
    #[ts(optional)]
    pub to: Option<String>,
}

/// One changed field as the history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FieldChangeSummary {
    /// A field of the canonical document, or what the classifier names (`orders.amount`, `slaProperties.latency`).
    pub path: String,
    /// added | removed | changed
    pub op: String,
    pub breaking: bool,
    pub reason: String,
    /// Documentation only (descriptions, tags).
    pub metadata_only: bool,
}

/// One change between two versions (`meshlens diff`), with the values on each side.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DiffChange {
    #[serde(flatten)]
    #[ts(flatten)]
    pub change: FieldChangeSummary,
    #[ts(type = "unknown")]
    pub before: Option<Value>,
    #[ts(type = "unknown")]
    pub after: Option<Value>,
}

/// `meshlens diff ID --json`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VersionDiff {
    pub id: String,
    pub kind: String,
    /// The hash of the older version.
    pub from: String,
    /// The hash of the newer version.
    pub to: String,
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    pub changes: Vec<DiffChange>,
}

/// Two canonical documents compared: every field change, classified for consumers.
pub fn compare(kind: &str, before: &str, after: &str) -> Result<Vec<DiffChange>, AppError> {
    let (a, b) = (parse_body(before)?, parse_body(after)?);
    let (ea, eb) = (entity_of(kind, &a)?, entity_of(kind, &b)?);
    let fields = meshlens_edit::diff(&a, &b);
    let mut paths: Vec<String> = fields.iter().map(|c| FieldDiff::from(c).path).collect();
    if kind == "dataset" {
        // The classifier's column and dataset rules cover a dataset's own JSON; a version check is the
        // contract's (its history says it).
        paths.retain(|p| !["columns", "description", "classification"].contains(&top(p)));
    }
    Ok(classify(&ea, &eb, &paths)
        .into_iter()
        .filter(|c| kind != "dataset" || c.path != "version")
        .map(|c| {
            let before = classified_value(&ea, &a, &c.path);
            let after = classified_value(&eb, &b, &c.path);
            DiffChange {
                change: summary_of(c, &before, &after),
                before,
                after,
            }
        })
        .collect())
}

fn top(path: &str) -> &str {
    path.split('.').next().unwrap_or_default()
}

fn summary_of(
    c: ClassifiedChange,
    before: &Option<Value>,
    after: &Option<Value>,
) -> FieldChangeSummary {
    let op = match (before, after) {
        (None, Some(_)) => "added",
        (Some(_), None) => "removed",
        _ => "changed",
    };
    FieldChangeSummary {
        path: c.path,
        op: op.into(),
        breaking: c.breaking,
        reason: c.reason,
        metadata_only: c.metadata_only,
    }
}

fn parse_body(text: &str) -> Result<Value, AppError> {
    serde_json::from_str(text).map_err(|err| {
        AppError::new(
            ErrorCode::Store,
            format!("a kept version cannot be read back: {err}"),
        )
    })
}

/// The model the classifier compares: a dataset is classified as a contract holding only it.
fn entity_of(kind: &str, body: &Value) -> Result<Entity, AppError> {
    Ok(match kind {
        "product" => extract_entity(DocKind::Odps, body),
        "contract" => extract_entity(DocKind::Odcs, body),
        _ => {
            let dataset: Dataset = serde_json::from_value(body.clone()).map_err(|err| {
                AppError::new(
                    ErrorCode::Store,
                    format!("a kept dataset cannot be read back: {err}"),
                )
            })?;
            Entity::Contract(Contract {
                datasets: vec![dataset],
                ..Contract::default()
            })
        }
    })
}

/// What a version changed against the one before it, as stored for `history` and the feed.
fn summarise(version: &VersionRow, changes: &[FieldChangeSummary]) -> (bool, String) {
    match changes {
        // Its previous version was pruned, or nothing but key order changed.
        [] => (false, format!("{} {}", version.kind, version.op)),
        _ => {
            let breaking: Vec<&FieldChangeSummary> =
                changes.iter().filter(|c| c.breaking).collect();
            let first = breaking.first().copied().unwrap_or(&changes[0]);
            let more = match changes.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            let label = if breaking.is_empty() {
                ""
            } else {
                "breaking: "
            };
            (
                !breaking.is_empty(),
                format!("{label}{}{more}", first.reason),
            )
        }
    }
}

impl App {
    /// Derives, for every version recorded since the last call, its comparison with the version before it.
    /// Runs after each sync, and before history is read (a crash between a sync's commit and this leaves
    /// versions without one).
    pub(crate) async fn summarise_history(&self) -> Result<(), AppError> {
        let pending = self.store().versions_to_summarise().await?;
        let mut summaries = Vec::with_capacity(pending.len());
        // A bounded number of bodies in memory at a time.
        for versions in pending.chunks(64) {
            let ids: Vec<i64> = versions.iter().map(|v| v.id).collect();
            let pairs = self.store().bodies_to_compare(&ids).await?;
            for (version, pair) in versions.iter().zip(pairs) {
                let changes = match (version.op.as_str(), pair) {
                    ("changed", Some((before, after))) => compare(&version.kind, &before, &after)?
                        .into_iter()
                        .map(|c| c.change)
                        .collect(),
                    _ => Vec::new(),
                };
                let (breaking, summary) = summarise(version, &changes);
                summaries.push(VersionSummary {
                    id: version.id,
                    changes: serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()),
                    breaking,
                    summary,
                });
            }
        }
        if !summaries.is_empty() {
            self.store().set_version_summaries(&summaries).await?;
        }
        Ok(())
    }

    /// `meshlens history ID`: every kept version of a product, contract or dataset, newest first.
    pub async fn history(
        &self,
        args: HistoryArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<HistoryEntry>, AppError> {
        self.summarise_history().await?;
        let versions = self.versions_of(&args.id).await?;
        let mut entries = Vec::with_capacity(versions.len());
        for v in versions {
            let ports = self.declared_ports(&v).await?;
            entries.push(HistoryEntry {
                version: v.version,
                hash: v.content_hash,
                seen_at: v.seen_at,
                sync: v.sync_id,
                source: v.source,
                breaking: v.breaking.unwrap_or(false),
                summary: v.summary.unwrap_or_default(),
                kind: v.kind,
                op: v.op,
                ports,
            });
        }
        Ok(entries)
    }

    /// The output ports a kept product version declared, read from its body (at most 8 small inflates).
    async fn declared_ports(&self, version: &VersionRow) -> Result<Vec<PortVersion>, AppError> {
        if version.kind != "product" {
            return Ok(Vec::new());
        }
        let Some(body) = self.store().version_body(version.id).await? else {
            return Ok(Vec::new());
        };
        let Entity::Product(product) = extract_entity(DocKind::Odps, &parse_body(&body)?) else {
            return Ok(Vec::new());
        };
        Ok(product
            .output_ports
            .into_iter()
            .map(|port| PortVersion {
                name: port.name,
                version: port.version,
                contract: port.contract_id,
            })
            .collect())
    }

    /// The kept versions of `id`, newest first, of one kind (a product before a contract before a dataset
    /// of the same id).
    async fn versions_of(&self, id: &str) -> Result<Vec<VersionRow>, AppError> {
        let mut versions = self.store().versions_of(id).await?;
        let Some(kind) = ["product", "contract", "dataset"]
            .into_iter()
            .find(|k| versions.iter().any(|v| v.kind == *k))
        else {
            return Err(AppError::not_found(format!("history of `{id}`")));
        };
        versions.retain(|v| v.kind == kind);
        Ok(versions)
    }

    /// `meshlens diff ID [--from VERSION|HASH] [--to VERSION|HASH]`: two kept versions field by field.
    pub async fn diff(&self, args: DiffArgs, _: &dyn EventSink) -> Result<VersionDiff, AppError> {
        let versions = self.versions_of(&args.id).await?;
        let present: Vec<&VersionRow> = versions.iter().filter(|v| v.op != "removed").collect();
        let to = match &args.to {
            Some(wanted) => pick_version(&present, wanted)?,
            None => present
                .first()
                .copied()
                .ok_or_else(|| no_version(&args.id))?,
        };
        let from = match &args.from {
            Some(wanted) => pick_version(&present, wanted)?,
            None => present
                .iter()
                .find(|v| v.id < to.id)
                .copied()
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::NotFound,
                        format!("`{}` has no kept version before {}", args.id, label(to)),
                    )
                })?,
        };
        let body = |v: &VersionRow| self.store().version_body(v.id);
        let (Some(before), Some(after)) = (body(from).await?, body(to).await?) else {
            return Err(no_version(&args.id));
        };
        Ok(VersionDiff {
            id: args.id,
            kind: to.kind.clone(),
            from: from.content_hash.clone().unwrap_or_default(),
            to: to.content_hash.clone().unwrap_or_default(),
            from_version: from.version.clone(),
            to_version: to.version.clone(),
            changes: compare(&to.kind, &before, &after)?,
        })
    }
}

fn no_version(id: &str) -> AppError {
    AppError::new(
        ErrorCode::NotFound,
        format!("`{id}` has no kept version to compare"),
    )
}

fn label(v: &VersionRow) -> String {
    v.version
        .clone()
        .or_else(|| {
            v.content_hash
                .as_ref()
                .map(|h| h[..h.len().min(12)].to_string())
        })
        .unwrap_or_default()
}

/// The newest version declaring `wanted`, else the one whose hash starts with it (7 characters at least).
fn pick_version<'a>(present: &[&'a VersionRow], wanted: &str) -> Result<&'a VersionRow, AppError> {
    let by_version = present
        .iter()
        .find(|v| v.version.as_deref() == Some(wanted));
    let by_hash = || {
        let hits: Vec<&&VersionRow> = present
            .iter()
            .filter(|v| {
                wanted.len() >= 7
                    && v.content_hash
                        .as_deref()
                        .is_some_and(|h| h.starts_with(wanted))
            })
            .collect();
        (hits.len() == 1).then(|| hits[0])
    };
    by_version.or_else(by_hash).copied().ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!("no kept version declares `{wanted}` or has a hash starting with it"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contract(columns: Value, purpose: &str) -> String {
        json!({
            "apiVersion": "v3.1.0", "kind": "DataContract", "id": "c", "version": "1.0.0", "status": "active",
            "description": {"purpose": purpose},
            "schema": [{"name": "orders", "properties": columns}],
        })
        .to_string()
    }

    /// One classifier for the history as for submit: the same reasons, with the values on each side.
    #[test]
    fn versions_are_compared_field_by_field_with_the_impact_classifier() {
        let before = contract(
            json!([
                {"name": "id", "logicalType": "integer", "required": true},
                {"name": "amount", "logicalType": "number"},
            ]),
            "orders",
        );
        let after = contract(
            json!([{"name": "id", "logicalType": "integer", "required": false}]),
            "all orders",
        );
        let changes = compare("contract", &before, &after).unwrap();
        let seen: Vec<(&str, &str, bool, bool)> = changes
            .iter()
            .map(|c| {
                let f = &c.change;
                (f.path.as_str(), f.op.as_str(), f.breaking, f.metadata_only)
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("orders.id", "changed", true, false),
                ("orders.amount", "removed", true, false),
                ("version", "changed", true, false),
                ("description.purpose", "changed", false, true),
            ]
        );
        assert_eq!(changes[1].before.as_ref().unwrap()["name"], "amount");
        assert_eq!(changes[3].after, Some(json!("all orders")));
        assert!(compare("contract", &before, &before).unwrap().is_empty());
    }
}
