//! Edits that go back to a catalog server: the description, tags (with glossary terms) and owners
//! of a table or data product, as a draft of its pulled document changed them. Amundsen,
//! OpenMetadata and DataHub take them ([`push_catalog_edit`]); each push reads the entity first,
//! refuses when someone changed a field of the edit upstream since the sync (a
//! [`PushOutcome::Conflict`] carrying upstream's values, before anything is sent), and sends only
//! what upstream does not hold yet, so a retry after a lost answer sends nothing twice.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{ConnectorError, HttpClient, ServerKind};

/// The fields meshlens edits of a catalog entity, as the pulls write them into ODCS/ODPS
/// documents: `description.purpose`, `tags` and the `owners` custom property.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogFields {
    pub description: Option<String>,
    pub tags: BTreeSet<String>,
    pub owners: BTreeSet<String>,
}

/// The custom property the pulls name an entity's owners in, comma-separated.
const OWNERS: &str = "owners";

impl CatalogFields {
    /// The fields of a pulled document (or a draft of one).
    pub fn of_document(doc: &Value) -> CatalogFields {
        CatalogFields::new(
            doc.pointer("/description/purpose")
                .and_then(Value::as_str)
                .map(str::to_owned),
            document_tags(doc),
            document_owners(doc),
        )
    }

    /// An entity's fields from its upstream values, kept as the pull keeps them (a blank
    /// description is none), so they compare equal to what the next sync reads back.
    pub(crate) fn new(
        description: Option<String>,
        tags: impl IntoIterator<Item = String>,
        owners: impl IntoIterator<Item = String>,
    ) -> CatalogFields {
        CatalogFields {
            description: description
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty()),
            tags: tags.into_iter().collect(),
            owners: owners
                .into_iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
        }
    }

    /// Writes these fields into `doc` as the pull would have written them, keeping the order
    /// `doc` lists its tags and owners in for those that stay: upstream's side of a conflict.
    pub fn write_into(&self, doc: &mut Value) {
        let tags = ordered_like(&document_tags(doc), &self.tags);
        let owners = ordered_like(&document_owners(doc), &self.owners);
        let Some(map) = doc.as_object_mut() else {
            return;
        };
        let description = map.entry("description").or_insert_with(|| json!({}));
        if let Some(description) = description.as_object_mut() {
            match &self.description {
                Some(text) => description.insert("purpose".into(), json!(text)),
                None => description.remove("purpose"),
            };
        }
        if map["description"].as_object().is_some_and(|d| d.is_empty()) {
            map.remove("description");
        }
        if tags.is_empty() {
            map.remove("tags");
        } else {
            map.insert("tags".into(), json!(tags));
        }
        write_owners(map, &owners);
    }
}

