//! Catalog server connectors: OpenMetadata, DataHub, Marquez, Entropy Data and Amundsen.
//!
//! A connector pulls a server's metadata into [`Pulled`]: canonical ODPS/ODCS documents (one per
//! data product and per table/dataset, each with its upstream provenance) and OpenLineage events
//! for the lineage between datasets. The sync crate writes the documents through the store's
//! `SyncTx` in one transaction, so a failed or cancelled pull leaves the last good data in place.
//! Every request goes through [`http::HttpClient`] (time-outs, retries, size cap); tokens come
//! from [`auth`] (OS keyring, bound to the server's origin, or `MESHLENS_TOKEN_<NAME>`).

mod amundsen;
pub mod auth;
mod datahub;
mod documents;
mod edits;
mod entropy;
mod error;
pub mod http;
mod marquez;
mod online;
mod openlineage;
mod openmetadata;
mod openmetadata_scope;
mod paging;

use std::collections::HashMap;

use meshlens_model::CatalogScope;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::paging::PageCounters;

pub use auth::Secret;
pub use edits::{
    CatalogConflict, CatalogEdit, CatalogFields, EditedEntity, PushOutcome, push_catalog_edit,
};
pub use entropy::{push_entropy, request_entropy_access, version_of as document_version};
pub use error::ConnectorError;
pub use http::{Credentials, HttpClient, HttpPolicy};
pub use meshlens_model::UpstreamStats;
pub use online::{Found, FoundKind, search_catalog};
pub use openmetadata::{OpenMetadataFeedback, send_openmetadata_feedback};

/// The items of the list `value[key]` (none when it is missing or not a list).
pub(crate) fn list<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The kinds of catalog server meshlens reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    OpenMetadata,
    DataHub,
    /// Read-only: meshlens never pushes to Marquez.
    Marquez,
    Entropy,
    /// Amundsen's metadata service, with its search service listing the tables.
    Amundsen,
}

impl ServerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ServerKind::OpenMetadata => "openmetadata",
            ServerKind::DataHub => "datahub",
            ServerKind::Marquez => "marquez",
            ServerKind::Entropy => "entropy",
            ServerKind::Amundsen => "amundsen",
        }
    }

    /// Marquez has no write API for descriptions, owners or products: edits cannot go back.
    pub fn read_only(self) -> bool {
        self == ServerKind::Marquez
    }

    /// Marquez and Amundsen's services have no authentication of their own (a token is for a
    /// proxy in front, when there is one); the others always need a token.
    pub fn needs_token(self) -> bool {
        !matches!(self, ServerKind::Marquez | ServerKind::Amundsen)
    }

    /// Refuses a scope the connector cannot apply, naming what and why; `Ok` for one it can.
    /// OpenMetadata applies domains, tags and owners in its search API and finds neighbours
    /// through its lineage API; the other connectors are not scoped yet (Marquez has no domains,
    /// tags on datasets only and no owners at all).
    pub fn check_scope(
        self,
        source_name: &str,
        scope: &CatalogScope,
    ) -> Result<(), ConnectorError> {
        let refuse = |what, why| {
            Err(ConnectorError::ScopeUnsupported {
                source_name: source_name.to_string(),
                kind: self.as_str(),
                what,
                why,
            })
        };
        if scope.selects_nothing() {
            return refuse(
                "lineage neighbours alone",
                "name at least one domain, tag or owner whose neighbours to take",
            );
        }
        match self {
            ServerKind::OpenMetadata => Ok(()),
            ServerKind::Marquez => refuse(
                "domains, tags or owners",
                "Marquez lists datasets by namespace and has no domains or owners; add it without a scope",
            ),
            ServerKind::DataHub | ServerKind::Entropy | ServerKind::Amundsen => refuse(
                "domains, tags or owners",
                "meshlens scopes only OpenMetadata sources so far; add it without a scope",
            ),
        }
    }

    fn credentials(self, token: Option<Secret>) -> Credentials {
        match (self, token) {
            (_, None) => Credentials::None,
            (ServerKind::Entropy, Some(token)) => Credentials::ApiKeyHeader("x-api-key", token),
            (_, Some(token)) => Credentials::Bearer(token),
        }
    }
}

