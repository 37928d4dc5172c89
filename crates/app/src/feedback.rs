//! Consumer feedback (issue #23): a rating from 1 to 5 and an optional comment on a product,
//! `meshlens feedback ID --rating N [--comment TEXT]` and `meshlens feedback list ID`.
//!
//! No source meshlens reads takes feedback yet (OpenMetadata votes and threads are not spoken), so
//! every rating is kept on this machine only and marked `private`: nobody else sees it.

use meshlens_store::{FeedbackRow, NewFeedback};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, AppError, ErrorCode, EventSink, GetProductArgs};

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
    /// `local`: kept on this machine only.
    pub target: String,
    /// True when only this machine has it.
    pub private: bool,
}

/// `feedback list ID`: a product's ratings, newest first, with their count and mean.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FeedbackList {
    pub product: String,
    pub count: u64,
    /// Mean rating, `None` without ratings.
    pub average: Option<f64>,
    pub feedback: Vec<Feedback>,
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

fn feedback(row: FeedbackRow) -> Feedback {
    Feedback {
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
    /// Rates a product; the rating is kept on this machine, private.
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
        if self.store().get_product(&args.id).await?.is_none() {
            return Err(AppError::not_found(format!("product `{}`", args.id)));
        }
        let author = local_user();
        let row = self
            .store()
            .add_feedback(&NewFeedback {
                product_id: &args.id,
                rating: args.rating,
                comment,
                author: author.as_deref(),
                target: LOCAL_TARGET,
                outbox_id: None,
            })
            .await?;
        Ok(feedback(row))
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
        let feedback: Vec<Feedback> = rows.into_iter().map(feedback).collect();
        let count = feedback.len() as u64;
        let sum: u64 = feedback.iter().map(|f| u64::from(f.rating)).sum();
        Ok(FeedbackList {
            product: args.id,
            count,
            average: (count > 0).then(|| sum as f64 / count as f64),
            feedback,
        })
    }
}
