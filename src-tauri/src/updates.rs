//! "Check for updates" through Tauri's updater plugin. The facade decides whether a check may run and
//! against which manifest (the user's settings and the machine's policy) and fetches the manifest within
//! bounds; the plugin parses it, checks the download's signature against the release key in
//! tauri.conf.json, and installs. An update is offered only once its download has passed that check.

use std::sync::Mutex;

use meshlens_app::{
    AppError, AvailableUpdate, ErrorCode, NoArgs, NoEvents, UpdateCheck, UpdateMode,
};
use tauri::{AppHandle, State};
use tauri_plugin_updater::{Update, UpdaterExt};
use tokio::sync::Notify;

use crate::{Backend, WindowEvents};

/// Development builds only: trust this public key instead of the release key, so the end-to-end tests can
/// sign updates with a throwaway key. Release builds ignore it.
const TEST_PUBKEY_ENV: &str = "MESHLENS_UPDATE_PUBKEY";
/// A package is tens of megabytes; a download past this is not one of ours and is dropped.
const MAX_DOWNLOAD_BYTES: usize = 512 * 1024 * 1024;

/// The plugin, with the test key in development builds when one is given.
pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry, tauri_plugin_updater::Config> {
    let builder = tauri_plugin_updater::Builder::new();
    match std::env::var(TEST_PUBKEY_ENV) {
        Ok(key) if cfg!(debug_assertions) && !key.is_empty() => builder.pubkey(key).build(),
        _ => builder.build(),
    }
}

/// A verified download waiting for the user's "Restart and update".
#[derive(Default)]
pub struct PendingUpdate(Mutex<Option<(Update, Vec<u8>)>>);

fn failed(code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::new(code, message)
}

/// Checks the manifest in force; when it offers a newer version, downloads and verifies it before saying so.
#[tauri::command]
pub async fn check_update(
    handle: AppHandle,
    backend: State<'_, Backend>,
    pending: State<'_, PendingUpdate>,
) -> Result<UpdateCheck, AppError> {
    let app = backend.app(&WindowEvents(handle.clone())).await?;
    let settings = app.update_settings(NoArgs::default(), &NoEvents).await?;
    if settings.mode == UpdateMode::Off {
        let why = settings
            .policy_error
            .unwrap_or_else(|| "updates are switched off on this machine".into());
        return Err(failed(ErrorCode::UpdatePolicy, why));
    }
    let url = meshlens_app::check_manifest_url(&settings.url)
        .map_err(|err| failed(ErrorCode::UpdatePolicy, err))?;
    let manifest = meshlens_app::fetch_update_manifest(&url).await?;
    let updater = handle
        .updater_builder()
        .endpoints(vec![url.clone()])
        .and_then(|builder| builder.build())
        .map_err(|err| {
            failed(
                ErrorCode::Internal,
                format!("cannot set up the updater: {err}"),
            )
        })?;
    let current_version = handle.package_info().version.to_string();
    let update = updater.restore_update(manifest).map_err(|err| {
        failed(
            ErrorCode::UpdateUnreachable,
            format!("the update manifest at {url} cannot be used: {err}"),
        )
    })?;
    let Some(update) = update else {
        return Ok(UpdateCheck {
            current_version,
            available: None,
        });
    };
    let bytes = download_verified(&update).await?;
    let available = AvailableUpdate {
        version: update.version.clone(),
        notes: update.body.clone(),
        date: update.date.map(|date| date.to_string()),
    };
    *pending.0.lock().expect("pending update lock") = Some((update, bytes));
    Ok(UpdateCheck {
        current_version,
        available: Some(available),
    })
}

/// The announced package, at most [`MAX_DOWNLOAD_BYTES`], accepted only with a valid release signature.
async fn download_verified(update: &Update) -> Result<Vec<u8>, AppError> {
    let too_large = Notify::new();
    let mut received = 0usize;
    let download = update.download(
        |chunk, _| {
            received += chunk;
            if received > MAX_DOWNLOAD_BYTES {
                too_large.notify_one();
            }
        },
        || {},
    );
    let result = tokio::select! {
        result = download => result,
        () = too_large.notified() => {
            let limit = MAX_DOWNLOAD_BYTES / (1024 * 1024);
            return Err(failed(ErrorCode::UpdateUnreachable, format!("the update download passed {limit} MiB and was dropped")));
        }
    };
    result.map_err(|err| match err {
        tauri_plugin_updater::Error::Minisign(_)
        | tauri_plugin_updater::Error::Base64(_)
        | tauri_plugin_updater::Error::SignatureUtf8(_)
        | tauri_plugin_updater::Error::MissingSignedVersion
        | tauri_plugin_updater::Error::SignedVersionMismatch { .. } => failed(
            ErrorCode::UpdateSignature,
            format!(
                "the update to {} is not signed with meshlens's release key ({err}); it was not installed",
                update.version
            ),
        ),
        other => failed(
            ErrorCode::UpdateUnreachable,
            format!("cannot download the update to {}: {other}; meshlens keeps working as it is", update.version),
        ),
    })
}

/// Installs the verified download and restarts into it.
#[tauri::command]
pub async fn install_update(
    handle: AppHandle,
    pending: State<'_, PendingUpdate>,
) -> Result<(), AppError> {
    let taken = pending.0.lock().expect("pending update lock").take();
    let Some((update, bytes)) = taken else {
        return Err(failed(
            ErrorCode::NotFound,
            "no checked update is waiting; check for updates first",
        ));
    };
    update.install(&bytes).map_err(|err| {
        failed(
            ErrorCode::UpdateUnreachable,
            format!("cannot install the update to {}: {err}", update.version),
        )
    })?;
    handle.restart()
}