/// Where a pulled entity came from upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The upstream identity: OpenMetadata FQN, DataHub URN, Marquez `namespace:name`.
    pub upstream_id: String,
    /// Upstream version (OpenMetadata entity version, Marquez dataset version), when it has one.
    pub upstream_version: Option<String>,
    /// Upstream last-update time as the server reports it.
    pub upstream_updated_at: Option<String>,
}

/// What the cache holds of a source from its last sync: the upstream version and update time of
/// each document (its provenance). A pull skips mapping the entities whose version and update
/// time are both unchanged and lists them in [`Pulled::kept`]; empty means a full pull.
///
/// Only servers whose entities carry a version or update time that changes with every edit use
/// it: OpenMetadata (entity `version` and `updatedAt`) and Marquez (dataset `currentVersion` and
/// `updatedAt`). DataHub's `lastIngested` does not move on edits made in its UI, and Entropy
/// Data's `version` is whatever the document declares, so those two always map everything (the
/// sync still skips documents whose text did not change).
#[derive(Debug, Default, Clone)]
pub struct Known {
    by_path: HashMap<String, (Option<String>, Option<String>)>,
    /// Where the last good sync left the source's pull ([`Pulled::cursor`]).
    cursor: Option<i64>,
}

impl Known {
    /// From (path, upstream version, upstream update time) of the cached documents.
    pub fn new(
        entries: impl IntoIterator<Item = (String, Option<String>, Option<String>)>,
    ) -> Self {
        Known {
            by_path: entries
                .into_iter()
                .map(|(path, version, updated)| (path, (version, updated)))
                .collect(),
            cursor: None,
        }
    }

    /// With the cursor the source's last good sync stored ([`Pulled::cursor`]).
    pub fn with_cursor(self, cursor: Option<i64>) -> Self {
        Known { cursor, ..self }
    }

    /// The cursor of the last good sync, when it left one and the cache holds anything.
    pub(crate) fn cursor(&self) -> Option<i64> {
        self.cursor.filter(|_| !self.is_empty())
    }

    /// Paths of the cached documents.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.by_path.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    /// True when the cache holds `path` from the same upstream version and update time, and
    /// the entity has at least one of them (an entity with neither is always mapped).
    pub fn unchanged(&self, path: &str, provenance: &Provenance) -> bool {
        if provenance.upstream_version.is_none() && provenance.upstream_updated_at.is_none() {
            return false;
        }
        self.by_path.get(path).is_some_and(|(version, updated)| {
            *version == provenance.upstream_version && *updated == provenance.upstream_updated_at
        })
    }
}

/// One canonical document built from an upstream entity.
#[derive(Debug, Clone)]
pub struct PulledDocument {
    /// Stable path of the entity inside the source (its key in the cache).
    pub path: String,
    /// The ODPS/ODCS document as JSON text.
    pub text: String,
    pub provenance: Provenance,
}

/// Status of a data-quality check run upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    /// The check could not run (OpenMetadata `Aborted`, DataHub `ERROR`).
    Error,
    /// Not run yet (OpenMetadata `Queued`, DataHub `INIT`).
    Skipped,
}

/// One run of a data-quality check the server holds (OpenMetadata test case result, DataHub
/// assertion run event), on a dataset named the way the pulled contract names it: the contract's
/// `servers[].server` is `data_source` and its physical name is `dataset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// The check's upstream identity (test case FQN, assertion URN).
    pub upstream_id: String,
    /// The check's name as the server shows it.
    pub check: String,
    /// Kind of check (OpenMetadata test definition, DataHub assertion type).
    pub check_type: Option<String>,
    pub data_source: String,
    pub dataset: String,
    pub column: Option<String>,
    pub status: CheckStatus,
    /// What the run observed (its result message or values).
    pub observed: Option<String>,
    /// What the check expects (its parameters).
    pub expected: Option<String>,
    /// When it ran, epoch milliseconds.
    pub at_ms: i64,
}

