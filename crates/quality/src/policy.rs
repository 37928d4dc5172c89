//! Governance policies as code (format: `POLICIES.md`): load, merge global and domain rules, and
//! check every product against the rules that apply to it.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use meshlens_model::{Contract, Dataset, Limits, Product, Role, Sensitivity, role_holders};
use meshlens_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite};
use ts_rs::TS;

use meshlens_store::Ctx;

use crate::error::QualityError;
use crate::targets::ensure_targets;

const DEFAULT_POLICY: &str = include_str!("../policies/default.yaml");

/// One policy file (policy files are not sent to the UI, so no TypeScript type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    pub api_version: String,
    pub kind: String,
    pub id: String,
    pub scope: PolicyScope,
    #[serde(default)]
    pub description: Option<String>,
    /// A file may only set trust weights, so rules may be left out.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
    /// The weights of the trust score's factors for the products in scope (`TRUST.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<crate::trust::TrustSection>,
}

/// `scope: global` or `scope: {domain: sales}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ScopeRepr", into = "ScopeRepr")]
pub enum PolicyScope {
    Global,
    Domain(String),
}

/// How a scope is written in YAML (serde's default enum form would need YAML tags).
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ScopeRepr {
    Name(String),
    Domain { domain: String },
}

impl TryFrom<ScopeRepr> for PolicyScope {
    type Error = String;

    fn try_from(repr: ScopeRepr) -> Result<Self, String> {
        match repr {
            ScopeRepr::Name(name) if name == "global" => Ok(PolicyScope::Global),
            ScopeRepr::Name(other) => Err(format!(
                "scope '{other}' is neither `global` nor `{{domain: NAME}}`"
            )),
            ScopeRepr::Domain { domain } => Ok(PolicyScope::Domain(domain)),
        }
    }
}

impl From<PolicyScope> for ScopeRepr {
    fn from(scope: PolicyScope) -> Self {
        match scope {
            PolicyScope::Global => ScopeRepr::Name("global".into()),
            PolicyScope::Domain(domain) => ScopeRepr::Domain { domain },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// Identifies the rule across files: a domain rule with a global rule's id overrides it.
    pub id: String,
    /// One of the built-in checks (see `POLICIES.md`).
    pub check: String,
    pub severity: RuleSeverity,
    #[serde(default)]
    pub when: When,
    /// The roles `check: roles` requires (empty: every role of [`Role::EXPECTED`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub description: Option<String>,
}

impl PolicyRule {
    /// The roles this rule requires when its check is `roles`.
    fn required_roles(&self) -> &[Role] {
        if self.roles.is_empty() {
            &Role::EXPECTED
        } else {
            &self.roles
        }
    }
}

/// Which products a rule applies to (every listed condition must hold; empty = any).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    #[serde(default)]
    pub status: Vec<String>,
    #[serde(default)]
    pub classification: Vec<String>,
    /// Normalised levels (`public` … `restricted`, `unknown`) of the product, raised by its contracts.
    #[serde(default)]
    pub sensitivity: Vec<Sensitivity>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Ordered from loosest to strictest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSeverity {
    Off,
    Info,
    Warning,
    Error,
}

impl RuleSeverity {
    fn as_str(self) -> &'static str {
        match self {
            RuleSeverity::Off => "off",
            RuleSeverity::Info => "info",
            RuleSeverity::Warning => "warning",
            RuleSeverity::Error => "error",
        }
    }
}

/// A policy and where it came from (`builtin:` for [`default_policies`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadedPolicy {
    pub origin: String,
    pub builtin: bool,
    /// The source whose `policies/` folder holds it: it applies to that source's products only.
    /// `None` (the built-in set, or a policy given directly) applies to every product.
    #[serde(default)]
    pub source: Option<String>,
    pub policy: Policy,
}

/// A policy file, or one rule in it, that cannot be used. The rest still applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PolicyError {
    pub file: String,
    pub message: String,
}

