//! Migration 0014 (interned entities, raw hashes, deflated change lists) keeps a user's history: a cache
//! written by migration 0013 with history rows reads back identically after the upgrade.

use std::collections::BTreeMap;

use flate2::{Compress, Compression, FlushCompress};
use meshlens_store::{Store, VersionRow};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Pool, Sqlite};

/// Raw deflate with a preset dictionary, as the history stored bodies before and after 0014.
fn deflate(text: &str, dictionary: Option<&str>) -> Vec<u8> {
    let mut deflate = Compress::new(Compression::new(6), false);
    if let Some(dictionary) = dictionary {
        deflate.set_dictionary(dictionary.as_bytes()).unwrap();
    }
    let mut out = Vec::with_capacity(text.len() + 64);
    deflate
        .compress_vec(text.as_bytes(), &mut out, FlushCompress::Finish)
        .unwrap();
    out
}

const P1_V1: &str = r#"{"id":"p1","name":"P one","description":{"purpose":"Sales."}}"#;
const P1_V2: &str = r#"{"id":"p1","name":"P one","description":{"purpose":"Sales, revised."}}"#;
const C1: &str = r#"{"id":"c1","version":"1.0.0","schema":[{"name":"orders"}]}"#;
const ORDERS: &str = r#"{"name":"orders","columns":[]}"#;
const PURPOSE_CHANGED: &str = r#"[{"path":"description.purpose","op":"changed","breaking":false,"reason":"documentation or metadata change","metadata_only":true}]"#;

/// A cache at migration 0013.
async fn cache_at_0013(path: &std::path::Path) -> Pool<Sqlite> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let mut migrator = sqlx::migrate!("./migrations");
    let up_to_0013: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version <= 13)
        .cloned()
        .collect();
    migrator.migrations = up_to_0013.into();
    migrator.run(&pool).await.unwrap();
    pool
}

/// A version row in the 0011 layout.
struct OldRow {
    id: i64,
    kind: &'static str,
    entity: &'static str,
    slot: &'static str,
    op: &'static str,
    hash: Option<String>,
    sync: i64,
    body: Option<Vec<u8>>,
    base: Option<i64>,
    changes: &'static str,
    summary: String,
}