/// Everything one pull read.
#[derive(Debug, Default)]
pub struct Pulled {
    pub documents: Vec<PulledDocument>,
    /// Paths of the entities [`PullContext::known`] already holds unchanged: not mapped again;
    /// their cached documents and provenance stay as they are.
    pub kept: Vec<String>,
    /// OpenLineage run events (one JSON object each) for the lineage the server knows.
    pub lineage_events: Vec<Value>,
    /// Data-quality check runs (OpenMetadata test case results, DataHub assertion run events).
    pub check_outcomes: Vec<CheckOutcome>,
    /// Access requests and agreements as Data Usage Agreement documents (`access/<id>.json`), from
    /// a server that keeps them (Entropy Data). `None`: the server keeps none or would not list
    /// them, so those read before stay.
    pub agreements: Option<Vec<PulledDocument>>,
    /// Usage and votes of the entities listed, kept ones included (neither moves an entity's
    /// version upstream).
    pub stats: Vec<UpstreamStats>,
    /// HTTP requests made (for progress and benchmarks).
    pub requests: u64,
    /// Where the next pull may start, in the server's own time (epoch milliseconds): the newest
    /// change this pull saw, for a connector that can then read only what changed since.
    /// `None`: the next pull reads everything again.
    pub cursor: Option<i64>,
}

/// What one pull may read. Everything pulled is held until the write, so a catalog beyond this is
/// refused with [`ConnectorError::OverBudget`] (the source keeps its last good data) instead of
/// filling memory: a server or proxy that pages forever or sends huge pages ends the pull there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullBudget {
    /// Response bytes, all requests of the pull together (each response is also capped by
    /// [`HttpPolicy::max_response_bytes`]).
    pub max_bytes: u64,
    /// Entities listed: tables, datasets, products, contracts, jobs, check runs.
    pub max_entities: u64,
}

/// Environment variable that overrides [`PullBudget::max_bytes`].
pub const MAX_PULL_BYTES_ENV: &str = "MESHLENS_MAX_PULL_BYTES";
/// Environment variable that overrides [`PullBudget::max_entities`].
pub const MAX_PULL_ENTITIES_ENV: &str = "MESHLENS_MAX_PULL_ENTITIES";

impl Default for PullBudget {
    /// 512 MiB and 200,000 entities: twice the largest catalog benchmarked (100,000 Marquez
    /// datasets, ≈ 170 MB of answers, 320 MiB peak), while a hostile server is stopped before the
    /// parsed answers it sends (a few times their size in memory) exhaust a desktop's memory.
    fn default() -> Self {
        PullBudget {
            max_bytes: 512 * 1024 * 1024,
            max_entities: 200_000,
        }
    }
}

/// How a pull runs.
pub struct PullContext<'a> {
    pub http: HttpClient,
    /// What the pull may read before it is refused.
    pub budget: PullBudget,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Entities asked for per page.
    pub page_size: usize,
    /// Called with the number of entities fetched so far.
    pub progress: &'a (dyn Fn(u64) + Send + Sync),
    /// Polled between requests; true stops the pull with [`ConnectorError::Cancelled`].
    pub cancelled: &'a (dyn Fn() -> bool + Send + Sync),
    /// The cache's provenance from the last sync (empty for a full pull).
    pub known: &'a Known,
    /// A second endpoint of the same catalog, for a server whose API is split over two services
    /// (Amundsen's search service); `None`: everything is asked of `http`.
    pub search: Option<HttpClient>,
    /// The part of the catalog to read (checked by [`ServerKind::check_scope`]); `None`: all of it.
    pub scope: Option<&'a CatalogScope>,
}

/// An upstream entity after a pull: mapped into a document, or kept as the cache holds it.
#[derive(Clone)]
pub(crate) enum Mapped {
    Document(PulledDocument),
    /// Its path: unchanged upstream since the last sync.
    Kept(String),
}

impl Mapped {
    /// Maps the entity unless `ctx.known` holds `path` from the same `provenance`.
    pub(crate) fn unless_known(
        ctx: &PullContext<'_>,
        path: String,
        provenance: Provenance,
        map: impl FnOnce(String, Provenance) -> Option<PulledDocument>,
    ) -> Option<Mapped> {
        if ctx.known.unchanged(&path, &provenance) {
            return Some(Mapped::Kept(path));
        }
        map(path, provenance).map(Mapped::Document)
    }

    pub(crate) fn into_pulled(self, pulled: &mut Pulled) {
        match self {
            Mapped::Document(doc) => pulled.documents.push(doc),
            Mapped::Kept(path) => pulled.kept.push(path),
        }
    }
}

impl PullContext<'_> {
    fn check_cancel(&self) -> Result<(), ConnectorError> {
        if (self.cancelled)() {
            return Err(ConnectorError::Cancelled(
                self.http.source_name().to_string(),
            ));
        }
        Ok(())
    }
}

