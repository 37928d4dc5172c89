//! Argument and result types of the drafts and submit commands.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use meshlens_edit::{
    ClassifiedChange, Conflict, Draft, DraftKind, FieldDiff, OutboxDocument, OutboxItem,
    OutboxStatus, Take,
};
pub use meshlens_lineage::ImpactProduct;

/// `draft new`: from a template (`template`, optional `id`) or from a cached product or contract (`from`).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DraftNewArgs {
    #[serde(default)]
    #[ts(optional)]
    pub template: Option<DraftKind>,
    #[serde(default)]
    #[ts(optional)]
    pub id: Option<String>,
    /// A product id (or a contract id) from the cache.
    #[serde(default)]
    #[ts(optional)]
    pub from: Option<String>,
    /// Source a new document goes to (default: the only source).
    #[serde(default)]
    #[ts(optional)]
    pub source: Option<String>,
}

/// `draft edit`: the whole text (as typed, or `--file`), or `PATH=VALUE` assignments.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DraftEditArgs {
    #[ts(type = "number")]
    pub draft: i64,
    #[serde(default)]
    #[ts(optional)]
    pub text: Option<String>,
    /// Dotted paths, e.g. `description.purpose=Daily revenue`.
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub set: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DraftRef {
    #[ts(type = "number")]
    pub draft: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DraftDiff {
    #[ts(type = "number")]
    pub draft: i64,
    /// Field by field against the base (everything is added for a new document).
    pub fields: Vec<FieldDiff>,
    /// Unified line diff of the text.
    pub text: String,
}

/// Schema, policies and impact of a draft; `blocked` lists why it cannot be submitted.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DraftCheck {
    #[ts(type = "number")]
    pub draft: i64,
    /// Schema problems with line and column in the draft's text.
    pub schema: crate::ValidationReport,
    /// The draft's policy violations: those it introduces, and those it inherits (`inherited`), which
    /// the cached upstream version already had and which do not block a submit.
    pub policies: Vec<DraftViolation>,
    pub policy_errors: Vec<crate::PolicyError>,
    pub impact: DraftImpact,
    /// The draft's text parsed (JSON, key order kept), for forms; `null` while the text does not parse.
    #[ts(type = "unknown")]
    pub document: Option<serde_json::Value>,
    /// Empty when the draft may be submitted.
    pub blocked: Vec<String>,
}

/// A policy violation of a draft. `severity` is the rule's; an inherited violation is shown as a
/// warning, naming who owns it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DraftViolation {
    #[serde(flatten)]
    #[ts(flatten)]
    pub violation: crate::Violation,
    /// The cached upstream version breaks the rule the same way: the draft did not cause it.
    pub inherited: bool,
    /// Who owns an inherited violation: the product's owning team, else its owner.
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DraftImpact {
    pub changes: Vec<ClassifiedChange>,
    pub breaking: bool,
    /// Downstream products, with owners and contacts, from lineage.
    pub affected: Vec<ImpactProduct>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SubmitOutcome {
    pub item: OutboxItem,
    pub draft: Draft,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct OutboxRef {
    #[ts(type = "number")]
    pub id: i64,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ConflictResolveArgs {
    #[ts(type = "number")]
    pub draft: i64,
    pub take: Take,
    /// One conflicting field; every open conflict when absent.
    #[serde(default)]
    #[ts(optional)]
    pub field: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ConflictResolution {
    pub draft: Draft,
    /// Conflicts still waiting for a choice; when empty the draft is rebased on upstream's version.
    pub remaining: Vec<Conflict>,
}
