//! The cache's own health: the probe run at every open, the checks `meshlens doctor` reports, and the
//! salvage of a damaged file (what the user wrote survives, everything derived is synced again).

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row, SqliteConnection};

use crate::Store;
use crate::error::{Ctx, StorageFault, StoreError, storage_fault};

/// Tables that hold what only the user made (sources, settings, drafts, the outbox), in an order
/// that keeps references valid (the outbox points at drafts). Everything else is synced again.
pub const USER_TABLES: &[&str] = &[
    "sources",
    "quality_settings",
    "drafts",
    "outbox",
    // History is not derived: an old version exists nowhere else (syncs and entities before the versions
    // naming them).
    "syncs",
    "history_entities",
    "entity_versions",
    "follows",
    "feed_state",
    "feedback",
    "adoption_history",
];

/// The schema version of a cache: the newest migration applied, and the newest this build knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    pub applied: i64,
    pub known: i64,
}

/// What a salvage kept, per user table, and the reason reading stopped early where it did.
#[derive(Debug, Clone, Default)]
pub struct Salvage {
    /// The damaged file, moved aside.
    pub moved_to: PathBuf,
    /// (table, rows kept).
    pub kept: Vec<(&'static str, u64)>,
    /// Reads that failed: some rows of that table may be lost.
    pub losses: Vec<String>,
}

impl Store {
    /// Reads the first row of every table: each table's root page is touched, so a file whose
    /// schema or table roots are damaged is refused at open instead of failing later mid-command.
    /// (`PRAGMA integrity_check`, which reads every page, is `meshlens doctor`'s job.)
    pub(crate) async fn probe_tables(&self) -> Result<(), sqlx::Error> {
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&self.pool)
        .await?;
        for (table,) in tables {
            let probe = format!("SELECT 1 FROM \"{}\" LIMIT 1", table.replace('"', "\"\""));
            sqlx::query(&probe).fetch_optional(&self.pool).await?;
        }
        Ok(())
    }

    /// `PRAGMA quick_check`: like [`integrity_check`](Self::integrity_check) without index checks.
    pub async fn quick_check(&self) -> Result<String, StoreError> {
        self.check_pragma("PRAGMA quick_check", "quick check").await
    }

    pub async fn schema_version(&self) -> Result<SchemaVersion, StoreError> {
        let (applied,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await
                .ctx("read the schema version")?;
        let known = sqlx::migrate!("./migrations")
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        Ok(SchemaVersion { applied, known })
    }

    /// Copies the whole write-ahead log into the database file and truncates it.
    pub async fn checkpoint_truncate(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
            .ctx("checkpoint the WAL")?;
        Ok(())
    }

    /// The lineage tables' generation (bumped by every change; the graph cache follows it).
    pub async fn lineage_generation(&self) -> Result<i64, StoreError> {
        let (generation,): (i64,) =
            sqlx::query_as("SELECT generation FROM lineage_meta WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .ctx("read the lineage generation")?;
        Ok(generation)
    }

    /// Top-level search documents the cache holds: products plus contracts (one per id, the index
    /// keeps the latest version). The search index must hold as many of those kinds.
    pub async fn searchable_roots(&self) -> Result<u64, StoreError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM products) + (SELECT COUNT(DISTINCT id) FROM contracts)",
        )
        .fetch_one(&self.pool)
        .await
        .ctx("count searchable documents")?;
        Ok(count as u64)
    }
}