/// A product that breaks a rule. `product` is `None` for violations of the policy set itself
/// (a domain policy loosening a global rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Violation {
    pub policy: String,
    /// error, warning or info.
    pub severity: String,
    pub product: Option<String>,
    /// Where in the product (or policy file) the problem is, e.g. `team`, `contracts/x/schema/t/email`.
    pub path: String,
    pub message: String,
}

const CHECKS: &[&str] = &[
    "owner",
    "support",
    "description",
    "classification",
    "encryption",
    "pii-columns",
    "lineage",
    "quality-slo",
    "retention",
    "audit-logging",
    "roles",
];

/// The built-in global policy (`policies/default.yaml` in this crate).
pub fn default_policies() -> Vec<LoadedPolicy> {
    let (policy, errors) = load_policy_bytes("builtin:default.yaml", DEFAULT_POLICY.as_bytes());
    debug_assert!(errors.is_empty(), "{errors:?}");
    policy
        .map(|mut p| {
            p.builtin = true;
            vec![p]
        })
        .unwrap_or_default()
}

/// The policies of this machine's user (`<data dir>/policies/`). Nothing upstream writes there, so
/// they carry the built-ins' authority: they apply to every source and may redefine a built-in rule
/// (a team that accepts a built-in's risk says so on its own machine, not in a shared repository).
pub fn load_local_policies(dir: &Path) -> (Vec<LoadedPolicy>, Vec<PolicyError>) {
    let (mut loaded, errors) = load_policies(dir, "");
    for policy in &mut loaded {
        policy.builtin = true;
        policy.source = None;
    }
    (loaded, errors)
}

/// Every `*.yaml`/`*.yml` with `kind: Policy` under `dir`, the policies of `source` (other YAML
/// files are not policies and are skipped; files past the size limit are reported, never read).
pub fn load_policies(dir: &Path, source: &str) -> (Vec<LoadedPolicy>, Vec<PolicyError>) {
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    // A git source may commit `policies` as a link to anywhere on this machine: not followed, and
    // links inside are not followed either (walkdir's default).
    let walk = walkdir::WalkDir::new(dir).follow_root_links(false);
    for entry in walk.sort_by_file_name() {
        let entry = match entry {
            Ok(e) if e.depth() == 0 && e.path_is_symlink() => {
                Err("a symbolic link; policies are not read through links".to_string())
            }
            Ok(e) => Ok(e),
            Err(e) => Err(e.to_string()),
        };
        let entry = match entry {
            Ok(e) => e,
            Err(message) => {
                errors.push(PolicyError {
                    file: dir.display().to_string(),
                    message,
                });
                continue;
            }
        };
        let path = entry.path();
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml");
        if !entry.file_type().is_file() || !yaml {
            continue;
        }
        let origin = path.display().to_string();
        let bytes = match meshlens_model::read_capped(path, Limits::process().max_file_bytes) {
            Ok(b) => b,
            Err(e) => {
                errors.push(PolicyError {
                    file: origin,
                    message: e.to_string(),
                });
                continue;
            }
        };
        if meshlens_model::classify(&origin, &bytes) != meshlens_model::FileClass::Policy {
            continue;
        }
        let (policy, mut errs) = load_policy_bytes(&origin, &bytes);
        policies.extend(policy.map(|p| LoadedPolicy {
            source: Some(source.to_owned()),
            ..p
        }));
        errors.append(&mut errs);
    }
    (policies, errors)
}

