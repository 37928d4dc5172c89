//! The mesh at a glance (issue #23): domains with their health and score, the product edges
//! between domains, adoption per product and trust scores. Consumers are the three kinds of
//! evidence `consumers` reads for one product (input ports, approved agreements in force, lineage),
//! read here for the whole mesh at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use meshlens_quality::{ProductTrust, ProductValues, TrustFactor, TrustScore};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::adoption_trend::{AdoptionChange, AdoptionTrendPoint};
use crate::{App, AppError, ConsumerVia, EventSink, GetProductArgs};

/// `meshlens mesh [--domain D]`.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeshArgs {
    /// Only this domain and the edges that touch it.
    #[serde(default)]
    #[ts(optional)]
    pub domain: Option<String>,
}

/// Domains and the product edges between them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Mesh {
    pub domains: Vec<MeshDomain>,
    /// Cross-domain edges only, from the provider to the consumer (the way data flows).
    pub edges: Vec<MeshEdge>,
}

/// One domain: size, owner teams, health and score. Products without a domain make the domain `""`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MeshDomain {
    pub name: String,
    pub products: u64,
    /// The owner teams of its products, sorted.
    pub teams: Vec<String>,
    /// 0–100: the mean of `score_factors`' values.
    pub score: u32,
    /// Passing share of its products' kept check outcomes (0..1), `None` without results.
    pub pass_rate: Option<f64>,
    pub sla_breaches: u64,
    /// Found by the last policy check.
    pub policy_violations: u64,
    /// Distinct consumers of its products (products, teams or users) that are not its own products.
    pub consumers: u64,
    /// quality, sla, policy, ownership, documentation: each its products' mean trust factor value,
    /// weighed equally.
    pub score_factors: Vec<TrustFactor>,
    /// Domains consuming its products, sorted.
    pub feeds: Vec<String>,
    /// Domains whose products it consumes, sorted.
    pub depends_on: Vec<String>,
}

/// A product of one domain consumed by a product of another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
pub struct MeshEdge {
    pub from: String,
    pub to: String,
    pub from_domain: String,
    pub to_domain: String,
    pub kind: ConsumerVia,
}

/// `meshlens adoption [--domain D] [--unused]`.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdoptionArgs {
    #[serde(default)]
    #[ts(optional)]
    pub domain: Option<String>,
    /// Only products with no known consumer.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub unused: bool,
}

/// Who consumes one product.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Adoption {
    pub id: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    /// Distinct consumers, whatever the evidence.
    pub consumers: u64,
    pub via: AdoptionVia,
    pub usage: Usage,
    /// The figures as syncs saw them, oldest first: a point each time they changed.
    pub trend: Vec<AdoptionTrendPoint>,
    /// How the consumers changed over the last 30 days; `null` without history.
    pub change_30d: Option<AdoptionChange>,
}

/// Distinct consumers per kind of evidence (one consumer may be known through several).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct AdoptionVia {
    pub agreement: u64,
    pub lineage: u64,
    pub input_port: u64,
}

/// Usage statistics from the product's catalog over the last 30 days; `null` where the catalog gives
/// none. Queries add up over the product's output tables; users are the most any one of them had
/// (two tables' distinct users cannot be added). OpenMetadata gives queries, DataHub both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct Usage {
    pub queries_30d: Option<u64>,
    pub users_30d: Option<u64>,
}

/// One piece of evidence that `consumer` consumes `provider`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Link {
    provider: String,
    consumer: String,
    via: ConsumerVia,
}

/// The names of a domain's score parts and the trust factor each averages.
const DOMAIN_PARTS: [(&str, &str); 5] = [
    ("quality", "checks"),
    ("sla", "freshness"),
    ("policy", "policy"),
    ("ownership", "ownership"),
    ("documentation", "documentation"),
];

impl App {
    /// Domains with health and score, and the product edges between them.
    pub async fn mesh(&self, args: MeshArgs, _: &dyn EventSink) -> Result<Mesh, AppError> {
        // The domains' scores sum factor values only: the products' reasons and weights are not shown. Both reads
        // are independent, so each runs on its own pooled connection at once.
        let values =
            async { Ok::<_, AppError>(meshlens_quality::trust_values(self.store(), None).await?) };
        let (products, links) = tokio::try_join!(values, self.consumer_links())?;
        let domain_of: HashMap<&str, &str> = products
            .iter()
            .map(|p| (p.id.as_str(), p.domain.as_deref().unwrap_or_default()))
            .collect();
        let edges = cross_domain_edges(&links, &domain_of);
        let mut domains = domain_summaries(&products, &links, &domain_of, &edges);
        let mut edges = edges;
        if let Some(only) = &args.domain {
            domains.retain(|d| d.name == *only);
            edges.retain(|e| e.from_domain == *only || e.to_domain == *only);
        }
        Ok(Mesh { domains, edges })
    }

