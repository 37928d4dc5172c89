//! Desktop notifications for what the app announces while the user may be elsewhere: a background sync that
//! brought breaking changes to followed things (`AppEvent::FollowedBreaking`). The text comes from the app
//! facade; the shell only hands it to the system's notification service. The plugin's JS commands get no
//! capability: the page cannot raise notifications of its own.

use meshlens_app::BreakingNotice;
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_notification::init()
}

/// Shows `notice`; a desktop without a notification service only logs it (the inbox has the changes anyway).
pub fn breaking_changes(handle: &AppHandle, notice: &BreakingNotice) {
    let shown = handle
        .notification()
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show();
    if let Err(err) = shown {
        tracing::warn!("cannot show the notification \"{}\": {err}", notice.title);
    }
}
