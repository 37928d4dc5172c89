//! Where the app's webviews may go. The main window shows the app's own bundled page and nothing else: a
//! link or a script cannot take it (and its IPC) to another origin, and no page may open windows itself
//! (report windows are opened by the shell's `open_report` command). Report windows show only the report
//! scheme.

use tauri::Url;
use tauri::webview::NewWindowResponse;
use tauri::{Runtime, WebviewWindowBuilder};

use crate::report::{REPORT_SCHEME, REPORT_WINDOW_PREFIX};

/// Whether the webview labelled `label` may load `url`.
pub fn navigation_allowed(label: &str, url: &Url) -> bool {
    if label.starts_with(REPORT_WINDOW_PREFIX) {
        url.scheme() == REPORT_SCHEME
    } else {
        is_app_origin(url)
    }
}

/// The origin Tauri serves the bundled UI from: `tauri://localhost`, or `http(s)://tauri.localhost` where
/// the webview cannot use custom schemes (Windows); `blob:` URLs the page made itself (image exports).
fn is_app_origin(url: &Url) -> bool {
    if url.scheme() == "blob" {
        return Url::parse(url.path())
            .is_ok_and(|inner| inner.scheme() != "blob" && is_app_origin(&inner));
    }
    matches!(
        (url.scheme(), url.host_str(), url.port()),
        ("tauri", Some("localhost"), None) | ("http" | "https", Some("tauri.localhost"), None)
    )
}

/// Refuses every window a page asks for (`window.open`, `target=_blank`).
pub fn no_new_windows<'a, R: Runtime, M: tauri::Manager<R>>(
    builder: WebviewWindowBuilder<'a, R, M>,
) -> WebviewWindowBuilder<'a, R, M> {
    builder.on_new_window(|url, _| {
        tracing::warn!("a page asked for a new window on {url}; refused");
        NewWindowResponse::Deny
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn report_windows_stay_on_the_report_scheme() {
        assert!(navigation_allowed(
            "report-1",
            &url("meshlens-report://localhost/r.html")
        ));
        assert!(!navigation_allowed(
            "report-1",
            &url("https://example.com/")
        ));
        assert!(!navigation_allowed("report-1", &url("tauri://localhost/")));
    }

    #[test]
    fn the_main_window_stays_on_the_apps_origin() {
        for allowed in [
            "tauri://localhost/",
            "tauri://localhost/index.html#steward",
            "http://tauri.localhost/",
            "blob:tauri://localhost/6c1e0b52-8a0c-4d43-9a55-0b1d3f1c2f11",
        ] {
            assert!(navigation_allowed("main", &url(allowed)), "{allowed}");
        }
        for refused in [
            "https://example.com/",
            "http://localhost:1420/",
            "tauri://evil.example/",
            "http://tauri.localhost.evil.example/",
            "http://tauri.localhost:8080/",
            "file:///etc/passwd",
            "meshlens-report://localhost/r.html",
            "blob:https://example.com/6c1e0b52",
            "data:text/html,<script>1</script>",
            "javascript:alert(1)",
            "about:blank",
        ] {
            assert!(!navigation_allowed("main", &url(refused)), "{refused}");
        }
    }
}
