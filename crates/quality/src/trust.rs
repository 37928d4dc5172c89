//! The trust score (`TRUST.md`): 0–100 per product from six factors, each shown with its value,
//! weight and reason so that nobody has to trust a black box. The weights come from the `trust:`
//! section of policy files, resolved per product the way governance rules are: the built-in policy
//! and this machine's, then the product's own source; within each, global before domain.

use std::collections::{BTreeMap, HashMap};

use meshlens_model::Role;
use meshlens_store::{Ctx, Store};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::error::{QualityError, rows_from_json};
use crate::policy::{LoadedPolicy, PolicyScope};
use crate::query::{ProductFilter, ProductLabel, Tally, now_ms, tallies};
use crate::types::Scorecard;

/// The factors of the score, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Factor {
    Status,
    Checks,
    Freshness,
    Policy,
    Documentation,
    Ownership,
}

const FACTORS: [Factor; 6] = [
    Factor::Status,
    Factor::Checks,
    Factor::Freshness,
    Factor::Policy,
    Factor::Documentation,
    Factor::Ownership,
];

impl Factor {
    fn name(self) -> &'static str {
        match self {
            Factor::Status => "status",
            Factor::Checks => "checks",
            Factor::Freshness => "freshness",
            Factor::Policy => "policy",
            Factor::Documentation => "documentation",
            Factor::Ownership => "ownership",
        }
    }

    fn from_name(name: &str) -> Option<Factor> {
        FACTORS.into_iter().find(|f| f.name() == name)
    }

    /// The factor's value, from 0 to 1.
    fn value(self, facts: &Facts, tally: &Tally) -> f64 {
        match self {
            Factor::Status => status_value(facts),
            Factor::Checks => checks_value(tally),
            Factor::Freshness => misses_value(tally.sla_breaches),
            Factor::Policy => misses_value(tally.policy_violations),
            Factor::Documentation => documentation_value(facts),
            Factor::Ownership => ownership_value(facts),
        }
    }

    /// Why the factor has its value: written for the scores shown (`trust`, the product page), not for the sums
    /// of `mesh`, which would spend more on 60k texts than on the values.
    fn reason(self, facts: &Facts, tally: &Tally) -> String {
        match self {
            Factor::Status => status_reason(facts),
            Factor::Checks => checks_reason(tally),
            Factor::Freshness => freshness_reason(tally),
            Factor::Policy => policy_reason(tally),
            Factor::Documentation => documentation_reason(facts),
            Factor::Ownership => ownership_reason(facts),
        }
    }
}

/// A policy's `trust:` section: `weights: {checks: 30, ...}`; factors left out keep the weight
/// of the policy below it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustSection {
    pub weights: BTreeMap<String, u32>,
}

impl TrustSection {
    /// Drops the weights of unknown factors (a typo never silently weighs nothing) and says which.
    pub(crate) fn drop_unknown(&mut self) -> Vec<String> {
        let unknown: Vec<String> = self
            .weights
            .keys()
            .filter(|name| Factor::from_name(name).is_none())
            .cloned()
            .collect();
        self.weights
            .retain(|name, _| Factor::from_name(name).is_some());
        let known: Vec<&str> = FACTORS.iter().map(|f| f.name()).collect();
        unknown
            .into_iter()
            .map(|name| {
                format!(
                    "trust weight '{name}': unknown factor (known: {}); it is ignored",
                    known.join(", ")
                )
            })
            .collect()
    }
}

/// One factor of a trust score: `value` from 0 to 1, its `weight`, and why it has that value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrustFactor {
    pub name: String,
    pub value: f64,
    pub weight: u32,
    pub reason: String,
}

/// `meshlens trust ID`: the weighted mean of the factors' values, from 0 to 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrustScore {
    pub id: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub score: u32,
    pub factors: Vec<TrustFactor>,
}

impl TrustScore {
    /// The value of the factor called `name`, if the score has it.
    pub fn factor(&self, name: &str) -> Option<f64> {
        self.factors
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value)
    }
}