/// Checks, when a source is added, that its URL cannot expose a token (see
/// [`http::server_base_url`]): no credentials in the URL, and no plain `http://` to another
/// machine for a kind that always sends a token. Marquez, whose token is optional, is checked
/// again when a token is set and at every connection.
pub fn check_server_url(
    kind: ServerKind,
    source_name: &str,
    url: &str,
) -> Result<(), ConnectorError> {
    http::server_base_url(source_name, url, kind.needs_token()).map(drop)
}

/// The HTTP client for a source of `kind` at `url`. A kind that needs a token and has none is an
/// error that says how to provide one.
pub fn connect(
    kind: ServerKind,
    source_name: &str,
    url: &str,
    token: Option<Secret>,
    policy: HttpPolicy,
) -> Result<HttpClient, ConnectorError> {
    if kind.needs_token() && token.is_none() {
        return Err(ConnectorError::MissingToken {
            source_name: source_name.to_string(),
            env_var: auth::token_env_var(source_name),
        });
    }
    HttpClient::new(source_name, url, kind.credentials(token), policy)
}

/// [`connect`] with the token stored for the source at `url` (OS keyring, else
/// `MESHLENS_TOKEN_<NAME>`).
pub async fn connect_source(
    kind: ServerKind,
    source_name: &str,
    url: &str,
) -> Result<HttpClient, ConnectorError> {
    connect_source_with(kind, source_name, url, HttpPolicy::default()).await
}

/// [`connect_source`] with its own time-outs and bounds (an online search waits less than a sync).
pub async fn connect_source_with(
    kind: ServerKind,
    source_name: &str,
    url: &str,
    policy: HttpPolicy,
) -> Result<HttpClient, ConnectorError> {
    let token = stored_token(source_name, url).await?;
    connect(kind, source_name, url, token, policy)
}

/// The clients of an Amundsen source: its metadata service at `url` and its search service at
/// `search_url` (`url` when `None`, for a gateway in front of both). The source's token goes to
/// the search service only when it has the metadata service's origin: a token is bound to the
/// server it was set for, and Amundsen's services take none of their own.
pub async fn connect_amundsen(
    source_name: &str,
    url: &str,
    search_url: Option<&str>,
    policy: HttpPolicy,
) -> Result<(HttpClient, HttpClient), ConnectorError> {
    let token = stored_token(source_name, url).await?;
    let search_url = search_url.unwrap_or(url);
    let same_origin = http::server_base_url(source_name, url, false)?.origin()
        == http::server_base_url(source_name, search_url, false)?.origin();
    let search_token = token.clone().filter(|_| same_origin);
    let kind = ServerKind::Amundsen;
    Ok((
        connect(kind, source_name, url, token, policy.clone())?,
        connect(kind, source_name, search_url, search_token, policy)?,
    ))
}

/// The token stored for the source at `url`, looked up off the async threads because the
/// keyring may block on D-Bus.
async fn stored_token(source_name: &str, url: &str) -> Result<Option<Secret>, ConnectorError> {
    let (name, server) = (source_name.to_string(), url.to_string());
    tokio::task::spawn_blocking(move || auth::lookup_token(&name, &server))
        .await
        .map_err(|err| ConnectorError::Unexpected {
            source_name: source_name.to_string(),
            what: format!("the token lookup stopped: {err}"),
        })
}

/// Pulls everything a server of `kind` has into canonical documents and lineage events.
pub async fn pull(kind: ServerKind, ctx: &PullContext<'_>) -> Result<Pulled, ConnectorError> {
    // Every response of this pull, on every clone of its client, counts against one byte budget.
    let http = ctx.http.metered(ctx.budget.max_bytes);
    let ctx = &PullContext {
        search: ctx
            .search
            .as_ref()
            .map(|search| search.sharing_meter(&http)),
        http,
        ..*ctx
    };
    let counters = &PageCounters::default();
    let mut pulled = match kind {
        ServerKind::Marquez => marquez::pull(ctx, counters).await,
        ServerKind::OpenMetadata => openmetadata::pull(ctx, counters).await,
        ServerKind::Entropy => entropy::pull(ctx, counters).await,
        ServerKind::DataHub => datahub::pull(ctx, counters).await,
        ServerKind::Amundsen => amundsen::pull(ctx, counters).await,
    }?;
    pulled.requests = counters.requests();
    Ok(pulled)
}