/// One policy document. Rules with an unknown check are dropped (with an error); the others apply.
pub fn load_policy_bytes(origin: &str, bytes: &[u8]) -> (Option<LoadedPolicy>, Vec<PolicyError>) {
    let err = |message: String| PolicyError {
        file: origin.to_owned(),
        message,
    };
    let parsed = std::str::from_utf8(bytes)
        .map_err(|e| e.to_string())
        .and_then(|text| meshlens_model::from_yaml_str::<Policy>(text).map_err(|e| e.to_string()));
    let mut policy = match parsed {
        Ok(p) => p,
        Err(e) => return (None, vec![err(format!("not a valid policy: {e}"))]),
    };
    if policy.kind != "Policy" {
        return (
            None,
            vec![err(format!("kind is '{}', expected 'Policy'", policy.kind))],
        );
    }
    let mut errors = Vec::new();
    if let Some(trust) = &mut policy.trust {
        errors.extend(trust.drop_unknown().into_iter().map(err));
    }
    let mut seen = HashSet::new();
    policy.rules.retain(|rule| {
        if !CHECKS.contains(&rule.check.as_str()) {
            errors.push(err(format!(
                "rule '{}': unknown check '{}' (known: {}); the rule is ignored",
                rule.id,
                rule.check,
                CHECKS.join(", ")
            )));
            return false;
        }
        if !seen.insert(rule.id.clone()) {
            errors.push(err(format!(
                "rule id '{}' appears twice; the first one applies",
                rule.id
            )));
            return false;
        }
        true
    });
    (
        Some(LoadedPolicy {
            origin: origin.to_owned(),
            builtin: false,
            source: None,
            policy,
        }),
        errors,
    )
}

/// A rule in force and the policy it came from.
#[derive(Debug, Clone)]
struct Effective {
    policy_id: String,
    rule: PolicyRule,
}

/// The rules in force for the products of one source.
struct RuleSet {
    global: Vec<Effective>,
    domains: HashMap<String, Vec<Effective>>,
}

impl RuleSet {
    fn for_domain(&self, domain: Option<&str>) -> &[Effective] {
        domain
            .and_then(|d| self.domains.get(d))
            .unwrap_or(&self.global)
    }
}

/// Rule sets by source: a source's policies apply to its own products only; the set under `None`
/// (built-in and source-less policies) applies to products of sources without policies.
fn rule_sets(
    policies: &[LoadedPolicy],
    violations: &mut Vec<Violation>,
    errors: &mut Vec<PolicyError>,
) -> HashMap<Option<String>, RuleSet> {
    let mut sources: Vec<Option<String>> = policies.iter().map(|p| p.source.clone()).collect();
    sources.push(None);
    sources.sort();
    sources.dedup();
    let mut sets = HashMap::new();
    for source in sources {
        let applicable: Vec<&LoadedPolicy> = policies
            .iter()
            .filter(|p| p.source.is_none() || p.source == source)
            .collect();
        sets.insert(source, rules_by_domain(&applicable, violations, errors));
    }
    // Source-less policies are part of every set: report their problems once.
    dedupe(violations);
    dedupe(errors);
    sets
}

fn dedupe<T: PartialEq>(items: &mut Vec<T>) {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    *items = kept;
}

/// Global rules by id: built-in rules first; a user policy may tighten a built-in rule, never
/// loosen it (that is reported as a violation of the policy set, and the built-in rule applies).
/// Two user policies disagreeing on the same rule is a contradiction, reported, and the stricter
/// one applies.
fn merge_global(
    policies: &[&LoadedPolicy],
    violations: &mut Vec<Violation>,
    errors: &mut Vec<PolicyError>,
) -> HashMap<String, (bool, Effective)> {
    let mut global: HashMap<String, (bool, Effective)> = HashMap::new();
    let mut sorted: Vec<&LoadedPolicy> = policies
        .iter()
        .copied()
        .filter(|p| p.policy.scope == PolicyScope::Global)
        .collect();
    sorted.sort_by_key(|p| !p.builtin); // built-ins first, so user rules are compared with them
    let mut builtin: HashMap<String, Effective> = HashMap::new();
    for loaded in sorted {
        for (index, rule) in loaded.policy.rules.iter().enumerate() {
            let new = Effective {
                policy_id: loaded.policy.id.clone(),
                rule: rule.clone(),
            };
            if loaded.builtin {
                builtin.insert(rule.id.clone(), new.clone());
            } else if let Some(base) = builtin.get(&rule.id).filter(|b| loosens(&b.rule, rule)) {
                let what = format!("policy '{}' loosens built-in rule", loaded.policy.id);
                violations.push(loosening(loaded, index, base, &what, "built-in"));
                continue;
            }
            match global.get(&rule.id) {
                Some((false, old)) if !loaded.builtin && old.rule != *rule => {
                    errors.push(PolicyError {
                        file: loaded.origin.clone(),
                        message: format!(
                            "rule '{}' contradicts global policy '{}' (severity {} vs {}); the stricter applies",
                            rule.id,
                            old.policy_id,
                            rule.severity.as_str(),
                            old.rule.severity.as_str()
                        ),
                    });
                    if rule.severity > old.rule.severity {
                        global.insert(rule.id.clone(), (false, new));
                    }
                }
                _ => {
                    global.insert(rule.id.clone(), (loaded.builtin, new));
                }
            }
        }
    }
    global
}

