//! Store behaviour with hand-built documents (parsing lives in meshlens-model).

use meshlens_model::{
    CatalogScope, Column, Contract, Dataset, DocKind, Entity, InputPort, OutputPort,
    ParsedDocument, Product, content_hash,
};
use meshlens_store::{
    EntityKind, FileStat, ProductFilter, SourceConfig, SourceKind, Store, StoreError, SyncStatus,
    UpsertOutcome, write_input_port_links,
};

fn folder(name: &str) -> SourceConfig {
    SourceConfig {
        name: name.into(),
        kind: SourceKind::Folder {
            path: format!("/data/{name}").into(),
        },
        scope: None,
    }
}

fn document(entity: Entity, raw: &str) -> ParsedDocument {
    let kind = match entity {
        Entity::Product(_) => DocKind::Odps,
        Entity::Contract(_) => DocKind::Odcs,
    };
    ParsedDocument {
        kind,
        declared_version: "v1.0.0".into(),
        raw: raw.into(),
        original: serde_json::json!({"id": entity.id()}),
        canonical: serde_json::json!({"id": entity.id()}),
        entity,
        warnings: Vec::new(),
        content_hash: content_hash(raw.as_bytes()),
    }
}

fn product(id: &str, domain: &str, contract: &str, input: Option<&str>) -> ParsedDocument {
    let product = Product {
        id: id.into(),
        name: Some(format!("{id} name")),
        domain: Some(domain.into()),
        status: Some("active".into()),
        tags: vec!["b".into(), "a".into()],
        input_ports: input
            .map(|c| InputPort {
                name: "in".into(),
                version: Some("1.0.0".into()),
                contract_id: Some(c.into()),
            })
            .into_iter()
            .collect(),
        output_ports: vec![OutputPort {
            name: "out".into(),
            version: Some("1.0.0".into()),
            contract_id: Some(contract.into()),
            ..OutputPort::default()
        }],
        ..Product::default()
    };
    document(
        Entity::Product(product),
        &format!("id: {id}\ndomain: {domain}\n"),
    )
}

fn contract(id: &str, version: &str, columns: usize) -> ParsedDocument {
    let contract = Contract {
        id: id.into(),
        version: Some(version.into()),
        name: Some(format!("{id} contract")),
        datasets: vec![Dataset {
            name: "orders".into(),
            physical_name: Some("orders_v1".into()),
            columns: (0..columns)
                .map(|i| Column {
                    name: format!("col{i}"),
                    ..Column::default()
                })
                .collect(),
            ..Dataset::default()
        }],
        ..Contract::default()
    };
    document(
        Entity::Contract(contract),
        &format!("id: {id}\nversion: {version}\n"),
    )
}

const STAT: FileStat = FileStat { size: 10, mtime: 1 };

async fn store_with(sources: &[&str]) -> Store {
    let store = Store::open_in_memory().await.unwrap();
    for name in sources {
        store.add_source(&folder(name)).await.unwrap();
    }
    store
}

