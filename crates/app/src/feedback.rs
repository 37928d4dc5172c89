//! Consumer feedback (issue #23): a rating from 1 to 5 and an optional comment on a product,
//! `meshlens feedback ID --rating N [--comment TEXT]` and `meshlens feedback list ID`.
//!
//! A product from an OpenMetadata source gets its rating upstream through the outbox: the data
//! product's vote and, for a comment, a conversation thread (`deliver_to_openmetadata` in `edit.rs`).
//! Every other source takes no feedback, so there the rating is kept on this machine only and marked
//! `private`: nobody else sees it. Either way the rating is stored locally (migration 0012).

use meshlens_connectors::OpenMetadataFeedback;
use meshlens_edit::{OutboxDocument, OutboxStatus};
use meshlens_store::{FeedbackRow, NewFeedback, SourceKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, AppError, ErrorCode, EventSink, GetProductArgs};

/// Where a rating sent to OpenMetadata is recorded as going.
const OPENMETADATA_TARGET: &str = "openmetadata";

/// The folder of the outbox documents that carry ratings.
const FEEDBACK_PATH: &str = "feedback/";

/// The text of a rating's outbox document.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpstreamRating {
    fqn: String,
    rating: u8,
    comment: Option<String>,
}

/// The rating an outbox document carries, if it is one.
pub(crate) fn upstream_feedback(doc: &OutboxDocument) -> Option<OpenMetadataFeedback> {
    doc.path.strip_prefix(FEEDBACK_PATH)?;
    let rating: UpstreamRating = serde_json::from_str(&doc.text).ok()?;
    Some(OpenMetadataFeedback {
        fqn: rating.fqn,
        rating: rating.rating,
        comment: rating.comment,
    })
}

/// The longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;

/// Where a rating kept on this machine only is recorded as going.
const LOCAL_TARGET: &str = "local";

/// `feedback ID --rating N [--comment TEXT]`.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeedbackArgs {
    /// The product rated.
    pub id: String,
    /// 1 (poor) to 5 (excellent).
    pub rating: u8,
    #[serde(default)]
    #[ts(optional)]
    pub comment: Option<String>,
}

/// One rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Feedback {
    pub id: i64,
    pub product: String,
    pub rating: u8,
    pub comment: Option<String>,
    /// The local user who gave it, when known.
    pub author: Option<String>,
    pub created_at: String,
    /// `local`: kept on this machine only; `openmetadata`: sent to the product's catalog.
    pub target: String,
    /// True when only this machine has it.
    pub private: bool,
    /// For a rating sent upstream: its outbox item's status (queued, sending, submitted, failed, ...).
    pub delivery: Option<OutboxStatus>,
}

/// `feedback list ID`: a product's ratings, newest first, with their count and mean.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FeedbackList {
    pub product: String,
    pub count: u64,
    /// Mean rating, `None` without ratings.
    pub average: Option<f64>,
    pub feedback: Vec<Feedback>,
    /// The votes the product's catalog holds (OpenMetadata's), as of the last sync; `None` when the
    /// catalog keeps none.
    pub upstream_votes: Option<UpstreamVotes>,
    /// Conversation threads about the product in its catalog (OpenMetadata's), as of the last sync;
    /// `None` when the catalog keeps none.
    pub upstream_comments: Option<u64>,
}

/// Votes on a product in its catalog, from everyone who voted there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpstreamVotes {
    pub up: u64,
    pub down: u64,
}

/// The user as the operating system names them (recorded as a request's or rating's author).
pub(crate) fn local_user() -> Option<String> {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::FeedbackInvalid, message)
}

fn feedback(row: FeedbackRow, delivery: Option<OutboxStatus>) -> Feedback {
    Feedback {
        delivery,
        id: row.id,
        private: row.target == LOCAL_TARGET,
        product: row.product_id,
        rating: u8::try_from(row.rating).unwrap_or_default(),
        comment: row.comment,
        author: row.author,
        created_at: row.created_at,
        target: row.target,
    }
}