/// A rule that applies less than `base`: a lower severity (`off` included), fewer products, or
/// (for `check: roles`) fewer required roles.
fn loosens(base: &PolicyRule, rule: &PolicyRule) -> bool {
    let fewer_roles = base.check == "roles"
        && !base
            .required_roles()
            .iter()
            .all(|r| rule.required_roles().contains(r));
    rule.severity < base.severity || !narrower_or_equal(&base.when, &rule.when) || fewer_roles
}

/// The violation of the policy set reported for rule `index` of `loaded`, which loosens `base`.
fn loosening(
    loaded: &LoadedPolicy,
    index: usize,
    base: &Effective,
    what: &str,
    kept: &str,
) -> Violation {
    let rule = &loaded.policy.rules[index];
    Violation {
        policy: rule.id.clone(),
        severity: "error".into(),
        product: None,
        path: format!("{}#rules[{index}]", loaded.origin),
        message: format!(
            "{what} '{}' of policy '{}' (severity {} → {}, or applies to fewer products); the {kept} rule still applies",
            rule.id,
            base.policy_id,
            base.rule.severity.as_str(),
            rule.severity.as_str()
        ),
    }
}

/// Rules per domain: the global ones, tightened or extended by the domain's policies. A domain
/// rule that loosens a global one (lower severity, or narrower `when`) does not apply and is
/// reported as a violation of the policy set.
fn rules_by_domain(
    policies: &[&LoadedPolicy],
    violations: &mut Vec<Violation>,
    errors: &mut Vec<PolicyError>,
) -> RuleSet {
    let global = merge_global(policies, violations, errors);
    let global_rules: Vec<Effective> = {
        let mut v: Vec<Effective> = global.values().map(|(_, e)| e.clone()).collect();
        v.sort_by(|a, b| a.rule.id.cmp(&b.rule.id));
        v
    };
    let mut domains: HashMap<String, Vec<Effective>> = HashMap::new();
    for loaded in policies {
        let PolicyScope::Domain(domain) = &loaded.policy.scope else {
            continue;
        };
        let rules = domains
            .entry(domain.clone())
            .or_insert_with(|| global_rules.clone());
        for (index, rule) in loaded.policy.rules.iter().enumerate() {
            let effective = Effective {
                policy_id: loaded.policy.id.clone(),
                rule: rule.clone(),
            };
            let Some(pos) = rules.iter().position(|e| e.rule.id == rule.id) else {
                rules.push(effective);
                continue;
            };
            if global.contains_key(&rule.id) && loosens(&rules[pos].rule, rule) {
                let what = format!(
                    "domain policy '{}' for '{domain}' loosens global rule",
                    loaded.policy.id
                );
                violations.push(loosening(loaded, index, &rules[pos], &what, "global"));
                continue;
            }
            rules[pos] = effective;
        }
    }
    RuleSet {
        global: global_rules,
        domains,
    }
}

/// Whether `domain` applies to at least every product `global` applies to (each filter list of
/// the domain rule is empty or a superset of the global one).
fn narrower_or_equal(global: &When, domain: &When) -> bool {
    let covers = |g: &[String], d: &[String]| {
        d.is_empty()
            || (!g.is_empty()
                && g.iter()
                    .all(|x| d.iter().any(|y| y.eq_ignore_ascii_case(x))))
    };
    let covers_levels = |g: &[Sensitivity], d: &[Sensitivity]| {
        d.is_empty() || (!g.is_empty() && g.iter().all(|x| d.contains(x)))
    };
    covers(&global.status, &domain.status)
        && covers(&global.classification, &domain.classification)
        && covers_levels(&global.sensitivity, &domain.sensitivity)
        && covers(&global.tags, &domain.tags)
}

