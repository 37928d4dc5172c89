//! Native dialogs the shell opens for the page. A path the user picks here is one the page may then use
//! (the app's desktop path policy, `meshlens_app::DesktopPaths`); the page never gets the dialog plugin's
//! own commands (no capability grants them), so it cannot pick a path without the user.

use meshlens_app::{AppError, ErrorCode, is_report_file_name};
use tauri::{State, Window};
use tauri_plugin_dialog::{DialogExt, FilePath};

use crate::Backend;

/// Asks the user for a folder (a source to add, files to import); `None` when the dialog was cancelled.
#[tauri::command]
pub async fn pick_folder(
    window: Window,
    backend: State<'_, Backend>,
) -> Result<Option<String>, AppError> {
    let paths = backend.paths()?;
    let (sender, picked) = tokio::sync::oneshot::channel();
    window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title("Choose a folder for meshlens")
        .pick_folder(move |path| {
            let _ = sender.send(path);
        });
    let Some(path) = chosen(picked.await)? else {
        return Ok(None);
    };
    Ok(Some(paths.allow_reading(&path)?.display().to_string()))
}

/// Asks the user where to save a steward report, suggesting `suggested`; `None` when cancelled.
#[tauri::command]
pub async fn choose_report_path(
    suggested: String,
    window: Window,
    backend: State<'_, Backend>,
) -> Result<Option<String>, AppError> {
    let paths = backend.paths()?;
    let name = if is_report_file_name(&suggested) {
        suggested
    } else {
        "steward-report.html".to_owned()
    };
    let (sender, picked) = tokio::sync::oneshot::channel();
    window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title("Save the steward report")
        .add_filter("HTML report", &["html"])
        .set_file_name(name)
        .save_file(move |path| {
            let _ = sender.send(path);
        });
    let Some(path) = chosen(picked.await)? else {
        return Ok(None);
    };
    Ok(Some(paths.allow_writing(&path)?.display().to_string()))
}

/// The path a dialog answered with, `None` when the user cancelled it.
fn chosen(
    answer: Result<Option<FilePath>, tokio::sync::oneshot::error::RecvError>,
) -> Result<Option<std::path::PathBuf>, AppError> {
    match answer.ok().flatten() {
        None => Ok(None),
        Some(path) => path.into_path().map(Some).map_err(|err| {
            AppError::new(
                ErrorCode::Io,
                format!("the dialog answered with no usable path: {err}"),
            )
        }),
    }
}
