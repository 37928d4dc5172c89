//! `meshlens source add|list|remove`: the sources a sync reads.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use meshlens_app::{AppError, NoArgs, NoEvents, RemoveSourceArgs, SourceConfig, SourceKind};

use crate::{open_app, output};

#[derive(Subcommand)]
pub(crate) enum SourceCommand {
    /// Register a source.
    Add(SourceAddArgs),
    /// List sources and their last sync.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a source and everything cached from it (its history stays unless --forget-history).
    Remove {
        name: String,
        /// Also delete the versions its syncs recorded.
        #[arg(long)]
        forget_history: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SourceKindArg {
    Folder,
    Git,
    /// OpenMetadata server (token: a JWT, see `meshlens auth set`).
    #[value(name = "openmetadata")]
    OpenMetadata,
    /// DataHub (token: a personal access token).
    #[value(name = "datahub")]
    DataHub,
    /// Marquez (read-only; a token only if the server requires one).
    Marquez,
    /// Entropy Data (token: an API key).
    Entropy,
    /// Amundsen: the metadata service's URL in --url, the search service's in --search-url (a token
    /// only for a proxy in front).
    Amundsen,
}

#[derive(Args)]
pub(crate) struct SourceAddArgs {
    name: String,
    #[arg(long, value_enum)]
    kind: SourceKindArg,
    /// Folder to read (kind folder).
    #[arg(long, required_if_eq("kind", "folder"))]
    path: Option<PathBuf>,
    /// Repository URL or local path (kind git); the server's base URL (openmetadata, datahub, marquez, entropy);
    /// the metadata service's URL (amundsen).
    #[arg(long, required_if_eq_any([("kind", "git"), ("kind", "openmetadata"), ("kind", "datahub"), ("kind", "marquez"), ("kind", "entropy"), ("kind", "amundsen")]))]
    url: Option<String>,
    /// The search service's URL (kind amundsen; default: the metadata service's URL, for a gateway in front of both).
    #[arg(long)]
    search_url: Option<String>,
    /// Branch to read (kind git; default: the remote's default branch).
    #[arg(long)]
    branch: Option<String>,
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(command: SourceCommand, data_dir: Option<PathBuf>) -> Result<(), AppError> {
    match command {
        SourceCommand::Add(args) => {
            let kind = match args.kind {
                SourceKindArg::Folder => SourceKind::Folder {
                    path: meshlens_app::absolute_path(args.path.unwrap_or_default()),
                },
                SourceKindArg::Git => SourceKind::Git {
                    url: git_url(args.url.unwrap_or_default()),
                    branch: args.branch,
                },
                SourceKindArg::OpenMetadata => SourceKind::OpenMetadata {
                    url: args.url.unwrap_or_default(),
                },
                SourceKindArg::DataHub => SourceKind::DataHub {
                    url: args.url.unwrap_or_default(),
                },
                SourceKindArg::Marquez => SourceKind::Marquez {
                    url: args.url.unwrap_or_default(),
                },
                SourceKindArg::Entropy => SourceKind::Entropy {
                    url: args.url.unwrap_or_default(),
                },
                SourceKindArg::Amundsen => SourceKind::Amundsen {
                    url: args.url.unwrap_or_default(),
                    search_url: args.search_url,
                },
            };
            let app = open_app(data_dir).await?;
            let record = app
                .add_source(
                    SourceConfig {
                        name: args.name,
                        kind,
                        scope: None,
                    },
                    &NoEvents,
                )
                .await?;
            if args.json {
                output::print_json(&record);
            } else {
                output::say!(
                    "added source `{}`; run `meshlens sync {}` to read it",
                    record.config.name,
                    record.config.name
                );
            }
        }
        SourceCommand::List { json } => {
            let app = open_app(data_dir).await?;
            let sources = app.list_sources(NoArgs::default(), &NoEvents).await?;
            output::show(json, sources.as_slice(), output::print_sources);
        }
        SourceCommand::Remove {
            name,
            forget_history,
        } => {
            let app = open_app(data_dir).await?;
            let args = RemoveSourceArgs {
                name: name.clone(),
                forget_history,
            };
            app.remove_source(args, &NoEvents).await?;
            output::say!("removed source `{name}` and everything cached from it");
        }
    }
    Ok(())
}

/// A git "URL" that is a local folder becomes absolute, so the source keeps working from any directory.
fn git_url(url: String) -> String {
    let path = PathBuf::from(&url);
    if !url.contains("://") && !url.contains('@') && path.exists() {
        meshlens_app::absolute_path(path).display().to_string()
    } else {
        url
    }
}