    /// Consumers of every product (of one domain), by kind of evidence, with their trend.
    pub async fn adoption(
        &self,
        args: AdoptionArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<Adoption>, AppError> {
        let mut out = self.measure_adoption(args.domain.as_deref()).await?;
        out.retain(|a| !args.unused || a.consumers == 0);
        let mut history = self
            .store()
            .adoption_history(args.domain.as_deref())
            .await?;
        let month_ago = meshlens_edit::now_ms() - 30 * 24 * 3_600_000;
        for adoption in &mut out {
            let points = history.remove(&adoption.id).unwrap_or_default();
            adoption.change_30d = AdoptionChange::since(&points, adoption.consumers, month_ago);
            adoption.trend = points.into_iter().map(AdoptionTrendPoint::from).collect();
        }
        Ok(out)
    }

    /// Every product's (of one domain) consumers and usage now, ordered by domain then id.
    pub(crate) async fn measure_adoption(
        &self,
        domain: Option<&str>,
    ) -> Result<Vec<Adoption>, AppError> {
        let products = self.store().product_labels(domain).await?;
        let links = self.consumer_links().await?;
        let stats = self.store().product_stats().await?;
        let mut of: HashMap<&str, Vec<&Link>> = HashMap::new();
        for link in &links {
            of.entry(link.provider.as_str()).or_default().push(link);
        }
        let mut out: Vec<Adoption> = products
            .into_iter()
            .map(|(id, name, domain)| {
                let found = of.get(id.as_str()).map(Vec::as_slice).unwrap_or_default();
                let usage = stats.get(&id).map_or_else(Usage::default, |s| Usage {
                    queries_30d: s.queries_30d,
                    users_30d: s.users_30d,
                });
                adoption(id, name, domain, found, usage)
            })
            .collect();
        out.sort_by(|a, b| (&a.domain, &a.id).cmp(&(&b.domain, &b.id)));
        Ok(out)
    }

    /// A product's trust score with each factor's value, weight and reason.
    pub async fn trust(
        &self,
        args: GetProductArgs,
        _: &dyn EventSink,
    ) -> Result<TrustScore, AppError> {
        let set = self.policy_set().await?;
        let id = self.product_id(&args.id).await?;
        match meshlens_quality::trust_score(self.store(), &set.policies, &id).await {
            Err(meshlens_quality::QualityError::UnknownProduct(id)) => {
                Err(AppError::not_found(format!("product `{id}`")))
            }
            found => Ok(found?),
        }
    }

    /// Every product's trust score (of one domain), with the weights its policies set.
    pub(crate) async fn product_trust(
        &self,
        domain: Option<&str>,
    ) -> Result<Vec<ProductTrust>, AppError> {
        let set = self.policy_set().await?;
        Ok(meshlens_quality::trust_scores(self.store(), &set.policies, domain).await?)
    }

    /// Every consumer link of the mesh, sorted, without duplicates and without a product consuming itself.
    async fn consumer_links(&self) -> Result<Vec<Link>, AppError> {
        // Gathered, then sorted once: 30k inserts into an ordered set compared strings at every step.
        let mut links = Vec::new();
        let link = |provider: String, consumer: String, via| Link {
            provider,
            consumer,
            via,
        };
        for (provider, consumer) in self.store().input_port_links().await? {
            links.push(link(provider, consumer, ConsumerVia::InputPort));
        }
        for agreement in self.agreements_in_force(None).await? {
            let consumer = agreement.consumer().to_owned();
            links.push(link(agreement.product, consumer, ConsumerVia::Agreement));
        }
        for (provider, consumer) in meshlens_lineage::all_lineage_links(self.store()).await? {
            links.push(link(provider, consumer, ConsumerVia::Lineage));
        }
        links.retain(|l| l.provider != l.consumer && !l.consumer.is_empty());
        links.sort_unstable();
        links.dedup();
        Ok(links)
    }
}

fn adoption(
    id: String,
    name: Option<String>,
    domain: Option<String>,
    links: &[&Link],
    usage: Usage,
) -> Adoption {
    let distinct = |via: Option<ConsumerVia>| {
        let consumers: BTreeSet<&str> = links
            .iter()
            .filter(|l| via.is_none_or(|v| l.via == v))
            .map(|l| l.consumer.as_str())
            .collect();
        consumers.len() as u64
    };
    Adoption {
        consumers: distinct(None),
        via: AdoptionVia {
            agreement: distinct(Some(ConsumerVia::Agreement)),
            lineage: distinct(Some(ConsumerVia::Lineage)),
            input_port: distinct(Some(ConsumerVia::InputPort)),
        },
        usage,
        trend: Vec::new(),
        change_30d: None,
        id,
        name,
        domain,
    }
}

/// The links between products of two different domains (a consumer that is no product, such as a
/// team named by an agreement, has no domain and makes no edge).
fn cross_domain_edges(links: &[Link], domain_of: &HashMap<&str, &str>) -> Vec<MeshEdge> {
    let mut edges: Vec<MeshEdge> = links
        .iter()
        .filter_map(|l| {
            let from_domain = *domain_of.get(l.provider.as_str())?;
            let to_domain = *domain_of.get(l.consumer.as_str())?;
            (from_domain != to_domain).then(|| MeshEdge {
                from: l.provider.clone(),
                to: l.consumer.clone(),
                from_domain: from_domain.to_owned(),
                to_domain: to_domain.to_owned(),
                kind: l.via,
            })
        })
        .collect();
    edges.sort();
    edges
}

/// What one domain's products add up to while the mesh is summed.
#[derive(Default)]
struct DomainSums<'a> {
    products: u64,
    teams: BTreeSet<&'a str>,
    evaluated: i64,
    passes: i64,
    sla_breaches: u64,
    policy_violations: u64,
    factor_sums: [f64; DOMAIN_PARTS.len()],
    consumers: BTreeSet<&'a str>,
    feeds: BTreeSet<&'a str>,
    depends_on: BTreeSet<&'a str>,
}