/// A product's trust score with the scorecard and the facts it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductTrust {
    pub card: Scorecard,
    pub trust: TrustScore,
    pub owner_team: Option<String>,
    pub source: String,
    /// The kept outcomes behind the pass rate and how many passed, so that a domain's pass rate
    /// pools its products' outcomes as `scorecard --domain` does.
    pub evaluated: i64,
    pub passes: i64,
}

/// A product's factor values without their reasons or weights, with the figures `mesh` sums per domain.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductValues {
    pub id: String,
    pub domain: Option<String>,
    pub owner_team: Option<String>,
    pub sla_breaches: u64,
    pub policy_violations: u64,
    /// The kept outcomes behind the pass rate and how many passed (see [`ProductTrust`]).
    pub evaluated: i64,
    pub passes: i64,
    values: [f64; FACTORS.len()],
}

impl ProductValues {
    /// The value of the factor called `name`, if there is one.
    pub fn factor(&self, name: &str) -> Option<f64> {
        Factor::from_name(name).map(|f| self.values[f as usize])
    }
}

/// What the score reads about a product besides its quality figures (a `quality_trust_facts` row).
#[derive(Debug, Clone, Deserialize)]
struct Facts {
    id: String,
    source: String,
    owner_team: Option<String>,
    status: Option<String>,
    certified: bool,
    /// Whether `description.purpose`, `usage` and `limitations` are given (not blank).
    purpose: bool,
    usage: bool,
    limitations: bool,
    out_ports: i64,
    with_contract: i64,
    /// Role ids: the product's own and its output contracts'.
    product_roles: Vec<String>,
    contract_roles: Vec<String>,
}

/// The trust score of every product of `domain` (all when `None`), ordered by domain then id.
pub async fn trust_scores(
    store: &Store,
    policies: &[LoadedPolicy],
    domain: Option<&str>,
) -> Result<Vec<ProductTrust>, QualityError> {
    scores(store, policies, ProductFilter::of_domain(domain)).await
}

/// The trust scores of the products `ids` (unknown ones left out), by id: what search orders
/// equally good hits by, read for the few products of a page only.
pub async fn trust_scores_of(
    store: &Store,
    policies: &[LoadedPolicy],
    ids: &[String],
) -> Result<HashMap<String, u32>, QualityError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = serde_json::to_string(ids).expect("strings serialize");
    let found = scores(store, policies, ProductFilter::Ids(&ids)).await?;
    Ok(found
        .into_iter()
        .map(|p| (p.trust.id, p.trust.score))
        .collect())
}

async fn scores(
    store: &Store,
    policies: &[LoadedPolicy],
    which: ProductFilter<'_>,
) -> Result<Vec<ProductTrust>, QualityError> {
    let mut weights = WeightCache::new(policies);
    each_product(store, which, |(id, name, domain), facts, tally| {
        let weights = weights.get(&facts.source, domain.as_deref());
        let factors = factors(facts, tally, weights);
        ProductTrust {
            card: tally.card(id.clone(), name.clone(), domain.clone()),
            trust: TrustScore {
                score: score(&factors),
                factors,
                id,
                name,
                domain,
            },
            owner_team: facts.owner_team.clone(),
            source: facts.source.clone(),
            evaluated: tally.evaluated,
            passes: tally.passes,
        }
    })
    .await
}

/// The factor values of every product of `domain` (all when `None`), ordered by domain then id: what
/// [`trust_scores`] computes, without the reasons and weights that `mesh` does not show.
pub async fn trust_values(
    store: &Store,
    domain: Option<&str>,
) -> Result<Vec<ProductValues>, QualityError> {
    each_product(
        store,
        ProductFilter::of_domain(domain),
        |(id, _, domain), facts, tally| ProductValues {
            id,
            domain,
            owner_team: facts.owner_team.clone(),
            sla_breaches: tally.sla_breaches,
            policy_violations: tally.policy_violations,
            evaluated: tally.evaluated,
            passes: tally.passes,
            values: FACTORS.map(|factor| factor.value(facts, tally)),
        },
    )
    .await
}

