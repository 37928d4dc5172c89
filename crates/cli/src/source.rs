//! `meshlens source add|list|remove|scope`: the sources a sync reads.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use meshlens_app::{
    AppError, CatalogScope, NoArgs, NoEvents, RemoveSourceArgs, SourceConfig, SourceKind,
    SourceScopeArgs,
};

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
    /// Replace a catalog server source's scope (or --add to it), or --clear it; the next sync reads
    /// the new scope and drops what left it.
    Scope {
        name: String,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Add the given domains, tags and owners to the scope instead of replacing it.
        #[arg(long, conflicts_with = "clear")]
        add: bool,
        /// Sync the whole catalog again.
        #[arg(long, conflicts_with_all = ["domains", "tags", "owners", "neighbours"], required_unless_present_any = ["domains", "tags", "owners", "neighbours"])]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
}

/// The part of a catalog server a source syncs: entities of any named domain, tag or owner (each
/// flag repeatable), plus N hops of lineage around them. Everything else stays on the server.
#[derive(Args)]
pub(crate) struct ScopeArgs {
    /// Sync the entities of this domain (repeatable).
    #[arg(long = "scope-domain", value_name = "DOMAIN")]
    domains: Vec<String>,
    /// Sync the entities carrying this tag (repeatable; OpenMetadata: the tag's FQN).
    #[arg(long = "scope-tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Sync the entities this user or team owns (repeatable).
    #[arg(long = "scope-owner", value_name = "OWNER")]
    owners: Vec<String>,
    /// Also sync what lies within N hops of lineage (upstream and downstream) of those.
    #[arg(long, value_name = "N")]
    neighbours: Option<u32>,
}

impl ScopeArgs {
    /// The scope the flags give; `None` when no flag was given.
    fn scope(self) -> Option<CatalogScope> {
        let given = !(self.domains.is_empty() && self.tags.is_empty() && self.owners.is_empty())
            || self.neighbours.is_some();
        given.then(|| CatalogScope {
            domains: self.domains,
            tags: self.tags,
            owners: self.owners,
            neighbours: self.neighbours.unwrap_or(0),
        })
    }
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
    #[command(flatten)]
    scope: ScopeArgs,
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
            let config = SourceConfig {
                name: args.name,
                kind,
                scope: args.scope.scope(),
            };
            let record = app.add_source(config, &NoEvents).await?;
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
        SourceCommand::Scope {
            name,
            scope,
            add,
            clear: _,
            json,
        } => {
            let app = open_app(data_dir).await?;
            // Without a scope flag, `--clear` was given (clap requires one or the other).
            let args = SourceScopeArgs {
                name,
                scope: scope.scope(),
                add,
            };
            let record = app.set_source_scope(args, &NoEvents).await?;
            if json {
                output::print_json(&record);
            } else {
                let scope = record.config.scope.as_ref().map(CatalogScope::describe);
                output::say!(
                    "source `{}` now syncs {}; run `meshlens sync {}` to apply it",
                    record.config.name,
                    scope.map_or_else(|| "the whole catalog".to_string(), |s| format!("only {s}")),
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
