//! Events the backend pushes to the UI (Tauri events) or the CLI (progress bar) while a command runs.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum AppEvent {
    /// Progress of a running sync, for progress bars.
    SyncProgress(meshlens_sync::SyncProgress),
    /// A background sync brought breaking changes to followed products, contracts, datasets or domains.
    FollowedBreaking(crate::BreakingNotice),
}

/// Where a command sends its events. The Tauri shell forwards them to the window; the CLI draws a progress bar.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: &AppEvent);
}

/// For callers that do not show progress (tests, `--json` runs).
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: &AppEvent) {}
}