/// `make` of every product of `which` with its facts and figures, ordered by domain then id.
async fn each_product<T>(
    store: &Store,
    which: ProductFilter<'_>,
    mut make: impl FnMut(ProductLabel, &Facts, &Tally) -> T,
) -> Result<Vec<T>, QualityError> {
    let (products, tallies) = tallies(store, which, now_ms()).await?;
    let facts: HashMap<String, Facts> = read_facts(store, which)
        .await?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    let empty = Tally::default();
    let mut out = Vec::with_capacity(products.len());
    for product in products {
        let Some(facts) = facts.get(&product.0) else {
            continue;
        };
        let tally = tallies.get(&product.0).unwrap_or(&empty);
        out.push(make(product, facts, tally));
    }
    Ok(out)
}

/// The trust score of one product.
pub async fn trust_score(
    store: &Store,
    policies: &[LoadedPolicy],
    id: &str,
) -> Result<TrustScore, QualityError> {
    let ids = serde_json::to_string(&[id]).expect("strings serialize");
    let found = scores(store, policies, ProductFilter::Ids(&ids)).await?;
    found
        .into_iter()
        .map(|p| p.trust)
        .next()
        .ok_or_else(|| QualityError::UnknownProduct(id.to_owned()))
}

/// Every product's stored facts (see [`write_trust_facts`]) as one JSON text: 10k rows crossed sqlx one by one
/// in about a third of the time of all trust scores. The rows are JSON objects written by `json_object`, so they
/// are joined as they are: `json(t.facts)` parsed and wrote each again (a tenth of the time of `mesh`). The
/// quality targets must be up to date (`tallies` sees to it), since the facts are written with them.
async fn read_facts(store: &Store, which: ProductFilter<'_>) -> Result<Vec<Facts>, QualityError> {
    let query = match which {
        // Driven by the ids: a handful of lookups, never a scan of the facts.
        ProductFilter::Ids(ids) => sqlx::query_as(
            "SELECT '[' || COALESCE(group_concat(t.facts, ','), '') || ']'
             FROM json_each(?1) j CROSS JOIN quality_trust_facts t ON t.product_id = j.value",
        )
        .bind(ids),
        _ => sqlx::query_as(
            "SELECT '[' || COALESCE(group_concat(t.facts, ','), '') || ']' FROM quality_trust_facts t
             WHERE ?1 IS NULL OR t.product_id IN (SELECT id FROM products WHERE domain = ?1)",
        )
        .bind(which.domain()),
    };
    let (text,): (String,) = query
        .fetch_one(store.pool())
        .await
        .ctx("read trust facts")?;
    rows_from_json(&text, "read trust facts")
}

/// Derives every product's trust facts from the catalogue, after its product facts (roles) and contract
/// facts are written. Blank means empty or only spaces, tabs and line breaks.
pub(crate) async fn write_trust_facts(conn: &mut SqliteConnection) -> Result<(), QualityError> {
    sqlx::query("DELETE FROM quality_trust_facts")
        .execute(&mut *conn)
        .await
        .ctx("clear trust facts")?;
    sqlx::query(
        "INSERT INTO quality_trust_facts (product_id, facts)
         SELECT pr.id, json_object(
                'id', pr.id, 'source', d.source, 'owner_team', pr.owner_team, 'status', pr.status,
                'certified', json(IIF(EXISTS (SELECT 1 FROM product_tags t WHERE t.product_id = pr.id
                                              AND lower(t.tag) = 'certified'), 'true', 'false')),
                'purpose', json(IIF(trim('' || json_extract(pr.entity, '$.description'), ?1) <> '', 'true', 'false')),
                'usage', json(IIF(trim('' || json_extract(pr.entity, '$.usage'), ?1) <> '', 'true', 'false')),
                'limitations', json(IIF(trim('' || json_extract(pr.entity, '$.limitations'), ?1) <> '', 'true', 'false')),
                'out_ports', (SELECT COUNT(*) FROM ports p WHERE p.product_id = pr.id AND p.direction = 'out'),
                'with_contract', (SELECT COUNT(p.contract_id) FROM ports p
                                  WHERE p.product_id = pr.id AND p.direction = 'out'),
                'product_roles', json(COALESCE(f.roles, '[]')),
                'contract_roles', json((SELECT json_group_array(r.value) FROM ports p
                   JOIN quality_contract_facts cf ON cf.contract_id = p.contract_id, json_each(cf.roles) r
                   WHERE p.product_id = pr.id AND p.direction = 'out')))
         FROM products pr JOIN documents d ON d.id = pr.document_id
         LEFT JOIN quality_product_facts f ON f.product_id = pr.id",
    )
    .bind(" \t\n\r")
    .execute(&mut *conn)
    .await
    .ctx("write trust facts")?;
    Ok(())
}

