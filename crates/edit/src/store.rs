//! Drafts and the outbox in the cache database (tables from migration 0006). Every write is one
//! statement or one transaction, so a kill at any moment leaves either the old or the new state.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use meshlens_store::Store;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use ts_rs::TS;

use crate::error::{Ctx, EditError};
use crate::merge::{Conflict, Take};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum DraftKind {
    Product,
    Contract,
}

impl DraftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DraftKind::Product => "product",
            DraftKind::Contract => "contract",
        }
    }
}

/// A document being edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Draft {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: DraftKind,
    /// The product or contract id the draft edits (or creates).
    pub entity_id: String,
    /// Source and path it will be written to (`None` until known for a new document).
    pub source: Option<String>,
    pub path: Option<String>,
    /// Content hash of the upstream version the draft started from; `None` for a new document.
    pub base_hash: Option<String>,
    pub base_text: Option<String>,
    pub text: String,
    /// editing | queued | submitted | conflict
    pub state: String,
    /// Upstream's newer version while a conflict waits for the user.
    pub theirs_hash: Option<String>,
    pub theirs_text: Option<String>,
    pub conflicts: Vec<Conflict>,
    /// Choices made so far, by conflict path.
    pub resolutions: BTreeMap<String, Take>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a new draft starts from.
#[derive(Debug, Clone)]
pub struct NewDraft {
    pub kind: DraftKind,
    pub entity_id: String,
    pub source: Option<String>,
    pub path: Option<String>,
    pub base_hash: Option<String>,
    pub base_text: Option<String>,
    pub text: String,
}

fn json_or_default<T: serde::de::DeserializeOwned + Default>(text: Option<String>) -> T {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// A row type of a table of its own, keyed by `id`: drafts and outbox items.
trait Record: Sized {
    const TABLE: &'static str;
    fn from_row(row: &SqliteRow) -> Self;
}

async fn by_id<R: Record>(
    store: &Store,
    id: i64,
    what: &'static str,
) -> Result<Option<R>, EditError> {
    let row = sqlx::query(&format!("SELECT * FROM {} WHERE id = ?", R::TABLE))
        .bind(id)
        .fetch_optional(store.pool())
        .await
        .ctx(what)?;
    Ok(row.as_ref().map(R::from_row))
}

async fn every<R: Record>(store: &Store, what: &'static str) -> Result<Vec<R>, EditError> {
    let rows = sqlx::query(&format!("SELECT * FROM {} ORDER BY id", R::TABLE))
        .fetch_all(store.pool())
        .await
        .ctx(what)?;
    Ok(rows.iter().map(R::from_row).collect())
}

impl Record for Draft {
    const TABLE: &'static str = "drafts";

    fn from_row(row: &SqliteRow) -> Draft {
        Draft {
            id: row.get("id"),
            kind: if row.get::<String, _>("kind") == "product" {
                DraftKind::Product
            } else {
                DraftKind::Contract
            },
            entity_id: row.get("entity_id"),
            source: row.get("source"),
            path: row.get("path"),
            base_hash: row.get("base_hash"),
            base_text: row.get("base_text"),
            text: row.get("text"),
            state: row.get("state"),
            theirs_hash: row.get("theirs_hash"),
            theirs_text: row.get("theirs_text"),
            conflicts: json_or_default(row.get("conflicts")),
            resolutions: json_or_default(row.get("resolutions")),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        }
    }
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

pub async fn create_draft(store: &Store, new: &NewDraft) -> Result<Draft, EditError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO drafts (kind, entity_id, source, path, base_hash, base_text, text)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.kind.as_str())
    .bind(&new.entity_id)
    .bind(&new.source)
    .bind(&new.path)
    .bind(&new.base_hash)
    .bind(&new.base_text)
    .bind(&new.text)
    .fetch_one(store.pool())
    .await
    .ctx("create draft")?;
    get_draft(store, id).await
}

pub async fn get_draft(store: &Store, id: i64) -> Result<Draft, EditError> {
    by_id(store, id, "read draft")
        .await?
        .ok_or(EditError::UnknownDraft(id))
}

