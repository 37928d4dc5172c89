//! `draft_check`, and the gate of `submit`: a draft parsed once and checked against its schema, the
//! governance policies (the pure evaluation `check` runs, on the draft's documents and on the cached
//! upstream version's, so that only what the draft introduces blocks it) and its impact downstream.

use meshlens_edit::Draft;
use meshlens_model::{Contract, Entity, ParsedDocument, Product, Severity, parse_document};
use meshlens_quality::{PolicySubject, Violation};
use serde_json::Value;

use crate::api::*;
use crate::edit::{draft_path, is_json};
use crate::{App, AppError, EventSink};

/// A draft's check and its parsed document, which submit reuses instead of parsing again.
pub(crate) struct CheckedDraft {
    pub check: DraftCheck,
    pub parsed: Option<ParsedDocument>,
}

/// A product and its output contracts as documents (entity and canonical form), of one source.
#[derive(Clone)]
struct ProductDocuments {
    source: String,
    product: Product,
    document: Value,
    contracts: Vec<(Contract, Value)>,
}

impl ProductDocuments {
    fn subject(&self, has_lineage: bool) -> PolicySubject {
        PolicySubject::from_documents(
            &self.source,
            &self.product,
            &self.document,
            &self.contracts,
            has_lineage,
        )
    }
}

/// The schema errors that block a submit, with their place in the text.
fn schema_problems(schema: &ValidationReport) -> Vec<String> {
    schema
        .errors
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| format!("line {}, column {}: {}", i.line, i.column, i.message))
        .collect()
}

/// A draft must stay the kind of document it started as, and an edit keeps its id.
fn identity_problems(draft: &Draft, doc: &ParsedDocument) -> Vec<String> {
    let mut problems = Vec::new();
    let kind_matches = matches!(
        (&doc.entity, draft.kind),
        (Entity::Product(_), DraftKind::Product) | (Entity::Contract(_), DraftKind::Contract)
    );
    if !kind_matches {
        problems.push(format!(
            "the draft must stay a {} document",
            draft.kind.as_str()
        ));
    }
    if doc.entity.id() != draft.entity_id && draft.base_hash.is_some() {
        problems.push(format!(
            "the id changed from `{}` to `{}`; start a new draft for a new {}",
            draft.entity_id,
            doc.entity.id(),
            draft.kind.as_str()
        ));
    }
    problems
}

/// The same rule broken at the same place of the same product.
fn same_breach(a: &Violation, b: &Violation) -> bool {
    a.policy == b.policy && a.product == b.product && a.path == b.path
}

/// `violations` of the draft, each marked inherited when `upstream` already had it.
fn mark_inherited(
    violations: Vec<Violation>,
    upstream: &[Violation],
    owner: Option<&str>,
) -> Vec<DraftViolation> {
    violations
        .into_iter()
        .map(|violation| {
            let inherited = upstream.iter().any(|u| same_breach(u, &violation));
            DraftViolation {
                owner: owner.filter(|_| inherited).map(str::to_owned),
                inherited,
                violation,
            }
        })
        .collect()
}

impl App {
    pub async fn draft_check(
        &self,
        args: DraftRef,
        _: &dyn EventSink,
    ) -> Result<DraftCheck, AppError> {
        let draft = meshlens_edit::get_draft(self.store(), args.draft).await?;
        Ok(self.check_draft(&draft).await?.check)
    }

    /// Schema, identity, policies and impact of `draft`, its text parsed once. Blocked by schema
    /// errors, a changed kind or id, and the error-severity violations the draft introduces.
    pub(crate) async fn check_draft(&self, draft: &Draft) -> Result<CheckedDraft, AppError> {
        let path = draft_path(draft);
        let parsed = parse_document(&path, draft.text.as_bytes());
        let schema = meshlens_model::validation_report(&path, &parsed);
        let parsed = parsed.ok();
        let mut blocked = schema_problems(&schema);
        let mut policies = Vec::new();
        let mut policy_errors = Vec::new();
        let mut impact = DraftImpact {
            changes: Vec::new(),
            breaking: false,
            affected: Vec::new(),
        };
        if let Some(doc) = &parsed {
            blocked.extend(identity_problems(draft, doc));
            (policies, policy_errors) = self.draft_policies(draft, doc).await?;
            impact = self.draft_impact(draft, doc).await?;
        }
        blocked.extend(
            policies
                .iter()
                .filter(|v| !v.inherited && v.violation.severity == "error")
                .map(|v| &v.violation)
                .map(|v| format!("policy {}: {} ({})", v.policy, v.message, v.path)),
        );
        // The form needs the document while the text is YAML, valid or not.
        let document = match &parsed {
            Some(doc) => Some(doc.original.clone()),
            None => meshlens_edit::yaml_text::load(&draft.text, is_json(&path)).ok(),
        };
        let check = DraftCheck {
            draft: draft.id,
            schema,
            policies,
            policy_errors,
            impact,
            document,
            blocked,
        };
        Ok(CheckedDraft { check, parsed })
    }