/// Weights by (source, domain): each pair is resolved once.
struct WeightCache<'a> {
    policies: &'a [LoadedPolicy],
    resolved: HashMap<(String, Option<String>), [u32; 6]>,
}

impl<'a> WeightCache<'a> {
    fn new(policies: &'a [LoadedPolicy]) -> Self {
        WeightCache {
            policies,
            resolved: HashMap::new(),
        }
    }

    fn get(&mut self, source: &str, domain: Option<&str>) -> [u32; 6] {
        let key = (source.to_owned(), domain.map(str::to_owned));
        *self
            .resolved
            .entry(key)
            .or_insert_with(|| resolve_weights(self.policies, source, domain))
    }
}

/// Layers, later ones overriding earlier ones factor by factor: policies for every source (the
/// built-in one and this machine's), then the source's own; global scope before domain scope.
fn resolve_weights(policies: &[LoadedPolicy], source: &str, domain: Option<&str>) -> [u32; 6] {
    let mut weights = [0; 6];
    for (of_source, domain_layer) in [
        (None, false),
        (None, true),
        (Some(source), false),
        (Some(source), true),
    ] {
        for loaded in policies.iter().filter(|p| p.source.as_deref() == of_source) {
            let applies = match &loaded.policy.scope {
                PolicyScope::Global => !domain_layer,
                PolicyScope::Domain(d) => domain_layer && domain == Some(d.as_str()),
            };
            let Some(trust) = loaded.policy.trust.as_ref().filter(|_| applies) else {
                continue;
            };
            for (name, &weight) in &trust.weights {
                if let Some(factor) = Factor::from_name(name) {
                    weights[factor as usize] = weight;
                }
            }
        }
    }
    weights
}

fn factors(facts: &Facts, tally: &Tally, weights: [u32; 6]) -> Vec<TrustFactor> {
    FACTORS
        .into_iter()
        .map(|factor| TrustFactor {
            name: factor.name().to_owned(),
            value: factor.value(facts, tally),
            weight: weights[factor as usize],
            reason: factor.reason(facts, tally),
        })
        .collect()
}

/// The weighted mean of the values, 0–100 (0 when every weight is 0).
fn score(factors: &[TrustFactor]) -> u32 {
    let total: u32 = factors.iter().map(|f| f.weight).sum();
    if total == 0 {
        return 0;
    }
    let sum: f64 = factors.iter().map(|f| f.value * f64::from(f.weight)).sum();
    (100.0 * sum / f64::from(total)).round() as u32
}

fn status_value(facts: &Facts) -> f64 {
    if facts.certified {
        return 1.0;
    }
    match facts.status.as_deref().map(str::to_lowercase).as_deref() {
        Some("certified") => 1.0,
        Some("active") => 0.8,
        Some("proposed" | "draft" | "development") => 0.4,
        Some("deprecated") => 0.2,
        Some("retired") => 0.0,
        _ => 0.3,
    }
}

fn status_reason(facts: &Facts) -> String {
    match (facts.certified, &facts.status) {
        (true, _) => "tagged certified".into(),
        (false, Some(s)) => format!("status {s}, not tagged certified"),
        (false, None) => "no status declared".into(),
    }
}

/// Checks whose latest run passes.
fn passing(tally: &Tally) -> u64 {
    tally.checks.saturating_sub(tally.failing)
}

fn checks_value(tally: &Tally) -> f64 {
    match tally.checks {
        0 => 0.5,
        checks => passing(tally) as f64 / checks as f64,
    }
}

