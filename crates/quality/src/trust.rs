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
use crate::query::{ProductFilter, Tally, now_ms, tallies};
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
    let (products, tallies) = tallies(store, which, now_ms()).await?;
    let facts: HashMap<String, Facts> = read_facts(store, which)
        .await?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    let mut weights = WeightCache::new(policies);
    let empty = Tally::default();
    let mut out = Vec::with_capacity(products.len());
    for (id, name, domain) in products {
        let Some(facts) = facts.get(&id) else {
            continue;
        };
        let tally = tallies.get(&id).unwrap_or(&empty);
        let weights = weights.get(&facts.source, domain.as_deref());
        let factors = factors(facts, tally, weights);
        out.push(ProductTrust {
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
        });
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
/// in about a third of the time of all trust scores. The quality targets must be up to date (`tallies` sees
/// to it), since the facts are written with them.
async fn read_facts(store: &Store, which: ProductFilter<'_>) -> Result<Vec<Facts>, QualityError> {
    let (text,): (String,) = sqlx::query_as(
        "SELECT json_group_array(json(t.facts)) FROM quality_trust_facts t
         WHERE (?1 IS NULL OR t.product_id IN (SELECT id FROM products WHERE domain = ?1))
           AND (?2 IS NULL OR t.product_id IN (SELECT value FROM json_each(?2)))",
    )
    .bind(which.domain())
    .bind(which.ids())
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
        .map(|factor| {
            let (value, reason) = match factor {
                Factor::Status => status(facts),
                Factor::Checks => checks(tally),
                Factor::Freshness => freshness(tally),
                Factor::Policy => policy(tally),
                Factor::Documentation => documentation(facts),
                Factor::Ownership => ownership(facts),
            };
            TrustFactor {
                name: factor.name().to_owned(),
                value,
                weight: weights[factor as usize],
                reason,
            }
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

fn status(facts: &Facts) -> (f64, String) {
    if facts.certified {
        return (1.0, "tagged certified".into());
    }
    let status = facts.status.as_deref().map(str::to_lowercase);
    let value = match status.as_deref() {
        Some("certified") => 1.0,
        Some("active") => 0.8,
        Some("proposed" | "draft" | "development") => 0.4,
        Some("deprecated") => 0.2,
        Some("retired") => 0.0,
        _ => 0.3,
    };
    let reason = match &facts.status {
        Some(s) => format!("status {s}, not tagged certified"),
        None => "no status declared".into(),
    };
    (value, reason)
}

fn checks(tally: &Tally) -> (f64, String) {
    if tally.checks == 0 {
        return (0.5, "no check results kept for its contracts".into());
    }
    let passing = tally.checks.saturating_sub(tally.failing);
    let value = passing as f64 / tally.checks as f64;
    let rate = tally.rate().map_or(String::new(), |r| {
        format!(" (pass rate {:.0} % over the kept history)", r * 100.0)
    });
    let reason = format!(
        "{passing} of {} checks pass on their latest run{rate}",
        tally.checks
    );
    (value, reason)
}

fn freshness(tally: &Tally) -> (f64, String) {
    match tally.sla_breaches {
        0 => (1.0, "no SLA breach (freshness, latency) observed".into()),
        n => (
            1.0 / (1.0 + n as f64),
            format!("{n} SLA breach(es): freshness or latency misses its promise"),
        ),
    }
}

fn policy(tally: &Tally) -> (f64, String) {
    match tally.policy_violations {
        0 => (1.0, "no violation found by the last policy check".into()),
        n => (
            1.0 / (1.0 + n as f64),
            format!("{n} violation(s) found by the last policy check"),
        ),
    }
}

fn documentation(facts: &Facts) -> (f64, String) {
    let parts_given = [
        ("purpose", facts.purpose),
        ("usage", facts.usage),
        ("limitations", facts.limitations),
    ];
    let mut missing: Vec<String> = parts_given
        .iter()
        .filter(|(_, given)| !given)
        .map(|(name, _)| format!("description.{name}"))
        .collect();
    let uncovered = facts.out_ports - facts.with_contract;
    if uncovered > 0 {
        missing.push(format!("a contract on {uncovered} output port(s)"));
    }
    // Three description fields and the output ports' contracts, one part each.
    let parts = 3.0 + f64::from(u8::from(facts.out_ports > 0));
    let covered = if facts.out_ports > 0 {
        facts.with_contract as f64 / facts.out_ports as f64
    } else {
        0.0
    };
    let described = parts_given.iter().filter(|(_, given)| *given).count() as f64;
    let value = (described + covered) / parts;
    let reason = match missing.is_empty() {
        true => "purpose, usage, limitations and every output port's contract are given".into(),
        false => format!("missing: {}", missing.join(", ")),
    };
    (value, reason)
}

fn ownership(facts: &Facts) -> (f64, String) {
    let held: Vec<Role> = (facts.product_roles.iter())
        .chain(&facts.contract_roles)
        .filter_map(|id| Role::from_id(id))
        .collect();
    let missing: Vec<&str> = Role::EXPECTED
        .into_iter()
        .filter(|r| !held.contains(r))
        .map(Role::as_str)
        .collect();
    let expected = Role::EXPECTED.len();
    let value = (expected - missing.len()) as f64 / expected as f64;
    let reason = match missing.is_empty() {
        true => "every expected role is held".into(),
        false => format!("nobody holds: {}", missing.join(", ")),
    };
    (value, reason)
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

    #[test]
    fn each_factor_says_why() {
        let f = facts();
        let (value, reason) = documentation(&f);
        assert_eq!(value, 1.5 / 4.0);
        assert_eq!(
            reason,
            "missing: description.usage, description.limitations, a contract on 1 output port(s)"
        );
        let (value, reason) = ownership(&f);
        assert_eq!(value, 3.0 / 5.0);
        assert_eq!(reason, "nobody holds: technical_owner, escalation");
        let tally = Tally {
            checks: 4,
            failing: 1,
            evaluated: 10,
            passes: 8,
            ..Tally::default()
        };
        let (value, reason) = checks(&tally);
        assert_eq!(value, 0.75);
        assert_eq!(
            reason,
            "3 of 4 checks pass on their latest run (pass rate 80 % over the kept history)"
        );
        assert_eq!(checks(&Tally::default()).0, 0.5);
        assert_eq!(
            status(&f),
            (0.8, "status active, not tagged certified".into())
        );
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