#[tokio::test]
async fn sources_are_added_listed_and_unique() {
    let store = store_with(&["alpha"]).await;
    let err = store.add_source(&folder("alpha")).await.unwrap_err();
    assert!(
        matches!(err, StoreError::SourceExists(ref n) if n == "alpha"),
        "{err}"
    );
    let err = store.add_source(&folder("../x")).await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidSourceName(_)), "{err}");
    let sources = store.list_sources().await.unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].config, folder("alpha"));
    assert_eq!(sources[0].last_sync_status, None);
    assert!(store.get_source("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn a_catalog_scope_is_kept_changed_and_cleared() {
    let store = Store::open_in_memory().await.unwrap();
    let scope = CatalogScope {
        domains: vec!["sales".into(), "hr".into()],
        neighbours: 1,
        ..CatalogScope::default()
    };
    let mut om = SourceConfig::new(
        "om",
        SourceKind::OpenMetadata {
            url: "https://om.example.com".into(),
        },
    );
    om.scope = Some(scope.clone());
    store.add_source(&om).await.unwrap();
    let read = store.get_source("om").await.unwrap().unwrap();
    assert_eq!(read.config, om);
    // Flat beside the kind's fields, as `source list --json` prints it.
    let json = serde_json::to_value(&read.config).unwrap();
    assert_eq!(json["scope"]["domains"], serde_json::json!(["sales", "hr"]));
    assert_eq!(json["url"], "https://om.example.com");

    let tags = CatalogScope {
        tags: vec!["PII".into()],
        ..CatalogScope::default()
    };
    assert!(store.set_source_scope("om", Some(&tags)).await.unwrap());
    let read = store.get_source("om").await.unwrap().unwrap();
    assert_eq!(read.config.scope, Some(tags));
    assert!(store.set_source_scope("om", None).await.unwrap());
    let read = store.get_source("om").await.unwrap().unwrap();
    assert_eq!(read.config, SourceConfig::new("om", om.kind.clone()));
    assert!(
        serde_json::to_value(&read.config)
            .unwrap()
            .get("scope")
            .is_none()
    );
    assert!(!store.set_source_scope("nope", None).await.unwrap());
}

#[tokio::test]
async fn a_pull_cursor_moves_only_with_a_committed_sync_and_goes_with_a_scope_change() {
    let store = Store::open_in_memory().await.unwrap();
    let om = SourceConfig::new(
        "om",
        SourceKind::OpenMetadata {
            url: "https://om.example.com".into(),
        },
    );
    store.add_source(&om).await.unwrap();
    assert_eq!(store.pull_cursor("om").await.unwrap(), None);
    let mut tx = store.begin_sync("om").await.unwrap();
    tx.set_pull_cursor(Some(1_700_000_000_000));
    tx.commit(SyncStatus::Ok, None).await.unwrap();
    assert_eq!(
        store.pull_cursor("om").await.unwrap(),
        Some(1_700_000_000_000)
    );

    // A sync that never commits (failed, cancelled) leaves the last good cursor.
    let mut tx = store.begin_sync("om").await.unwrap();
    tx.set_pull_cursor(Some(1_800_000_000_000));
    drop(tx);
    store
        .record_sync_failure("om", "unreachable")
        .await
        .unwrap();
    assert_eq!(
        store.pull_cursor("om").await.unwrap(),
        Some(1_700_000_000_000)
    );

    // A cursor holds for the scope it was read with.
    let scope = CatalogScope {
        tags: vec!["PII".into()],
        ..CatalogScope::default()
    };
    assert!(store.set_source_scope("om", Some(&scope)).await.unwrap());
    assert_eq!(store.pull_cursor("om").await.unwrap(), None);
    assert_eq!(store.pull_cursor("nope").await.unwrap(), None);
}

#[tokio::test]
async fn sync_applies_atomically_and_reports_changes() {
    let store = store_with(&["mesh"]).await;
    let mut tx = store.begin_sync("mesh").await.unwrap();
    assert_eq!(
        tx.upsert("p1.yaml", STAT, &product("p1", "sales", "c1", None))
            .await
            .unwrap(),
        UpsertOutcome::Added
    );
    assert_eq!(
        tx.upsert("c1.yaml", STAT, &contract("c1", "1.0.0", 3))
            .await
            .unwrap(),
        UpsertOutcome::Added
    );
    // Nothing is visible before the commit (a kill here keeps the previous cache).
    drop(tx);
    assert_eq!(store.stats().await.unwrap().documents, 0);

    let mut tx = store.begin_sync("mesh").await.unwrap();
    tx.upsert("p1.yaml", STAT, &product("p1", "sales", "c1", Some("c2")))
        .await
        .unwrap();
    tx.upsert("c1.yaml", STAT, &contract("c1", "1.0.0", 3))
        .await
        .unwrap();
    let applied = tx.commit(SyncStatus::Ok, None).await.unwrap();
    assert_eq!((applied.added, applied.updated, applied.removed), (2, 0, 0));
    assert_eq!(applied.changed_product_ids, vec!["p1"]);
    assert_eq!(applied.changed_contract_ids, vec!["c1"]);
    let stats = store.stats().await.unwrap();
    assert_eq!(
        (
            stats.products,
            stats.contracts,
            stats.datasets,
            stats.columns
        ),
        (1, 1, 1, 3)
    );

    let index = store.document_index("mesh").await.unwrap();
    assert_eq!(index.files["p1.yaml"].size, 10);

    let detail = store.get_product("p1").await.unwrap().unwrap();
    assert_eq!(detail.path, "p1.yaml");
    assert_eq!(detail.source, "mesh");
    assert_eq!(detail.contracts.len(), 1);
    assert_eq!(detail.contracts[0].contract.id, "c1");
    assert_eq!(detail.contracts[0].producer.as_deref(), Some("p1"));
    assert_eq!(detail.missing_contracts.len(), 1);
    assert_eq!(detail.missing_contracts[0].contract_id, "c2");
    let missing = store.missing_contracts("mesh").await.unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].path, "p1.yaml");

    // Update the contract with fewer columns, delete the product.
    let mut tx = store.begin_sync("mesh").await.unwrap();
    assert_eq!(
        tx.upsert("c1.yaml", STAT, &contract("c1", "1.0.0", 1))
            .await
            .unwrap(),
        UpsertOutcome::Updated
    );
    assert!(tx.delete("p1.yaml").await.unwrap());
    assert!(!tx.delete("never.yaml").await.unwrap());
    let applied = tx
        .commit(SyncStatus::Partial, Some("x.yaml: broken"))
        .await
        .unwrap();
    assert_eq!((applied.added, applied.updated, applied.removed), (0, 1, 1));
    assert_eq!(applied.removed_product_ids, vec!["p1"]);
    assert_eq!(applied.changed_contract_ids, vec!["c1"]);
    assert!(applied.removed_contract_ids.is_empty());
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.products, stats.columns), (0, 1));
    let source = store.get_source("mesh").await.unwrap().unwrap();
    assert_eq!(source.last_sync_status, Some(SyncStatus::Partial));
    assert_eq!(source.last_error.as_deref(), Some("x.yaml: broken"));
    assert_eq!((source.documents, source.products), (1, 0));
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
}

