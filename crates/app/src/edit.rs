//! Drafts, checks, submit and the outbox: the facade over meshlens-edit, joined with the cache
//! (bases, sources), governance policies (meshlens-quality) and lineage (affected consumers).

use std::collections::BTreeMap;
use std::time::Duration;

use meshlens_edit::{
    Delivery, Draft, DraftKind, FieldChange, NewDraft, OutboxDocument, OutboxItem, OutboxStatus,
    Target, TargetError,
};
use meshlens_model::{DocKind, Entity, FileClass, ParsedDocument, content_hash};
use serde_json::Value;

use crate::api::*;
use crate::{App, AppError, ErrorCode, EventSink};

/// `Name <email>` used as author and committer of git submits (default: git's own configuration).
pub const GIT_AUTHOR_ENV: &str = "MESHLENS_GIT_AUTHOR";

/// Where an outbox item goes.
enum Destination {
    /// A folder or git source, written by meshlens-edit.
    Local(Target),
    /// An Entropy Data server: each document is PUT to its collection with a version check.
    Entropy { url: String },
    /// An OpenMetadata, DataHub or Amundsen server: takes the edited description, tags and
    /// owners of its tables and data products (OpenMetadata: ratings too).
    Catalog {
        kind: meshlens_connectors::ServerKind,
        url: String,
    },
}

/// A catalog server's refusal as the outbox sees it: a time-out, a network error, 429 or a 5xx is
/// worth retrying later; anything else is final.
fn target_error(err: meshlens_connectors::ConnectorError) -> TargetError {
    use meshlens_connectors::ConnectorError;
    match err {
        ConnectorError::Timeout { .. }
        | ConnectorError::Network { .. }
        | ConnectorError::Status {
            status: 429 | 500..=599,
            ..
        } => TargetError::Unreachable(err.to_string()),
        err => TargetError::Rejected(err.to_string()),
    }
}

/// Sends the edits of every document of `item` to a catalog server (an OpenMetadata rating
/// goes as a vote and a thread). Each document's edit is its draft against the synced document
/// (the draft's base): the connector sends only what upstream does not hold yet, so a retry after
/// a lost answer sends nothing twice, and a field someone changed upstream since the sync makes
/// the item a conflict to resolve field by field. A new document is refused: catalogs create
/// their entities from their own ingestion.
async fn deliver_to_catalog(
    item: &OutboxItem,
    kind: meshlens_connectors::ServerKind,
    url: &str,
) -> Result<Delivery, TargetError> {
    use meshlens_connectors::{PushOutcome, ServerKind};
    let http = meshlens_connectors::connect_source(kind, &item.source, url)
        .await
        .map_err(|err| TargetError::Rejected(err.to_string()))?;
    let (mut receipts, mut not_sent) = (Vec::new(), Vec::new());
    for doc in &item.documents {
        let feedback = crate::feedback::upstream_feedback(doc);
        if let (ServerKind::OpenMetadata, Some(feedback)) = (kind, feedback) {
            let receipt = meshlens_connectors::send_openmetadata_feedback(&http, &feedback)
                .await
                .map_err(target_error)?;
            receipts.push(receipt);
            continue;
        }
        let (edit, left_out) = catalog_edit(doc, kind)?;
        let pushed = meshlens_connectors::push_catalog_edit(kind, &http, &edit)
            .await
            .map_err(target_error)?;
        match pushed {
            PushOutcome::Sent(sent) => receipts.extend(sent),
            PushOutcome::Conflict(conflict) => return catalog_conflict(doc, &conflict),
        }
        if !left_out.is_empty() {
            not_sent.push(format!("{} ({})", doc.path, left_out.join(", ")));
        }
    }
    if receipts.is_empty() {
        receipts.push(format!(
            "nothing to send: {} already holds the edit",
            kind.as_str()
        ));
    }
    if !not_sent.is_empty() {
        receipts.push(format!(
            "not sent, as {} takes only descriptions, tags and owners from meshlens: {}",
            kind.as_str(),
            not_sent.join(", ")
        ));
    }
    Ok(Delivery::Submitted {
        receipt: receipts.join("; "),
    })
}

