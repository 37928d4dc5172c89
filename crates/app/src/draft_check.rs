//! `draft_check`, and the gate of `submit`: a draft parsed once and checked against its schema, the
//! governance policies (the pure evaluation `check` runs, on the draft's documents and on the cached
//! upstream version's, so that only what the draft introduces blocks it) and its impact downstream.

use meshlens_edit::Draft;
use meshlens_model::{Contract, Entity, ParsedDocument, Product, Severity, parse_document};
use meshlens_quality::{PolicySubject, Violation};
use serde_json::Value;

use crate::api::*;
use crate::draft_base::DraftBase;
use crate::edit::{draft_path, is_json};
use crate::{App, AppError, EventSink};

/// A draft's check and its parsed document, which submit reuses instead of parsing again.
pub(crate) struct CheckedDraft {
    pub check: DraftCheck,
    pub parsed: Option<ParsedDocument>,
}

/// A product and its output contracts as documents (entity and canonical form), of one source.
#[derive(Clone)]
pub(crate) struct ProductDocuments {
    pub source: String,
    pub product: Product,
    pub document: Value,
    pub contracts: Vec<(Contract, Value)>,
}

impl ProductDocuments {
    pub(crate) fn subject(&self, has_lineage: bool) -> PolicySubject {
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

    /// Schema, identity, policies and impact of `draft`, its text parsed once and compared with what
    /// it is based on (kept between checks, see `draft_base.rs`). Blocked by schema errors, a changed
    /// kind or id, and the error-severity violations the draft introduces.
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
            let base = self.draft_base(draft, doc).await?;
            (policies, policy_errors) = self.draft_policies(draft, doc, &base).await?;
            impact = draft_impact(draft, doc, &base);
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
        base: &DraftBase,
    ) -> Result<(Vec<DraftViolation>, Vec<PolicyError>), AppError> {
        let Some(drafted) = self.drafted_documents(draft, doc, base).await? else {
            // Policies apply to products; a contract no product publishes has none to meet.
            return Ok((Vec::new(), Vec::new()));
        };
        let (found, errors) = meshlens_quality::evaluate(
            &[drafted.subject(base.has_lineage)],
            &base.policies.policies,
        );
        // Violations of the policy set itself are not the draft's to fix.
        let found: Vec<Violation> = found.into_iter().filter(|v| v.product.is_some()).collect();
        let owner = base.upstream.as_ref().and_then(|up| {
            let product = &up.product;
            product.owner_team.as_deref().or(product.owner.as_deref())
        });
        let mut policy_errors = base.policies.errors.clone();
        policy_errors.extend(errors);
        let violations = mark_inherited(found, &base.upstream_violations, owner);
        Ok((violations, policy_errors))
    }

    /// The documents as the draft would leave them: a product with its output contracts; a
    /// contract's publishing product with the draft in place of the cached contract. `None` for a
    /// contract no product publishes.
    async fn drafted_documents(
        &self,
        draft: &Draft,
        doc: &ParsedDocument,
        base: &DraftBase,
    ) -> Result<Option<ProductDocuments>, AppError> {
        // Named after the draft's source, whose policies apply to its products.
        let source = draft.source.clone().unwrap_or_else(|| "draft".into());
        match (&doc.entity, &base.upstream) {
            (Entity::Product(product), upstream) => {
                let contracts = match upstream {
                    Some(up) if same_ports(&up.product, product) => up.contracts.clone(),
                    _ => self.output_contracts(product).await?,
                };
                Ok(Some(ProductDocuments {
                    source,
                    contracts,
                    product: product.clone(),
                    document: doc.canonical.clone(),
                }))
            }
            (Entity::Contract(_), None) => Ok(None),
            (Entity::Contract(contract), Some(upstream)) => {
                let mut drafted = ProductDocuments {
                    source,
                    ..upstream.clone()
                };
                drafted.contracts.retain(|(c, _)| c.id != contract.id);
                drafted
                    .contracts
                    .push((contract.clone(), doc.canonical.clone()));
                Ok(Some(drafted))
            }
        }
    }

    /// The cached contracts `product`'s output ports publish (the version each port names, else
    /// the newest).
    pub(crate) async fn output_contracts(
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
}

/// Both products publish the same contract versions on their output ports.
fn same_ports(a: &Product, b: &Product) -> bool {
    let published = |p: &Product| -> Vec<(Option<String>, Option<String>)> {
        p.output_ports
            .iter()
            .map(|o| (o.contract_id.clone(), o.version.clone()))
            .collect()
    };
    published(a) == published(b)
}

/// The changes of the draft against its base, classified from the consumer's side, and the
/// products downstream of the base.
fn draft_impact(draft: &Draft, doc: &ParsedDocument, base: &DraftBase) -> DraftImpact {
    let changes = match &base.parsed {
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
    DraftImpact {
        breaking: changes.iter().any(|c| c.breaking),
        changes,
        affected: base.affected.clone(),
    }
}