/// What the policy checks read about one product: its document, its output contracts and whether
/// lineage names its datasets. Built from documents ([`PolicySubject::from_documents`], a draft) or
/// from the facts stored after a sync (`check`); [`evaluate`] reads both alike.
#[derive(Debug, Clone)]
pub struct PolicySubject {
    /// The source the product comes from: its policies apply.
    source: String,
    product: Product,
    custom: Vec<(String, Value)>,
    contracts: Vec<ContractView>,
    has_lineage: bool,
    /// The roles the product's own document declares.
    roles: Vec<Role>,
}

/// The parts of an output contract the checks read.
#[derive(Debug, Clone)]
struct ContractView {
    id: String,
    classification: Option<String>,
    has_retention: bool,
    has_quality: bool,
    /// Reduced to the columns tagged `pii`.
    datasets: Vec<Dataset>,
    custom: Vec<(String, Value)>,
    roles: Vec<Role>,
}

impl ContractView {
    /// The view of `contract`, whose canonical ODCS document is `document`.
    fn of(contract: &Contract, document: &Value) -> ContractView {
        let datasets = contract
            .datasets
            .iter()
            .filter_map(|d| {
                let columns: Vec<_> = d
                    .columns
                    .iter()
                    .filter(|c| c.tags.iter().any(|t| t.eq_ignore_ascii_case("pii")))
                    .cloned()
                    .collect();
                (!columns.is_empty()).then(|| Dataset {
                    columns,
                    ..d.clone()
                })
            })
            .collect();
        ContractView {
            id: contract.id.clone(),
            classification: contract.classification.clone(),
            has_retention: contract.retention.is_some(),
            has_quality: !contract.quality.is_empty(),
            datasets,
            custom: custom_properties(document),
            roles: declared_roles(document),
        }
    }
}

/// The facts of a contract stored after a sync (`quality_contract_facts`): the view's fields as JSON.
pub(crate) struct StoredContractFacts {
    pub classification: Option<String>,
    pub has_retention: bool,
    pub has_quality: bool,
    pub pii_datasets: String,
    pub custom: String,
    pub roles: String,
}

/// The facts stored for `contract` (canonical document `document`).
pub(crate) fn contract_facts(contract: &Contract, document: &Value) -> StoredContractFacts {
    let view = ContractView::of(contract, document);
    let json = |value: serde_json::Result<String>| value.unwrap_or_else(|_| "[]".into());
    StoredContractFacts {
        pii_datasets: json(serde_json::to_string(&view.datasets)),
        custom: json(serde_json::to_string(&view.custom)),
        roles: json(serde_json::to_string(&view.roles)),
        classification: view.classification,
        has_retention: view.has_retention,
        has_quality: view.has_quality,
    }
}

/// The ownership roles a canonical document declares, each once, in order.
pub(crate) fn declared_roles(document: &Value) -> Vec<Role> {
    let mut roles: Vec<Role> = role_holders(document).iter().map(|h| h.role).collect();
    roles.sort();
    roles.dedup();
    roles
}

/// `customProperties` of a canonical ODPS/ODCS document and of its `servers[]`, names lowercased.
pub(crate) fn custom_properties(doc: &Value) -> Vec<(String, Value)> {
    let of = |v: &Value| -> Vec<(String, Value)> {
        v.get("customProperties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let name = p.get("property")?.as_str()?.to_ascii_lowercase();
                Some((name, p.get("value").cloned().unwrap_or(Value::Null)))
            })
            .collect()
    };
    let servers = doc
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    of(doc).into_iter().chain(servers.flat_map(of)).collect()
}

