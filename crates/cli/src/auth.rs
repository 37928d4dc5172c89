//! `meshlens auth set NAME`: reads a catalog server token from stdin into the OS keyring.

use std::io::{IsTerminal, Read};

use clap::Subcommand;
use meshlens_app::{App, AppError, ErrorCode, NoEvents, SetTokenArgs};

#[derive(Subcommand)]
pub enum AuthCommand {
    /// Read the token of source NAME from stdin and store it in the OS keyring (service
    /// `meshlens`, account NAME@<server origin>: it is sent to that server only, and deleted by
    /// `source remove`). Without a keyring, set MESHLENS_TOKEN_<NAME> instead.
    Set {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: AuthCommand, app: App) -> Result<(), AppError> {
    match command {
        AuthCommand::Set { name, json } => {
            if std::io::stdin().is_terminal() {
                eprintln!("paste the token for `{name}` and press Enter, then Ctrl-D:");
            }
            let mut token = String::new();
            std::io::stdin().read_to_string(&mut token).map_err(|err| {
                AppError::new(
                    ErrorCode::Io,
                    format!("cannot read the token from stdin: {err}"),
                )
            })?;
            let stored = app
                .set_token(
                    SetTokenArgs {
                        name,
                        token: token.trim().to_string(),
                    },
                    &NoEvents,
                )
                .await?;
            if json {
                crate::output::print_json(&stored);
            } else {
                let note = if stored.read_only {
                    " (the source is read-only)"
                } else {
                    ""
                };
                crate::output::say!(
                    "stored the token of `{}` in the OS keyring{note}; run `meshlens sync {}`",
                    stored.name,
                    stored.name
                );
            }
        }
    }
    Ok(())
}