/// The edit a document of the outbox makes to its catalog entity, and the dotted paths of what
/// else it changes (which the catalog does not take from meshlens).
fn catalog_edit(
    doc: &OutboxDocument,
    kind: meshlens_connectors::ServerKind,
) -> Result<(meshlens_connectors::CatalogEdit, Vec<String>), TargetError> {
    let rejected = |why: &str| TargetError::Rejected(format!("{}: {why}", doc.path));
    let yaml = |text: &str| meshlens_model::from_yaml_str::<Value>(text);
    let edited = yaml(&doc.text).map_err(|e| rejected(&e.to_string()))?;
    let base = doc.base_text.as_deref().map(yaml).transpose();
    let base = base.map_err(|e| rejected(&e.to_string()))?.ok_or_else(|| {
        rejected(&format!(
            "{} creates its tables and data products from its own ingestion, not from meshlens",
            kind.as_str()
        ))
    })?;
    let edit = meshlens_connectors::CatalogEdit::of_documents(&base, &edited).ok_or_else(|| {
        rejected(&format!(
            "not a table or data product of this {} source",
            kind.as_str()
        ))
    })?;
    // The draft with the catalog's fields as synced: what else differs from the base stays here.
    let mut untaken = edited;
    edit.base.write_into(&mut untaken);
    let left_out = meshlens_edit::diff(&base, &untaken)
        .iter()
        .map(|change| FieldDiff::from(change).path)
        .collect();
    Ok((edit, left_out))
}

/// A push refused because fields of the edit moved upstream, as a conflict like any other:
/// upstream's side is the synced document with upstream's values of the edited fields (and its
/// new version), merged field by field with the draft.
fn catalog_conflict(
    doc: &OutboxDocument,
    conflict: &meshlens_connectors::CatalogConflict,
) -> Result<Delivery, TargetError> {
    let rejected = |why: String| TargetError::Rejected(format!("{}: {why}", doc.path));
    let base_text = doc.base_text.as_deref().unwrap_or_default();
    let mut theirs: Value =
        meshlens_model::from_yaml_str(base_text).map_err(|e| rejected(e.to_string()))?;
    conflict.current.write_into(&mut theirs);
    if let Some(version) = &conflict.version {
        theirs["version"] = Value::String(version.clone());
    }
    let theirs_text = serde_json::to_string(&theirs).map_err(|e| rejected(e.to_string()))?;
    let json = is_json(&doc.path);
    let merged =
        meshlens_edit::three_way(base_text, &doc.text, &theirs_text, json, &BTreeMap::new())
            .map_err(|e| rejected(e.to_string()))?;
    Ok(Delivery::Conflict {
        path: doc.path.clone(),
        theirs_text,
        conflicts: merged.conflicts,
    })
}