pub async fn list_drafts(store: &Store) -> Result<Vec<Draft>, EditError> {
    every(store, "list drafts").await
}

/// Saves the text as typed. A draft that was queued or submitted becomes a draft in progress again
/// (the outbox keeps its own copy of what was sent).
pub async fn save_text(store: &Store, id: i64, text: &str) -> Result<Draft, EditError> {
    let done = sqlx::query(&format!(
        "UPDATE drafts SET text = ?, updated_at = {NOW},
           state = CASE WHEN state = 'conflict' THEN 'conflict' ELSE 'editing' END
         WHERE id = ?"
    ))
    .bind(text)
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("save draft")?;
    if done.rows_affected() == 0 {
        return Err(EditError::UnknownDraft(id));
    }
    get_draft(store, id).await
}

pub async fn set_draft_state(store: &Store, id: i64, state: &str) -> Result<(), EditError> {
    sqlx::query(&format!(
        "UPDATE drafts SET state = ?, updated_at = {NOW} WHERE id = ?"
    ))
    .bind(state)
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("set draft state")?;
    Ok(())
}

/// Records that upstream moved on to `theirs_text` and which fields now conflict.
pub async fn set_conflict(
    store: &Store,
    id: i64,
    theirs_hash: &str,
    theirs_text: &str,
    conflicts: &[Conflict],
) -> Result<(), EditError> {
    sqlx::query(&format!(
        "UPDATE drafts SET state = 'conflict', theirs_hash = ?, theirs_text = ?, conflicts = ?,
           resolutions = NULL, updated_at = {NOW} WHERE id = ?"
    ))
    .bind(theirs_hash)
    .bind(theirs_text)
    .bind(serde_json::to_string(conflicts).unwrap_or_default())
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("record conflict")?;
    Ok(())
}

/// Keeps the user's choices while some conflicts are still open.
pub async fn set_resolutions(
    store: &Store,
    id: i64,
    resolutions: &BTreeMap<String, Take>,
    open: &[Conflict],
) -> Result<(), EditError> {
    sqlx::query(&format!(
        "UPDATE drafts SET resolutions = ?, conflicts = ?, updated_at = {NOW} WHERE id = ?"
    ))
    .bind(serde_json::to_string(resolutions).unwrap_or_default())
    .bind(serde_json::to_string(open).unwrap_or_default())
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("record resolutions")?;
    Ok(())
}

/// Every conflict settled: the merged text becomes the draft, based on upstream's version.
pub async fn rebase(store: &Store, id: i64, text: &str) -> Result<(), EditError> {
    sqlx::query(&format!(
        "UPDATE drafts SET text = ?, base_hash = theirs_hash, base_text = theirs_text,
           theirs_hash = NULL, theirs_text = NULL, conflicts = NULL, resolutions = NULL,
           state = 'editing', updated_at = {NOW} WHERE id = ?"
    ))
    .bind(text)
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("rebase draft")?;
    Ok(())
}

/// One document of a change-set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboxDocument {
    pub entity_id: String,
    /// Relative to the source's root.
    pub path: String,
    pub text: String,
    pub base_hash: Option<String>,
    pub base_text: Option<String>,
    /// A file already at `path` is left as it is and counts as delivered: an access request whose
    /// file its owners may have answered since (a request is never written twice).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub keep_existing: bool,
}

