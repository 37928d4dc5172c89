//! `meshlens search|reindex`: the search index over products, contracts, datasets and columns.

use clap::{Args, Subcommand};
use meshlens_app::{App, AppError, NoArgs, NoEvents, SearchArgs};

use crate::output::{self, say};

#[derive(Subcommand)]
pub enum SearchCommand {
    /// Search products, contracts, datasets and columns (typos forgiven; the last word matches as a prefix).
    Search(SearchFlags),
    /// Rebuild the search index from the cache.
    Reindex {
        #[arg(long)]
        json: bool,
    },
}

// No doc comment: the `search` command's help is the variant's.
#[derive(Args)]
pub struct SearchFlags {
    query: String,
    /// product, contract, dataset or column
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    domain: Option<String>,
    #[arg(long)]
    tag: Option<String>,
    /// Owning team (or owner).
    #[arg(long)]
    owner: Option<String>,
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    classification: Option<String>,
    /// Normalised level: public, internal, confidential, restricted or unknown.
    #[arg(long, value_parser = ["public", "internal", "confidential", "restricted", "unknown"])]
    sensitivity: Option<String>,
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Also ask each catalog source's own search API (each within 5 s); hits the cache lacks
    /// are printed with their catalog page.
    #[arg(long)]
    online: bool,
    #[arg(long)]
    json: bool,
}

impl SearchFlags {
    /// The facade's arguments: the first page of `limit` hits.
    fn args(self) -> SearchArgs {
        SearchArgs {
            query: self.query,
            kind: self.kind,
            domain: self.domain,
            tag: self.tag,
            owner: self.owner,
            status: self.status,
            classification: self.classification,
            sensitivity: self.sensitivity,
            limit: Some(self.limit),
            offset: None,
            online: self.online,
        }
    }
}

pub async fn run(command: SearchCommand, app: App) -> Result<(), AppError> {
    match command {
        SearchCommand::Search(flags) => {
            let json = flags.json;
            let results = app.search(flags.args(), &NoEvents).await?;
            output::show(json, &results, output::print_search);
        }
        SearchCommand::Reindex { json } => {
            let stats = app.reindex(NoArgs::default(), &NoEvents).await?;
            if json {
                output::print_json(&stats);
            } else {
                say!(
                    "search index rebuilt: {} documents in {} ms",
                    stats.total,
                    stats.millis
                );
            }
        }
    }
    Ok(())
}
