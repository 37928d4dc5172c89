//! Online search: a query asked of a catalog's own search API (OpenMetadata's
//! `/api/v1/search/query`, DataHub's `searchAcrossEntities`, Marquez's `/api/v1/search`, Amundsen's
//! search service), for what the cache does not hold. One request per index, no paging: the first
//! `limit` hits of each, mapped to [`Found`] with what the scope of a sync needs (source, upstream
//! id, domain, tags, owners) and the catalog page that shows the entity.

use serde::Serialize;

use crate::{ConnectorError, HttpClient, ServerKind, amundsen, datahub, marquez, openmetadata};

/// What kind of entity a catalog found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FoundKind {
    /// A data product (OpenMetadata, DataHub): an ODPS document once synced.
    Product,
    /// A table or dataset: an ODCS contract once synced.
    Dataset,
}

/// One entity a catalog's own search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// The id the cache's provenance keeps: OpenMetadata FQN, DataHub URN, Amundsen key,
    /// Marquez `namespace:name`.
    pub upstream_id: String,
    pub name: String,
    pub kind: FoundKind,
    pub description: Option<String>,
    pub domain: Option<String>,
    pub tags: Vec<String>,
    pub owners: Vec<String>,
    /// The catalog's web page of the entity, under the source's URL.
    pub url: String,
}

impl ServerKind {
    /// Entropy Data has no search API meshlens asks; the others do.
    pub fn searchable(self) -> bool {
        self != ServerKind::Entropy
    }

    /// Indexes one online search asks (OpenMetadata: tables and data products apart).
    fn indexes(self) -> usize {
        match self {
            ServerKind::OpenMetadata => 2,
            _ => 1,
        }
    }
}

/// Asks the catalog at `http` (and Amundsen's search service at `search`) for `query`: at most
/// `limit` hits per index, best first as the catalog ranks them.
pub async fn search_catalog(
    kind: ServerKind,
    http: &HttpClient,
    search: Option<&HttpClient>,
    query: &str,
    limit: usize,
) -> Result<Vec<Found>, ConnectorError> {
    let mut found = match kind {
        ServerKind::OpenMetadata => openmetadata::search(http, query, limit).await?,
        ServerKind::DataHub => datahub::search(http, query, limit).await?,
        ServerKind::Marquez => marquez::search(http, query, limit).await?,
        ServerKind::Amundsen => {
            amundsen::search(http, search.unwrap_or(http), query, limit).await?
        }
        ServerKind::Entropy => {
            return Err(ConnectorError::Unexpected {
                source_name: http.source_name().to_string(),
                what: "Entropy Data has no search API meshlens can ask".into(),
            });
        }
    };
    // A server that ignores the size it was asked for still gives no more than that.
    found.truncate(limit * kind.indexes());
    Ok(found)
}
