//! The desktop shell: `call`, which forwards to [`App::dispatch_as`] as the desktop caller (whose paths
//! must lie in the data directory or come from a dialog), the dialogs that grant such paths, `open_report`, `open_link`,
//! `check_update`/`install_update` (Tauri's updater), and an event sink that forwards app events to the window
//! (and breaking changes found by a background sync to the desktop's notifications). Everything the app does lives in `meshlens-app`.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod dialogs;
mod links;
mod navigation;
mod notify;
mod report;
mod updates;
mod webview;

use std::path::PathBuf;
use std::sync::Arc;

use meshlens_app::{App, AppConfig, AppError, AppEvent, Caller, DesktopPaths, EventSink};
use serde_json::Value;
use tauri::{AppHandle, Emitter, Manager, State, WebviewWindowBuilder};
use tokio::sync::OnceCell;

/// The same allocator as the CLI, for the same allocation-heavy work (the lineage graph build, search
/// answers). On the idle-RSS benchmark it made no difference against glibc (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The one event channel the UI listens on; payloads are `AppEvent` JSON (`{"type":"syncProgress",...}`).
const EVENT_NAME: &str = "meshlens://event";

/// Environment switch used by `make run` and the e2e tests: register and sync the bundled demo mesh.
const OPEN_DEMO_ENV: &str = "MESHLENS_OPEN_DEMO";

/// What the command line asked for. Unknown arguments are ignored on purpose: WebKitWebDriver starts the
/// app with its own flags (`--automation`).
struct Options {
    data_dir: Option<PathBuf>,
    demo: bool,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Options {
        let mut options = Options {
            data_dir: None,
            demo: false,
        };
        while let Some(arg) = args.next() {
            if arg == "--demo" {
                options.demo = true;
            } else if arg == "--data-dir" {
                options.data_dir = args.next().map(PathBuf::from);
            } else if let Some(path) = arg.strip_prefix("--data-dir=") {
                options.data_dir = Some(PathBuf::from(path));
            }
        }
        if std::env::var(OPEN_DEMO_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true")) {
            options.demo = true;
        }
        options
    }
}

/// The app, opened once on first use. Opening can fail (unusable data dir, broken cache); then every call
/// answers with that error so the window can show it instead of the process dying before it has a window.
struct Backend {
    config: Result<AppConfig, AppError>,
    /// What the page may name as paths: the data directory, and what the user picked in the dialogs.
    paths: Result<DesktopPaths, AppError>,
    demo: bool,
    app: OnceCell<Result<App, AppError>>,
}

impl Backend {
    async fn app(&self, events: &dyn EventSink) -> Result<&App, AppError> {
        let opened = self.app.get_or_init(|| self.open(events)).await;
        opened.as_ref().map_err(Clone::clone)
    }

    async fn open(&self, events: &dyn EventSink) -> Result<App, AppError> {
        let app = App::open(self.config.clone()?).await?;
        // Submitted edits wait in the outbox while their target is unreachable; deliver them when it returns.
        app.start_outbox_worker();
        if self.demo {
            // A demo that fails to sync still leaves a usable app (with whatever the cache held), so log it.
            if let Err(err) = app.open_demo(meshlens_app::NoArgs::default(), events).await {
                tracing::error!(
                    code = err.code.as_str(),
                    "cannot open the demo mesh: {}",
                    err.message
                );
            }
        }
        // The first lineage view should not wait seconds for the graph build: build it now, in the
        // background, and again after every sync.
        app.keep_warm();
        Ok(app)
    }

    fn paths(&self) -> Result<&DesktopPaths, AppError> {
        self.paths.as_ref().map_err(Clone::clone)
    }

    /// Where report windows read from (`None` when the data directory is unusable).
    fn reports_dir(&self) -> Option<PathBuf> {
        self.paths.as_ref().ok().map(DesktopPaths::reports_dir)
    }
}

/// Sends app events to every window of this app, and breaking changes in followed things to the desktop's
/// notifications too.
struct WindowEvents(AppHandle);

impl EventSink for WindowEvents {
    fn emit(&self, event: &AppEvent) {
        if let Err(err) = self.0.emit(EVENT_NAME, event) {
            tracing::warn!("cannot deliver an app event to the window: {err}");
        }
        if let AppEvent::FollowedBreaking(notice) = event {
            notify::breaking_changes(&self.0, notice);
        }
    }
}

/// The UI's only entry point: a command name from the app's command table and its JSON arguments.
#[tauri::command]
async fn call(
    command: String,
    args: Value,
    handle: AppHandle,
    backend: State<'_, Backend>,
) -> Result<Value, AppError> {
    let events = WindowEvents(handle);
    let app = backend.app(&events).await?;
    let caller = Caller::Desktop(backend.paths()?);
    app.dispatch_as(caller, &command, args, &events).await
}

/// The main window, as tauri.conf.json describes it (`create: false` there), refusing windows its page asks for.
fn open_main_window(handle: &AppHandle) -> tauri::Result<()> {
    let config = handle
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main");
    let config = config.ok_or_else(|| tauri::Error::WindowNotFound)?;
    navigation::no_new_windows(WebviewWindowBuilder::from_config(handle, config)?).build()?;
    Ok(())
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let options = Options::parse(std::env::args().skip(1));
    let config = AppConfig::from_env(options.data_dir);
    let backend = Backend {
        paths: config
            .as_ref()
            .map(|c| DesktopPaths::new(c.data_dir.clone()))
            .map_err(Clone::clone),
        config,
        demo: options.demo,
        app: OnceCell::new(),
    };

    let result = tauri::Builder::default()
        .manage(backend)
        .invoke_handler(tauri::generate_handler![
            call,
            dialogs::pick_folder,
            dialogs::choose_report_path,
            report::open_report,
            links::open_link,
            updates::check_update,
            updates::install_update
        ])
        .plugin(webview::plugin())
        .plugin(tauri_plugin_dialog::init())
        .plugin(updates::plugin())
        .plugin(notify::plugin())
        .manage(updates::PendingUpdate::default())
        .register_uri_scheme_protocol(report::REPORT_SCHEME, |ctx, request| {
            let dir = ctx.app_handle().state::<Backend>().reports_dir();
            report::respond(dir.as_deref(), &request)
        })
        .setup(|tauri_app| {
            open_main_window(tauri_app.handle())?;
            // Start opening (and syncing the demo) right away instead of on the window's first call; then
            // run the background syncs the user scheduled (none by default).
            let handle = tauri_app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let backend = handle.state::<Backend>();
                if let Ok(app) = backend.app(&WindowEvents(handle.clone())).await {
                    app.start_sync_scheduler(Arc::new(WindowEvents(handle.clone())));
                }
            });
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("meshlens: the desktop app failed: {err}");
        std::process::exit(1);
    }
}