impl App {
    /// Rates a product: sent to its OpenMetadata source through the outbox, else kept on this machine,
    /// private.
    pub async fn feedback(
        &self,
        args: FeedbackArgs,
        _: &dyn EventSink,
    ) -> Result<Feedback, AppError> {
        if !(1..=5).contains(&args.rating) {
            return Err(invalid(format!("a rating is 1 to 5, not {}", args.rating)));
        }
        let comment = args
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            return Err(invalid(format!(
                "a comment holds at most {MAX_COMMENT_CHARS} characters"
            )));
        }
        let detail = self.store().get_product(&args.id).await?;
        let detail = detail.ok_or_else(|| AppError::not_found(format!("product `{}`", args.id)))?;
        let source = self.store().get_source(&detail.source).await?;
        let upstream = matches!(
            source.map(|s| s.config.kind),
            Some(SourceKind::OpenMetadata { .. })
        );
        let outbox_id = match upstream {
            true => Some(
                self.queue_rating(&detail.source, &args.id, args.rating, comment)
                    .await?,
            ),
            false => None,
        };
        let author = local_user();
        let row = self
            .store()
            .add_feedback(&NewFeedback {
                product_id: &args.id,
                rating: args.rating,
                comment,
                author: author.as_deref(),
                target: if upstream {
                    OPENMETADATA_TARGET
                } else {
                    LOCAL_TARGET
                },
                outbox_id,
            })
            .await?;
        if upstream {
            self.drain_outbox().await?;
        }
        let delivery = self.delivery(&row).await?;
        Ok(feedback(row, delivery))
    }

    /// Queues a rating for the product's OpenMetadata source; returns its outbox item.
    async fn queue_rating(
        &self,
        source: &str,
        product: &str,
        rating: u8,
        comment: Option<&str>,
    ) -> Result<i64, AppError> {
        let key = format!("feedback:{product}:{}", meshlens_edit::now_ms());
        let text = serde_json::to_string(&UpstreamRating {
            fqn: product.to_owned(),
            rating,
            comment: comment.map(str::to_owned),
        })
        .map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("cannot encode the rating: {e}"),
            )
        })?;
        let document = OutboxDocument {
            entity_id: product.to_owned(),
            path: format!("{FEEDBACK_PATH}{}.json", meshlens_edit::now_ms()),
            text,
            base_hash: None,
            base_text: None,
            keep_existing: false,
        };
        let item = meshlens_edit::enqueue(self.store(), &key, None, source, &[document]).await?;
        Ok(item.id)
    }

    /// The outbox status of a rating sent upstream.
    async fn delivery(&self, row: &FeedbackRow) -> Result<Option<OutboxStatus>, AppError> {
        let Some(id) = row.outbox_id else {
            return Ok(None);
        };
        match meshlens_edit::get_item(self.store(), id).await {
            Ok(item) => Ok(Some(item.status)),
            Err(meshlens_edit::EditError::UnknownItem(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// A product's ratings, newest first, with their count and mean.
    pub async fn feedback_list(
        &self,
        args: GetProductArgs,
        _: &dyn EventSink,
    ) -> Result<FeedbackList, AppError> {
        let rows = self.store().feedback(&args.id).await?;
        if rows.is_empty() && self.store().get_product(&args.id).await?.is_none() {
            return Err(AppError::not_found(format!("product `{}`", args.id)));
        }
        let mut listed = Vec::with_capacity(rows.len());
        for row in rows {
            let delivery = self.delivery(&row).await?;
            listed.push(feedback(row, delivery));
        }
        let feedback = listed;
        let count = feedback.len() as u64;
        let sum: u64 = feedback.iter().map(|f| u64::from(f.rating)).sum();
        let stats = self.store().product_stats().await?.remove(&args.id);
        let upstream_comments = stats.as_ref().and_then(|s| s.comments);
        let upstream_votes = stats
            .filter(|s| s.up_votes.is_some() || s.down_votes.is_some())
            .map(|s| UpstreamVotes {
                up: s.up_votes.unwrap_or(0),
                down: s.down_votes.unwrap_or(0),
            });
        Ok(FeedbackList {
            product: args.id,
            count,
            average: (count > 0).then(|| sum as f64 / count as f64),
            feedback,
            upstream_votes,
            upstream_comments,
        })
    }
}
