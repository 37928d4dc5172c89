//! The index filled from a real cache: full rebuild, then one incremental update per sync.

use meshlens_search::{
    SearchIndex, SearchKind, SearchRequest, rebuild_from_store, update_from_store,
};
use meshlens_store::{FileStat, SourceConfig, SourceKind, Store, SyncStatus};

const PRODUCT: &str = include_str!("fixtures/simple-data-product.odps.yaml");
const CONTRACT: &str = include_str!("fixtures/processed-data.odcs.yaml");
const STAT: FileStat = FileStat { size: 10, mtime: 1 };

fn ids(index: &SearchIndex, query: &str) -> Vec<(SearchKind, String)> {
    index
        .search(&SearchRequest::new(query))
        .expect("search")
        .hits
        .into_iter()
        .map(|h| (h.kind, h.id))
        .collect()
}

#[tokio::test]
async fn rebuild_then_update_follows_the_cache() {
    let store = Store::open_in_memory().await.expect("store");
    store
        .add_source(&SourceConfig {
            name: "mesh".into(),
            kind: SourceKind::Folder {
                path: "/mesh".into(),
            },
            scope: None,
        })
        .await
        .expect("source");
    let mut tx = store.begin_sync("mesh").await.expect("begin");
    for (path, text) in [
        ("product.odps.yaml", PRODUCT),
        ("contract.odcs.yaml", CONTRACT),
    ] {
        let doc = meshlens_model::parse_document(path, text.as_bytes()).expect("parse");
        tx.upsert(path, STAT, &doc).await.expect("upsert");
    }
    tx.commit(SyncStatus::Ok, None).await.expect("commit");

    let mut index = SearchIndex::open_in_ram().expect("index");
    let stats = rebuild_from_store(&mut index, &store)
        .await
        .expect("rebuild");
    // product + contract + 1 dataset + its columns
    assert!(stats.total >= 4, "{stats:?}");
    let contract = "87654321-4321-4321-4321-cba987654321";
    assert_eq!(
        ids(&index, "Simple Data Product")[0],
        (
            SearchKind::Product,
            "064c4630-8aad-4dc0-ba95-0f69940e6b18".to_string()
        )
    );
    assert_eq!(
        ids(&index, "processed data")[0],
        (SearchKind::Contract, contract.to_string())
    );
    let dataset = format!("{contract}/processed");
    assert_eq!(
        ids(&index, "processed_v1")[0],
        (SearchKind::Dataset, dataset.clone())
    );

    // The contract file disappears: its contract, dataset and column documents go with it.
    let mut tx = store.begin_sync("mesh").await.expect("begin");
    tx.unchanged("product.odps.yaml", None)
        .await
        .expect("unchanged");
    assert!(tx.delete("contract.odcs.yaml").await.expect("delete"));
    let applied = tx.commit(SyncStatus::Ok, None).await.expect("commit");
    assert_eq!(applied.removed_contract_ids, vec![contract.to_string()]);
    let stats = update_from_store(&mut index, &store, &applied)
        .await
        .expect("update");
    assert_eq!(stats.total, 1);
    assert!(
        ids(&index, "processed")
            .iter()
            .all(|(_, id)| !id.starts_with(contract))
    );
}