#[tokio::test]
async fn duplicate_ids_keep_the_cached_file() {
    let store = store_with(&["a", "b"]).await;
    let mut tx = store.begin_sync("a").await.unwrap();
    tx.upsert("one.yaml", STAT, &product("p1", "sales", "c1", None))
        .await
        .unwrap();
    tx.upsert("c.yaml", STAT, &contract("c1", "1.0.0", 1))
        .await
        .unwrap();
    let outcome = tx
        .upsert("two.yaml", STAT, &product("p1", "sales", "c1", None))
        .await
        .unwrap();
    let UpsertOutcome::Conflict(conflict) = outcome else {
        panic!("expected a conflict, got {outcome:?}")
    };
    assert_eq!(
        (
            conflict.kind,
            conflict.source.as_str(),
            conflict.path.as_str()
        ),
        (EntityKind::Product, "a", "one.yaml")
    );
    tx.commit(SyncStatus::Ok, None).await.unwrap();

    let mut tx = store.begin_sync("b").await.unwrap();
    let outcome = tx
        .upsert("dup.yaml", STAT, &contract("c1", "1.0.0", 1))
        .await
        .unwrap();
    assert!(
        matches!(outcome, UpsertOutcome::Conflict(ref c) if c.kind == EntityKind::Contract && c.path == "c.yaml")
    );
    // Another version of the same contract is a different contract.
    assert_eq!(
        tx.upsert("v2.yaml", STAT, &contract("c1", "2.0.0", 1))
            .await
            .unwrap(),
        UpsertOutcome::Added
    );
    tx.commit(SyncStatus::Ok, None).await.unwrap();
    assert_eq!(store.stats().await.unwrap().documents, 3);
    assert_eq!(
        store
            .get_contract("c1", None)
            .await
            .unwrap()
            .unwrap()
            .contract
            .version
            .as_deref(),
        Some("2.0.0")
    );
    let v1 = store
        .get_contract("c1", Some("1.0.0"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (v1.source.as_str(), v1.product_id.as_deref()),
        ("a", Some("p1"))
    );
}

#[tokio::test]
async fn reads_page_filter_and_remove() {
    let store = store_with(&["a", "b"]).await;
    let mut tx = store.begin_sync("a").await.unwrap();
    for (i, domain) in ["sales", "finance", "sales"].iter().enumerate() {
        tx.upsert(
            &format!("p{i}.yaml"),
            STAT,
            &product(&format!("p{i}"), domain, &format!("c{i}"), None),
        )
        .await
        .unwrap();
        tx.upsert(
            &format!("c{i}.yaml"),
            STAT,
            &contract(&format!("c{i}"), "1.0.0", 600),
        )
        .await
        .unwrap();
    }
    tx.commit(SyncStatus::Ok, None).await.unwrap();
    let mut tx = store.begin_sync("b").await.unwrap();
    tx.upsert("x.yaml", STAT, &product("x", "ops", "cx", None))
        .await
        .unwrap();
    tx.commit(SyncStatus::Ok, None).await.unwrap();

    let all = store
        .list_products(&ProductFilter::default())
        .await
        .unwrap();
    let order: Vec<_> = all
        .iter()
        .map(|p| (p.domain.clone().unwrap(), p.id.clone()))
        .collect();
    assert_eq!(
        order,
        [
            ("finance", "p1"),
            ("ops", "x"),
            ("sales", "p0"),
            ("sales", "p2")
        ]
        .map(|(d, i)| (d.to_string(), i.to_string()))
    );
    assert_eq!(all[0].tags, ["b", "a"]);
    let sales = store
        .list_products(&ProductFilter {
            domain: Some("sales".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(sales.len(), 2);
    let tagged = store
        .list_products(&ProductFilter {
            tag: Some("a".into()),
            source: Some("b".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(tagged.len(), 1);

    let first = store.products_page(None, 2).await.unwrap();
    let rest = store.products_page(Some(&first[1].id), 10).await.unwrap();
    assert_eq!(first.len() + rest.len(), 4);
    let page = store.contracts_page(0, 2).await.unwrap();
    let more = store.contracts_page(page[1].0, 2).await.unwrap();
    assert_eq!((page.len(), more.len()), (2, 1));
    assert_eq!(page[0].1.product_id.as_deref(), Some("p0"));
    assert_eq!(page[0].1.domain.as_deref(), Some("sales"));
    assert_eq!(
        store
            .products_by_ids(&["p2".into(), "zz".into()])
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.contracts_by_ids(&["c1".into()]).await.unwrap()[0]
            .1
            .contract
            .datasets[0]
            .columns
            .len(),
        600
    );
    assert_eq!(store.stats().await.unwrap().columns, 1800);

    assert!(store.remove_source("a").await.unwrap().is_some());
    assert!(store.remove_source("a").await.unwrap().is_none());
    let stats = store.stats().await.unwrap();
    assert_eq!(
        (
            stats.sources,
            stats.documents,
            stats.products,
            stats.contracts,
            stats.columns
        ),
        (1, 1, 1, 0, 0)
    );
}

#[tokio::test]
async fn file_store_uses_wal_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/cache.db");
    let store = Store::open(&path).await.unwrap();
    store.add_source(&folder("a")).await.unwrap();
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.list_sources().await.unwrap().len(), 1);
    assert!(dir.path().join("nested/cache.db-wal").exists());
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
}

#[tokio::test]
async fn repeated_paths_and_moves_inside_one_sync() {
    let store = store_with(&["mesh"]).await;
    let mut tx = store.begin_sync("mesh").await.unwrap();
    tx.upsert("c.yaml", STAT, &contract("c1", "1.0.0", 2))
        .await
        .unwrap();
    // Same path again while its rows are still buffered: replaced, not duplicated.
    assert_eq!(
        tx.upsert("c.yaml", STAT, &contract("c1", "1.0.0", 5))
            .await
            .unwrap(),
        UpsertOutcome::Updated
    );
    tx.commit(SyncStatus::Ok, None).await.unwrap();
    assert_eq!(store.stats().await.unwrap().columns, 5);

    // The contract moves to another file: a change, not a removal.
    let mut tx = store.begin_sync("mesh").await.unwrap();
    assert!(tx.delete("c.yaml").await.unwrap());
    tx.upsert("moved.yaml", STAT, &contract("c1", "1.0.0", 1))
        .await
        .unwrap();
    let applied = tx.commit(SyncStatus::Ok, None).await.unwrap();
    assert_eq!(applied.changed_contract_ids, ["c1"]);
    assert!(applied.removed_contract_ids.is_empty());
    assert_eq!(
        store
            .get_contract("c1", Some("1.0.0"))
            .await
            .unwrap()
            .unwrap()
            .path,
        "moved.yaml"
    );
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
}

#[tokio::test]
async fn removing_a_source_says_what_left_the_cache() {
    let store = store_with(&["a", "b"]).await;
    let mut tx = store.begin_sync("a").await.unwrap();
    tx.upsert("p.yaml", STAT, &product("p", "sales", "c", None))
        .await
        .unwrap();
    tx.upsert("c.yaml", STAT, &contract("c", "1.0.0", 2))
        .await
        .unwrap();
    tx.upsert("only-a.yaml", STAT, &contract("only-a", "1.0.0", 2))
        .await
        .unwrap();
    tx.commit(SyncStatus::Ok, None).await.unwrap();
    // Source b holds another version of contract c: c stays in the cache.
    let mut tx = store.begin_sync("b").await.unwrap();
    tx.upsert("c2.yaml", STAT, &contract("c", "2.0.0", 2))
        .await
        .unwrap();
    tx.commit(SyncStatus::Ok, None).await.unwrap();

    let left = store.remove_source("a").await.unwrap().expect("a existed");
    assert_eq!(left.removed_product_ids, ["p"]);
    assert_eq!(left.removed_contract_ids, ["only-a"]);
    assert_eq!(left.changed_contract_ids, ["c"]);
    assert!(store.get_contract("c", None).await.unwrap().is_some());
}

#[tokio::test]
async fn a_bulk_writer_writes_to_the_same_cache() {
    let dir = tempfile::tempdir().unwrap();
    for store in [
        Store::open(&dir.path().join("meshlens.db")).await.unwrap(),
        Store::open_in_memory().await.unwrap(),
    ] {
        let writer = store.bulk_writer().await.unwrap();
        writer.add_source(&folder("written-in-bulk")).await.unwrap();
        // Dropping it leaves the store open (for an in-memory cache it is the store itself).
        drop(writer);
        let names: Vec<String> = store
            .list_sources()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.config.name)
            .collect();
        assert_eq!(names, ["written-in-bulk"]);
    }
}

/// A sync begun from the index its planning read takes the documents from it; when another sync
/// changed them in between, it reads them again instead of acting on what it planned from.
#[tokio::test]
async fn a_sync_begun_from_an_outdated_index_reads_the_documents_again() {
    let store = store_with(&["mesh"]).await;
    let sync = |adds: &'static str, removes: Option<&'static str>| {
        let store = store.clone();
        async move {
            let mut tx = store.begin_sync("mesh").await.unwrap();
            if let Some(path) = removes {
                assert!(tx.delete(path).await.unwrap());
            }
            let id = adds.trim_end_matches(".yaml");
            tx.upsert(adds, STAT, &product(id, "sales", "c", None))
                .await
                .unwrap();
            tx.commit(SyncStatus::Ok, None).await.unwrap();
        }
    };
    sync("p1.yaml", None).await;
    let current = store.document_index("mesh").await.unwrap();
    let mut tx = store.begin_sync_indexed(&current).await.unwrap();
    assert!(tx.delete("p1.yaml").await.unwrap());
    drop(tx);

    let outdated = store.document_index("mesh").await.unwrap();
    sync("p2.yaml", Some("p1.yaml")).await;
    let mut tx = store.begin_sync_indexed(&outdated).await.unwrap();
    assert!(!tx.delete("p1.yaml").await.unwrap());
    assert!(tx.delete("p2.yaml").await.unwrap());
    let applied = tx.commit(SyncStatus::Ok, None).await.unwrap();
    assert_eq!(applied.removed_product_ids, ["p2"]);
    assert_eq!(store.stats().await.unwrap().products, 0);
}

#[tokio::test]
async fn a_failed_sync_leaves_no_large_page_cache_in_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meshlens.db")).await.unwrap();
    // Raises its connection's cache, then fails (no such source) and is dropped without a commit.
    assert!(store.begin_sync("no-such-source").await.is_err());
    store.add_source(&folder("a")).await.unwrap();
    let mut tx = store.begin_sync("a").await.unwrap();
    tx.upsert("p.yaml", STAT, &product("p", "sales", "c", None))
        .await
        .unwrap();
    drop(tx); // cancelled
    // Every pooled connection at once (the pool holds four): each has the readers' cache.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut conn = store.pool().acquire().await.unwrap();
        let (kib,): (i64,) = sqlx::query_as("PRAGMA cache_size")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(kib, -2048);
        held.push(conn);
    }
}

/// Two handles on one file (the desktop app and a CLI) each read a counter and write it back, many
/// times at once. With a deferred `BEGIN`, a read snapshot made stale by the other's commit fails at
/// once with "database is locked" (the busy timeout does not apply); `begin_write` waits instead, and
/// no increment is lost.
#[tokio::test]
async fn read_then_write_transactions_of_two_handles_wait_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let first = Store::open(&path).await.unwrap();
    let second = Store::open(&path).await.unwrap();
    sqlx::query("CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)")
        .execute(first.pool())
        .await
        .unwrap();
    async fn increment(store: Store, times: usize) {
        for _ in 0..times {
            let mut tx = store.begin_write().await.expect("begin");
            let (n,): (i64,) = sqlx::query_as("SELECT n FROM counter")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            tokio::task::yield_now().await;
            sqlx::query("UPDATE counter SET n = ?")
                .bind(n + 1)
                .execute(&mut *tx)
                .await
                .expect("the write after a read is never refused");
            tx.commit().await.unwrap();
        }
    }
    let a = tokio::spawn(increment(first.clone(), 100));
    let b = tokio::spawn(increment(second.clone(), 100));
    a.await.unwrap();
    b.await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT n FROM counter")
        .fetch_one(first.pool())
        .await
        .unwrap();
    assert_eq!(n, 200);
}

/// The input-port links `Store::input_port_links` reads, sorted.
async fn input_port_links(store: &Store) -> Vec<(String, String)> {
    let mut links = store.input_port_links().await.unwrap();
    links.sort();
    links
}

fn pairs(links: &[(&str, &str)]) -> Vec<(String, String)> {
    links
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect()
}

/// Stores the input-port links for the current catalogue generation, as the quality targets' build does.
async fn store_input_port_links(store: &Store) {
    let mut tx = store.begin_write().await.unwrap();
    let (generation,): (i64,) = sqlx::query_as("SELECT generation FROM lineage_meta")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    write_input_port_links(&mut tx, generation).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn stored_input_port_links_answer_for_their_catalogue_generation_only() {
    let store = store_with(&["mesh"]).await;
    let consumer = |id, input| product(id, "finance", &format!("{id}-out"), input);
    let docs = [
        ("p.yaml", product("p", "sales", "orders", None)),
        ("q.yaml", consumer("q", Some("orders"))),
        ("r.yaml", consumer("r", Some("orders"))),
        ("s.yaml", consumer("s", Some("unknown"))),
    ];
    sync_history(&store, &docs, &[]).await;
    let expected = pairs(&[("p", "q"), ("p", "r")]);
    assert_eq!(
        input_port_links(&store).await,
        expected,
        "nothing stored: the join"
    );

    store_input_port_links(&store).await;
    // A marker row shows that the stored rows answer while their generation holds.
    sqlx::query("INSERT INTO input_port_links (provider, consumer) VALUES ('marker', 'q')")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        input_port_links(&store).await,
        pairs(&[("marker", "q"), ("p", "q"), ("p", "r")])
    );

    // r drops its input port: the catalogue moves, the join answers until the links are stored again.
    sync_history(&store, &[("r.yaml", consumer("r", None))], &[]).await;
    assert_eq!(input_port_links(&store).await, pairs(&[("p", "q")]));
    store_input_port_links(&store).await;
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT provider, consumer FROM input_port_links ORDER BY 1, 2")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(stored, pairs(&[("p", "q")]));
    assert_eq!(input_port_links(&store).await, stored);
}

/// Syncs `docs` (path, document) as the whole content of source `mesh`.
async fn sync_history(store: &Store, docs: &[(&str, ParsedDocument)], gone: &[&str]) {
    let mut tx = store.begin_sync("mesh").await.unwrap();
    for (path, doc) in docs {
        tx.upsert(path, STAT, doc).await.unwrap();
    }
    for path in gone {
        tx.delete(path).await.unwrap();
    }
    tx.commit(SyncStatus::Ok, None).await.unwrap();
}

fn ops(versions: &[meshlens_store::VersionRow]) -> Vec<(&str, &str)> {
    versions
        .iter()
        .map(|v| (v.kind.as_str(), v.op.as_str()))
        .collect()
}

#[tokio::test]
async fn history_records_changed_entities_only_and_removals() {
    let store = store_with(&["mesh"]).await;
    let docs = [
        ("p1.yaml", product("p1", "sales", "c1", None)),
        ("c1.yaml", contract("c1", "1.0.0", 3)),
    ];
    sync_history(&store, &docs, &[]).await;
    // A full re-sync of the same content is not a new version.
    sync_history(&store, &docs, &[]).await;
    let mut narrower = contract("c1", "1.0.0", 2);
    narrower.canonical = serde_json::json!({"id": "c1", "columns": 2});
    sync_history(&store, &[("c1.yaml", narrower)], &["p1.yaml"]).await;

    let p1 = store.versions_of("p1").await.unwrap();
    assert_eq!(ops(&p1), [("product", "removed"), ("product", "added")]);
    assert_eq!(p1[1].version, None);
    assert_eq!(p1[1].domain.as_deref(), Some("sales"));
    assert!(store.version_body(p1[0].id).await.unwrap().is_none());
    assert_eq!(
        store.version_body(p1[1].id).await.unwrap().as_deref(),
        Some(r#"{"id":"p1"}"#)
    );
    let c1 = store.versions_of("c1").await.unwrap();
    assert_eq!(ops(&c1), [("contract", "changed"), ("contract", "added")]);
    assert_eq!(c1[0].slot, "1.0.0");
    let orders = store.versions_of("c1/orders").await.unwrap();
    assert_eq!(ops(&orders), [("dataset", "changed"), ("dataset", "added")]);
    let [Some((before, after))] = &store.bodies_to_compare(&[orders[0].id]).await.unwrap()[..]
    else {
        panic!("no versions to compare");
    };
    assert_eq!(
        (Some(before), Some(after)),
        (
            store.version_body(orders[1].id).await.unwrap().as_ref(),
            store.version_body(orders[0].id).await.unwrap().as_ref()
        )
    );
    // Nothing before a first version, nor across a removal.
    let p1_ids = [p1[1].id, p1[0].id];
    assert_eq!(
        store.bodies_to_compare(&p1_ids).await.unwrap(),
        [None, None]
    );
    assert_eq!(store.syncs_in(0, None).await.unwrap().len(), 3);
    // Additions and removals are summarised as they are recorded; changes wait for the classifier.
    let pending = store.versions_to_summarise().await.unwrap();
    let pending: Vec<&str> = pending.iter().map(|v| v.entity_id.as_str()).collect();
    assert_eq!(pending, ["c1", "c1/orders"]);
    assert_eq!(p1[0].summary.as_deref(), Some("product removed"));
    assert_eq!(p1[0].breaking, Some(true));
}

#[tokio::test]
async fn history_keeps_the_newest_versions_up_to_the_limit() {
    let store = store_with(&["mesh"]).await;
    let limit = meshlens_store::history_limit();
    for i in 0..limit + 3 {
        let mut doc = product("p1", "sales", "c1", None);
        doc.canonical = serde_json::json!({"id": "p1", "revision": i});
        sync_history(&store, &[("p1.yaml", doc)], &[]).await;
    }
    let kept = store.versions_of("p1").await.unwrap();
    assert_eq!(kept.len(), limit);
    let newest = store.version_body(kept[0].id).await.unwrap().unwrap();
    assert!(
        newest.contains(&format!("\"revision\":{}", limit + 2)),
        "{newest}"
    );
    // Every kept version still reads back: the oldest became a keyframe when its dictionary went.
    for (age, version) in kept.iter().enumerate() {
        let body = store.version_body(version.id).await.unwrap().unwrap();
        let revision = limit + 2 - age;
        assert!(
            body.contains(&format!("\"revision\":{revision}}}")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn follows_and_the_read_mark() {
    let store = store_with(&["mesh"]).await;
    store.follow("product", "p1").await.unwrap();
    store.follow("product", "p1").await.unwrap();
    store.follow("domain", "sales").await.unwrap();
    let ids: Vec<String> = store
        .follows()
        .await
        .unwrap()
        .into_iter()
        .map(|f| format!("{}:{}", f.kind, f.entity_id))
        .collect();
    assert_eq!(ids, ["domain:sales", "product:p1"]);
    assert!(store.unfollow("p1").await.unwrap());
    assert!(!store.unfollow("p1").await.unwrap());
    assert_eq!(store.last_read_sync().await.unwrap(), 0);
    store.mark_read(4).await.unwrap();
    store.mark_read(2).await.unwrap();
    assert_eq!(store.last_read_sync().await.unwrap(), 4);
}