    /// The draft's violations of the policies in force, through the same evaluation as `check`, each
    /// marked inherited when the cached upstream version breaks the rule the same way.
    async fn draft_policies(
        &self,
        draft: &Draft,
        doc: &ParsedDocument,
    ) -> Result<(Vec<DraftViolation>, Vec<PolicyError>), AppError> {
        let Some((upstream, drafted)) = self.policy_documents(draft, doc).await? else {
            // Policies apply to products; a contract no product publishes has none to meet.
            return Ok((Vec::new(), Vec::new()));
        };
        let set = self.policy_set().await?;
        let has_lineage =
            meshlens_quality::product_in_lineage(self.store(), &drafted.product.id).await?;
        let (found, errors) =
            meshlens_quality::evaluate(&[drafted.subject(has_lineage)], &set.policies);
        let before = match &upstream {
            Some(up) => meshlens_quality::evaluate(&[up.subject(has_lineage)], &set.policies).0,
            None => Vec::new(),
        };
        // Violations of the policy set itself are not the draft's to fix.
        let found: Vec<Violation> = found.into_iter().filter(|v| v.product.is_some()).collect();
        let owner = upstream.as_ref().and_then(|up| {
            let product = &up.product;
            product.owner_team.as_deref().or(product.owner.as_deref())
        });
        let mut policy_errors = set.errors.clone();
        policy_errors.extend(errors);
        Ok((mark_inherited(found, &before, owner), policy_errors))
    }

    /// The documents the draft is checked with, as the cache holds them upstream and as the draft
    /// would leave them: a product with its output contracts; a contract with its owning product and
    /// that product's other output contracts. `None` for a contract no product publishes.
    async fn policy_documents(
        &self,
        draft: &Draft,
        doc: &ParsedDocument,
    ) -> Result<Option<(Option<ProductDocuments>, ProductDocuments)>, AppError> {
        // Named after the draft's source, whose policies apply to its products.
        let source = draft.source.clone().unwrap_or_else(|| "draft".into());
        match &doc.entity {
            Entity::Product(product) => {
                let upstream = match draft.base_hash {
                    Some(_) => self.cached_documents(&draft.entity_id).await?,
                    None => None,
                };
                let drafted = ProductDocuments {
                    source,
                    contracts: self.output_contracts(product).await?,
                    product: product.clone(),
                    document: doc.canonical.clone(),
                };
                Ok(Some((upstream, drafted)))
            }
            Entity::Contract(contract) => {
                let owner = self
                    .store()
                    .get_contract(&contract.id, contract.version.as_deref())
                    .await?
                    .and_then(|c| c.product_id);
                let Some(owner) = owner else {
                    return Ok(None);
                };
                let Some(upstream) = self.cached_documents(&owner).await? else {
                    return Ok(None);
                };
                let mut drafted = ProductDocuments {
                    source,
                    ..upstream.clone()
                };
                drafted.contracts.retain(|(c, _)| c.id != contract.id);
                drafted
                    .contracts
                    .push((contract.clone(), doc.canonical.clone()));
                Ok(Some((Some(upstream), drafted)))
            }
        }
    }

    /// Product `id` and its output contracts as the cache holds them.
    async fn cached_documents(&self, id: &str) -> Result<Option<ProductDocuments>, AppError> {
        let Some(detail) = self.store().get_product(id).await? else {
            return Ok(None);
        };
        Ok(Some(ProductDocuments {
            contracts: self.output_contracts(&detail.product).await?,
            source: detail.source,
            product: detail.product,
            document: detail.canonical,
        }))
    }

    /// The cached contracts `product`'s output ports publish (the version each port names, else
    /// the newest).
    async fn output_contracts(
        &self,
        product: &Product,
    ) -> Result<Vec<(Contract, Value)>, AppError> {
        let mut contracts = Vec::new();
        for port in &product.output_ports {
            let Some(id) = &port.contract_id else {
                continue;
            };
            if let Some(c) = self
                .store()
                .get_contract(id, port.version.as_deref())
                .await?
            {
                contracts.push((c.contract, c.canonical));
            }
        }
        Ok(contracts)
    }

    async fn draft_impact(
        &self,
        draft: &Draft,
        doc: &ParsedDocument,
    ) -> Result<DraftImpact, AppError> {
        let path = draft_path(draft);
        let base = draft
            .base_text
            .as_deref()
            .and_then(|t| parse_document(&path, t.as_bytes()).ok());
        let changes = match &base {
            Some(base) => {
                let paths: Vec<String> = meshlens_edit::diff(&base.original, &doc.original)
                    .iter()
                    .map(|c| FieldDiff::from(c).path)
                    .collect();
                meshlens_edit::classify(&base.entity, &doc.entity, &paths)
            }
            None => vec![ClassifiedChange {
                path: String::new(),
                breaking: false,
                reason: format!("new {}", draft.kind.as_str()),
                metadata_only: false,
            }],
        };
        let affected = match &base {
            Some(base) => self.downstream(&base.entity).await?,
            None => Vec::new(),
        };
        Ok(DraftImpact {
            breaking: changes.iter().any(|c| c.breaking),
            changes,
            affected,
        })
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