fn checks_reason(tally: &Tally) -> String {
    if tally.checks == 0 {
        return "no check results kept for its contracts".into();
    }
    let rate = tally.rate().map_or(String::new(), |r| {
        format!(" (pass rate {:.0} % over the kept history)", r * 100.0)
    });
    format!(
        "{} of {} checks pass on their latest run{rate}",
        passing(tally),
        tally.checks
    )
}

/// 1 without a miss, halved by the first, a third with two, …
fn misses_value(misses: u64) -> f64 {
    1.0 / (1.0 + misses as f64)
}

fn freshness_reason(tally: &Tally) -> String {
    match tally.sla_breaches {
        0 => "no SLA breach (freshness, latency) observed".into(),
        n => format!("{n} SLA breach(es): freshness or latency misses its promise"),
    }
}

fn policy_reason(tally: &Tally) -> String {
    match tally.policy_violations {
        0 => "no violation found by the last policy check".into(),
        n => format!("{n} violation(s) found by the last policy check"),
    }
}

/// Whether each part of the description is given.
fn description_parts(facts: &Facts) -> [(&'static str, bool); 3] {
    [
        ("purpose", facts.purpose),
        ("usage", facts.usage),
        ("limitations", facts.limitations),
    ]
}

fn documentation_value(facts: &Facts) -> f64 {
    // Three description fields and the output ports' contracts, one part each.
    let parts = 3.0 + f64::from(u8::from(facts.out_ports > 0));
    let covered = if facts.out_ports > 0 {
        facts.with_contract as f64 / facts.out_ports as f64
    } else {
        0.0
    };
    let described = description_parts(facts)
        .iter()
        .filter(|(_, given)| *given)
        .count() as f64;
    (described + covered) / parts
}

fn documentation_reason(facts: &Facts) -> String {
    let mut missing: Vec<String> = description_parts(facts)
        .iter()
        .filter(|(_, given)| !given)
        .map(|(name, _)| format!("description.{name}"))
        .collect();
    let uncovered = facts.out_ports - facts.with_contract;
    if uncovered > 0 {
        missing.push(format!("a contract on {uncovered} output port(s)"));
    }
    match missing.is_empty() {
        true => "purpose, usage, limitations and every output port's contract are given".into(),
        false => format!("missing: {}", missing.join(", ")),
    }
}

/// The expected roles nobody holds, neither on the product nor on its output contracts.
fn missing_roles(facts: &Facts) -> impl Iterator<Item = Role> + '_ {
    let held = facts.product_roles.iter().chain(&facts.contract_roles);
    Role::EXPECTED
        .into_iter()
        .filter(move |role| !held.clone().any(|id| Role::from_id(id) == Some(*role)))
}

fn ownership_value(facts: &Facts) -> f64 {
    let expected = Role::EXPECTED.len();
    (expected - missing_roles(facts).count()) as f64 / expected as f64
}

