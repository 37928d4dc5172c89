use std::path::PathBuf;

use meshlens_model::CatalogScope;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use crate::error::{Ctx, decode_json};
use crate::{AppliedSync, Store, StoreError};

/// A configured source: where descriptors come from. Catalog servers (`openmetadata`, `datahub`,
/// `marquez`, `entropy`, `amundsen`) are read over HTTP; `marquez` is read-only: edits are never
/// pushed to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SourceConfig {
    pub name: String,
    #[serde(flatten)]
    pub kind: SourceKind,
    /// The part of a catalog server the source syncs; absent: all of it (and always for folders
    /// and git repositories). A configuration written before scopes reads as absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub scope: Option<CatalogScope>,
}

impl SourceConfig {
    /// A source of `kind` without a scope.
    pub fn new(name: impl Into<String>, kind: SourceKind) -> SourceConfig {
        SourceConfig {
            name: name.into(),
            kind,
            scope: None,
        }
    }
}

/// What the `config` column holds: the kind with its fields, and the scope when there is one.
#[derive(Serialize, Deserialize)]
struct StoredConfig {
    #[serde(flatten)]
    kind: SourceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<CatalogScope>,
}

/// Where a source's descriptors come from. The catalog servers (`openmetadata`, `datahub`,
/// `marquez`, `entropy`, `amundsen`) are read over HTTP with a token from the OS keyring (never
/// stored here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SourceKind {
    Folder {
        #[ts(type = "string")]
        path: PathBuf,
    },
    Git {
        url: String,
        branch: Option<String>,
    },
    /// OpenMetadata server (REST `/api/v1`, bearer JWT). Edits can be pushed back.
    OpenMetadata {
        url: String,
    },
    /// DataHub (GraphQL `/api/graphql`, personal access token). Edits can be pushed back.
    DataHub {
        url: String,
    },
    /// Marquez (REST `/api/v1`). Read-only: edits cannot be pushed to Marquez.
    Marquez {
        url: String,
    },
    /// Entropy Data (REST, API key). Edits can be pushed back.
    Entropy {
        url: String,
    },
    /// Amundsen: its metadata service (`url`, REST) and its search service (`search_url`, which
    /// lists the tables; `None`: the metadata URL, for a gateway in front of both).
    Amundsen {
        url: String,
        search_url: Option<String>,
    },
}

impl SourceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Folder { .. } => "folder",
            SourceKind::Git { .. } => "git",
            SourceKind::OpenMetadata { .. } => "openmetadata",
            SourceKind::DataHub { .. } => "datahub",
            SourceKind::Marquez { .. } => "marquez",
            SourceKind::Entropy { .. } => "entropy",
            SourceKind::Amundsen { .. } => "amundsen",
        }
    }

    /// The base URL of a catalog server source; `None` for folders and git repositories.
    pub fn server_url(&self) -> Option<&str> {
        match self {
            SourceKind::OpenMetadata { url }
            | SourceKind::DataHub { url }
            | SourceKind::Marquez { url }
            | SourceKind::Entropy { url }
            | SourceKind::Amundsen { url, .. } => Some(url),
            SourceKind::Folder { .. } | SourceKind::Git { .. } => None,
        }
    }

    /// True when edits cannot be pushed back to the source (Marquez, and folders/git, which are
    /// edited as files).
    pub fn read_only(&self) -> bool {
        matches!(self, SourceKind::Marquez { .. })
    }
}

/// Outcome of the last sync of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum SyncStatus {
    /// Every file was read and applied.
    Ok,
    /// Applied, but some files had errors and were skipped.
    Partial,
    /// The source could not be read; the cache kept its previous content.
    Failed,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Ok => "ok",
            SyncStatus::Partial => "partial",
            SyncStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<SyncStatus> {
        match text {
            "ok" => Some(SyncStatus::Ok),
            "partial" => Some(SyncStatus::Partial),
            "failed" => Some(SyncStatus::Failed),
            _ => None,
        }
    }
}

/// A source with its sync state and what it contributes to the cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SourceRecord {
    pub config: SourceConfig,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub last_sync_at: Option<String>,
    pub last_sync_status: Option<SyncStatus>,
    pub last_error: Option<String>,
    pub documents: i64,
    pub products: i64,
}

/// Source names become folder names (git checkouts), so keep them to a portable alphabet.
fn valid_source_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

const SOURCE_SELECT: &str = "SELECT s.name, s.config, s.created_at, s.last_sync_at, s.last_sync_status, s.last_error,
        (SELECT COUNT(*) FROM documents d WHERE d.source = s.name) AS documents,
        (SELECT COUNT(*) FROM products p JOIN documents d ON d.id = p.document_id WHERE d.source = s.name) AS products
     FROM sources s";

