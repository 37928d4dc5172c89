//! Editing and submitting descriptors: drafts saved as the user types, field-level diffs, a 3-way
//! merge with upstream, the breaking/compatible classification of changes, and the outbox that
//! delivers change-sets to their source (folder or git) exactly once.
//!
//! Text is edited surgically ([`yaml_text`]) so comments, key order and unknown fields survive.

mod diff;
mod error;
mod impact;
mod merge;
pub mod path;
mod store;
mod target;
mod templates;
pub mod yaml_text;

pub use diff::{FieldChange, FieldDiff, diff, text_diff};
pub use error::EditError;
pub use impact::{ClassifiedChange, classified_value, classify};
pub use merge::{Conflict, MergeOutcome, Take, three_way};
pub use store::{
    Draft, DraftKind, NewDraft, OutboxDocument, OutboxItem, OutboxStatus, backoff_ms, cancel,
    claim_due, create_draft, enqueue, finish, get_draft, get_item, list_drafts, list_items, now_ms,
    rebase, record_delivered, requeue_cancelled, reschedule, retry_now, save_text, set_conflict,
    set_draft_state, set_resolutions,
};
pub use target::{Delivery, GitAuthor, Target, TargetError, branch_name, write_atomically};
pub use templates::template;

/// The idempotency key of a change-set: the same draft content on the same base is one change.
pub fn idempotency_key(parts: &[&str]) -> String {
    let mut joined = String::new();
    for part in parts {
        joined.push_str(part);
        joined.push('\u{0}');
    }
    meshlens_model::content_hash(joined.as_bytes())
}