impl OldRow {
    async fn insert(self, pool: &Pool<Sqlite>) {
        sqlx::query(
            "INSERT INTO entity_versions (id, kind, entity_id, slot, op, version, content_hash, name, domain,
                 source, sync_id, body, base_id, depth, changes, breaking, summary)
             VALUES (?, ?, ?, ?, ?, '1.0.0', ?, 'Name', 'sales', ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(self.id)
        .bind(self.kind)
        .bind(self.entity)
        .bind(self.slot)
        .bind(self.op)
        .bind(self.hash)
        .bind(if self.sync == 1 { "a" } else { "b" })
        .bind(self.sync)
        .bind(self.body)
        .bind(self.base)
        .bind(i64::from(self.base.is_some()))
        .bind(self.changes)
        .bind(self.op == "removed")
        .bind(self.summary)
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Two syncs of history in the 0011 layout: a product added then changed (a delta against its first
/// version), a contract version with a dataset, a product removed, and a change not summarised yet.
async fn write_0013_history(pool: &Pool<Sqlite>) {
    for (id, source) in [(1, "a"), (2, "b")] {
        sqlx::query("INSERT INTO syncs (id, source, at) VALUES (?, ?, ?)")
            .bind(id)
            .bind(source)
            .bind(format!("2026-12-0{id}T10:00:00.000Z"))
            .execute(pool)
            .await
            .unwrap();
    }
    let hash = |c: char| Some(c.to_string().repeat(64));
    let added = |id, kind, entity, slot, hash, body: &str| OldRow {
        id,
        kind,
        entity,
        slot,
        op: "added",
        hash,
        sync: 1,
        body: Some(deflate(body, None)),
        base: None,
        changes: "[]",
        summary: format!("{kind} added"),
    };
    let rows = [
        added(1, "product", "p1", "", hash('a'), P1_V1),
        added(2, "contract", "c1", "1.0.0", hash('b'), C1),
        added(3, "dataset", "c1/orders", "1.0.0", hash('c'), ORDERS),
        added(4, "product", "p2", "", hash('d'), P1_V1),
        OldRow {
            op: "changed",
            hash: Some("0123456789abcdef".repeat(4)),
            sync: 2,
            body: Some(deflate(P1_V2, Some(P1_V1))),
            base: Some(1),
            changes: PURPOSE_CHANGED,
            summary: "documentation or metadata change".into(),
            ..added(5, "product", "p1", "", None, P1_V2)
        },
        OldRow {
            op: "removed",
            sync: 2,
            body: None,
            summary: "product removed".into(),
            ..added(6, "product", "p2", "", None, "")
        },
    ];
    for row in rows {
        row.insert(pool).await;
    }
    // Recorded by a sync whose comparison the app has not derived yet.
    sqlx::query(
        "INSERT INTO entity_versions (id, kind, entity_id, slot, op, content_hash, source, sync_id, body)
         VALUES (7, 'dataset', 'c1/orders', '1.0.0', 'changed', ?, 'b', 2, ?)",
    )
    .bind("e".repeat(64))
    .bind(deflate(ORDERS, None))
    .execute(pool)
    .await
    .unwrap();
}

/// Every version as 0013 read it (the columns `VersionRow` had then), by id, with its change list.
async fn read_0013(pool: &Pool<Sqlite>) -> BTreeMap<i64, VersionRow> {
    let rows: Vec<VersionRow> = sqlx::query_as(
        "SELECT v.id, v.kind, v.entity_id, v.slot, v.op, v.version, v.content_hash, v.name, v.domain,
                v.source, v.sync_id, s.at AS seen_at, v.breaking, v.summary
         FROM entity_versions v JOIN syncs s ON s.id = v.sync_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut by_id = BTreeMap::new();
    for mut row in rows {
        let (changes,): (Option<String>,) =
            sqlx::query_as("SELECT changes FROM entity_versions WHERE id = ?")
                .bind(row.id)
                .fetch_one(pool)
                .await
                .unwrap();
        row.changes = changes;
        by_id.insert(row.id, row);
    }
    by_id
}

#[tokio::test]
async fn history_written_at_0013_reads_back_identically_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meshlens.db");
    let old = cache_at_0013(&path).await;
    write_0013_history(&old).await;
    let before = read_0013(&old).await;
    old.close().await;

    let store = Store::open(&path).await.unwrap();
    let mut after = BTreeMap::new();
    for id in ["p1", "p2", "c1", "c1/orders"] {
        for row in store.versions_of(id).await.unwrap() {
            after.insert(row.id, row);
        }
    }
    assert_eq!(after, before);
    let recorded: Vec<VersionRow> = store.versions_recorded(1, 2).await.unwrap();
    assert_eq!(recorded, before.values().cloned().collect::<Vec<_>>());
    let bodies = [
        (1, Some(P1_V1)),
        (2, Some(C1)),
        (3, Some(ORDERS)),
        (5, Some(P1_V2)),
        (6, None),
    ];
    for (id, text) in bodies {
        assert_eq!(
            store.version_body(id).await.unwrap().as_deref(),
            text,
            "version {id}"
        );
    }
    let pending: Vec<i64> = store
        .versions_to_summarise()
        .await
        .unwrap()
        .iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(pending, [7]);
    // Version 5 was deflated against version 1: both read back from one walk.
    assert_eq!(
        store.bodies_to_compare(&[5]).await.unwrap(),
        [Some((P1_V1.to_string(), P1_V2.to_string()))]
    );
    // The lists set aside for deflating are all moved into their versions.
    let (legacy,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM history_legacy_changes")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(legacy, 0);
}