/// A source's configuration from its row's name and stored JSON.
fn source_config(name: String, config: &str) -> Result<SourceConfig, StoreError> {
    let stored: StoredConfig = decode_json(config, || format!("configuration of source '{name}'"))?;
    Ok(SourceConfig {
        name,
        kind: stored.kind,
        scope: stored.scope,
    })
}

fn source_record(row: &sqlx::sqlite::SqliteRow) -> Result<SourceRecord, StoreError> {
    let config: String = row.get("config");
    let status: Option<String> = row.get("last_sync_status");
    Ok(SourceRecord {
        config: source_config(row.get("name"), &config)?,
        created_at: row.get("created_at"),
        last_sync_at: row.get("last_sync_at"),
        last_sync_status: status.as_deref().and_then(SyncStatus::parse),
        last_error: row.get("last_error"),
        documents: row.get("documents"),
        products: row.get("products"),
    })
}

fn encode_config(name: &str, stored: &StoredConfig) -> Result<String, StoreError> {
    serde_json::to_string(stored).map_err(|source| StoreError::Encode {
        what: format!("configuration of source '{name}'"),
        source,
    })
}

impl Store {
    pub async fn add_source(&self, config: &SourceConfig) -> Result<(), StoreError> {
        if !valid_source_name(&config.name) {
            return Err(StoreError::InvalidSourceName(config.name.clone()));
        }
        if let SourceKind::Git { url, branch } = &config.kind {
            crate::check_git_source(url, branch.as_deref())?;
        }
        let stored = StoredConfig {
            kind: config.kind.clone(),
            scope: config.scope.clone(),
        };
        let json = encode_config(&config.name, &stored)?;
        let result = sqlx::query(
            "INSERT INTO sources (name, kind, config) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING",
        )
        .bind(&config.name)
        .bind(config.kind.as_str())
        .bind(json)
        .execute(&self.pool)
        .await
        .ctx("add source")?;
        if result.rows_affected() == 0 {
            return Err(StoreError::SourceExists(config.name.clone()));
        }
        Ok(())
    }

    /// Sets the scope of source `name` (`None`: the whole catalog). Returns false when no such
    /// source exists. What left the scope leaves the cache at the next sync, which reads the
    /// new scope in full (the pull cursor held for the old one).
    pub async fn set_source_scope(
        &self,
        name: &str,
        scope: Option<&CatalogScope>,
    ) -> Result<bool, StoreError> {
        let Some(record) = self.get_source(name).await? else {
            return Ok(false);
        };
        let stored = StoredConfig {
            kind: record.config.kind,
            scope: scope.cloned(),
        };
        let result =
            sqlx::query("UPDATE sources SET config = ?, pull_cursor = NULL WHERE name = ?")
                .bind(encode_config(name, &stored)?)
                .bind(name)
                .execute(&self.pool)
                .await
                .ctx("set source scope")?;
        Ok(result.rows_affected() > 0)
    }

    /// Where the next pull of source `name` may start: the cursor its last good sync stored
    /// ([`SyncTx::set_pull_cursor`](crate::SyncTx::set_pull_cursor)); `None` for a source never synced, synced in full only, or
    /// whose scope changed since.
    pub async fn pull_cursor(&self, name: &str) -> Result<Option<i64>, StoreError> {
        let cursor: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT pull_cursor FROM sources WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .ctx("read the pull cursor")?;
        Ok(cursor.and_then(|(cursor,)| cursor))
    }

    /// All sources, by name.
    pub async fn list_sources(&self) -> Result<Vec<SourceRecord>, StoreError> {
        let rows = sqlx::query(&format!("{SOURCE_SELECT} ORDER BY s.name"))
            .fetch_all(&self.pool)
            .await
            .ctx("list sources")?;
        rows.iter().map(source_record).collect()
    }

