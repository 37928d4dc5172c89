//! Feedback users give products (migration 0012): a rating and a comment, kept locally or sent to
//! the product's catalog through the outbox.

use sqlx::FromRow;

use crate::error::Ctx;
use crate::{Store, StoreError};

/// One rating as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct FeedbackRow {
    pub id: i64,
    pub product_id: String,
    pub rating: i64,
    pub comment: Option<String>,
    pub author: Option<String>,
    pub created_at: String,
    /// `local`, or the kind of catalog server it goes to.
    pub target: String,
    pub outbox_id: Option<i64>,
}

/// A rating to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback<'a> {
    pub product_id: &'a str,
    pub rating: u8,
    pub comment: Option<&'a str>,
    pub author: Option<&'a str>,
    pub target: &'a str,
    pub outbox_id: Option<i64>,
}

const FEEDBACK_COLUMNS: &str =
    "id, product_id, rating, comment, author, created_at, target, outbox_id";

impl Store {
    /// Stores a rating (one statement) and returns it as stored.
    pub async fn add_feedback(&self, new: &NewFeedback<'_>) -> Result<FeedbackRow, StoreError> {
        Ok(sqlx::query_as(&format!(
            "INSERT INTO feedback (product_id, rating, comment, author, target, outbox_id)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING {FEEDBACK_COLUMNS}"
        ))
        .bind(new.product_id)
        .bind(i64::from(new.rating))
        .bind(new.comment)
        .bind(new.author)
        .bind(new.target)
        .bind(new.outbox_id)
        .fetch_one(&self.pool)
        .await
        .ctx("store feedback")?)
    }

    /// A product's feedback, newest first.
    pub async fn feedback(&self, product: &str) -> Result<Vec<FeedbackRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE product_id = ? ORDER BY id DESC"
        ))
        .bind(product)
        .fetch_all(&self.pool)
        .await
        .ctx("read feedback")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn feedback_is_kept_per_product_newest_first_and_ratings_stay_in_range() {
        let store = Store::open_in_memory().await.unwrap();
        let rate = |rating, comment| NewFeedback {
            product_id: "sales-orders",
            rating,
            comment,
            author: Some("ana"),
            target: "local",
            outbox_id: None,
        };
        let first = store.add_feedback(&rate(4, Some("useful"))).await.unwrap();
        let second = store.add_feedback(&rate(2, None)).await.unwrap();
        assert_eq!(
            (first.rating, first.comment.as_deref()),
            (4, Some("useful"))
        );
        let read = store.feedback("sales-orders").await.unwrap();
        assert_eq!(read, [second, first]);
        assert!(store.feedback("other").await.unwrap().is_empty());
        // The table itself refuses a rating outside 1-5, whoever writes it.
        assert!(store.add_feedback(&rate(6, None)).await.is_err());
    }
}