impl PolicySubject {
    /// The subject of `product` (canonical ODPS document `document`) of `source`, with its output
    /// contracts and their canonical ODCS documents; `has_lineage` when lineage names its datasets.
    pub fn from_documents(
        source: &str,
        product: &Product,
        document: &Value,
        contracts: &[(Contract, Value)],
        has_lineage: bool,
    ) -> PolicySubject {
        PolicySubject {
            source: source.to_owned(),
            product: product.clone(),
            custom: custom_properties(document),
            contracts: contracts
                .iter()
                .map(|(contract, doc)| ContractView::of(contract, doc))
                .collect(),
            has_lineage,
            roles: declared_roles(document),
        }
    }

    /// The most sensitive classification label of the product and its contracts, as written.
    fn classification(&self) -> Option<&str> {
        std::iter::once(self.product.classification.as_deref())
            .chain(self.contracts.iter().map(|c| c.classification.as_deref()))
            .flatten()
            .max_by_key(|c| Sensitivity::of_label(c))
    }

    /// The product's normalised level, raised by its output contracts'.
    fn sensitivity(&self) -> Sensitivity {
        let contracts = self
            .contracts
            .iter()
            .filter_map(|c| c.classification.as_deref());
        Sensitivity::highest(contracts).max(self.product.sensitivity([]))
    }

    /// A custom property on the product or any of its contracts whose name contains `needle` and
    /// whose value is not false/none.
    fn declares(&self, needle: &str) -> bool {
        self.custom
            .iter()
            .chain(self.contracts.iter().flat_map(|c| &c.custom))
            .any(|(name, value)| {
                name.contains(needle)
                    && match value {
                        Value::Bool(b) => *b,
                        Value::Null => false,
                        Value::String(s) => !matches!(
                            s.to_ascii_lowercase().as_str(),
                            "" | "false" | "none" | "no" | "disabled"
                        ),
                        _ => true,
                    }
            })
    }