/// The write-ahead log beside `db` and its size in bytes (0 when absent: cleanly closed).
pub fn wal_size(db: &Path) -> u64 {
    std::fs::metadata(sidecar(db, "-wal")).map_or(0, |m| m.len())
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Moves the damaged cache `db` (with its WAL) aside to `aside`, creates a fresh cache in its place
/// and copies into it every row of [`USER_TABLES`] that can still be read, row by row, so one
/// damaged page loses only the rows on it. The caller syncs the sources again afterwards.
pub async fn salvage(db: &Path, aside: &Path) -> Result<(Store, Salvage), StoreError> {
    for suffix in ["", "-wal", "-shm"] {
        let from = sidecar(db, suffix);
        if from.exists() {
            std::fs::rename(&from, sidecar(aside, suffix)).map_err(|source| {
                StoreError::CreateDir {
                    path: from.clone(),
                    source,
                }
            })?;
        }
    }
    let store = Store::open(db).await?;
    let mut salvage = Salvage {
        moved_to: aside.to_path_buf(),
        ..Salvage::default()
    };
    let options = (*store.pool.connect_options()).clone().foreign_keys(false);
    let mut conn = one_connection(&options).await?;
    let attached = sqlx::query("ATTACH DATABASE ? AS damaged")
        .bind(aside.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await;
    if let Err(err) = attached {
        salvage
            .losses
            .push(format!("the damaged file cannot be read at all: {err}"));
        return Ok((store, salvage));
    }
    for &table in USER_TABLES {
        let kept = copy_rows(&mut conn, table, &mut salvage.losses).await;
        salvage.kept.push((table, kept));
    }
    sqlx::query("DETACH DATABASE damaged")
        .execute(&mut conn)
        .await
        .ctx("detach the damaged cache")?;
    conn.close().await.ctx("close the salvage connection")?;
    Ok((store, salvage))
}

async fn one_connection(options: &SqliteConnectOptions) -> Result<SqliteConnection, StoreError> {
    Ok(SqliteConnection::connect_with(options)
        .await
        .ctx("open a salvage connection")?)
}

/// Copies the readable rows of `table` from `damaged` into `main`; returns how many were kept.
async fn copy_rows(
    conn: &mut SqliteConnection,
    table: &'static str,
    losses: &mut Vec<String>,
) -> u64 {
    let columns = match shared_columns(conn, table).await {
        Ok(columns) if !columns.is_empty() => columns,
        Ok(_) => return 0,
        Err(err) => {
            losses.push(format!("{table}: the table cannot be read: {err}"));
            return 0;
        }
    };
    let rowids = readable_rowids(conn, table, losses).await;
    let copy = format!(
        "INSERT OR IGNORE INTO main.\"{table}\" ({columns}) SELECT {columns} FROM damaged.\"{table}\" WHERE rowid = ?"
    );
    let mut kept = 0;
    for rowid in rowids {
        match sqlx::query(&copy).bind(rowid).execute(&mut *conn).await {
            Ok(done) => kept += done.rows_affected(),
            Err(err) => losses.push(format!("{table} row {rowid}: {err}")),
        }
    }
    kept
}

/// Columns present in both copies of `table` (a damaged file of an older schema lacks newer ones).
async fn shared_columns(conn: &mut SqliteConnection, table: &str) -> Result<String, sqlx::Error> {
    let names = |schema: &str| format!("SELECT name FROM pragma_table_info('{table}', '{schema}')");
    let ours: Vec<(String,)> = sqlx::query_as(&names("main")).fetch_all(&mut *conn).await?;
    let theirs: Vec<(String,)> = sqlx::query_as(&names("damaged"))
        .fetch_all(&mut *conn)
        .await?;
    Ok(ours
        .into_iter()
        .filter(|c| theirs.contains(c))
        .map(|(c,)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", "))
}

/// Row ids of `table` in the damaged copy, as far as its pages can be walked (a page at a time).
async fn readable_rowids(
    conn: &mut SqliteConnection,
    table: &str,
    losses: &mut Vec<String>,
) -> Vec<i64> {
    let query =
        format!("SELECT rowid FROM damaged.\"{table}\" WHERE rowid > ? ORDER BY rowid LIMIT 256");
    let mut ids: Vec<i64> = Vec::new();
    loop {
        let after = ids.last().copied().unwrap_or(i64::MIN);
        match sqlx::query(&query).bind(after).fetch_all(&mut *conn).await {
            Ok(page) if page.is_empty() => break,
            Ok(page) => ids.extend(page.iter().map(|row| row.get::<i64, _>(0))),
            Err(err) => {
                losses.push(format!(
                    "{table}: reading stopped after {} rows: {err}",
                    ids.len()
                ));
                break;
            }
        }
    }
    ids
}

/// Whether `err` says the cache file is damaged (as opposed to busy, full or missing).
pub(crate) fn is_damage(err: &(dyn std::error::Error + 'static)) -> bool {
    storage_fault(err) == Some(StorageFault::Damaged)
}
