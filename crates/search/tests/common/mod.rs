//! A deterministic synthetic mesh as search documents, shared by the relevance tests and the
//! benchmark: one contract per product, `datasets` datasets per contract, `columns` per dataset.
#![allow(dead_code)] // each test binary uses a different part

use meshlens_search::{ColumnText, SearchDoc, SearchKind};

pub const DOMAINS: [&str; 12] = [
    "sales",
    "finance",
    "marketing",
    "logistics",
    "supply",
    "people",
    "risk",
    "billing",
    "support",
    "inventory",
    "payments",
    "pricing",
];
pub const ENTITIES: [&str; 20] = [
    "customer",
    "order",
    "invoice",
    "payment",
    "shipment",
    "product",
    "account",
    "transaction",
    "refund",
    "subscription",
    "campaign",
    "lead",
    "employee",
    "supplier",
    "warehouse",
    "ticket",
    "claim",
    "policy",
    "price",
    "session",
];
pub const QUALIFIERS: [&str; 12] = [
    "daily", "monthly", "raw", "curated", "enriched", "snapshot", "events", "summary", "history",
    "forecast", "metrics", "ledger",
];
pub const COLUMNS: [&str; 40] = [
    "customer_id",
    "order_id",
    "created_at",
    "updated_at",
    "amount",
    "currency",
    "status",
    "email",
    "country_code",
    "postal_code",
    "first_name",
    "last_name",
    "invoice_number",
    "payment_method",
    "shipment_date",
    "carrier",
    "sku",
    "quantity",
    "unit_price",
    "discount",
    "tax_amount",
    "account_type",
    "balance",
    "region",
    "channel",
    "campaign_name",
    "lead_score",
    "employee_id",
    "department",
    "supplier_id",
    "warehouse_code",
    "ticket_priority",
    "claim_amount",
    "policy_number",
    "session_duration",
    "event_type",
    "is_active",
    "loyaltyTier",
    "lifetimeValue",
    "churnRisk",
];
const STATUSES: [&str; 20] = [
    "active",
    "active",
    "active",
    "active",
    "active",
    "active",
    "active",
    "active",
    "active",
    "active",
    "active",
    "active",
    "active",
    "draft",
    "draft",
    "proposed",
    "deprecated",
    "deprecated",
    "deprecated",
    "retired",
];
pub const TAGS: [&str; 10] = [
    "pii",
    "gdpr",
    "gold",
    "silver",
    "bronze",
    "realtime",
    "batch",
    "kpi",
    "reporting",
    "ml-feature",
];
const TEAM_KINDS: [&str; 4] = ["platform", "analytics", "engineering", "ops"];
const CLASSIFICATIONS: [&str; 4] = ["public", "internal", "confidential", "restricted"];
const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "ve", "ra", "to", "zu", "ne", "sa", "pi", "do", "gal", "mor", "tin", "bex",
    "quo", "dra", "fen", "hul", "jis", "wyn", "yor", "cel", "vak",
];

/// splitmix64: a tiny, well-mixed deterministic hash.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_10EB);
    x ^ (x >> 31)
}

fn pick<'a>(list: &[&'a str], seed: u64) -> &'a str {
    list[(mix(seed) % list.len() as u64) as usize]
}

