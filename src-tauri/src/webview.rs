//! How the app's WebKitGTK webviews are set up. meshlens shows one local single-page UI (and steward report
//! windows): nothing is fetched from the web, nothing is navigated back to, and the lineage view paints with a
//! 2D canvas. WebKitGTK's defaults (and wry's) are a browser's: an in-memory cache sized for browsing, a page
//! cache for back/forward, WebGL and Web Audio on, GPU compositing. Each of those holds memory in the web
//! process that this app never uses (docs/benchmarks.md, "Desktop UI", has the measurements).
//!
//! GPU compositing is kept where there is a GPU. Without one (no DRM render node this user may open: a VM,
//! a container, a CI runner), Mesa emulates GL on the CPU, and compositing through it costs ≈ 120 MiB in the web process
//! and a slower frame after every change than painting directly.

use tauri::plugin::TauriPlugin;
use tauri::{Runtime, Webview};

use crate::navigation;

/// Applies the settings to every webview as it is created, and keeps every webview where it belongs.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("meshlens-webviews")
        .on_webview_ready(|webview| tune(&webview))
        .on_navigation(|webview, url| {
            let allowed = navigation::navigation_allowed(webview.label(), url);
            if !allowed {
                tracing::warn!("the window `{}` may not open {url}", webview.label());
            }
            allowed
        })
        .build()
}

fn tune<R: Runtime>(webview: &Webview<R>) {
    #[cfg(target_os = "linux")]
    if let Err(err) = webview.with_webview(|platform| linux::tune(&platform.inner())) {
        tracing::warn!("cannot set up the webview: {err}");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = webview;
}

#[cfg(target_os = "linux")]
mod linux {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebView, WebViewExt,
    };

    pub(super) fn tune(view: &WebView) {
        if let Some(context) = view.context() {
            // No memory cache of fetched resources and no disk cache: everything comes from the app's
            // own protocol, which answers from memory anyway.
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(view) {
            // Nothing navigates back to a previous page: the UI is one page with its own routes.
            settings.set_enable_page_cache(false);
            // The lineage view paints on a 2D canvas; nothing plays sound.
            settings.set_enable_webgl(false);
            settings.set_enable_webaudio(false);
            if !has_gpu() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        }
    }

    /// Whether the kernel offers a GPU this user can render with (a DRM render node it may open for
    /// reading and writing, as Mesa does); without one, GL is software.
    fn has_gpu() -> bool {
        std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
            entries.flatten().any(|entry| {
                entry.file_name().to_string_lossy().starts_with("renderD")
                    && std::fs::OpenOptions::new()
                        .read(true)
                        .write(true)
                        .open(entry.path())
                        .is_ok()
            })
        })
    }
}
