//! `open_link`: the mail and chat links of a product page open in the user's mail client or browser,
//! never in the app's window (which shows only the app, see `navigation.rs`). The link is upstream text,
//! so it is checked again here (`external_link`: one `mailto:` address or an `https:` URL) whatever the
//! page checked.

use std::process::Command;

use meshlens_app::{AppError, ErrorCode, external_link};

#[tauri::command]
pub fn open_link(url: String) -> Result<(), AppError> {
    let link = external_link(&url)?;
    let mut child = system_opener(&link).spawn().map_err(|err| {
        AppError::new(
            ErrorCode::Internal,
            format!("cannot hand {link} to the system: {err}"),
        )
    })?;
    // Reaped in the background, so no zombie is left behind once the handler exits.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// The operating system's handler of links. The link is one argument (no shell in between) and starts
/// with its scheme, so it is never read as an option.
fn system_opener(link: &str) -> Command {
    #[cfg(target_os = "macos")]
    let mut command = Command::new("open");
    #[cfg(target_os = "windows")]
    let mut command = {
        let mut command = Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler");
        command
    };
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let mut command = Command::new("xdg-open");
    command.arg(link);
    command
}