/// PUTs every document of `item` to an Entropy Data server: products and contracts to their
/// collections, access requests to its access API. A document whose upstream version moved
/// since the draft's base is refused (the user syncs and re-applies the edit); one already there
/// counts as delivered, so a retry after a lost answer does not apply it twice.
async fn deliver_to_entropy(item: &OutboxItem, url: &str) -> Result<Delivery, TargetError> {
    use meshlens_connectors::ServerKind;
    let http = meshlens_connectors::connect_source(ServerKind::Entropy, &item.source, url)
        .await
        .map_err(|err| TargetError::Rejected(err.to_string()))?;
    let mut receipts = Vec::new();
    for doc in &item.documents {
        let yaml = |text: &str| meshlens_model::from_yaml_str::<Value>(text);
        let document =
            yaml(&doc.text).map_err(|e| TargetError::Rejected(format!("{}: {e}", doc.path)))?;
        let class = meshlens_model::classify(&doc.path, doc.text.as_bytes());
        if class == FileClass::Agreement {
            let receipt = meshlens_connectors::request_entropy_access(&http, &document)
                .await
                .map_err(target_error)?;
            receipts.push(format!("{receipt} on {url}"));
            continue;
        }
        let collection = entropy_collection(class).ok_or_else(|| {
            TargetError::Rejected(format!(
                "{} is neither a data product nor a data contract",
                doc.path
            ))
        })?;
        let base_version = doc
            .base_text
            .as_deref()
            .and_then(|text| yaml(text).ok())
            .and_then(|base| meshlens_connectors::document_version(&base));
        match meshlens_connectors::push_entropy(
            &http,
            collection,
            &document,
            base_version.as_deref(),
        )
        .await
        {
            Ok(()) => receipts.push(format!(
                "PUT {url}/api/{collection}/{}",
                document["id"].as_str().unwrap_or_default()
            )),
            Err(err) => return Err(target_error(err)),
        }
    }
    Ok(Delivery::Submitted {
        receipt: receipts.join("; "),
    })
}

/// Entropy Data keeps products (ODPS, DPS) and contracts (ODCS, DCS) in two collections.
fn entropy_collection(class: FileClass) -> Option<&'static str> {
    match class {
        FileClass::Descriptor(DocKind::Odps | DocKind::Dps) => Some("dataproducts"),
        FileClass::Descriptor(DocKind::Odcs | DocKind::Dcs) => Some("datacontracts"),
        _ => None,
    }
}

/// How often the desktop app's outbox worker looks for due items.
const OUTBOX_POLL: Duration = Duration::from_secs(5);

impl From<meshlens_edit::EditError> for AppError {
    fn from(err: meshlens_edit::EditError) -> AppError {
        use meshlens_edit::EditError as E;
        if let Some(storage) = crate::error::storage_error(&err) {
            return storage;
        }
        let code = match &err {
            E::UnknownDraft(_) | E::UnknownItem(_) => ErrorCode::NotFound,
            E::Syntax { .. } => ErrorCode::InvalidDocument,
            E::BadPath { .. } | E::WrongStatus { .. } | E::NoConflict { .. } => {
                ErrorCode::InvalidArgs
            }
            E::Db { .. } => ErrorCode::Store,
            E::Io { .. } => ErrorCode::Io,
        };
        AppError::new(code, err.to_string())
    }
}

pub(crate) fn is_json(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".json")
}

/// The name a draft is validated under: its file, or a name that tells YAML and the kind.
pub(crate) fn draft_path(draft: &Draft) -> String {
    draft.path.clone().unwrap_or_else(|| match draft.kind {
        DraftKind::Product => format!("{}.odps.yaml", draft.entity_id),
        DraftKind::Contract => format!("{}.odcs.yaml", draft.entity_id),
    })
}

/// Where a new document goes in its source: `<domain>/<id>.odps.yaml`, with the id the text declares.
fn new_document_path(draft: &Draft, doc: Option<&ParsedDocument>) -> String {
    let domain = doc.and_then(|d| match &d.entity {
        Entity::Product(p) => p.domain.clone(),
        Entity::Contract(c) => c.domain.clone(),
    });
    let declared = Draft {
        entity_id: doc.map_or(draft.entity_id.clone(), |d| d.entity.id().to_owned()),
        ..draft.clone()
    };
    let file = draft_path(&declared);
    match domain {
        Some(domain) if !domain.contains(['/', '\\']) && domain != ".." => {
            format!("{domain}/{file}")
        }
        _ => file,
    }
}

/// `VALUE` of `--set PATH=VALUE`: text where the field holds text, else a YAML scalar or flow list.
fn typed_value(raw: &str, current: Option<&Value>) -> Value {
    if matches!(current, Some(Value::String(_))) {
        return Value::String(raw.to_owned());
    }
    match serde_yaml_ng::from_str::<Value>(raw) {
        Ok(Value::Object(_)) | Err(_) => Value::String(raw.to_owned()),
        Ok(Value::Array(_)) if !raw.trim_start().starts_with('[') => Value::String(raw.to_owned()),
        Ok(value) => value,
    }
}

