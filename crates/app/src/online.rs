//! Online search: `search` with `online` also asks every catalog source's own search API, all at
//! once and each within [`ONLINE_TIMEOUT`], while the cache answers. A hit whose upstream id is the
//! provenance of a cached document of that source points at the cached product or contract
//! (`cached: true`); any other is `cached: false`, with the catalog's page to open it live and what
//! a scoped sync needs to add it (source, upstream id, domain, tags, owners). A catalog that fails
//! never fails the search: its note in [`OnlineReport`] says what failed, and the cache's hits
//! stay. No catalog reachable is `offline`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use meshlens_connectors::{ConnectorError, Found, FoundKind, HttpClient, HttpPolicy, ServerKind};
use meshlens_search::{
    OnlineReport, OnlineSource, OnlineStatus, SearchHit, SearchKind, SearchResults, UpstreamHit,
};
use meshlens_store::{CachedEntity, SourceConfig};

use crate::{App, AppError};

/// Longest wait for one catalog, retries included.
pub const ONLINE_TIMEOUT: Duration = Duration::from_secs(5);
/// Hits asked of each catalog (per index), however many the search shows.
const MAX_HITS_PER_SOURCE: usize = 20;

/// Short time-outs, few retries and small answers: a search waits for its slowest catalog.
fn online_policy() -> HttpPolicy {
    HttpPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        read_timeout: ONLINE_TIMEOUT,
        max_response_bytes: 4 * 1024 * 1024,
    }
}

/// A catalog source's client, and its search service's for Amundsen.
type Clients = (HttpClient, Option<HttpClient>);

/// The clients online searches ask the catalogs with, kept between searches: building one (its TLS
/// configuration, the token's keyring lookup) takes 10-30 ms, a search's whole budget beyond the
/// server's own time. Each is kept with the source configuration it was built for, and dropped
/// when the source's token is set or the source removed.
#[derive(Default)]
pub(crate) struct OnlineClients(Mutex<HashMap<String, (SourceConfig, Clients)>>);

impl OnlineClients {
    fn get(&self, source: &SourceConfig) -> Option<Clients> {
        let kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.get(&source.name)
            .filter(|(config, _)| config == source)
            .map(|(_, clients)| clients.clone())
    }

    fn keep(&self, source: &SourceConfig, clients: &Clients) {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.insert(source.name.clone(), (source.clone(), clients.clone()));
    }

    pub(crate) fn forget(&self, name: &str) {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.remove(name);
    }
}

/// One catalog's answer.
pub(crate) struct Asked {
    source: String,
    answer: Result<Vec<Found>, Failure>,
    ms: u64,
}

enum Failure {
    Unreachable(String),
    Failed(String),
    Unsupported,
}

impl From<ConnectorError> for Failure {
    fn from(err: ConnectorError) -> Self {
        match err {
            ConnectorError::Network { .. } | ConnectorError::Timeout { .. } => {
                Failure::Unreachable(err.to_string())
            }
            other => Failure::Failed(other.to_string()),
        }
    }
}

