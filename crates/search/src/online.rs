//! What an online search adds to a search's answer (the app asks the catalogs; see
//! `meshlens_app::online`): where each hit lives upstream, and how each catalog answered.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a hit lives in a catalog: what opening it live and adding it to its source's scope need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UpstreamHit {
    /// The catalog source that found it.
    pub source: String,
    /// OpenMetadata FQN, DataHub URN, Amundsen key, Marquez `namespace:name`.
    pub upstream_id: String,
    /// The catalog's own page of the entity.
    pub url: String,
    pub tags: Vec<String>,
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum OnlineStatus {
    /// The catalog answered.
    Ok,
    /// It answered, but not usably (an HTTP error, an HTML page, a truncated body).
    Failed,
    /// No answer: connection refused, unknown host, or no answer in time.
    Unreachable,
    /// The catalog has no search meshlens asks (Entropy Data).
    Unsupported,
}

impl OnlineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OnlineStatus::Ok => "ok",
            OnlineStatus::Failed => "failed",
            OnlineStatus::Unreachable => "unreachable",
            OnlineStatus::Unsupported => "unsupported",
        }
    }
}

/// How one catalog source answered an online search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OnlineSource {
    pub source: String,
    pub status: OnlineStatus,
    /// Hits it gave (cached ones included).
    pub hits: u32,
    pub ms: u64,
    /// What failed, naming the source, the request path and the status.
    pub error: Option<String>,
}

/// The online part of a search: every catalog source asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OnlineReport {
    /// True when catalog sources were asked and none was reachable: the answer is the cache's.
    pub offline: bool,
    pub sources: Vec<OnlineSource>,
}
