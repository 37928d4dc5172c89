//! Entropy Data (REST, `x-api-key` header, pages `p=0,1,...` with a `Link: rel="next"` header).
//!
//! Its data products and data contracts already are ODPS/ODCS (or DPS/DCS) documents: they are
//! stored as they come, so nothing is lost in a mapping. The product list may hold only top-level
//! properties, so each product is read in full by id. Pushes are PUTs guarded by the version the
//! edit was based on (see [`push_entropy`]).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use serde_json::Value;

use crate::documents::document_path;
use crate::marquez::encode_segment;
use crate::paging::{fetch_each, numbered_pages};
use crate::{ConnectorError, HttpClient, Provenance, PullContext, Pulled, PulledDocument};

pub(crate) async fn pull(ctx: &PullContext<'_>) -> Result<Pulled, ConnectorError> {
    let fetched = AtomicU64::new(0);
    let requests = AtomicU64::new(0);
    let listed = numbered_pages(ctx, "api/dataproducts", &fetched, &requests).await?;
    let ids = unique_ids(&listed);
    let products = fetch_each(
        ctx,
        ids.iter()
            .map(|id| format!("api/dataproducts/{}", encode_segment(id)))
            .collect(),
        &requests,
        &[],
    )
    .await?;
    let contracts = numbered_pages(ctx, "api/datacontracts", &fetched, &requests).await?;

    let mut pulled = Pulled::default();
    pulled
        .documents
        .extend(products.iter().filter_map(|p| document("dataproducts", p)));
    let mut seen = HashSet::new();
    for contract in &contracts {
        if let Some(doc) = document("datacontracts", contract)
            && seen.insert(doc.path.clone())
        {
            pulled.documents.push(doc);
        }
    }
    pulled.requests = requests.load(Ordering::Relaxed);
    Ok(pulled)
}

/// Ids in list order, each once (a server may list one product in two formats).
fn unique_ids(entities: &[Value]) -> Vec<String> {
    let mut seen = HashSet::new();
    entities
        .iter()
        .filter_map(|e| e.get("id").and_then(Value::as_str))
        .filter(|id| seen.insert(id.to_string()))
        .map(str::to_owned)
        .collect()
}

/// ODPS/ODCS carry `version` at the top; DPS/DCS in `info.version`.
/// The version an ODPS/ODCS (`version`) or DPS/DCS (`info.version`) document declares.
pub fn version_of(entity: &Value) -> Option<String> {
    entity
        .get("version")
        .or_else(|| entity.pointer("/info/version"))
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn document(collection: &str, entity: &Value) -> Option<PulledDocument> {
    let id = entity.get("id").and_then(Value::as_str)?;
    let suffix = if collection == "dataproducts" {
        "product"
    } else {
        "contract"
    };
    Some(PulledDocument {
        path: document_path(collection, id, suffix),
        text: serde_json::to_string(entity).ok()?,
        provenance: Provenance {
            upstream_id: id.to_string(),
            upstream_version: version_of(entity),
            upstream_updated_at: None,
        },
    })
}

/// Pushes an edited ODPS/DPS product (`dataproducts`) or ODCS/DCS contract (`datacontracts`) with
/// PUT. The current upstream document is read first; when its version is not `expected_version`
/// someone changed it meanwhile and the push is refused with [`ConnectorError::VersionConflict`].
pub async fn push_entropy(
    http: &HttpClient,
    collection: &'static str,
    document: &Value,
    expected_version: Option<&str>,
) -> Result<(), ConnectorError> {
    let id =
        document
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| ConnectorError::Unexpected {
                source_name: http.source_name().to_string(),
                what: "the document to push has no `id`".into(),
            })?;
    let path = format!("api/{collection}/{}", encode_segment(id));
    match http.get_json(&path, &[]).await {
        // Already there (an earlier attempt landed before its answer was lost): nothing to do.
        Ok(current) if current == *document => return Ok(()),
        Ok(current) => {
            let found = version_of(&current).unwrap_or_default();
            if expected_version.is_some_and(|expected| expected != found) {
                return Err(ConnectorError::VersionConflict {
                    source_name: http.source_name().to_string(),
                    path,
                    expected: expected_version.unwrap_or_default().to_string(),
                    found,
                });
            }
        }
        // A new document: nothing upstream to conflict with.
        Err(ConnectorError::Status { status: 404, .. }) => {}
        Err(err) => return Err(err),
    }
    http.send_json(Method::PUT, &path, document, None).await?;
    Ok(())
}
