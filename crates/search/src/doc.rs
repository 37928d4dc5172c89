//! The plain input of the index: one [`SearchDoc`] per searchable thing.

use meshlens_model::Sensitivity;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a search document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    Product,
    Contract,
    Dataset,
    Column,
}

impl SearchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Product => "product",
            SearchKind::Contract => "contract",
            SearchKind::Dataset => "dataset",
            SearchKind::Column => "column",
        }
    }

    pub fn parse(s: &str) -> Option<SearchKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "product" => Some(SearchKind::Product),
            "contract" => Some(SearchKind::Contract),
            "dataset" => Some(SearchKind::Dataset),
            "column" => Some(SearchKind::Column),
            _ => None,
        }
    }

    /// Among equally good matches the bigger thing is usually what people look for.
    pub(crate) fn prior(self) -> f64 {
        match self {
            SearchKind::Product => 1.0,
            SearchKind::Contract => 0.93,
            SearchKind::Dataset => 0.9,
            SearchKind::Column => 0.86,
        }
    }
}

/// A top-level document of the store: deleting one removes every search document derived from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DocRef {
    pub kind: SearchKind,
    pub id: String,
}

impl DocRef {
    pub fn product(id: impl Into<String>) -> DocRef {
        DocRef {
            kind: SearchKind::Product,
            id: id.into(),
        }
    }

    pub fn contract(id: impl Into<String>) -> DocRef {
        DocRef {
            kind: SearchKind::Contract,
            id: id.into(),
        }
    }

    /// The indexed key: kind and id together, because product and contract ids may collide.
    pub(crate) fn key(&self) -> String {
        format!("{}\u{1f}{}", self.kind.as_str(), self.id)
    }
}

/// A column as it is searched from its dataset or contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnText {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// One searchable thing: a product, a contract, a dataset (schema object) or a column.
///
/// Dataset and column documents belong to their contract (`contract_id`): replacing or deleting
/// the contract replaces or deletes them too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchDoc {
    /// Unique per kind. Datasets and columns use `contract/dataset[/column]`.
    pub id: String,
    pub kind: SearchKind,
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub domain: Option<String>,
    /// The owning person.
    #[serde(default)]
    pub owner: Option<String>,
    /// The owning team; shown and faceted as "owner" when set.
    #[serde(default)]
    pub owner_team: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub classification: Option<String>,
    /// The normalised level, a facet of its own.
    #[serde(default)]
    pub sensitivity: Sensitivity,
    /// The product this belongs to (for contracts, datasets, columns).
    #[serde(default)]
    pub product_id: Option<String>,
    #[serde(default)]
    pub product_name: Option<String>,
    /// The contract this belongs to (datasets and columns).
    #[serde(default)]
    pub contract_id: Option<String>,
    /// The direct parent: the contract of a dataset, the dataset of a column.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Names of enclosing things (contract, dataset), searched with a low weight.
    #[serde(default)]
    pub context: Vec<String>,
    /// Columns contained (datasets and contracts).
    #[serde(default)]
    pub columns: Vec<ColumnText>,
}

impl SearchDoc {
    /// A document with only the required fields; the rest can be filled in with struct update syntax.
    pub fn new(kind: SearchKind, id: impl Into<String>, name: impl Into<String>) -> SearchDoc {
        SearchDoc {
            id: id.into(),
            kind,
            name: name.into(),
            title: None,
            description: None,
            tags: Vec::new(),
            domain: None,
            owner: None,
            owner_team: None,
            status: None,
            classification: None,
            sensitivity: Sensitivity::Unknown,
            product_id: None,
            product_name: None,
            contract_id: None,
            parent_id: None,
            context: Vec::new(),
            columns: Vec::new(),
        }
    }

    pub(crate) fn doc_ref(&self) -> DocRef {
        DocRef {
            kind: self.kind,
            id: self.id.clone(),
        }
    }

    /// The top-level document this one is derived from (itself for products and contracts).
    pub(crate) fn root(&self) -> DocRef {
        match (self.kind, &self.contract_id) {
            (SearchKind::Dataset | SearchKind::Column, Some(contract)) => {
                DocRef::contract(contract.clone())
            }
            _ => self.doc_ref(),
        }
    }

    /// Team first: facets by team are what a mesh is organised around.
    pub(crate) fn display_owner(&self) -> Option<&str> {
        self.owner_team.as_deref().or(self.owner.as_deref())
    }
}

/// Status as a ranking prior: live things above things on their way out. The band is narrow on
/// purpose: it orders equally good matches but never lifts a typo match over an exact one.
pub(crate) fn status_prior(status: Option<&str>) -> f64 {
    match status.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("active" | "production" | "released" | "stable") => 1.0,
        None | Some("") => 0.97,
        Some("deprecated") => 0.85,
        Some("retired" | "archived" | "decommissioned") => 0.8,
        Some(_) => 0.93,
    }
}
