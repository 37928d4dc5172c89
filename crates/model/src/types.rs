//! The extracted, queryable view of descriptors. The original document is always kept beside it,
//! so nothing here needs to be lossless: these are the fields people search, filter and read.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a descriptor file is, detected from its content (never from its file name alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// Bitol Open Data Product Standard (canonical product format).
    Odps,
    /// Bitol Open Data Contract Standard (canonical contract format).
    Odcs,
    /// Data Product Specification 0.0.1 (import-only, mapped onto ODPS).
    Dps,
    /// Data Contract Specification <= 1.2.1 (import-only, mapped onto ODCS).
    Dcs,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Odps => "odps",
            DocKind::Odcs => "odcs",
            DocKind::Dps => "dps",
            DocKind::Dcs => "dcs",
        }
    }
}

/// A team member as ODPS `team.members[]` describes one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct TeamMember {
    pub username: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
}

/// ODPS/ODCS `support[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SupportChannel {
    pub channel: String,
    pub url: Option<String>,
    pub tool: Option<String>,
    pub scope: Option<String>,
}

/// ODPS `inputPorts[]`: a contract this product consumes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct InputPort {
    pub name: String,
    pub version: Option<String>,
    pub contract_id: Option<String>,
}

/// ODPS `outputPorts[]`: a contract this product publishes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct OutputPort {
    pub name: String,
    pub version: Option<String>,
    pub contract_id: Option<String>,
    pub port_type: Option<String>,
    pub description: Option<String>,
    /// `inputContracts[].id`: contract-level lineage inside the product.
    pub input_contracts: Vec<String>,
}

/// A data product, extracted from its canonical ODPS form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Product {
    pub id: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub tenant: Option<String>,
    pub status: Option<String>,
    pub version: Option<String>,
    /// `team.name`.
    pub owner_team: Option<String>,
    /// The `team.members[]` entry with role `owner` (username, else name).
    pub owner: Option<String>,
    pub team_members: Vec<TeamMember>,
    pub tags: Vec<String>,
    /// `description.purpose`.
    pub description: Option<String>,
    pub limitations: Option<String>,
    pub usage: Option<String>,
    pub input_ports: Vec<InputPort>,
    pub output_ports: Vec<OutputPort>,
    pub support: Vec<SupportChannel>,
    /// From customProperties (`classification`/`dataClassification`/`sensitivity`) when present.
    pub classification: Option<String>,
    /// From customProperties (`retention`/`retentionPeriod`) when present.
    pub retention: Option<String>,
}

/// A column (ODCS schema property), flattened: nested properties get dotted names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Column {
    pub name: String,
    pub logical_type: Option<String>,
    pub physical_type: Option<String>,
    pub description: Option<String>,
    pub classification: Option<String>,
    pub required: bool,
    pub primary_key: bool,
    pub unique: bool,
    pub tags: Vec<String>,
    /// The normalised level of `classification`, set by [`Contract::note_levels`] (the store sets
    /// it again on every read: a cache written before it existed has none).
    #[serde(default)]
    pub sensitivity: crate::Sensitivity,
}

/// A quality rule declared in a contract (ODCS `quality[]`, on the contract, an object or a property).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct QualityRule {
    pub name: Option<String>,
    /// library | text | sql | custom
    pub rule_type: Option<String>,
    pub metric: Option<String>,
    pub dimension: Option<String>,
    pub severity: Option<String>,
    pub description: Option<String>,
    /// Dataset (schema object) the rule applies to, if any.
    pub dataset: Option<String>,
    /// Column the rule applies to, if any.
    pub column: Option<String>,
    /// The operator and threshold as written, e.g. `mustBeLessThan: 5`.
    #[ts(type = "unknown")]
    pub threshold: Option<serde_json::Value>,
}

/// A dataset: one ODCS schema object (table, topic, file...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Dataset {
    pub name: String,
    pub physical_name: Option<String>,
    pub physical_type: Option<String>,
    pub description: Option<String>,
    pub classification: Option<String>,
    pub columns: Vec<Column>,
    /// Its normalised level, raised by its columns', set by [`Contract::note_levels`] (the store
    /// sets it again on every read).
    #[serde(default)]
    pub sensitivity: crate::Sensitivity,
}

/// ODCS `slaProperties[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SlaProperty {
    pub property: String,
    #[ts(type = "unknown")]
    pub value: serde_json::Value,
    pub unit: Option<String>,
    pub element: Option<String>,
    pub driver: Option<String>,
}

/// ODCS `servers[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Server {
    pub server: Option<String>,
    pub server_type: Option<String>,
    pub environment: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
}

/// A data contract, extracted from its canonical ODCS v3 form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Contract {
    pub id: String,
    pub version: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub domain: Option<String>,
    pub owner_team: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub datasets: Vec<Dataset>,
    pub sla: Vec<SlaProperty>,
    pub quality: Vec<QualityRule>,
    pub servers: Vec<Server>,
    pub support: Vec<SupportChannel>,
    /// Highest classification found on the contract or its datasets/columns.
    pub classification: Option<String>,
    /// The `retention` SLA property, rendered as text (e.g. `1 year`).
    pub retention: Option<String>,
}

/// The queryable part of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Entity {
    Product(Product),
    Contract(Contract),
}

impl Entity {
    pub fn id(&self) -> &str {
        match self {
            Entity::Product(p) => &p.id,
            Entity::Contract(c) => &c.id,
        }
    }
}

/// One validation or parse problem, pointing into the original file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Issue {
    /// 1-based; 0 when unknown.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    /// JSON pointer into the document (`""` for the whole document).
    pub pointer: String,
    /// A sentence a product owner understands.
    pub message: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A descriptor file after parsing, mapping and validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDocument {
    pub kind: DocKind,
    /// The declared version (`apiVersion`, `dataProductSpecification`, `dataContractSpecification`).
    pub declared_version: String,
    /// The original text, byte for byte.
    pub raw: String,
    /// The original document as JSON (key order kept; unknown fields kept).
    pub original: serde_json::Value,
    /// The document in its canonical format (ODPS for products, ODCS v3 for contracts).
    /// Equal to `original` for ODPS and ODCS v3 input.
    pub canonical: serde_json::Value,
    pub entity: Entity,
    /// Warnings (errors make parsing fail instead).
    pub warnings: Vec<Issue>,
    /// sha-256 of `raw`, hex.
    pub content_hash: String,
}

/// What a catalog tells of an entity's use and reception besides its metadata: usage over the last
/// 30 days and its votes. `None`: the catalog does not say (a field it has no data for, or a catalog
/// without it), never zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamStats {
    /// The entity's document path in the source (as meshlens-connectors pulled it).
    pub path: String,
    /// Queries that read it in the last 30 days (OpenMetadata `usageSummary.monthlyStats.count`,
    /// DataHub `statsSummary.queryCountLast30Days`).
    pub queries_30d: Option<u64>,
    /// Distinct users who read it in the last 30 days (DataHub `statsSummary.uniqueUserCountLast30Days`).
    pub users_30d: Option<u64>,
    /// Up and down votes (OpenMetadata `votes`).
    pub up_votes: Option<u64>,
    pub down_votes: Option<u64>,
    /// Conversation threads about it (OpenMetadata's feed, `countThreads`).
    #[serde(default)]
    pub comments: Option<u64>,
}

impl UpstreamStats {
    /// True when the catalog said nothing about the entity: not worth storing.
    pub fn is_empty(&self) -> bool {
        self.queries_30d.is_none()
            && self.users_30d.is_none()
            && self.up_votes.is_none()
            && self.down_votes.is_none()
            && self.comments.is_none()
    }
}