    fn applies(&self, when: &When) -> bool {
        let any = |list: &[String], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v)))
        };
        any(&when.status, self.product.status.as_deref())
            && any(&when.classification, self.classification())
            && (when.sensitivity.is_empty() || when.sensitivity.contains(&self.sensitivity()))
            && (when.tags.is_empty()
                || self
                    .product
                    .tags
                    .iter()
                    .any(|t| when.tags.iter().any(|w| w.eq_ignore_ascii_case(t))))
    }

    /// (path, message) for each required role nobody holds, on the product or its output contracts.
    fn missing_roles(&self, required: &[Role]) -> Vec<(String, String)> {
        let held = |role: &Role| {
            self.roles.contains(role) || self.contracts.iter().any(|c| c.roles.contains(role))
        };
        required
            .iter()
            .filter(|role| !held(role))
            .map(|role| {
                (
                    "team".to_owned(),
                    format!(
                        "no {} named (a team member's role, a support channel's role or a customProperty)",
                        role.as_str()
                    ),
                )
            })
            .collect()
    }

    /// (path, message) for each way this product breaks `rule`.
    fn evaluate(&self, rule: &PolicyRule) -> Vec<(String, String)> {
        let p = &self.product;
        let one = |ok: bool, path: &str, message: &str| {
            if ok {
                Vec::new()
            } else {
                vec![(path.to_owned(), message.to_owned())]
            }
        };
        match rule.check.as_str() {
            "roles" => self.missing_roles(rule.required_roles()),
            "owner" => one(
                p.owner.is_some() || p.owner_team.is_some(),
                "team",
                "no owning team or owner (team.name, or a member with role owner)",
            ),
            "support" => one(
                !p.support.is_empty(),
                "support",
                "no support channel (support[])",
            ),
            "description" => one(
                p.description
                    .as_deref()
                    .is_some_and(|d| !d.trim().is_empty()),
                "description.purpose",
                "no description of the product's purpose",
            ),
            "classification" => one(
                self.classification().is_some(),
                "customProperties[classification]",
                "no data classification on the product or its contracts",
            ),
            "encryption" => one(
                self.declares("encrypt"),
                "customProperties[encryption]",
                &format!(
                    "{} data without declared encryption",
                    self.classification().unwrap_or("sensitive")
                ),
            ),
            "audit-logging" => one(
                self.declares("audit"),
                "customProperties[auditLogging]",
                &format!(
                    "{} product without declared audit logging",
                    self.classification().unwrap_or("sensitive")
                ),
            ),
            "retention" => one(
                p.retention.is_some() || self.contracts.iter().any(|c| c.has_retention),
                "slaProperties[retention]",
                "no retention period on the product or its contracts",
            ),
            "quality-slo" => one(
                self.contracts.iter().any(|c| c.has_quality),
                "contracts/*/quality",
                "no output contract declares quality rules",
            ),
            "lineage" => one(
                self.has_lineage
                    || !p.input_ports.is_empty()
                    || p.output_ports.iter().any(|o| !o.input_contracts.is_empty()),
                "inputPorts",
                "no lineage: no input ports, no inputContracts and no OpenLineage events for its datasets",
            ),
            "pii-columns" => self
                .contracts
                .iter()
                .flat_map(|c| c.datasets.iter().map(move |d| (c, d)))
                .flat_map(|(c, d)| d.columns.iter().map(move |col| (c, d, col)))
                .filter(|(_, _, col)| col.tags.iter().any(|t| t.eq_ignore_ascii_case("pii")))
                .filter(|(_, _, col)| {
                    let masked = col.tags.iter().any(|t| {
                        matches!(
                            t.to_ascii_lowercase().as_str(),
                            "masked" | "hashed" | "tokenized" | "pseudonymized"
                        )
                    });
                    !masked && col.sensitivity() <= Sensitivity::Public
                })
                .map(|(c, d, col)| {
                    (
                        format!("contracts/{}/schema/{}/{}", c.id, d.name, col.name),
                        format!(
                            "PII column {}.{} is neither classified above public nor masked",
                            d.name, col.name
                        ),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The violations of `subjects` against `policies`, after the violations of the policy set itself
/// (a rule loosening a built-in one), with the policy errors merging the set found. Pure: `check`
/// runs it on the stored facts of the mesh, `draft_check` on a draft's documents.
pub fn evaluate(
    subjects: &[PolicySubject],
    policies: &[LoadedPolicy],
) -> (Vec<Violation>, Vec<PolicyError>) {
    let mut violations = Vec::new();
    let mut errors = Vec::new();
    let sets = rule_sets(policies, &mut violations, &mut errors);
    for subject in subjects {
        let set = sets
            .get(&Some(subject.source.clone()))
            .unwrap_or(&sets[&None]);
        for effective in set.for_domain(subject.product.domain.as_deref()) {
            let rule = &effective.rule;
            if rule.severity == RuleSeverity::Off || !subject.applies(&rule.when) {
                continue;
            }
            for (path, message) in subject.evaluate(rule) {
                violations.push(Violation {
                    policy: rule.id.clone(),
                    severity: rule.severity.as_str().into(),
                    product: Some(subject.product.id.clone()),
                    path,
                    message,
                });
            }
        }
    }
    (violations, errors)
}

/// Checks one product (`Some(id)`) or every product against `policies`, stores the product
/// violations for scorecards, and returns them with the violations of the policy set itself
/// (policy errors, like unknown checks, come from loading).
pub async fn check_policies(
    store: &Store,
    policies: &[LoadedPolicy],
    id: Option<&str>,
) -> Result<(Vec<Violation>, Vec<PolicyError>), QualityError> {
    let subjects = policy_subjects(store, id).await?;
    if let (Some(id), true) = (id, subjects.is_empty()) {
        return Err(QualityError::UnknownProduct(id.to_owned()));
    }
    let (violations, errors) = evaluate(&subjects, policies);
    let found: Vec<&Violation> = violations.iter().filter(|v| v.product.is_some()).collect();
    store_violations(store, id, &found).await?;
    Ok((violations, errors))
}

/// Whether lineage names a dataset of product `id`'s output contracts (from the facts of the last
/// catalogue change, as `check` reads it).
pub async fn product_in_lineage(store: &Store, id: &str) -> Result<bool, QualityError> {
    ensure_targets(store).await?;
    let found: Option<(Option<bool>,)> =
        sqlx::query_as("SELECT in_lineage FROM quality_product_facts WHERE product_id = ?")
            .bind(id)
            .fetch_optional(store.pool())
            .await
            .ctx("read product lineage fact")?;
    Ok(found.and_then(|(l,)| l).unwrap_or(false))
}

/// A `quality_contract_facts` row, in column order.
type ContractRow = (
    String,
    Option<String>,
    Option<String>,
    bool,
    bool,
    String,
    String,
    String,
);

/// A product with its source and facts: (source, entity, custom, in_lineage, roles).
type ProductRow = (String, String, Option<String>, Option<bool>, Option<String>);

/// The subjects of one product (`Some(id)`) or of every product, from the stored facts.
async fn policy_subjects(
    store: &Store,
    id: Option<&str>,
) -> Result<Vec<PolicySubject>, QualityError> {
    ensure_targets(store).await?;
    let products: Vec<ProductRow> = sqlx::query_as(
        "SELECT d.source, p.entity, f.custom, f.in_lineage, f.roles FROM products p
         JOIN documents d ON d.id = p.document_id
         LEFT JOIN quality_product_facts f ON f.product_id = p.id
         WHERE ?1 IS NULL OR p.id = ?1 ORDER BY p.domain, p.id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await
    .ctx("read products for policy check")?;
    let contracts: Vec<ContractRow> = sqlx::query_as(
        "SELECT contract_id, contract_version, classification, has_retention, has_quality, pii_datasets, custom, roles
         FROM quality_contract_facts
         WHERE ?1 IS NULL OR contract_id IN (SELECT contract_id FROM ports WHERE product_id = ?1 AND direction = 'out')",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await
    .ctx("read contracts for policy check")?;
    let mut by_id: HashMap<String, Vec<(Option<String>, ContractView)>> = HashMap::new();
    for (cid, version, classification, has_retention, has_quality, pii, custom, roles) in contracts
    {
        let view = ContractView {
            id: cid.clone(),
            classification,
            has_retention,
            has_quality,
            datasets: serde_json::from_str(&pii).unwrap_or_default(),
            custom: serde_json::from_str(&custom).unwrap_or_default(),
            roles: serde_json::from_str(&roles).unwrap_or_default(),
        };
        by_id.entry(cid).or_default().push((version, view));
    }
    let mut views = Vec::new();
    for (source, entity, custom, in_lineage, roles) in products {
        let Ok(product) = serde_json::from_str::<Product>(&entity) else {
            continue;
        };
        let mut contracts = Vec::new();
        for port in &product.output_ports {
            let Some(list) = port.contract_id.as_ref().and_then(|c| by_id.get(c)) else {
                continue;
            };
            let found = list
                .iter()
                .find(|(v, _)| port.version.is_none() || *v == port.version);
            contracts.extend(found.map(|(_, view)| view.clone()));
        }
        views.push(PolicySubject {
            source,
            has_lineage: in_lineage.unwrap_or(false),
            roles: roles
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_default(),
            custom: custom
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or_default(),
            product,
            contracts,
        });
    }
    Ok(views)
}

async fn store_violations(
    store: &Store,
    id: Option<&str>,
    found: &[&Violation],
) -> Result<(), QualityError> {
    let mut tx = store.begin_write().await.ctx("begin policy results")?;
    sqlx::query("DELETE FROM policy_violations WHERE ?1 IS NULL OR product_id = ?1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .ctx("clear policy results")?;
    for chunk in found.chunks(5_000) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO policy_violations (product_id, policy, severity, path, message) ",
        );
        insert.push_values(chunk, |mut b, v| {
            b.push_bind(v.product.as_deref().unwrap_or_default())
                .push_bind(&v.policy)
                .push_bind(&v.severity)
                .push_bind(&v.path)
                .push_bind(&v.message);
        });
        insert
            .build()
            .persistent(false)
            .execute(&mut *tx)
            .await
            .ctx("store policy results")?;
    }
    tx.commit().await.ctx("commit policy results")?;
    Ok(())
}
