//! Filling the index from the SQLite cache: a full rebuild page by page, and one incremental
//! update per sync.

use std::collections::HashMap;

use meshlens_model::{Contract, Product, Sensitivity};
use meshlens_store::{AppliedSync, ContractEntry, ProductLevels, Store};

use crate::doc::{ColumnText, DocRef, SearchDoc, SearchKind};
use crate::error::SearchError;
use crate::index::{IndexStats, SearchIndex};

/// Rows read from the cache per query.
const PAGE: u32 = 500;

/// Replaces the whole index with the cache's content (`meshlens reindex`, or after
/// [`SearchIndex::needs_rebuild`]).
pub async fn rebuild_from_store(
    index: &mut SearchIndex,
    store: &Store,
) -> Result<IndexStats, SearchError> {
    let mut rebuild = index.begin_rebuild()?;
    let mut after: Option<String> = None;
    loop {
        let page = store.products_page(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for doc in product_docs(store, &page).await? {
            rebuild.add(&doc)?;
        }
    }
    // Contracts may be cached in several versions; the index shows the latest written one.
    let mut after = 0;
    loop {
        let page = store.latest_contracts_page(after, PAGE).await?;
        let Some(&(last, _)) = page.last() else { break };
        after = last;
        for (_, entry) in &page {
            for doc in contract_docs(entry) {
                rebuild.add(&doc)?;
            }
        }
    }
    rebuild.commit()
}

/// Above this many changed products and contracts, one sync is indexed as a streaming rebuild:
/// holding every changed document of a first sync of a 10k-product mesh in memory took 4 GB.
const UPDATE_AS_REBUILD: usize = 2_000;

/// Applies what one sync changed, in one index commit.
pub async fn update_from_store(
    index: &mut SearchIndex,
    store: &Store,
    applied: &AppliedSync,
) -> Result<IndexStats, SearchError> {
    if applied.changed_product_ids.len() + applied.changed_contract_ids.len() > UPDATE_AS_REBUILD {
        return rebuild_from_store(index, store).await;
    }
    let mut contracts = HashMap::new();
    keep_latest(
        &mut contracts,
        store
            .contracts_by_ids(&applied.changed_contract_ids)
            .await?,
    );
    // A product's sensitivity follows its output contracts: theirs changed, so may its own.
    let mut product_ids = applied.changed_product_ids.clone();
    product_ids.extend(contracts.values().filter_map(|(_, e)| e.product_id.clone()));
    product_ids.sort();
    product_ids.dedup();
    let products = store.products_by_ids(&product_ids).await?;
    let mut upserts = product_docs(store, &products).await?;
    for (_, entry) in contracts.values() {
        upserts.extend(contract_docs(entry));
    }
    let deletions: Vec<DocRef> = applied
        .removed_product_ids
        .iter()
        .map(DocRef::product)
        .chain(applied.removed_contract_ids.iter().map(DocRef::contract))
        .collect();
    index.apply(upserts, &deletions)
}

fn keep_latest(into: &mut HashMap<String, (i64, ContractEntry)>, page: Vec<(i64, ContractEntry)>) {
    for (rowid, entry) in page {
        let id = entry.contract.id.clone();
        match into.get(&id) {
            Some((seen, _)) if *seen > rowid => {}
            _ => {
                into.insert(id, (rowid, entry));
            }
        }
    }
}

/// The documents of `products`, with their sensitivity raised by their output contracts.
async fn product_docs(store: &Store, products: &[Product]) -> Result<Vec<SearchDoc>, SearchError> {
    let ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
    let levels = store.product_levels(&ids).await?;
    Ok(products
        .iter()
        .map(|p| product_doc(p, levels.get(&p.id)))
        .collect())
}

/// A product's document; without `levels`, its sensitivity is its own declaration only.
pub fn product_doc(p: &Product, levels: Option<&ProductLevels>) -> SearchDoc {
    let ports = p.input_ports.iter().map(|i| i.name.clone());
    SearchDoc {
        description: p.description.clone(),
        tags: p.tags.clone(),
        domain: p.domain.clone(),
        owner: p.owner.clone(),
        owner_team: p.owner_team.clone(),
        status: p.status.clone(),
        classification: p.classification.clone(),
        sensitivity: levels.map_or_else(|| p.sensitivity([]), |l| l.sensitivity),
        context: ports
            .chain(p.output_ports.iter().map(|o| o.name.clone()))
            .collect(),
        ..SearchDoc::new(
            SearchKind::Product,
            &p.id,
            p.name.as_deref().unwrap_or(&p.id),
        )
    }
}

/// The contract, each of its datasets and each of their columns.
pub fn contract_docs(entry: &ContractEntry) -> Vec<SearchDoc> {
    let c: &Contract = &entry.contract;
    let name = c.name.clone().unwrap_or_else(|| c.id.clone());
    let base = |kind: SearchKind, id: String, doc_name: &str| SearchDoc {
        tags: c.tags.clone(),
        domain: entry.domain.clone(),
        owner_team: c.owner_team.clone(),
        status: c.status.clone(),
        classification: c.classification.clone(),
        sensitivity: c.sensitivity(),
        product_id: entry.product_id.clone(),
        contract_id: Some(c.id.clone()),
        ..SearchDoc::new(kind, id, doc_name)
    };
    let mut docs = vec![SearchDoc {
        description: c.description.clone(),
        context: c.datasets.iter().map(|d| d.name.clone()).collect(),
        columns: c
            .datasets
            .iter()
            .flat_map(|d| &d.columns)
            .map(|col| ColumnText {
                name: col.name.clone(),
                description: None,
            })
            .collect(),
        contract_id: None,
        ..base(SearchKind::Contract, c.id.clone(), &name)
    }];
    for d in &c.datasets {
        let dataset_id = format!("{}/{}", c.id, d.name);
        for col in &d.columns {
            let classification = col
                .classification
                .clone()
                .or_else(|| d.classification.clone());
            docs.push(SearchDoc {
                description: col.description.clone(),
                sensitivity: classification
                    .as_deref()
                    .map_or(Sensitivity::Unknown, Sensitivity::of_label),
                classification,
                tags: c.tags.iter().chain(&col.tags).cloned().collect(),
                parent_id: Some(dataset_id.clone()),
                context: vec![d.name.clone(), name.clone()],
                ..base(
                    SearchKind::Column,
                    format!("{dataset_id}/{}", col.name),
                    &col.name,
                )
            });
        }
        docs.push(SearchDoc {
            title: d.physical_name.clone(),
            description: d.description.clone(),
            classification: d
                .classification
                .clone()
                .or_else(|| c.classification.clone()),
            sensitivity: d.sensitivity(),
            parent_id: Some(c.id.clone()),
            context: vec![name.clone()],
            columns: d
                .columns
                .iter()
                .map(|col| ColumnText {
                    name: col.name.clone(),
                    description: col.description.clone(),
                })
                .collect(),
            ..base(SearchKind::Dataset, dataset_id, &d.name)
        });
    }
    docs
}
