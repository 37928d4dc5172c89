//! A version's stored change list (`entity_versions.changes`, migration 0014): the app's JSON list of field
//! changes, deflated with a preset dictionary of the keys and words such lists repeat, so a list of one
//! documentation change costs a few dozen bytes instead of ~130. An empty list is an empty blob.

use crate::error::Ctx;
use crate::history::{pack, unpack};
use crate::{Store, StoreError};

/// What change lists repeat; deflate finds near matches cheaper, so the commonest come last.
const DICTIONARY: &str = concat!(
    "SLA loosened tightened quality rule (loosened) (tightened) output port updated removed added ",
    "column type changed from made required dataset set or cleared physical type description or tags of ",
    "slaProperties.latency schema.properties.logicalType outputPorts.version",
    "{\"path\":\"description.purpose\",\"op\":\"added\",\"breaking\":true,\"reason\":\"\",\"metadata_only\":false},",
    "{\"path\":\"description.usage\",\"op\":\"removed\",\"breaking\":true,\"reason\":\"\",\"metadata_only\":false},",
    "[{\"path\":\"description.purpose\",\"op\":\"changed\",\"breaking\":false,",
    "\"reason\":\"documentation or metadata change\",\"metadata_only\":true}]",
);

/// A change list as stored.
pub(crate) fn pack_changes(json: &str) -> Vec<u8> {
    if json == "[]" {
        return Vec::new();
    }
    pack(json, Some(DICTIONARY))
}

/// A stored change list as the app wrote it.
pub(crate) fn unpack_changes(bytes: &[u8], version_id: i64) -> Result<String, StoreError> {
    if bytes.is_empty() {
        return Ok("[]".into());
    }
    unpack(bytes, Some(DICTIONARY), version_id)
}

/// Rows of `history_legacy_changes` moved per statement batch.
const LEGACY_BATCH: i64 = 500;

/// Deflates the change lists migration 0014 set aside (stored as text before it) into their versions; a
/// cache that has none pays one empty read.
pub(crate) async fn deflate_legacy_changes(store: &Store) -> Result<(), StoreError> {
    loop {
        let mut tx = store.begin_write().await.ctx("deflate change lists")?;
        let legacy: Vec<(i64, String)> = sqlx::query_as(
            "SELECT version_id, changes FROM history_legacy_changes ORDER BY version_id LIMIT ?",
        )
        .bind(LEGACY_BATCH)
        .fetch_all(&mut *tx)
        .await
        .ctx("deflate change lists")?;
        let Some(&(last, _)) = legacy.last() else {
            return Ok(());
        };
        for (id, changes) in &legacy {
            sqlx::query("UPDATE entity_versions SET changes = ? WHERE id = ?")
                .bind(pack_changes(changes))
                .bind(id)
                .execute(&mut *tx)
                .await
                .ctx("deflate change lists")?;
        }
        sqlx::query("DELETE FROM history_legacy_changes WHERE version_id <= ?")
            .bind(last)
            .execute(&mut *tx)
            .await
            .ctx("deflate change lists")?;
        tx.commit().await.ctx("deflate change lists")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_list_reads_back_and_a_common_one_is_small() {
        let one = r#"[{"path":"description.purpose","op":"changed","breaking":false,"reason":"documentation or metadata change","metadata_only":true}]"#;
        let packed = pack_changes(one);
        assert!(packed.len() < 24, "{} bytes", packed.len());
        assert_eq!(unpack_changes(&packed, 1).unwrap(), one);
        assert!(pack_changes("[]").is_empty());
        assert_eq!(unpack_changes(&[], 1).unwrap(), "[]");
    }
}