impl App {
    pub async fn draft_new(
        &self,
        args: DraftNewArgs,
        _: &dyn EventSink,
    ) -> Result<Draft, AppError> {
        let new = match (&args.from, args.template) {
            (Some(from), None) => self.draft_from_cache(from).await?,
            (None, Some(kind)) => {
                let id = args.id.clone().unwrap_or_else(|| match kind {
                    DraftKind::Product => "new-product".into(),
                    DraftKind::Contract => "new-contract".into(),
                });
                NewDraft {
                    kind,
                    text: meshlens_edit::template(kind, &id),
                    entity_id: id,
                    source: self.default_source(args.source.as_deref()).await?,
                    path: None,
                    base_hash: None,
                    base_text: None,
                }
            }
            _ => {
                return Err(AppError::new(
                    ErrorCode::InvalidArgs,
                    "start a draft either from a template (product or contract) or from a product id",
                ));
            }
        };
        Ok(meshlens_edit::create_draft(self.store(), &new).await?)
    }

    pub(crate) async fn draft_from_cache(&self, id: &str) -> Result<NewDraft, AppError> {
        if let Some(product) = self.store().get_product(id).await? {
            return Ok(NewDraft {
                kind: DraftKind::Product,
                entity_id: product.product.id,
                source: Some(product.source),
                path: Some(product.path),
                base_hash: Some(content_hash(product.raw.as_bytes())),
                base_text: Some(product.raw.clone()),
                text: product.raw,
            });
        }
        if let Some(contract) = self.store().get_contract(id, None).await? {
            return Ok(NewDraft {
                kind: DraftKind::Contract,
                entity_id: contract.contract.id,
                source: Some(contract.source),
                path: Some(contract.path),
                base_hash: Some(content_hash(contract.raw.as_bytes())),
                base_text: Some(contract.raw.clone()),
                text: contract.raw,
            });
        }
        Err(AppError::not_found(format!("product or contract `{id}`")))
    }

    /// The named source, else the only one; `None` when that is ambiguous (asked again at submit).
    async fn default_source(&self, named: Option<&str>) -> Result<Option<String>, AppError> {
        if let Some(name) = named {
            self.store()
                .get_source(name)
                .await?
                .ok_or_else(|| AppError::not_found(format!("source `{name}`")))?;
            return Ok(Some(name.to_owned()));
        }
        let sources = self.store().list_sources().await?;
        Ok(match sources.as_slice() {
            [only] => Some(only.config.name.clone()),
            _ => None,
        })
    }

    pub async fn draft_edit(
        &self,
        args: DraftEditArgs,
        _: &dyn EventSink,
    ) -> Result<Draft, AppError> {
        let draft = meshlens_edit::get_draft(self.store(), args.draft).await?;
        let mut text = args.text.unwrap_or(draft.text.clone());
        if !args.set.is_empty() {
            let json = is_json(&draft_path(&draft));
            let doc = meshlens_edit::yaml_text::load(&text, json)?;
            let mut changes = Vec::new();
            for assignment in &args.set {
                let (path, raw) = assignment.split_once('=').ok_or_else(|| {
                    AppError::new(
                        ErrorCode::InvalidArgs,
                        format!("`{assignment}` is not PATH=VALUE (e.g. description.purpose=Daily revenue)"),
                    )
                })?;
                let path = meshlens_edit::path::parse_path(path.trim());
                let old = meshlens_edit::path::get(&doc, &path).cloned();
                let new = typed_value(raw, old.as_ref());
                changes.push(FieldChange {
                    path,
                    old,
                    new: Some(new),
                });
            }
            text = meshlens_edit::yaml_text::apply_changes(&text, json, &changes)?.text;
        }
        Ok(meshlens_edit::save_text(self.store(), draft.id, &text).await?)
    }

