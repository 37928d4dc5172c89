//! `meshlens products|show|owners|consumers`: the products in the cache and who to ask about them.

use clap::Subcommand;
use meshlens_app::{App, AppError, GetProductArgs, ListProductsArgs, NoEvents};

use crate::output;

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// List data products.
    Products {
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one product with its ports, contracts and datasets.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Who to ask about a product: owners, steward, on-call, escalation and the roles nobody holds.
    Owners {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Who consumes a product: declared input ports and runs seen in lineage, each saying how it is known.
    Consumers {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: CatalogCommand, app: App) -> Result<(), AppError> {
    match command {
        CatalogCommand::Products { domain, json } => {
            let products = app
                .list_products(ListProductsArgs { domain }, &NoEvents)
                .await?;
            output::show(json, products.as_slice(), output::print_products);
        }
        CatalogCommand::Show { id, json } => {
            let product = app.get_product(GetProductArgs { id }, &NoEvents).await?;
            output::show(json, &product, output::print_product);
        }
        CatalogCommand::Owners { id, json } => {
            let ownership = app.owners(GetProductArgs { id }, &NoEvents).await?;
            output::show(json, &ownership, output::print_owners);
        }
        CatalogCommand::Consumers { id, json } => {
            let consumers = app.consumers(GetProductArgs { id }, &NoEvents).await?;
            output::show(json, consumers.as_slice(), output::print_consumers);
        }
    }
    Ok(())
}