fn domain_summaries<'a>(
    products: &'a [ProductValues],
    links: &'a [Link],
    domain_of: &HashMap<&'a str, &'a str>,
    edges: &'a [MeshEdge],
) -> Vec<MeshDomain> {
    let mut sums: BTreeMap<&str, DomainSums> = BTreeMap::new();
    for p in products {
        let domain = p.domain.as_deref().unwrap_or_default();
        let s = sums.entry(domain).or_default();
        s.products += 1;
        s.teams.extend(p.owner_team.as_deref());
        s.evaluated += p.evaluated;
        s.passes += p.passes;
        s.sla_breaches += p.sla_breaches;
        s.policy_violations += p.policy_violations;
        for (sum, (_, factor)) in s.factor_sums.iter_mut().zip(DOMAIN_PARTS) {
            *sum += p.factor(factor).unwrap_or_default();
        }
    }
    for l in links {
        let Some(domain) = domain_of.get(l.provider.as_str()) else {
            continue;
        };
        if domain_of.get(l.consumer.as_str()) != Some(domain) {
            sums.entry(domain)
                .or_default()
                .consumers
                .insert(&l.consumer);
        }
    }
    for e in edges {
        sums.entry(&e.from_domain)
            .or_default()
            .feeds
            .insert(&e.to_domain);
        sums.entry(&e.to_domain)
            .or_default()
            .depends_on
            .insert(&e.from_domain);
    }
    sums.into_iter().map(|(name, s)| summary(name, s)).collect()
}

fn summary(name: &str, s: DomainSums) -> MeshDomain {
    let products = s.products.max(1) as f64;
    let score_factors: Vec<TrustFactor> = DOMAIN_PARTS
        .iter()
        .zip(s.factor_sums)
        .map(|((part, factor), sum)| TrustFactor {
            name: (*part).to_owned(),
            value: sum / products,
            weight: 1,
            reason: format!("mean {factor} factor of its {} product(s)", s.products),
        })
        .collect();
    let mean = score_factors.iter().map(|f| f.value).sum::<f64>() / DOMAIN_PARTS.len() as f64;
    let owned = |set: BTreeSet<&str>| set.into_iter().map(str::to_owned).collect();
    MeshDomain {
        name: name.to_owned(),
        products: s.products,
        teams: owned(s.teams),
        score: (mean * 100.0).round() as u32,
        pass_rate: (s.evaluated > 0).then(|| s.passes as f64 / s.evaluated as f64),
        sla_breaches: s.sla_breaches,
        policy_violations: s.policy_violations,
        consumers: s.consumers.len() as u64,
        score_factors,
        feeds: owned(s.feeds),
        depends_on: owned(s.depends_on),
    }
}