impl App {
    /// Asks every catalog source for `query` at once; `limit` hits at most from each.
    pub(crate) async fn ask_catalogs(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Asked>, AppError> {
        let limit = limit.clamp(1, MAX_HITS_PER_SOURCE);
        let mut asking = tokio::task::JoinSet::new();
        for record in self.store().list_sources().await? {
            let Some(kind) = meshlens_sync::server_kind(&record.config.kind) else {
                continue;
            };
            let query = query.to_string();
            asking.spawn(ask_catalog(self.clone(), record.config, kind, query, limit));
        }
        let mut asked = Vec::new();
        while let Some(answer) = asking.join_next().await {
            asked.push(answer.map_err(|err| {
                AppError::new(
                    crate::ErrorCode::Internal,
                    format!("an online search stopped: {err}"),
                )
            })?);
        }
        asked.sort_by(|a, b| a.source.cmp(&b.source));
        Ok(asked)
    }

    /// Adds the catalogs' hits to the cache's `results`, and how each catalog answered.
    pub(crate) async fn add_online_hits(
        &self,
        results: &mut SearchResults,
        asked: Vec<Asked>,
    ) -> Result<(), AppError> {
        let mut report = OnlineReport::default();
        for catalog in asked {
            let (status, error, hits) = match catalog.answer {
                Ok(found) => (OnlineStatus::Ok, None, found),
                Err(Failure::Unreachable(why)) => (OnlineStatus::Unreachable, Some(why), vec![]),
                Err(Failure::Failed(why)) => (OnlineStatus::Failed, Some(why), vec![]),
                Err(Failure::Unsupported) => (OnlineStatus::Unsupported, None, vec![]),
            };
            report.sources.push(OnlineSource {
                source: catalog.source.clone(),
                status,
                hits: hits.len() as u32,
                ms: catalog.ms,
                error,
            });
            let ids: Vec<String> = hits.iter().map(|f| f.upstream_id.clone()).collect();
            let cached = self.store().cached_entities(&catalog.source, &ids).await?;
            merge(results, &catalog.source, hits, &cached);
        }
        let mut asked = report
            .sources
            .iter()
            .filter(|s| s.status != OnlineStatus::Unsupported);
        report.offline =
            asked.clone().count() > 0 && asked.all(|s| s.status == OnlineStatus::Unreachable);
        results.online = Some(report);
        Ok(())
    }
}

/// Asks one catalog within [`ONLINE_TIMEOUT`].
async fn ask_catalog(
    app: App,
    source: SourceConfig,
    kind: ServerKind,
    query: String,
    limit: usize,
) -> Asked {
    let started = Instant::now();
    let answer = if kind.searchable() {
        let asking = async {
            let kept = &app.inner.online_clients;
            let (http, search) = match kept.get(&source) {
                Some(clients) => clients,
                None => {
                    let clients =
                        meshlens_sync::connect_server(&source, kind, online_policy()).await?;
                    kept.keep(&source, &clients);
                    clients
                }
            };
            meshlens_connectors::search_catalog(kind, &http, search.as_ref(), &query, limit).await
        };
        match tokio::time::timeout(ONLINE_TIMEOUT, asking).await {
            Ok(answer) => answer.map_err(Failure::from),
            Err(_) => Err(Failure::Unreachable(format!(
                "source '{}': no answer within {} s",
                source.name,
                ONLINE_TIMEOUT.as_secs()
            ))),
        }
    } else {
        Err(Failure::Unsupported)
    };
    Asked {
        source: source.name,
        answer,
        ms: started.elapsed().as_millis() as u64,
    }
}

/// Adds `found` to `results`: a hit of a cached entity points at it (on the cache's hit when the
/// cache found it too), any other is an uncached hit. An entity already shown is not shown twice.
fn merge(results: &mut SearchResults, source: &str, found: Vec<Found>, cached: &[CachedEntity]) {
    let cached: HashMap<&str, &CachedEntity> =
        cached.iter().map(|c| (c.upstream_id.as_str(), c)).collect();
    for found in found {
        let upstream = UpstreamHit {
            source: source.to_string(),
            upstream_id: found.upstream_id.clone(),
            url: found.url.clone(),
            tags: found.tags.clone(),
            owners: found.owners.clone(),
        };
        let hit = match cached.get(found.upstream_id.as_str()) {
            Some(entity) => cached_hit(entity, &found),
            None => uncached_hit(&found),
        };
        match results.hits.iter_mut().find(|shown| shown.id == hit.id) {
            Some(shown) => {
                shown.upstream.get_or_insert(upstream);
            }
            None => results.hits.push(SearchHit {
                upstream: Some(upstream),
                ..hit
            }),
        }
    }
}

fn cached_hit(entity: &CachedEntity, found: &Found) -> SearchHit {
    let id = Some(entity.entity_id.clone());
    let (kind, product_id, contract_id) = if entity.product {
        (SearchKind::Product, id, None)
    } else {
        (SearchKind::Contract, None, id)
    };
    SearchHit {
        id: entity.entity_id.clone(),
        kind,
        product_id,
        contract_id,
        cached: true,
        ..uncached_hit(found)
    }
}

/// A hit only the catalog knows, by its upstream id; a table is a contract once synced.
fn uncached_hit(found: &Found) -> SearchHit {
    SearchHit {
        id: found.upstream_id.clone(),
        kind: match found.kind {
            FoundKind::Product => SearchKind::Product,
            FoundKind::Dataset => SearchKind::Contract,
        },
        name: found.name.clone(),
        domain: found.domain.clone(),
        owner: found.owners.first().cloned(),
        status: None,
        score: 0.0,
        snippet: String::new(),
        product_id: None,
        contract_id: None,
        parent_id: None,
        trust: None,
        cached: false,
        upstream: None,
    }
}

#[cfg(test)]
mod tests {
    use meshlens_connectors::Credentials;
    use meshlens_store::SourceKind;

    use super::*;

    fn marquez(url: &str) -> SourceConfig {
        SourceConfig {
            name: "lineage".into(),
            kind: SourceKind::Marquez { url: url.into() },
            scope: None,
        }
    }

    #[test]
    fn kept_clients_serve_their_configuration_only_until_forgotten() {
        let kept = OnlineClients::default();
        let source = marquez("http://localhost:5000");
        let http = HttpClient::new(
            "lineage",
            "http://localhost:5000",
            Credentials::None,
            online_policy(),
        )
        .unwrap();
        kept.keep(&source, &(http, None));
        assert!(kept.get(&source).is_some());
        // The source pointed elsewhere: built again for the new URL.
        assert!(kept.get(&marquez("http://localhost:5001")).is_none());
        kept.forget("lineage");
        assert!(kept.get(&source).is_none());
    }
}
