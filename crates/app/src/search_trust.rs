//! The trust scores search orders equally good matches by. Typing asks for the same products on
//! every keystroke, so the scores read are kept briefly: until a sync, import or source change in
//! this process ([`App::forget_policies`] clears them), and at most [`KEEP`] (a change made by
//! another process, or an SLA deadline passing, shows within that time).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{App, AppError};

const KEEP: Duration = Duration::from_secs(30);

/// Scores by product id (`None`: the product has none).
type Scores = HashMap<String, Option<u32>>;

/// The scores read, with the time they were first read.
#[derive(Default)]
pub(crate) struct TrustCache {
    kept: Mutex<Option<(Instant, Scores)>>,
}

impl TrustCache {
    /// The kept scores of `ids`, and the ids not kept (or kept too long).
    fn lookup(&self, ids: &[String]) -> (HashMap<String, u32>, Vec<String>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.as_ref().is_some_and(|(at, _)| at.elapsed() > KEEP) {
            *kept = None;
        }
        let scores = kept.as_ref().map(|(_, scores)| scores);
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for id in ids {
            match scores.and_then(|s| s.get(id)) {
                Some(score) => found.extend(score.map(|s| (id.clone(), s))),
                None => missing.push(id.clone()),
            }
        }
        (found, missing)
    }

    fn keep(&self, ids: &[String], read: &HashMap<String, u32>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let (_, scores) = kept.get_or_insert_with(|| (Instant::now(), HashMap::new()));
        scores.extend(ids.iter().map(|id| (id.clone(), read.get(id).copied())));
    }

    pub(crate) fn clear(&self) {
        *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl App {
    /// The trust scores of `ids` for ordering search hits. A product whose score cannot be read
    /// (say, a policy folder that does not parse) only loses its tie-break: search still answers.
    pub(crate) async fn search_trust(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, u32>, AppError> {
        let cache = &self.inner.search_trust;
        let (mut found, missing) = cache.lookup(ids);
        if missing.is_empty() {
            return Ok(found);
        }
        let set = match self.policy_set().await {
            Ok(set) => set,
            Err(err) => {
                tracing::warn!(error = %err, "search hits keep the index's order: no trust scores");
                return Ok(found);
            }
        };
        let read = meshlens_quality::trust_scores_of(self.store(), &set.policies, &missing).await?;
        cache.keep(&missing, &read);
        found.extend(read);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_scores_answer_and_products_without_one_are_not_asked_again() {
        let cache = TrustCache::default();
        let ids = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let (found, missing) = cache.lookup(&ids(&["a", "b"]));
        assert!(found.is_empty());
        assert_eq!(missing, ids(&["a", "b"]));
        cache.keep(&missing, &HashMap::from([("a".to_string(), 80)]));
        let (found, missing) = cache.lookup(&ids(&["a", "b", "c"]));
        assert_eq!(found, HashMap::from([("a".to_string(), 80)]));
        assert_eq!(missing, ids(&["c"]));
        cache.clear();
        assert_eq!(cache.lookup(&ids(&["a"])).1, ids(&["a"]));
    }
}