/// queued → sending → submitted | conflict | failed; cancelled by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    Queued,
    Sending,
    Submitted,
    Conflict,
    Failed,
    Cancelled,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Submitted => "submitted",
            OutboxStatus::Conflict => "conflict",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> OutboxStatus {
        match text {
            "sending" => OutboxStatus::Sending,
            "submitted" => OutboxStatus::Submitted,
            "conflict" => OutboxStatus::Conflict,
            "failed" => OutboxStatus::Failed,
            "cancelled" => OutboxStatus::Cancelled,
            _ => OutboxStatus::Queued,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OutboxItem {
    #[ts(type = "number")]
    pub id: i64,
    pub idempotency_key: String,
    #[ts(type = "number | null")]
    pub draft_id: Option<i64>,
    pub source: String,
    pub documents: Vec<OutboxDocument>,
    pub status: OutboxStatus,
    pub attempts: u32,
    /// Unix milliseconds of the next try while queued.
    #[ts(type = "number")]
    pub next_attempt_ms: i64,
    /// Why it failed, conflicts or waits.
    pub reason: Option<String>,
    /// What the target did (file written, branch and commit).
    pub receipt: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Record for OutboxItem {
    const TABLE: &'static str = "outbox";

    fn from_row(row: &SqliteRow) -> OutboxItem {
        OutboxItem {
            id: row.get("id"),
            idempotency_key: row.get("idempotency_key"),
            draft_id: row.get("draft_id"),
            source: row.get("source"),
            documents: json_or_default(row.get("documents")),
            status: OutboxStatus::parse(&row.get::<String, _>("status")),
            attempts: row.get::<i64, _>("attempts") as u32,
            next_attempt_ms: row.get("next_attempt_ms"),
            reason: row.get("reason"),
            receipt: row.get("receipt"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        }
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Queues a change-set. The same key returns the existing item: a change is queued once however
/// often it is submitted.
pub async fn enqueue(
    store: &Store,
    key: &str,
    draft_id: Option<i64>,
    source: &str,
    documents: &[OutboxDocument],
) -> Result<OutboxItem, EditError> {
    let mut tx = store.begin_write().await.ctx("begin enqueue")?;
    let inserted = sqlx::query(
        "INSERT OR IGNORE INTO outbox (idempotency_key, draft_id, source, documents, status) VALUES (?, ?, ?, ?, 'queued')",
    )
    .bind(key)
    .bind(draft_id)
    .bind(source)
    .bind(serde_json::to_string(documents).unwrap_or_default())
    .execute(&mut *tx)
    .await
    .ctx("enqueue")?
    .rows_affected()
        == 1;
    if let (Some(id), true) = (draft_id, inserted) {
        sqlx::query(&format!(
            "UPDATE drafts SET state = 'queued', updated_at = {NOW} WHERE id = ?"
        ))
        .bind(id)
        .execute(&mut *tx)
        .await
        .ctx("mark draft queued")?;
    }
    tx.commit().await.ctx("commit enqueue")?;
    item_with_key(store, key).await
}

/// Records a change-set that meshlens does not send itself (an access request prepared as an e-mail
/// the user sends): delivered at once, `receipt` saying how. The same key returns the existing item.
pub async fn record_delivered(
    store: &Store,
    key: &str,
    source: &str,
    documents: &[OutboxDocument],
    receipt: &str,
) -> Result<OutboxItem, EditError> {
    sqlx::query(
        "INSERT OR IGNORE INTO outbox (idempotency_key, source, documents, status, receipt) VALUES (?, ?, ?, 'submitted', ?)",
    )
    .bind(key)
    .bind(source)
    .bind(serde_json::to_string(documents).unwrap_or_default())
    .bind(receipt)
    .execute(store.pool())
    .await
    .ctx("record delivered item")?;
    item_with_key(store, key).await
}

async fn item_with_key(store: &Store, key: &str) -> Result<OutboxItem, EditError> {
    let row = sqlx::query("SELECT * FROM outbox WHERE idempotency_key = ?")
        .bind(key)
        .fetch_one(store.pool())
        .await
        .ctx("read queued item")?;
    Ok(OutboxItem::from_row(&row))
}

pub async fn get_item(store: &Store, id: i64) -> Result<OutboxItem, EditError> {
    by_id(store, id, "read outbox item")
        .await?
        .ok_or(EditError::UnknownItem(id))
}

pub async fn list_items(store: &Store) -> Result<Vec<OutboxItem>, EditError> {
    every(store, "list outbox").await
}

/// How long a sender may hold an item before another may take it over.
const LEASE_MS: i64 = 120_000;

/// Takes every due item for sending: queued ones whose time has come, and ones left `sending` by a
/// process that died (or whose lease ran out).
pub async fn claim_due(store: &Store) -> Result<Vec<OutboxItem>, EditError> {
    let now = now_ms();
    let pid = std::process::id() as i64;
    let candidates: Vec<(i64, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT id, status, lease_pid, lease_until_ms FROM outbox
         WHERE (status = 'queued' AND next_attempt_ms <= ?) OR status = 'sending' ORDER BY id",
    )
    .bind(now)
    .fetch_all(store.pool())
    .await
    .ctx("find due items")?;
    let mut claimed = Vec::new();
    for (id, status, lease_pid, lease_until) in candidates {
        if status == "sending"
            && lease_until.is_some_and(|until| until > now)
            && lease_pid.is_some_and(process_alive)
        {
            continue;
        }
        // The status (and old lease holder) in the WHERE makes the claim atomic between processes.
        let done = sqlx::query(&format!(
            "UPDATE outbox SET status = 'sending', lease_pid = ?, lease_until_ms = ?, updated_at = {NOW}
             WHERE id = ? AND status = ? AND lease_pid IS ?"
        ))
        .bind(pid)
        .bind(now + LEASE_MS)
        .bind(id)
        .bind(&status)
        .bind(lease_pid)
        .execute(store.pool())
        .await
        .ctx("claim item")?;
        if done.rows_affected() == 1 {
            claimed.push(get_item(store, id).await?);
        }
    }
    Ok(claimed)
}

fn process_alive(pid: i64) -> bool {
    #[cfg(unix)]
    {
        if pid == std::process::id() as i64 {
            return true;
        }
        // SAFETY: signal 0 only checks that the process exists.
        let result = unsafe { libc::kill(pid as libc::pid_t, 0) };
        result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Records a final outcome (submitted, conflict, failed) and releases the lease.
pub async fn finish(
    store: &Store,
    id: i64,
    status: OutboxStatus,
    reason: Option<&str>,
    receipt: Option<&str>,
) -> Result<(), EditError> {
    sqlx::query(&format!(
        "UPDATE outbox SET status = ?, reason = ?, receipt = COALESCE(?, receipt), attempts = attempts + 1,
           lease_pid = NULL, lease_until_ms = NULL, updated_at = {NOW} WHERE id = ?"
    ))
    .bind(status.as_str())
    .bind(reason)
    .bind(receipt)
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("finish item")?;
    Ok(())
}

/// Backoff before the next try: 2 s, 4 s, 8 s... capped at ten minutes.
pub fn backoff_ms(attempts: u32) -> i64 {
    (1_000i64 << attempts.clamp(1, 16)).min(600_000)
}

/// The target was unreachable: back to the queue with a later time.
pub async fn reschedule(store: &Store, item: &OutboxItem, reason: &str) -> Result<(), EditError> {
    let attempts = item.attempts + 1;
    sqlx::query(&format!(
        "UPDATE outbox SET status = 'queued', attempts = ?, next_attempt_ms = ?, reason = ?,
           lease_pid = NULL, lease_until_ms = NULL, updated_at = {NOW} WHERE id = ?"
    ))
    .bind(attempts as i64)
    .bind(now_ms() + backoff_ms(attempts))
    .bind(reason)
    .bind(item.id)
    .execute(store.pool())
    .await
    .ctx("reschedule item")?;
    Ok(())
}

/// `outbox retry`: a queued or failed item is due now.
pub async fn retry_now(store: &Store, id: i64) -> Result<OutboxItem, EditError> {
    let item = get_item(store, id).await?;
    if !matches!(item.status, OutboxStatus::Queued | OutboxStatus::Failed) {
        return Err(EditError::WrongStatus {
            id,
            status: item.status.as_str().into(),
            action: "only queued or failed items can be retried",
        });
    }
    sqlx::query(&format!(
        "UPDATE outbox SET status = 'queued', next_attempt_ms = 0, updated_at = {NOW}
         WHERE id = ? AND status IN ('queued', 'failed')"
    ))
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("retry item")?;
    get_item(store, id).await
}

/// A cancelled item queued again (the same request made anew after it was withdrawn).
pub async fn requeue_cancelled(store: &Store, id: i64) -> Result<OutboxItem, EditError> {
    sqlx::query(&format!(
        "UPDATE outbox SET status = 'queued', next_attempt_ms = 0, attempts = 0, reason = NULL,
           updated_at = {NOW} WHERE id = ? AND status = 'cancelled'"
    ))
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("requeue item")?;
    get_item(store, id).await
}

/// `outbox cancel`: an item not yet sent is dropped (its draft stays, to edit or submit again).
pub async fn cancel(store: &Store, id: i64) -> Result<OutboxItem, EditError> {
    let done = sqlx::query(&format!(
        "UPDATE outbox SET status = 'cancelled', lease_pid = NULL, lease_until_ms = NULL, updated_at = {NOW}
         WHERE id = ? AND status IN ('queued', 'failed', 'conflict')"
    ))
    .bind(id)
    .execute(store.pool())
    .await
    .ctx("cancel item")?;
    let item = get_item(store, id).await?;
    if done.rows_affected() == 0 {
        return Err(EditError::WrongStatus {
            id,
            status: item.status.as_str().into(),
            action: "only queued, failed or conflicting items can be cancelled",
        });
    }
    if let Some(draft) = item.draft_id {
        sqlx::query(&format!(
            "UPDATE drafts SET state = 'editing', updated_at = {NOW} WHERE id = ? AND state = 'queued'"
        ))
        .bind(draft)
        .execute(store.pool())
        .await
        .ctx("reopen draft")?;
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> OutboxDocument {
        OutboxDocument {
            entity_id: "p".into(),
            path: "p.yaml".into(),
            text: "id: p\n".into(),
            base_hash: None,
            base_text: None,
            keep_existing: false,
        }
    }

    #[tokio::test]
    async fn one_key_one_item_and_claims_are_exclusive() {
        let store = Store::open_in_memory().await.unwrap();
        let draft = create_draft(
            &store,
            &NewDraft {
                kind: DraftKind::Product,
                entity_id: "p".into(),
                source: Some("s".into()),
                path: Some("p.yaml".into()),
                base_hash: None,
                base_text: None,
                text: "id: p\n".into(),
            },
        )
        .await
        .unwrap();
        let a = enqueue(&store, "k", Some(draft.id), "s", &[doc()])
            .await
            .unwrap();
        let b = enqueue(&store, "k", Some(draft.id), "s", &[doc()])
            .await
            .unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(list_items(&store).await.unwrap().len(), 1);
        assert_eq!(get_draft(&store, draft.id).await.unwrap().state, "queued");
        let claimed = claim_due(&store).await.unwrap();
        assert_eq!(claimed.len(), 1);
        // Our own live lease is respected.
        assert!(claim_due(&store).await.unwrap().is_empty());
        reschedule(&store, &claimed[0], "offline").await.unwrap();
        let item = get_item(&store, a.id).await.unwrap();
        assert_eq!((item.status, item.attempts), (OutboxStatus::Queued, 1));
        assert!(item.next_attempt_ms > now_ms());
        assert!(claim_due(&store).await.unwrap().is_empty(), "not due yet");
        retry_now(&store, a.id).await.unwrap();
        assert_eq!(claim_due(&store).await.unwrap().len(), 1);
        finish(&store, a.id, OutboxStatus::Submitted, None, Some("written"))
            .await
            .unwrap();
        assert!(cancel(&store, a.id).await.is_err());
        assert_eq!(backoff_ms(1), 2_000);
        assert_eq!(backoff_ms(40), 600_000);
    }

    #[tokio::test]
    async fn an_item_left_sending_by_a_dead_process_is_taken_over() {
        let store = Store::open_in_memory().await.unwrap();
        let item = enqueue(&store, "k", None, "s", &[doc()]).await.unwrap();
        // A sender that was SIGKILLed mid-delivery: its lease has not run out, but it is gone.
        sqlx::query(
            "UPDATE outbox SET status = 'sending', lease_pid = ?, lease_until_ms = ? WHERE id = ?",
        )
        .bind(i64::from(i32::MAX - 1))
        .bind(now_ms() + 60_000)
        .bind(item.id)
        .execute(store.pool())
        .await
        .unwrap();
        let claimed = claim_due(&store).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].status, OutboxStatus::Sending);
    }
}
