//! Catalogue ids in the lineage graph: a contract's dataset, as search, history and `show` name it
//! (`contract/dataset`), is the dataset node its contract's servers name (`namespace:name`, see
//! `naming.rs`), the node the graph links to the contract.

use meshlens_store::{Ctx, Store};
use serde_json::Value;

use crate::error::LineageError;
use crate::graph::{Graph, NodeKind, dataset_id, graph};
use crate::naming::dataset_identities;

/// (dataset name, physical name, the contract's `servers` as JSON text)
type DatasetRow = (String, Option<String>, Option<String>);

/// The id of the graph's node for dataset `dataset` of contract `contract`: the node one of the
/// contract's servers names it by, else the catalog's node of that table, else the contract's only
/// dataset node. `None` when the graph knows no node for it.
pub async fn contract_dataset_node(
    store: &Store,
    contract: &str,
    dataset: &str,
) -> Result<Option<String>, LineageError> {
    let g = graph(store).await?;
    let linked = g
        .contract_datasets
        .get(contract)
        .map_or(&[][..], Vec::as_slice);
    let rows: Vec<DatasetRow> = sqlx::query_as(
        "SELECT d.name, d.physical_name, json_extract(doc.canonical, '$.servers')
         FROM datasets d JOIN contracts c ON c.document_id = d.document_id
         JOIN documents doc ON doc.id = c.document_id
         WHERE c.id = ? AND d.name = ?",
    )
    .bind(contract)
    .bind(dataset)
    .fetch_all(store.pool())
    .await
    .ctx("read a contract dataset's servers")?;
    for (name, physical, servers) in &rows {
        let servers: Vec<Value> = servers
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        let physical = physical.as_deref().unwrap_or(name);
        if let Some(node) = linked_node(&g, linked, &servers, physical)
            .or_else(|| catalog_node(&g, &servers, physical))
        {
            return Ok(Some(g.nodes.id(node).to_owned()));
        }
    }
    Ok(match (rows.is_empty(), linked) {
        (false, [only]) => Some(g.nodes.id(*only).to_owned()),
        _ => None,
    })
}

/// The node linked to the contract that one of its servers names `physical` by (case-insensitively,
/// as the graph build links them).
fn linked_node(g: &Graph, linked: &[u32], servers: &[Value], physical: &str) -> Option<u32> {
    servers
        .iter()
        .flat_map(|s| dataset_identities(s, physical))
        .find_map(|(namespace, name)| {
            let wanted = dataset_id(&namespace, &name).to_lowercase();
            linked
                .iter()
                .copied()
                .find(|&n| g.nodes.id(n).to_lowercase() == wanted)
        })
}

/// A catalog server names a table by its service and path (OpenMetadata: `service.db.schema.table`,
/// the server's `server` and the physical name) and reports its lineage in a namespace of its own:
/// the one dataset node of that name, whatever its namespace.
fn catalog_node(g: &Graph, servers: &[Value], physical: &str) -> Option<u32> {
    let names: Vec<String> = servers
        .iter()
        .filter_map(|s| s.get("server")?.as_str())
        .map(|service| format!("{service}.{physical}").to_lowercase())
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut found = g
        .nodes
        .ids()
        .map(|(_, n)| n)
        .filter(|&n| g.nodes.kind(n) == NodeKind::Dataset)
        .filter(|&n| names.contains(&g.nodes.name(n).to_lowercase()));
    let first = found.next()?;
    found.all(|n| n == first).then_some(first)
}
