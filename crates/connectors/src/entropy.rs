//! Entropy Data (REST, `x-api-key` header, pages `p=0,1,...` with a `Link: rel="next"` header).
//!
//! Its data products and data contracts already are ODPS/ODCS (or DPS/DCS) documents: they are
//! stored as they come, so nothing is lost in a mapping. The product list may hold only top-level
//! properties, so each product is read in full by id. Pushes are PUTs guarded by the version the
//! edit was based on (see [`push_entropy`]).

use std::collections::HashSet;

use reqwest::Method;
use serde_json::Value;

use crate::documents::{document_path, escape_id};
use crate::marquez::encode_segment;
use crate::paging::{PageCounters, fetch_each, numbered_pages};
use crate::{ConnectorError, HttpClient, Provenance, PullContext, Pulled, PulledDocument};

pub(crate) async fn pull(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Pulled, ConnectorError> {
    let listed = numbered_pages(ctx, counters, "api/dataproducts").await?;
    let paths = unique_ids(&listed)
        .iter()
        .map(|id| format!("api/dataproducts/{}", encode_segment(id)))
        .collect();
    let products = fetch_each(ctx, counters, paths, &[], &[]).await?;
    let contracts = numbered_pages(ctx, counters, "api/datacontracts").await?;
    let access = access_list(ctx, counters).await?;

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
    let today = meshlens_model::civil::today_utc();
    pulled.agreements = access.map(|list| {
        list.iter()
            .filter_map(|access| agreement_document(access, &today))
            .collect()
    });
    Ok(pulled)
}

/// Every access resource (requests and agreements), or `None` when this server or API key cannot
/// list them: a server older than the access API answers 404, a key without the permission 401 or
/// 403. Then the agreements read before stay as they are, and the products still sync.
async fn access_list(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Option<Vec<Value>>, ConnectorError> {
    match numbered_pages(ctx, counters, "api/access").await {
        Ok(list) => Ok(Some(list)),
        Err(ConnectorError::Status {
            status: 401 | 403 | 404,
            ..
        }) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The Data Usage Agreement Specification version Entropy Data's access resources follow.
const DUA_VERSION: &str = "0.0.1";

/// An access resource as a Data Usage Agreement document (`access/<id>.json`), the shape folder and
/// git sources keep, with the specification version added and what the agreement schema requires
/// but the access API may leave out: the provider team (an empty name), the status (`requested`)
/// and the start date. A request without one starts when it is approved, so today at the earliest.
fn agreement_document(access: &Value, today: &str) -> Option<PulledDocument> {
    let id = access.get("id").and_then(Value::as_str)?;
    let mut agreement = access.clone();
    let object = agreement.as_object_mut()?;
    object.insert("dataUsageAgreementSpecification".into(), DUA_VERSION.into());
    if let Some(provider) = object.get_mut("provider").and_then(Value::as_object_mut) {
        provider.entry("teamId").or_insert_with(|| "".into());
    }
    if let Some(info) = object.get_mut("info").and_then(Value::as_object_mut) {
        info.entry("status").or_insert_with(|| "requested".into());
        info.entry("startDate").or_insert_with(|| today.into());
    }
    Some(PulledDocument {
        path: format!("access/{}.json", escape_id(id)),
        text: serde_json::to_string(&agreement).ok()?,
        provenance: Provenance {
            upstream_id: id.to_string(),
            upstream_version: None,
            upstream_updated_at: None,
        },
    })
}

/// Sends an access request (a Data Usage Agreement document, as `access request` writes it) to
/// Entropy Data's access API: `PUT /api/access/{id}`. A request the server holds already (an earlier
/// attempt landed before its answer was lost, or the owners answered it meanwhile) is left as it is.
pub async fn request_entropy_access(
    http: &HttpClient,
    agreement: &Value,
) -> Result<String, ConnectorError> {
    let body = access_body(agreement).ok_or_else(|| ConnectorError::Unexpected {
        source_name: http.source_name().to_string(),
        what: "the access request has no `id`, `info.purpose` or `provider`".into(),
    })?;
    let id = body["id"].as_str().unwrap_or_default();
    let path = format!("api/access/{}", encode_segment(id));
    match http.get_json(&path, &[]).await {
        Ok(_) => return Ok(format!("{path} (already requested)")),
        Err(ConnectorError::Status { status: 404, .. }) => {}
        Err(err) => return Err(err),
    }
    http.send_json(Method::PUT, &path, &body, None).await?;
    Ok(format!("PUT {path}"))
}

/// The access resource Entropy Data takes for a request: the agreement without what the server
/// manages itself (the specification version, `info.status` and `info.active`), and `custom` as
/// the text values the API declares (a column list joined with commas).
fn access_body(agreement: &Value) -> Option<Value> {
    let mut body = agreement.as_object()?.clone();
    body.remove("dataUsageAgreementSpecification");
    body.get("id").and_then(Value::as_str)?;
    body.get("provider")?.as_object()?;
    let info = body.get_mut("info")?.as_object_mut()?;
    info.get("purpose").and_then(Value::as_str)?;
    info.remove("status");
    info.remove("active");
    if let Some(custom) = body.get_mut("custom").and_then(Value::as_object_mut) {
        for value in custom.values_mut() {
            *value = custom_text(value);
        }
    }
    Some(Value::Object(body))
}

fn custom_text(value: &Value) -> Value {
    match value {
        Value::String(_) => value.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map_or_else(|| item.to_string(), str::to_owned)
            })
            .collect::<Vec<_>>()
            .join(",")
            .into(),
        other => other.to_string().into(),
    }
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