/// A unique made-up word per product (mixed radix over syllables), like a project code name.
pub fn codename(p: usize) -> String {
    let n = SYLLABLES.len();
    format!(
        "{}{}{}",
        SYLLABLES[p % n],
        SYLLABLES[(p / n) % n],
        SYLLABLES[(p / (n * n)) % n]
    )
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn product_id(p: usize) -> String {
    format!("prd-{p:05}")
}

pub fn contract_id(p: usize) -> String {
    format!("ctr-{p:05}")
}

/// The dataset names of product `p`'s contract: distinct within the contract.
pub fn dataset_name(p: usize, k: usize) -> String {
    let entity = ENTITIES[(p + k * 7) % ENTITIES.len()];
    let qualifier = QUALIFIERS[(p * 3 + k) % QUALIFIERS.len()];
    format!("{entity}_{qualifier}")
}

pub fn product_name(p: usize) -> String {
    let entity = ENTITIES[p % ENTITIES.len()];
    format!(
        "{} {} {}",
        title_case(&codename(p)),
        title_case(entity),
        title_case(pick(&QUALIFIERS, p as u64))
    )
}

/// Every search document of product `p` (product, contract, datasets, columns).
pub fn product_docs(p: usize, datasets: usize, columns: usize) -> Vec<SearchDoc> {
    let seed = p as u64 * 1_000_003;
    let domain = DOMAINS[p % DOMAINS.len()].to_string();
    let team = format!("{} {}", title_case(&domain), pick(&TEAM_KINDS, seed + 1));
    let status = pick(&STATUSES, seed + 2).to_string();
    let classification = pick(&CLASSIFICATIONS, seed + 3).to_string();
    let tags = vec![
        pick(&TAGS, seed + 4).to_string(),
        pick(&TAGS, seed + 5).to_string(),
    ];
    let name = product_name(p);
    let entity = ENTITIES[p % ENTITIES.len()];
    let pid = product_id(p);
    let cid = contract_id(p);
    let common = |kind: SearchKind, id: String, doc_name: String| SearchDoc {
        domain: Some(domain.clone()),
        owner: Some(format!("user{}", p % 500)),
        owner_team: Some(team.clone()),
        status: Some(status.clone()),
        classification: Some(classification.clone()),
        tags: tags.clone(),
        product_id: Some(pid.clone()),
        product_name: Some(name.clone()),
        ..SearchDoc::new(kind, id, doc_name)
    };
    let mut out = Vec::with_capacity(2 + datasets * (columns + 1));
    out.push(SearchDoc {
        description: Some(format!(
            "The {entity} data product of the {domain} domain: {} {entity} records, refreshed by the {team} team.",
            pick(&QUALIFIERS, seed + 6)
        )),
        product_id: None,
        product_name: None,
        ..common(SearchKind::Product, pid.clone(), name.clone())
    });
    let mut contract_columns = Vec::new();
    let mut dataset_docs = Vec::new();
    for k in 0..datasets {
        let dataset = dataset_name(p, k);
        let ds_id = format!("{cid}/{dataset}");
        let cols: Vec<ColumnText> = (0..columns)
            .map(|c| {
                let col = COLUMNS[(p * 5 + k * 3 + c * 11) % COLUMNS.len()];
                ColumnText {
                    name: col.to_string(),
                    description: Some(format!("The {} of the {entity}.", col.replace('_', " "))),
                }
            })
            .collect();
        for col in &cols {
            dataset_docs.push(SearchDoc {
                description: col.description.clone(),
                contract_id: Some(cid.clone()),
                parent_id: Some(ds_id.clone()),
                context: vec![dataset.clone()],
                ..common(
                    SearchKind::Column,
                    format!("{ds_id}/{}", col.name),
                    col.name.clone(),
                )
            });
        }
        contract_columns.extend(cols.iter().map(|c| ColumnText {
            name: c.name.clone(),
            description: None,
        }));
        dataset_docs.push(SearchDoc {
            description: Some(format!(
                "{} {} of {entity} data for {domain}.",
                title_case(&dataset.replace('_', " ")),
                pick(&["table", "topic", "view"], seed + k as u64)
            )),
            contract_id: Some(cid.clone()),
            parent_id: Some(cid.clone()),
            columns: cols,
            ..common(SearchKind::Dataset, ds_id, dataset)
        });
    }
    out.push(SearchDoc {
        description: Some(format!("Data contract for the {name} product ({domain}).")),
        columns: contract_columns,
        context: (0..datasets).map(|k| dataset_name(p, k)).collect(),
        ..common(
            SearchKind::Contract,
            cid.clone(),
            format!("{name} contract"),
        )
    });
    out.extend(dataset_docs);
    out
}

/// The whole mesh, lazily.
pub fn mesh(products: usize, datasets: usize, columns: usize) -> impl Iterator<Item = SearchDoc> {
    (0..products).flat_map(move |p| product_docs(p, datasets, columns))
}