    pub async fn draft_list(&self, _: NoArgs, _: &dyn EventSink) -> Result<Vec<Draft>, AppError> {
        Ok(meshlens_edit::list_drafts(self.store()).await?)
    }

    pub async fn draft_get(&self, args: DraftRef, _: &dyn EventSink) -> Result<Draft, AppError> {
        Ok(meshlens_edit::get_draft(self.store(), args.draft).await?)
    }

    pub async fn draft_diff(
        &self,
        args: DraftRef,
        _: &dyn EventSink,
    ) -> Result<DraftDiff, AppError> {
        let draft = meshlens_edit::get_draft(self.store(), args.draft).await?;
        let json = is_json(&draft_path(&draft));
        let base = draft.base_text.as_deref().unwrap_or_default();
        let before = if base.is_empty() {
            Value::Object(Default::default())
        } else {
            meshlens_edit::yaml_text::load(base, json)?
        };
        let after = meshlens_edit::yaml_text::load(&draft.text, json)?;
        Ok(DraftDiff {
            draft: draft.id,
            fields: meshlens_edit::diff(&before, &after)
                .iter()
                .map(FieldDiff::from)
                .collect(),
            text: meshlens_edit::text_diff(base, &draft.text),
        })
    }

    /// Checks the draft, queues it in the outbox and tries to deliver it at once. Refused with the
    /// reasons when the draft is invalid or has unresolved conflicts.
    pub async fn submit(
        &self,
        args: DraftRef,
        _: &dyn EventSink,
    ) -> Result<SubmitOutcome, AppError> {
        let draft = meshlens_edit::get_draft(self.store(), args.draft).await?;
        if draft.state == "conflict" {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "draft {} conflicts with upstream on {}; choose with `meshlens conflict resolve {} --take mine|theirs [--field PATH]`",
                    draft.id,
                    draft
                        .conflicts
                        .iter()
                        .map(|c| c.path.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    draft.id
                ),
            ));
        }
        let checked = self.check_draft(&draft).await?;
        let check = &checked.check;
        if !check.blocked.is_empty() {
            return Err(AppError::new(
                ErrorCode::DraftInvalid,
                format!(
                    "draft {} cannot be submitted:\n  - {}",
                    draft.id,
                    check.blocked.join("\n  - ")
                ),
            ));
        }
        let source = match draft.source.clone() {
            Some(source) => source,
            None => self.default_source(None).await?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::InvalidArgs,
                    "there is no single source to submit a new document to; start the draft with `--source NAME`",
                )
            })?,
        };
        let parsed = checked.parsed;
        let path = draft
            .path
            .clone()
            .unwrap_or_else(|| new_document_path(&draft, parsed.as_ref()));
        let key = meshlens_edit::idempotency_key(&[
            &draft.id.to_string(),
            &source,
            &path,
            draft.base_hash.as_deref().unwrap_or_default(),
            &draft.text,
        ]);
        let document = OutboxDocument {
            entity_id: parsed
                .as_ref()
                .map_or(draft.entity_id.clone(), |d| d.entity.id().to_owned()),
            path,
            text: draft.text.clone(),
            base_hash: draft.base_hash.clone(),
            base_text: draft.base_text.clone(),
            keep_existing: false,
        };
        let item = meshlens_edit::enqueue(self.store(), &key, Some(draft.id), &source, &[document])
            .await?;
        self.drain_outbox().await?;
        Ok(SubmitOutcome {
            item: meshlens_edit::get_item(self.store(), item.id).await?,
            draft: meshlens_edit::get_draft(self.store(), draft.id).await?,
        })
    }

    /// Delivers every due outbox item (and takes over items a killed process left `sending`).
    pub async fn drain_outbox(&self) -> Result<(), AppError> {
        let _one_drain = self.inner.outbox_lock.lock().await;
        for item in meshlens_edit::claim_due(self.store()).await? {
            let target = match self.target_for(&item.source).await {
                Ok(target) => target,
                Err(err) => {
                    meshlens_edit::finish(
                        self.store(),
                        item.id,
                        OutboxStatus::Failed,
                        Some(&err.message),
                        None,
                    )
                    .await?;
                    continue;
                }
            };
            let delivered = match target {
                Destination::Local(target) => {
                    let sent = item.clone();
                    tokio::task::spawn_blocking(move || target.deliver(&sent))
                        .await
                        .unwrap_or_else(|e| Err(TargetError::Unreachable(e.to_string())))
                }
                Destination::Entropy { url } => deliver_to_entropy(&item, &url).await,
                Destination::Catalog { kind, url } => deliver_to_catalog(&item, kind, &url).await,
            };
            self.record_delivery(&item, delivered).await?;
        }
        Ok(())
    }

    async fn record_delivery(
        &self,
        item: &OutboxItem,
        delivered: Result<Delivery, TargetError>,
    ) -> Result<(), AppError> {
        let store = self.store();
        match delivered {
            Ok(Delivery::Submitted { receipt }) => {
                meshlens_edit::finish(
                    store,
                    item.id,
                    OutboxStatus::Submitted,
                    None,
                    Some(&receipt),
                )
                .await?;
                if let Some(draft) = item.draft_id {
                    meshlens_edit::set_draft_state(store, draft, "submitted").await?;
                }
            }
            Ok(Delivery::Conflict {
                path,
                theirs_text,
                conflicts,
            }) => {
                let fields: Vec<&str> = conflicts.iter().map(|c| c.path.as_str()).collect();
                let reason = format!(
                    "{path} changed upstream on the same fields: {}",
                    fields.join(", ")
                );
                meshlens_edit::finish(store, item.id, OutboxStatus::Conflict, Some(&reason), None)
                    .await?;
                if let Some(draft) = item.draft_id {
                    let hash = content_hash(theirs_text.as_bytes());
                    meshlens_edit::set_conflict(store, draft, &hash, &theirs_text, &conflicts)
                        .await?;
                }
            }
            Err(TargetError::Unreachable(reason)) => {
                tracing::info!(item = item.id, %reason, "outbox target unreachable; will retry");
                meshlens_edit::reschedule(store, item, &reason).await?;
            }
            Err(TargetError::Rejected(reason)) => {
                meshlens_edit::finish(store, item.id, OutboxStatus::Failed, Some(&reason), None)
                    .await?;
                if let Some(draft) = item.draft_id {
                    meshlens_edit::set_draft_state(store, draft, "editing").await?;
                }
            }
        }
        Ok(())
    }

    async fn target_for(&self, source: &str) -> Result<Destination, AppError> {
        use meshlens_connectors::ServerKind;
        let catalog = |kind, url| Destination::Catalog { kind, url };
        let record = self
            .store()
            .get_source(source)
            .await?
            .ok_or_else(|| AppError::not_found(format!("source `{source}`")))?;
        Ok(Destination::Local(match record.config.kind {
            SourceKind::Folder { path } => Target::Folder { root: path },
            SourceKind::Entropy { url } => return Ok(Destination::Entropy { url }),
            SourceKind::OpenMetadata { url } => return Ok(catalog(ServerKind::OpenMetadata, url)),
            SourceKind::DataHub { url } => return Ok(catalog(ServerKind::DataHub, url)),
            SourceKind::Amundsen { url, .. } => return Ok(catalog(ServerKind::Amundsen, url)),
            SourceKind::Git { url, branch } => Target::Git {
                url,
                branch,
                workdir: self.config().data_dir.join("outbox-git").join(source),
                author: std::env::var(GIT_AUTHOR_ENV)
                    .ok()
                    .and_then(|a| meshlens_edit::GitAuthor::parse(&a)),
            },
            server => {
                return Err(AppError::new(
                    ErrorCode::InvalidArgs,
                    format!(
                        "source `{source}` is a {} catalog server, which is read-only: drafts are submitted to \
                         folder, git, Entropy Data, OpenMetadata, DataHub and Amundsen sources",
                        server.as_str()
                    ),
                ));
            }
        }))
    }

    /// The outbox, after delivering whatever is due.
    pub async fn outbox(&self, _: NoArgs, _: &dyn EventSink) -> Result<Vec<OutboxItem>, AppError> {
        self.drain_outbox().await?;
        Ok(meshlens_edit::list_items(self.store()).await?)
    }

    pub async fn outbox_retry(
        &self,
        args: OutboxRef,
        _: &dyn EventSink,
    ) -> Result<OutboxItem, AppError> {
        meshlens_edit::retry_now(self.store(), args.id).await?;
        self.drain_outbox().await?;
        Ok(meshlens_edit::get_item(self.store(), args.id).await?)
    }

    pub async fn outbox_cancel(
        &self,
        args: OutboxRef,
        _: &dyn EventSink,
    ) -> Result<OutboxItem, AppError> {
        Ok(meshlens_edit::cancel(self.store(), args.id).await?)
    }

    /// Settles conflicts field by field; once none is left the draft is rebased on upstream's version
    /// (with the chosen values) and can be submitted again.
    pub async fn conflict_resolve(
        &self,
        args: ConflictResolveArgs,
        _: &dyn EventSink,
    ) -> Result<ConflictResolution, AppError> {
        let draft = meshlens_edit::get_draft(self.store(), args.draft).await?;
        let (Some(theirs), true) = (&draft.theirs_text, draft.state == "conflict") else {
            return Err(meshlens_edit::EditError::NoConflict {
                id: draft.id,
                detail: String::new(),
            }
            .into());
        };
        let mut resolutions: BTreeMap<String, Take> = draft.resolutions.clone();
        let mut matched = false;
        for conflict in &draft.conflicts {
            if args.field.as_ref().is_none_or(|f| *f == conflict.path) {
                resolutions.insert(conflict.path.clone(), args.take);
                matched = true;
            }
        }
        if !matched {
            return Err(meshlens_edit::EditError::NoConflict {
                id: draft.id,
                detail: format!(" on `{}`", args.field.unwrap_or_default()),
            }
            .into());
        }
        let json = is_json(&draft_path(&draft));
        let base = draft.base_text.as_deref().unwrap_or_default();
        let merged = meshlens_edit::three_way(base, &draft.text, theirs, json, &resolutions)?;
        if merged.conflicts.is_empty() {
            meshlens_edit::rebase(self.store(), draft.id, &merged.text).await?;
        } else {
            meshlens_edit::set_resolutions(self.store(), draft.id, &resolutions, &merged.conflicts)
                .await?;
        }
        Ok(ConflictResolution {
            draft: meshlens_edit::get_draft(self.store(), draft.id).await?,
            remaining: merged.conflicts,
        })
    }

    /// Delivers due outbox items in the background every few seconds (the desktop app calls this once;
    /// the CLI drains on `submit`, `outbox` and `outbox retry` instead).
    pub fn start_outbox_worker(&self) {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = app.drain_outbox().await {
                    tracing::warn!(%err, "outbox drain failed");
                }
                tokio::time::sleep(OUTBOX_POLL).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_values_keep_the_field_type() {
        assert_eq!(typed_value("1.2", Some(&json!("1.0"))), json!("1.2"));
        assert_eq!(typed_value("true", None), json!(true));
        assert_eq!(typed_value("3", Some(&json!(1))), json!(3));
        assert_eq!(typed_value("[a, b]", None), json!(["a", "b"]));
        assert_eq!(typed_value("Revenue: daily", None), json!("Revenue: daily"));
        assert_eq!(typed_value("- x", None), json!("- x"));
    }
}
