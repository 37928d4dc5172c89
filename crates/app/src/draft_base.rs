//! What a draft is checked against besides its own text: its base parsed, the cached product it is
//! checked with and that product's violations, and the products downstream. None of it changes while
//! the user types, so the check of the draft being edited keeps it until the draft's base, the
//! catalogue (its generation) or the policy set moves: a check on every pause in typing then parses
//! only the draft.

use std::sync::{Arc, Mutex};

use meshlens_edit::Draft;
use meshlens_model::{Entity, ParsedDocument, parse_document};
use meshlens_quality::Violation;

use crate::api::*;
use crate::draft_check::ProductDocuments;
use crate::edit::draft_path;
use crate::policies::PolicySet;
use crate::{App, AppError};

/// What a [`DraftBase`] was built for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BaseKey {
    draft: i64,
    base_hash: Option<String>,
    /// The kind and id the draft's text declares (a contract's publisher is looked up by its id).
    entity: (DraftKind, String),
    generation: i64,
}

pub(crate) struct DraftBase {
    key: BaseKey,
    /// The policy set the violations below were found with.
    pub policies: Arc<PolicySet>,
    /// The draft's base, parsed (`None` for a new document).
    pub parsed: Option<ParsedDocument>,
    /// The cached product the draft is checked with: a product draft's cached version, a
    /// contract draft's publisher. `None` for a new product and an unpublished contract.
    pub upstream: Option<ProductDocuments>,
    /// The violations of `upstream`: the draft inherits these.
    pub upstream_violations: Vec<Violation>,
    /// Whether lineage names the product's datasets (the stored fact `check` reads).
    pub has_lineage: bool,
    /// Products downstream of the base.
    pub affected: Vec<ImpactProduct>,
}

/// The base of the draft checked last (the editor checks one draft at a time).
#[derive(Default)]
pub(crate) struct DraftBaseCache(Mutex<Option<Arc<DraftBase>>>);

impl App {
    /// The base of `draft`, whose text parsed as `doc`: kept from the last check when it still holds.
    pub(crate) async fn draft_base(
        &self,
        draft: &Draft,
        doc: &ParsedDocument,
    ) -> Result<Arc<DraftBase>, AppError> {
        let policies = self.policy_set().await?;
        let key = BaseKey {
            draft: draft.id,
            base_hash: draft.base_hash.clone(),
            entity: (draft.kind, doc.entity.id().to_owned()),
            // Read before the base is built: a sync meanwhile leaves it stale, and the next check rebuilds it.
            generation: self.store().lineage_generation().await?,
        };
        let cache = &self.inner.draft_base.0;
        let kept = cache.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(base) = kept.filter(|b| b.key == key && Arc::ptr_eq(&b.policies, &policies)) {
            return Ok(base);
        }
        let base = Arc::new(self.build_draft_base(key, policies, draft, doc).await?);
        *cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(base.clone());
        Ok(base)
    }

    async fn build_draft_base(
        &self,
        key: BaseKey,
        policies: Arc<PolicySet>,
        draft: &Draft,
        doc: &ParsedDocument,
    ) -> Result<DraftBase, AppError> {
        let path = draft_path(draft);
        let parsed = draft
            .base_text
            .as_deref()
            .and_then(|t| parse_document(&path, t.as_bytes()).ok());
        let affected = match &parsed {
            Some(base) => self.downstream(&base.entity).await?,
            None => Vec::new(),
        };
        let upstream = self.upstream_documents(draft, doc).await?;
        let subject_id = match (&upstream, &doc.entity) {
            (Some(up), _) => up.product.id.clone(),
            (None, entity) => entity.id().to_owned(),
        };
        let has_lineage = meshlens_quality::product_in_lineage(self.store(), &subject_id).await?;
        let upstream_violations = match &upstream {
            Some(up) => {
                meshlens_quality::evaluate(&[up.subject(has_lineage)], &policies.policies).0
            }
            None => Vec::new(),
        };
        Ok(DraftBase {
            key,
            policies,
            parsed,
            upstream,
            upstream_violations,
            has_lineage,
            affected,
        })
    }

    /// The cached product a draft is checked with: a product draft's own cached version (`None` for
    /// a new product), a contract draft's publishing product (`None` when no product publishes it).
    async fn upstream_documents(
        &self,
        draft: &Draft,
        doc: &ParsedDocument,
    ) -> Result<Option<ProductDocuments>, AppError> {
        let product_id = match &doc.entity {
            Entity::Product(_) if draft.base_hash.is_some() => Some(draft.entity_id.clone()),
            Entity::Product(_) => None,
            // Whatever version the draft declares: a version bump is still its publisher's contract.
            Entity::Contract(contract) => self
                .store()
                .get_contract(&contract.id, None)
                .await?
                .and_then(|c| c.product_id),
        };
        let Some(id) = product_id else {
            return Ok(None);
        };
        let Some(detail) = self.store().get_product(&id).await? else {
            return Ok(None);
        };
        Ok(Some(ProductDocuments {
            contracts: self.output_contracts(&detail.product).await?,
            source: detail.source,
            product: detail.product,
            document: detail.canonical,
        }))
    }

    /// Products downstream of the base version: lineage impact of the product (or of the ports
    /// publishing the contract) plus the contract's declared consumers.
    async fn downstream(&self, entity: &Entity) -> Result<Vec<ImpactProduct>, AppError> {
        let mut found: Vec<ImpactProduct> = Vec::new();
        let mut add = |list: Vec<ImpactProduct>| {
            for p in list {
                if !found.iter().any(|f| f.id == p.id) {
                    found.push(p);
                }
            }
        };
        match entity {
            Entity::Product(p) => {
                if let Ok(report) = meshlens_lineage::impact(self.store(), &p.id).await {
                    add(report.products);
                }
            }
            Entity::Contract(c) => {
                let Some(detail) = self
                    .store()
                    .get_contract(&c.id, c.version.as_deref())
                    .await?
                else {
                    return Ok(found);
                };
                if let Some(owner) = &detail.product_id
                    && let Some(product) = self.store().get_product(owner).await?
                {
                    for port in product
                        .product
                        .output_ports
                        .iter()
                        .filter(|o| o.contract_id.as_deref() == Some(&c.id))
                    {
                        if let Ok(report) = meshlens_lineage::impact(
                            self.store(),
                            &format!("{owner}/{}", port.name),
                        )
                        .await
                        {
                            add(report.products);
                        }
                    }
                }
                let mut consumers = Vec::new();
                for id in &detail.consumers {
                    if let Some(product) = self.store().get_product(id).await? {
                        consumers.push(ImpactProduct {
                            id: product.product.id.clone(),
                            name: product.product.name.clone().unwrap_or(product.product.id),
                            owner_team: product.product.owner_team,
                            contacts: product.product.support,
                            depth: 1,
                        });
                    }
                }
                add(consumers);
            }
        }
        Ok(found)
    }
}