fn document_tags(doc: &Value) -> Vec<String> {
    doc.get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn document_owners(doc: &Value) -> Vec<String> {
    doc.get("customProperties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("property").and_then(Value::as_str) == Some(OWNERS))
        .filter_map(|p| p.get("value").and_then(Value::as_str))
        .flat_map(|owners| owners.split(','))
        .map(str::trim)
        .filter(|owner| !owner.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The `owners` custom property set to `owners` (first, as the pull writes it), or removed.
fn write_owners(map: &mut serde_json::Map<String, Value>, owners: &[String]) {
    let properties = map.entry("customProperties").or_insert_with(|| json!([]));
    let Some(list) = properties.as_array_mut() else {
        return;
    };
    let at = list
        .iter()
        .position(|p| p.get("property").and_then(Value::as_str) == Some(OWNERS));
    let entry = json!({"property": OWNERS, "value": owners.join(", ")});
    match (at, owners.is_empty()) {
        (Some(at), true) => {
            list.remove(at);
        }
        (Some(at), false) => list[at] = entry,
        (None, false) => list.insert(0, entry),
        (None, true) => {}
    }
    if list.is_empty() {
        map.remove("customProperties");
    }
}

/// The names of `set`: those `listed` has in its order, then the others.
fn ordered_like(listed: &[String], set: &BTreeSet<String>) -> Vec<String> {
    let mut ordered: Vec<String> = Vec::new();
    for name in listed.iter().chain(set) {
        if set.contains(name) && !ordered.contains(name) {
            ordered.push(name.clone());
        }
    }
    ordered
}

/// What kind of entity an edit is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditedEntity {
    /// A table or dataset (an ODCS contract).
    Table,
    /// A data product (an ODPS product).
    Product,
}

/// An edit of the entity `id` (its upstream id: Amundsen key, OpenMetadata FQN, DataHub URN):
/// its fields as last synced (`base`, the draft's base) and as edited.
#[derive(Debug, Clone)]
pub struct CatalogEdit {
    pub id: String,
    pub entity: EditedEntity,
    pub base: CatalogFields,
    pub edited: CatalogFields,
}

impl CatalogEdit {
    /// The edit a draft makes: `base` is the synced document, `edited` the draft's. `None` when
    /// `base` is neither a table's contract nor a product of a catalog.
    pub fn of_documents(base: &Value, edited: &Value) -> Option<CatalogEdit> {
        let entity = match base.get("kind").and_then(Value::as_str)? {
            "DataContract" => EditedEntity::Table,
            "DataProduct" => EditedEntity::Product,
            _ => return None,
        };
        Some(CatalogEdit {
            id: base.get("id")?.as_str()?.to_owned(),
            entity,
            base: CatalogFields::of_document(base),
            edited: CatalogFields::of_document(edited),
        })
    }

    /// How each field of the edit stands against upstream's `current` fields.
    fn fields(&self, current: &CatalogFields) -> [FieldState; 3] {
        let (base, edited) = (&self.base, &self.edited);
        [
            FieldState::of(
                "description",
                &base.description,
                &edited.description,
                &current.description,
            ),
            FieldState::of("tags", &base.tags, &edited.tags, &current.tags),
            FieldState::of("owners", &base.owners, &edited.owners, &current.owners),
        ]
    }

    /// The conflict with upstream's `current` fields (and entity `version`), if any field of
    /// the edit moved there since the sync.
    pub(crate) fn conflict(
        &self,
        current: &CatalogFields,
        version: Option<String>,
    ) -> Option<CatalogConflict> {
        let fields: Vec<&'static str> = self
            .fields(current)
            .iter()
            .filter(|field| field.moved)
            .map(|field| field.name)
            .collect();
        (!fields.is_empty()).then(|| CatalogConflict {
            fields,
            current: current.clone(),
            version,
        })
    }

    /// True when the edit changes `field` and upstream does not hold the edited value yet.
    pub(crate) fn to_send(&self, field: &str, current: &CatalogFields) -> bool {
        self.fields(current)
            .iter()
            .any(|state| state.name == field && state.pending)
    }
}

/// One field of an edit against upstream.
struct FieldState {
    name: &'static str,
    /// Someone else changed it upstream since the sync: upstream holds neither the synced nor
    /// the edited value.
    moved: bool,
    /// The edit changes it and upstream does not hold the edited value yet.
    pending: bool,
}

impl FieldState {
    fn of<T: PartialEq>(name: &'static str, base: &T, edited: &T, current: &T) -> FieldState {
        let edits = base != edited;
        FieldState {
            name,
            moved: edits && current != base && current != edited,
            pending: edits && current != edited,
        }
    }
}

/// Names to add to and remove from upstream's `current` set so it holds `edited`.
pub(crate) fn set_changes<'a>(
    edited: &'a BTreeSet<String>,
    current: &'a BTreeSet<String>,
) -> (Vec<&'a String>, Vec<&'a String>) {
    (
        edited.difference(current).collect(),
        current.difference(edited).collect(),
    )
}

/// A write whose answer could not be read may have been applied: it fails like a lost
/// connection, to be retried, and the retry reads the entity first, so nothing is sent twice.
pub(crate) fn answer_lost(err: ConnectorError) -> ConnectorError {
    match err {
        ConnectorError::NotJson {
            source_name,
            path,
            reason,
        } => ConnectorError::Network {
            source_name,
            path,
            reason: format!(
                "the answer was lost ({reason}); the write may have been applied, so a retry reads the entity first"
            ),
        },
        err => err,
    }
}

/// Fields of an edit someone changed upstream since the sync, with upstream's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogConflict {
    pub fields: Vec<&'static str>,
    pub current: CatalogFields,
    /// The entity's upstream version, where the catalog has one (OpenMetadata).
    pub version: Option<String>,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The requests sent; none when upstream already held the edit.
    Sent(Vec<String>),
    /// Someone changed a field of the edit upstream since the sync; nothing was sent.
    Conflict(CatalogConflict),
}

/// Pushes `edit` to the catalog server `kind` through its own write API (see each connector).
pub async fn push_catalog_edit(
    kind: ServerKind,
    http: &HttpClient,
    edit: &CatalogEdit,
) -> Result<PushOutcome, ConnectorError> {
    match kind {
        ServerKind::Amundsen => crate::amundsen::push_amundsen(http, edit).await,
        ServerKind::OpenMetadata => crate::openmetadata::push_openmetadata(http, edit).await,
        ServerKind::DataHub => crate::datahub::push_datahub(http, edit).await,
        ServerKind::Marquez | ServerKind::Entropy => Err(ConnectorError::Unexpected {
            source_name: http.source_name().to_string(),
            what: format!("{} takes whole documents, not field edits", kind.as_str()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(description: &str, tags: &[&str], owners: &[&str]) -> CatalogFields {
        CatalogFields::new(
            Some(description.to_owned()),
            tags.iter().map(|t| t.to_string()),
            owners.iter().map(|o| o.to_string()),
        )
    }

    #[test]
    fn fields_read_back_as_written_in_the_documents_order() {
        let mut doc = json!({"kind": "DataContract", "id": "t", "tags": ["b", "a"],
            "description": {"purpose": "Old.", "usage": "kept"},
            "customProperties": [{"property": "owners", "value": "zoe, al"},
                                 {"property": "badges", "value": "beta"}]});
        let theirs = fields("New.", &["a", "b", "c"], &["zoe"]);
        theirs.write_into(&mut doc);
        assert_eq!(doc["tags"], json!(["b", "a", "c"]));
        assert_eq!(
            doc["description"],
            json!({"purpose": "New.", "usage": "kept"})
        );
        assert_eq!(doc["customProperties"][0]["value"], "zoe");
        assert_eq!(CatalogFields::of_document(&doc), theirs);

        CatalogFields::default().write_into(&mut doc);
        assert_eq!(doc["description"], json!({"usage": "kept"}));
        assert!(doc.get("tags").is_none());
        assert_eq!(
            doc["customProperties"],
            json!([{"property": "badges", "value": "beta"}])
        );
    }

    #[test]
    fn only_a_field_the_edit_changes_can_conflict_and_be_sent() {
        let edit = CatalogEdit {
            id: "t".into(),
            entity: EditedEntity::Table,
            base: fields("Old.", &["a"], &["zoe"]),
            edited: fields("New.", &["a"], &["zoe"]),
        };
        // Someone else changed the tags: the edit leaves them alone, so neither conflict nor send.
        let upstream = fields("Old.", &["a", "x"], &["zoe"]);
        assert_eq!(edit.conflict(&upstream, None), None);
        assert!(edit.to_send("description", &upstream));
        assert!(!edit.to_send("tags", &upstream));
        // The description moved upstream: a conflict naming it.
        let moved = fields("Theirs.", &["a"], &["zoe"]);
        let conflict = edit.conflict(&moved, Some("0.3".into())).unwrap();
        assert_eq!(conflict.fields, ["description"]);
        // Already as edited (an answer lost): nothing to send.
        assert!(!edit.to_send("description", &edit.edited));
    }
}