fn ownership_reason(facts: &Facts) -> String {
    let missing: Vec<&str> = missing_roles(facts).map(Role::as_str).collect();
    match missing.is_empty() {
        true => "every expected role is held".into(),
        false => format!("nobody holds: {}", missing.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::load_policy_bytes;

    fn facts() -> Facts {
        Facts {
            id: "p".into(),
            source: "s".into(),
            owner_team: None,
            status: Some("active".into()),
            certified: false,
            purpose: true,
            usage: false,
            limitations: false,
            out_ports: 2,
            with_contract: 1,
            product_roles: vec!["business_owner".into(), "steward".into()],
            contract_roles: vec!["on_call".into(), "steward".into()],
        }
    }

    /// The factor's value and reason.
    fn judged(factor: Factor, facts: &Facts, tally: &Tally) -> (f64, String) {
        (factor.value(facts, tally), factor.reason(facts, tally))
    }

    #[test]
    fn each_factor_says_why() {
        let f = facts();
        let none = Tally::default();
        let (value, reason) = judged(Factor::Documentation, &f, &none);
        assert_eq!(value, 1.5 / 4.0);
        assert_eq!(
            reason,
            "missing: description.usage, description.limitations, a contract on 1 output port(s)"
        );
        let (value, reason) = judged(Factor::Ownership, &f, &none);
        assert_eq!(value, 3.0 / 5.0);
        assert_eq!(reason, "nobody holds: technical_owner, escalation");
        let tally = Tally {
            checks: 4,
            failing: 1,
            evaluated: 10,
            passes: 8,
            sla_breaches: 1,
            ..Tally::default()
        };
        let (value, reason) = judged(Factor::Checks, &f, &tally);
        assert_eq!(value, 0.75);
        assert_eq!(
            reason,
            "3 of 4 checks pass on their latest run (pass rate 80 % over the kept history)"
        );
        assert_eq!(Factor::Checks.value(&f, &none), 0.5);
        assert_eq!(
            judged(Factor::Freshness, &f, &tally),
            (
                0.5,
                "1 SLA breach(es): freshness or latency misses its promise".into()
            )
        );
        assert_eq!(
            judged(Factor::Policy, &f, &none),
            (1.0, "no violation found by the last policy check".into())
        );
        assert_eq!(
            judged(Factor::Status, &f, &none),
            (0.8, "status active, not tagged certified".into())
        );
        let certified = Facts {
            certified: true,
            ..facts()
        };
        assert_eq!(
            judged(Factor::Status, &certified, &none),
            (1.0, "tagged certified".into())
        );
    }

    #[test]
    fn values_are_the_scores_values_by_name() {
        let f = facts();
        let tally = Tally {
            checks: 3,
            failing: 2,
            policy_violations: 3,
            ..Tally::default()
        };
        let values = ProductValues {
            id: "p".into(),
            domain: None,
            owner_team: None,
            sla_breaches: 0,
            policy_violations: 3,
            evaluated: 0,
            passes: 0,
            values: FACTORS.map(|factor| factor.value(&f, &tally)),
        };
        for factor in factors(&f, &tally, [1; 6]) {
            assert_eq!(values.factor(&factor.name), Some(factor.value));
        }
        assert_eq!(values.factor("policy"), Some(0.25));
        assert_eq!(values.factor("nonesuch"), None);
    }

    #[test]
    fn the_score_is_the_weighted_mean() {
        let factor = |value, weight| TrustFactor {
            name: "x".into(),
            value,
            weight,
            reason: String::new(),
        };
        assert_eq!(score(&[factor(1.0, 30), factor(0.0, 10)]), 75);
        assert_eq!(score(&[factor(1.0, 0)]), 0);
    }

    fn policy_file(source: Option<&str>, yaml: &str) -> LoadedPolicy {
        let (loaded, errors) = load_policy_bytes("test.yaml", yaml.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        LoadedPolicy {
            source: source.map(str::to_owned),
            ..loaded.unwrap()
        }
    }

    #[test]
    fn a_domain_of_a_source_overrides_the_built_in_weights_factor_by_factor() {
        let mut policies = crate::default_policies();
        policies.push(policy_file(
            Some("sales-repo"),
            "apiVersion: meshlens/v1\nkind: Policy\nid: t\nscope: {domain: sales}\ntrust:\n  weights:\n    checks: 60\n",
        ));
        let builtin = resolve_weights(&policies, "sales-repo", Some("finance"));
        assert_eq!(builtin, [15, 25, 20, 15, 10, 15]);
        let sales = resolve_weights(&policies, "sales-repo", Some("sales"));
        assert_eq!(sales, [15, 60, 20, 15, 10, 15]);
        // Another source's products keep the built-in weights, even in the same domain.
        assert_eq!(resolve_weights(&policies, "other", Some("sales")), builtin);
    }

    #[test]
    fn an_unknown_factor_is_reported_and_ignored() {
        let (loaded, errors) = load_policy_bytes(
            "t.yaml",
            b"apiVersion: meshlens/v1\nkind: Policy\nid: t\nscope: global\ntrust:\n  weights:\n    chekcs: 60\n    policy: 5\n",
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("'chekcs'"));
        let trust = loaded.unwrap().policy.trust.unwrap();
        assert_eq!(
            trust.weights.into_iter().collect::<Vec<_>>(),
            [("policy".to_owned(), 5)]
        );
    }
}
