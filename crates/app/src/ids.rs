//! One resolver for the ids commands print and take (issue #25): a product, `product/port`, a
//! contract, `contract/dataset` and `contract/dataset/column` (as `search`, `history` and `show`
//! print them), and whatever the lineage graph knows (`namespace:name`, its aliases,
//! `namespace:name#column`, jobs). The product commands (`show`, `owners`, `consumers`, `trust`)
//! take the product an id belongs to; `lineage`, `lineage path` and `impact` the id the graph knows
//! it by.

use meshlens_store::ContractDetail;

use crate::api::*;
use crate::{App, AppError};

/// A catalogue id, resolved.
pub(crate) struct ResolvedId {
    /// The product the id belongs to (itself for a product); `None` for a contract no product publishes.
    pub product: Option<String>,
    /// The id the lineage graph knows it by.
    pub lineage: String,
}

impl ResolvedId {
    fn of_product(product: &str, lineage: String) -> ResolvedId {
        ResolvedId {
            product: Some(product.to_owned()),
            lineage,
        }
    }
}

impl App {
    /// What a catalogue id names; `None` for an id the catalogue does not hold (it may still name a
    /// node of the lineage graph). Ids may hold '/' themselves, so every split is tried.
    pub(crate) async fn resolve_id(&self, id: &str) -> Result<Option<ResolvedId>, AppError> {
        let store = self.store();
        if store.product_output_ports(id).await?.is_some() {
            return Ok(Some(ResolvedId::of_product(id, id.to_owned())));
        }
        if let Some(contract) = store.get_contract(id, None).await? {
            return Ok(Some(self.resolve_contract(&contract).await?));
        }
        for (at, _) in id.match_indices('/') {
            let (left, right) = (&id[..at], &id[at + 1..]);
            if let Some(contract) = store.get_contract(left, None).await?
                && let Some(found) = self.resolve_contract_part(&contract, right).await?
            {
                return Ok(Some(found));
            }
            if let Some(detail) = store.get_product(left).await? {
                let product = &detail.product;
                let outputs = product.output_ports.iter().map(|p| &p.name);
                let mut ports = outputs.chain(product.input_ports.iter().map(|p| &p.name));
                if ports.any(|name| name == right) {
                    return Ok(Some(ResolvedId::of_product(left, id.to_owned())));
                }
            }
        }
        Ok(None)
    }

    /// The id the lineage graph knows `id` by (`id` itself when the catalogue does not hold it).
    pub(crate) async fn lineage_id(&self, id: &str) -> Result<String, AppError> {
        Ok(self
            .resolve_id(id)
            .await?
            .map_or_else(|| id.to_owned(), |r| r.lineage))
    }

    /// The product `id` belongs to: a catalogue id's, else the owner of the lineage node it names.
    pub(crate) async fn product_id(&self, id: &str) -> Result<String, AppError> {
        let owner = match self.resolve_id(id).await? {
            Some(resolved) => resolved.product,
            None => self.lineage_owner(id).await,
        };
        owner.ok_or_else(|| AppError::not_found(format!("product `{id}`")))
    }

    /// The product owning the lineage node `id`, if the graph knows the node and a product owns it.
    async fn lineage_owner(&self, id: &str) -> Option<String> {
        let request = meshlens_lineage::LineageRequest {
            id: id.to_owned(),
            upstream: 0,
            downstream: 0,
            level: LineageLevel::Dataset,
        };
        let graph = meshlens_lineage::lineage(self.store(), &request)
            .await
            .ok()?;
        let root = graph.nodes.into_iter().find(|n| n.id == graph.root)?;
        root.product
    }

    /// A contract: in lineage, the output port of the product publishing it, else its first
    /// dataset's node.
    async fn resolve_contract(&self, contract: &ContractDetail) -> Result<ResolvedId, AppError> {
        let id = &contract.contract.id;
        if let Some(product) = &contract.product_id {
            let ports = self.store().product_output_ports(product).await?;
            let port = ports
                .into_iter()
                .flatten()
                .find(|(_, published)| published.as_deref() == Some(id.as_str()));
            if let Some((port, _)) = port {
                return Ok(ResolvedId::of_product(product, format!("{product}/{port}")));
            }
        }
        let first = contract.contract.datasets.first().map(|d| d.name.as_str());
        let node = match first {
            Some(dataset) => {
                meshlens_lineage::contract_dataset_node(self.store(), id, dataset).await?
            }
            None => None,
        };
        Ok(ResolvedId {
            product: contract.product_id.clone(),
            lineage: node.unwrap_or_else(|| id.clone()),
        })
    }

    /// `dataset` or `dataset/column` of `contract`: in lineage, the dataset's node (and its column),
    /// else the contract's lineage. `None` when the contract has no such dataset or column.
    async fn resolve_contract_part(
        &self,
        contract: &ContractDetail,
        part: &str,
    ) -> Result<Option<ResolvedId>, AppError> {
        let datasets = &contract.contract.datasets;
        let (dataset, column) = match datasets.iter().find(|d| d.name == part) {
            Some(dataset) => (dataset, None),
            None => {
                let Some((name, column)) = part.rsplit_once('/') else {
                    return Ok(None);
                };
                let found = datasets
                    .iter()
                    .find(|d| d.name == name && d.columns.iter().any(|c| c.name == column));
                let Some(dataset) = found else {
                    return Ok(None);
                };
                (dataset, Some(column))
            }
        };
        let id = &contract.contract.id;
        let node = meshlens_lineage::contract_dataset_node(self.store(), id, &dataset.name).await?;
        let resolved = match (node, column) {
            (Some(node), None) => ResolvedId {
                product: contract.product_id.clone(),
                lineage: node,
            },
            (Some(node), Some(column)) => ResolvedId {
                product: contract.product_id.clone(),
                lineage: format!("{node}#{column}"),
            },
            // No node for the dataset (its contract names no server): its contract's lineage.
            (None, _) => self.resolve_contract(contract).await?,
        };
        Ok(Some(resolved))
    }
}