    /// Every source's configuration, by name, without the counts of [`Self::list_sources`] (which
    /// count every document: milliseconds on a large cache, for callers that only need the kinds).
    pub async fn source_configs(&self) -> Result<Vec<SourceConfig>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT name, config FROM sources ORDER BY name")
                .fetch_all(&self.pool)
                .await
                .ctx("list source configurations")?;
        rows.into_iter()
            .map(|(name, config)| source_config(name, &config))
            .collect()
    }

    pub async fn get_source(&self, name: &str) -> Result<Option<SourceRecord>, StoreError> {
        let row = sqlx::query(&format!("{SOURCE_SELECT} WHERE s.name = ?"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .ctx("get source")?;
        row.as_ref().map(source_record).transpose()
    }

    /// Removes a source with all its documents and derived rows (one transaction, via cascades).
    /// Returns what left the cache (for the search index), or `None` when no such source exists.
    pub async fn remove_source(&self, name: &str) -> Result<Option<AppliedSync>, StoreError> {
        let mut tx = self.begin_write().await.ctx("remove source")?;
        // What the source held, read in the same transaction as the delete, so derived indexes can
        // follow (a contract id another source still holds counts as changed, not removed).
        let products: Vec<String> = sqlx::query_scalar(
            "SELECT p.id FROM products p JOIN documents d ON d.id = p.document_id
             WHERE d.source = ? ORDER BY p.id",
        )
        .bind(name)
        .fetch_all(&mut *tx)
        .await
        .ctx("remove source")?;
        // Each contract id of the source, and whether another source holds a version of it too.
        let contracts: Vec<(String, bool)> = sqlx::query_as(
            "SELECT DISTINCT c.id, EXISTS (
                 SELECT 1 FROM contracts o JOIN documents od ON od.id = o.document_id
                 WHERE o.id = c.id AND od.source <> d.source)
             FROM contracts c JOIN documents d ON d.id = c.document_id
             WHERE d.source = ? ORDER BY c.id",
        )
        .bind(name)
        .fetch_all(&mut *tx)
        .await
        .ctx("remove source")?;
        let result = sqlx::query("DELETE FROM sources WHERE name = ?")
            .bind(name)
            .execute(&mut *tx)
            .await
            .ctx("remove source")?;
        if result.rows_affected() == 0 {
            return Ok(None);
        }
        let mut applied = AppliedSync {
            removed: products.len(),
            removed_product_ids: products,
            ..AppliedSync::default()
        };
        for (id, held_elsewhere) in contracts {
            if held_elsewhere {
                applied.changed_contract_ids.push(id);
            } else {
                applied.removed_contract_ids.push(id);
            }
        }
        tx.commit().await.ctx("remove source")?;
        Ok(Some(applied))
    }

    /// Records a sync that could not read its source. Documents stay as they were.
    pub async fn record_sync_failure(&self, name: &str, message: &str) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE sources SET last_sync_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                 last_sync_status = ?, last_error = ? WHERE name = ?",
        )
        .bind(SyncStatus::Failed.as_str())
        .bind(message)
        .bind(name)
        .execute(&self.pool)
        .await
        .ctx("record sync failure")?;
        if result.rows_affected() == 0 {
            return Err(StoreError::UnknownSource(name.to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_config_json_is_flat_and_tagged() {
        let config = SourceConfig {
            name: "mesh".into(),
            kind: SourceKind::Git {
                url: "https://example.com/mesh.git".into(),
                branch: Some("main".into()),
            },
            scope: None,
        };
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "mesh", "kind": "git", "url": "https://example.com/mesh.git", "branch": "main"})
        );
        let back: SourceConfig = serde_json::from_value(json).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn server_kinds_are_flat_with_a_url() {
        let config = SourceConfig {
            name: "om".into(),
            kind: SourceKind::OpenMetadata {
                url: "https://om.example.com".into(),
            },
            scope: None,
        };
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "om", "kind": "openmetadata", "url": "https://om.example.com"})
        );
        let marquez: SourceKind =
            serde_json::from_value(serde_json::json!({"kind": "marquez", "url": "http://m:5000"}))
                .unwrap();
        assert!(marquez.read_only());
        assert_eq!(marquez.server_url(), Some("http://m:5000"));
        let datahub: SourceKind =
            serde_json::from_value(serde_json::json!({"kind": "datahub", "url": "http://d"}))
                .unwrap();
        assert_eq!(datahub.as_str(), "datahub");
        // Amundsen's search service URL is optional: an older config without it still reads.
        let amundsen: SourceKind = serde_json::from_value(
            serde_json::json!({"kind": "amundsen", "url": "https://amundsen-metadata.example.com"}),
        )
        .unwrap();
        assert_eq!(
            amundsen,
            SourceKind::Amundsen {
                url: "https://amundsen-metadata.example.com".into(),
                search_url: None
            }
        );
        assert_eq!(
            amundsen.server_url(),
            Some("https://amundsen-metadata.example.com")
        );
        assert!(!amundsen.read_only());
    }

    #[test]
    fn a_config_stored_before_scopes_reads_unscoped() {
        let old: StoredConfig =
            serde_json::from_str(r#"{"kind": "openmetadata", "url": "https://om"}"#).unwrap();
        assert_eq!(old.scope, None);
        let scoped: StoredConfig = serde_json::from_str(
            r#"{"kind": "datahub", "url": "https://dh", "scope": {"tags": ["pii"], "neighbours": 2}}"#,
        )
        .unwrap();
        let scope = scoped.scope.unwrap();
        assert_eq!((scope.tags, scope.neighbours), (vec!["pii".to_string()], 2));
        assert!(matches!(scoped.kind, SourceKind::DataHub { .. }));
    }

    #[test]
    fn source_names_are_portable() {
        assert!(valid_source_name("team-a_mesh.v2"));
        assert!(!valid_source_name(""));
        assert!(!valid_source_name(".hidden"));
        assert!(!valid_source_name("a/b"));
        assert!(!valid_source_name("a b"));
    }
}
