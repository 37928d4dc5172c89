//! WAL checkpoints on a connection of their own, beside a [`Store::bulk_writer`].
//!
//! A checkpoint copies committed frames from the WAL into the database file. Left to the writer
//! (SQLite's auto-checkpoint), it runs on the writer's thread right after a commit: after a full
//! sync's descriptor transaction that is a gigabyte copied while nothing else is written. Run here,
//! it overlaps the next writes, and the WAL still stays small: once everything in it has been
//! copied, the next write transaction starts it over from the beginning.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Store;

/// How often committed frames are copied while a bulk writer works.
const PERIOD: Duration = Duration::from_millis(500);

/// Checkpoints running in the background; [`Checkpointer::finish`] stops them after a last one.
/// Dropping it stops them too, without waiting.
pub struct Checkpointer {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Store {
    /// Starts checkpointing this file's WAL every half second, on a connection of its own: copying
    /// a gigabyte of frames takes seconds, which must not hold one of the readers' connections.
    pub fn background_checkpoints(&self) -> Checkpointer {
        // An in-memory cache has no WAL.
        if self.path.is_none() {
            return Checkpointer {
                stop: None,
                task: None,
            };
        }
        let (stop, mut stopped) = oneshot::channel::<()>();
        let shared = self.clone();
        let options = (*self.pool.connect_options()).clone();
        let task = tokio::spawn(async move {
            let store = match shared
                .one_connection(options, "open the checkpointer")
                .await
            {
                Ok(own) => own,
                Err(err) => {
                    tracing::debug!("checkpointing on a pooled connection instead: {err}");
                    shared
                }
            };
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tokio::time::sleep(PERIOD) => store.checkpoint().await,
                }
            }
            store.checkpoint().await;
        });
        Checkpointer {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// One PASSIVE checkpoint: it never waits for readers or the writer. A failed one loses
    /// nothing (the frames stay in the WAL for the next), so its error is only logged.
    async fn checkpoint(&self) {
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&self.pool)
            .await
        {
            tracing::debug!("background checkpoint failed (the next one copies its frames): {err}");
        }
    }
}

impl Checkpointer {
    /// Stops the background checkpoints after a last one, which copies what is left.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_len(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    #[tokio::test]
    async fn bulk_writes_reach_the_database_file_through_the_checkpointer_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let store = Store::open(&path).await.unwrap();
        let writer = store.bulk_writer().await.unwrap();
        let before = file_len(&path);

        // Over SQLite's auto-checkpoint threshold (1,000 pages), which the writer must not use.
        const SIZE: u64 = 5 << 20;
        let big = "x".repeat(SIZE as usize);
        sqlx::query("INSERT INTO sources (name, kind, config) VALUES ('big', 'folder', ?)")
            .bind(&big)
            .execute(writer.pool())
            .await
            .unwrap();
        // The writer's commit left its frames in the WAL.
        assert!(file_len(&path) < before + SIZE);

        store.background_checkpoints().finish().await;
        assert!(file_len(&path) >= before + SIZE);
        drop(writer);
        store.close().await;
    }

    #[tokio::test]
    async fn an_in_memory_cache_needs_no_checkpoints() {
        let store = Store::open_in_memory().await.unwrap();
        store.background_checkpoints().finish().await;
    }
}
