//! OpenMetadata (REST `/api/v1`, bearer JWT, cursor paging with `paging.after`).
//!
//! Tables become ODCS contracts (columns, primary keys, tags, owners), data products ODPS
//! documents whose output ports are their table assets. Domains come from the product's FQN
//! (`Domain.Product`). Each table's direct upstream lineage (one request per table, bounded
//! concurrency; on a re-sync, for a table unchanged since, its search document's
//! `upstreamLineage`, a few pages for the whole catalog) becomes OpenLineage events in the
//! `openmetadata` namespace. Every entity carries
//! its FQN, entity version and `updatedAt` as provenance; an entity whose version and `updatedAt`
//! match the cache's (a product: and all its tables') is not mapped again but kept.
//! Pushes are JSON Patch requests guarded by the entity version (see [`push_openmetadata`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use meshlens_model::CatalogScope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::documents::{ColumnDoc, ProductDoc, TableDoc, document_id, document_path};
use crate::edits::{
    CatalogEdit, CatalogFields, EditedEntity, PushOutcome, answer_lost, set_changes,
};
use crate::marquez::encode_segment;
use crate::openlineage::{RUN_EVENT_SCHEMA, edge_run_id};
use crate::openmetadata_scope;
use crate::paging::{PageCounters, cursor_pages, fetch_each, fetch_queries, page_items};
use crate::{
    CheckOutcome, CheckStatus, ConnectorError, Found, FoundKind, HttpClient, Mapped, Provenance,
    PullContext, Pulled, PulledDocument, UpstreamStats, list,
};

/// What tables are listed with (and read by name with, for a scope's neighbours).
pub(crate) const TABLE_FIELDS: &str = "columns,tags,owners,tableConstraints,usageSummary";

/// What data products are listed with.
const PRODUCT_FIELDS: &str = "owners,tags,assets,votes";
/// What test cases are listed with.
const TEST_CASE_FIELDS: &str = "testCaseResult,testDefinition";

/// Pulls an OpenMetadata server in named phases: list its entities, find where each database
/// service runs, map the tables, then the products (which name their tables' versions), read each
/// table's lineage, and take the test case results. A scoped source goes [`pull_scoped`]'s way.
pub(crate) async fn pull(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Pulled, ConnectorError> {
    if let Some(scope) = ctx.scope {
        return pull_scoped(ctx, counters, scope).await;
    }
    // Asked before anything else is read, so a change made while this pull reads is newer.
    let newest_edge = openmetadata_scope::newest_edge(ctx, counters).await?;
    let listed = list_entities(ctx, counters).await?;
    let hosts = service_hosts(&listed.services);
    let mut pulled = Pulled::default();
    let tables = map_tables(ctx, &listed.tables, &hosts, &mut pulled);
    map_products(ctx, &listed.products, &tables, &mut pulled);
    add_comment_counts(ctx, counters, &listed.products, &mut pulled).await?;
    let indexed = match ctx.known.cursor() {
        Some(_) => openmetadata_scope::indexed_tables(ctx, counters).await?,
        None => HashMap::new(),
    };
    pulled.lineage_events = table_lineage(ctx, counters, &tables, indexed).await?;
    // A search index with lineage (a newest edge) lets the next pull read it from there.
    let updated = listed
        .tables
        .iter()
        .filter_map(|t| t.get("updatedAt")?.as_i64());
    pulled.cursor = newest_edge.and_then(|edge| updated.chain([edge]).max());
    pulled.check_outcomes = listed
        .test_cases
        .iter()
        .filter_map(test_case_outcome)
        .collect();
    Ok(pulled)
}

/// Pulls the part of the server a scope names: where the database services run first, so each
/// table the search or the lineage brings is mapped as it arrives (a large scope's tables are
/// never all held as JSON); then the scope's products, the lineage between the tables read, and
/// their test case results.
async fn pull_scoped(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    scope: &CatalogScope,
) -> Result<Pulled, ConnectorError> {
    let hosts = service_hosts(&list_services(ctx, counters).await?);
    let mut pulled = Pulled::default();
    let mut tables = MappedTables::default();
    let mut map = |table: &Value| map_table(ctx, table, &hosts, &mut tables, &mut pulled);
    let read = openmetadata_scope::scoped_tables(ctx, counters, scope, &mut map).await?;
    pulled.cursor = read.cursor;
    let lineage = read.lineage;
    let mut products =
        list_with_owners(ctx, counters, "api/v1/dataProducts", PRODUCT_FIELDS).await?;
    products.retain(|product| product_in_scope(scope, product));
    map_products(ctx, &products, &tables, &mut pulled);
    add_comment_counts(ctx, counters, &products, &mut pulled).await?;
    let read: HashSet<&str> = tables.versions.keys().map(String::as_str).collect();
    let events = lineage
        .iter()
        .flat_map(|answer| lineage_events(answer, &tables.physical));
    pulled.lineage_events = openmetadata_scope::events_within(events.collect(), &read);
    let test_cases = list_with_owners(
        ctx,
        counters,
        "api/v1/dataQuality/testCases",
        TEST_CASE_FIELDS,
    )
    .await?;
    let on_read_table =
        |o: &CheckOutcome| read.contains(format!("{}.{}", o.data_source, o.dataset).as_str());
    let outcomes = test_cases.iter().filter_map(test_case_outcome);
    pulled.check_outcomes = outcomes.filter(on_read_table).collect();
    Ok(pulled)
}

/// OpenMetadata's search API (scoped pulls and online search).
pub(crate) const SEARCH_PATH: &str = "api/v1/search/query";

/// Online search: the first `limit` data products and tables matching `query`, one request per
/// search index, both at once.
pub(crate) async fn search(
    http: &HttpClient,
    query: &str,
    limit: usize,
) -> Result<Vec<Found>, ConnectorError> {
    let ask = |index: &'static str| {
        let params = [
            ("q", query.to_string()),
            ("index", index.to_string()),
            ("from", "0".to_string()),
            ("size", limit.to_string()),
        ];
        async move { http.get_json(SEARCH_PATH, &params).await }
    };
    let (products, tables) =
        tokio::try_join!(ask("data_product_search_index"), ask("table_search_index"))?;
    let mut found = search_hits(http, &products, FoundKind::Product);
    found.extend(search_hits(http, &tables, FoundKind::Dataset));
    Ok(found)
}

/// The entities of an Elasticsearch answer (`hits.hits[]._source`), as the pull names them.
fn search_hits(http: &HttpClient, answer: &Value, kind: FoundKind) -> Vec<Found> {
    let page = match kind {
        FoundKind::Product => "dataProduct",
        FoundKind::Dataset => "table",
    };
    let hits = answer.pointer("/hits/hits").and_then(Value::as_array);
    hits.into_iter()
        .flatten()
        .filter_map(|hit| {
            let entity = hit.get("_source")?;
            let fqn = text(entity, "fullyQualifiedName")?;
            Some(Found {
                name: text(entity, "displayName")
                    .or_else(|| text(entity, "name"))
                    .unwrap_or_else(|| fqn.clone()),
                kind,
                description: text(entity, "description"),
                domain: entity
                    .pointer("/domain/name")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                tags: tag_fqns(entity),
                owners: owner_names(entity),
                url: http.page_url(&[page, &fqn]),
                upstream_id: fqn,
            })
        })
        .collect()
}

/// Every entity of a pull, as listed.
struct Listed {
    tables: Vec<Value>,
    products: Vec<Value>,
    test_cases: Vec<Value>,
    services: Vec<Value>,
}

async fn list_entities(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Listed, ConnectorError> {
    let list = |path, fields| list_with_owners(ctx, counters, path, fields);
    let tables = list("api/v1/tables", TABLE_FIELDS).await?;
    let products = list("api/v1/dataProducts", PRODUCT_FIELDS).await?;
    let test_cases = list("api/v1/dataQuality/testCases", TEST_CASE_FIELDS).await?;
    let services = list_services(ctx, counters).await?;
    Ok(Listed {
        tables,
        products,
        test_cases,
        services,
    })
}

/// The database services. Listing them may need more rights than reading tables: without them,
/// tables keep a server named after their service only.
async fn list_services(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Vec<Value>, ConnectorError> {
    match list_with_owners(ctx, counters, "api/v1/services/databaseServices", "owners").await {
        Ok(services) => Ok(services),
        Err(err @ (ConnectorError::Cancelled(_) | ConnectorError::OverBudget { .. })) => Err(err),
        Err(err) => {
            tracing::debug!(%err, "database services not readable");
            Ok(Vec::new())
        }
    }
}

/// [`list_pages`], asking again with `owner` for a server older than 1.5, which names the owners
/// `owner` and refuses `owners` (400 `Invalid field name owners`), as 1.5 and later refuse `owner`.
async fn list_with_owners(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    path: &'static str,
    fields: &'static str,
) -> Result<Vec<Value>, ConnectorError> {
    match list_pages(ctx, counters, path, fields.to_string()).await {
        Err(ConnectorError::Status { status: 400, .. }) if fields.contains("owners") => {
            list_pages(ctx, counters, path, fields.replace("owners", "owner")).await
        }
        listed => listed,
    }
}

/// Where each database service runs (name -> service type and `connection.config.hostPort`), so
/// tables get the identity OpenLineage producers give them.
fn service_hosts(services: &[Value]) -> HashMap<String, (String, String)> {
    services
        .iter()
        .filter_map(|service| {
            let host = service.pointer("/connection/config/hostPort")?.as_str()?;
            let kind = text(service, "serviceType")?;
            Some((text(service, "name")?, (kind, host.to_string())))
        })
        .collect()
}

/// What mapping the tables tells the rest of the pull.
#[derive(Default)]
struct MappedTables {
    /// Table versions by FQN, for the products' output ports; ordered, so the lineage requests
    /// and the events they give come in the same order at every sync.
    versions: BTreeMap<String, String>,
    /// Table FQN -> its OpenLineage (namespace, name), when its service's address is known.
    physical: HashMap<String, (String, String)>,
    /// Tables the cache holds at the same version and update time (not mapped again).
    kept: HashSet<String>,
}

fn map_tables(
    ctx: &PullContext<'_>,
    tables: &[Value],
    hosts: &HashMap<String, (String, String)>,
    pulled: &mut Pulled,
) -> MappedTables {
    let mut mapped_tables = MappedTables::default();
    for table in tables {
        map_table(ctx, table, hosts, &mut mapped_tables, pulled);
    }
    mapped_tables
}

/// Maps one table into `pulled` (or keeps it, unchanged since the cache read it), and notes its
/// version and OpenLineage identity in `mapped`. A deleted table is left out.
fn map_table(
    ctx: &PullContext<'_>,
    table: &Value,
    hosts: &HashMap<String, (String, String)>,
    mapped: &mut MappedTables,
    pulled: &mut Pulled,
) {
    let Some(fqn) = live_fqn(table) else {
        return;
    };
    let version = version_of(table).unwrap_or_else(|| "0.1".into());
    if let Some(identity) = openlineage_identity(&fqn, hosts) {
        mapped.physical.insert(fqn.clone(), identity);
    }
    let path = document_path("tables", &fqn, "odcs");
    pulled.stats.extend(upstream_stats(table, &path));
    let document = Mapped::unless_known(ctx, path, provenance(table, &fqn), |path, provenance| {
        table_document(table, hosts, path, provenance)
    });
    match document {
        Some(Mapped::Kept(path)) => {
            mapped.kept.insert(fqn.clone());
            pulled.kept.push(path);
        }
        Some(document) => document.into_pulled(pulled),
        None => return,
    }
    mapped.versions.insert(fqn, version);
}

/// Maps the products; a product's output ports name its tables' versions, so it is kept only
/// when they are.
fn map_products(
    ctx: &PullContext<'_>,
    products: &[Value],
    tables: &MappedTables,
    pulled: &mut Pulled,
) {
    for product in products {
        let Some(fqn) = text(product, "fullyQualifiedName") else {
            continue;
        };
        let path = document_path("dataProducts", &fqn, "odps");
        pulled.stats.extend(upstream_stats(product, &path));
        let tables_kept = table_assets(product)
            .all(|asset| tables.kept.contains(&asset) || !tables.versions.contains_key(&asset));
        let provenance = provenance(product, &fqn);
        if tables_kept && ctx.known.unchanged(&path, &provenance) {
            pulled.kept.push(path);
        } else if let Some(doc) = product_document(product, &tables.versions, path, provenance) {
            pulled.documents.push(doc);
        }
    }
}

/// The feed's thread count (FeedResource `countThreads`).
const FEED_COUNT_PATH: &str = "api/v1/feed/count";

/// Adds each data product's conversation count to its stats: one `GET /api/v1/feed/count?entityLink=
/// <#E::dataProduct::FQN>` per product, as the feedback threads meshlens sends are linked. A server
/// without the route (404; OpenMetadata 2.x moved conversations to `/v1/conversations`) or one that
/// refuses it to this token (403) gives no counts rather than failing the sync.
async fn add_comment_counts(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    products: &[Value],
    pulled: &mut Pulled,
) -> Result<(), ConnectorError> {
    let fqns: Vec<String> = products
        .iter()
        .filter_map(|p| text(p, "fullyQualifiedName"))
        .collect();
    let queries = fqns
        .iter()
        .map(|fqn| vec![("entityLink", product_link(fqn))])
        .collect();
    let answers = fetch_queries(ctx, counters, FEED_COUNT_PATH, queries, &[403, 404]).await?;
    for (fqn, answer) in fqns.iter().zip(answers) {
        let Some(comments) = conversation_count(&answer) else {
            continue;
        };
        let path = document_path("dataProducts", fqn, "odps");
        match pulled.stats.iter_mut().find(|s| s.path == path) {
            Some(stats) => stats.comments = Some(comments),
            None => pulled.stats.push(UpstreamStats {
                path,
                comments: Some(comments),
                ..UpstreamStats::default()
            }),
        }
    }
    Ok(())
}

/// A data product's entity link, as threads about it name it.
fn product_link(fqn: &str) -> String {
    format!("<#E::dataProduct::{fqn}>")
}

/// The conversations `countThreads` counted: `data[].conversationCount` (the `ThreadCountList` of
/// OpenMetadata 1.x) or `totalCount` (the `ThreadCount` of 0.x, which counted every thread).
fn conversation_count(answer: &Value) -> Option<u64> {
    if let Some(data) = answer.get("data").and_then(Value::as_array) {
        let counts = data.iter().filter_map(|c| c.get("conversationCount"));
        return Some(counts.filter_map(Value::as_u64).sum());
    }
    answer.get("totalCount").and_then(Value::as_u64)
}

/// Each table's direct upstream tables, as OpenLineage events: from its search document's
/// lineage (`indexed`, read on a re-sync) when the cache holds the table unchanged, else one
/// lineage request per table (through the concurrent loop).
async fn table_lineage(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    tables: &MappedTables,
    mut indexed: HashMap<String, Value>,
) -> Result<Vec<Value>, ConnectorError> {
    let mut answers = Vec::new();
    let mut paths = Vec::new();
    for fqn in tables.versions.keys() {
        match indexed.remove(fqn).filter(|_| tables.kept.contains(fqn)) {
            Some(answer) => answers.push(answer),
            None => paths.push(lineage_path(fqn)),
        }
    }
    let query = [("upstreamDepth", "1"), ("downstreamDepth", "0")];
    answers.extend(fetch_each(ctx, counters, paths, &query, &[]).await?);
    Ok(answers
        .iter()
        .flat_map(|answer| lineage_events(answer, &tables.physical))
        .collect())
}

/// Every entity of the listing at `path`, with `fields`, following the `after` cursors.
async fn list_pages(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    path: &'static str,
    fields: String,
) -> Result<Vec<Value>, ConnectorError> {
    let fetch = |after: Option<String>| {
        let mut query = vec![
            ("limit", ctx.page_size.max(1).to_string()),
            ("fields", fields.clone()),
        ];
        query.extend(after.map(|cursor| ("after", cursor)));
        async move { ctx.http.get_json(path, &query).await }
    };
    let split = |page: Value| {
        let next = after_cursor(&page);
        Ok((page_items(ctx, path, page, "data")?, next))
    };
    cursor_pages(ctx, counters, path, fetch, split).await
}

fn after_cursor(page: &Value) -> Option<String> {
    page.pointer("/paging/after")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

pub(crate) fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The lineage of table `fqn` (`LineageResource.getLineageByFQN`).
pub(crate) fn lineage_path(fqn: &str) -> String {
    format!("api/v1/lineage/table/name/{}", encode_segment(fqn))
}

/// OpenMetadata versions are numbers (0.1, 1.2); kept as their JSON text.
fn version_of(entity: &Value) -> Option<String> {
    match entity.get("version")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn tag_fqns(value: &Value) -> Vec<String> {
    value
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| text(tag, "tagFQN"))
        .collect()
}

fn owner_names(value: &Value) -> Vec<String> {
    owner_refs(value).filter_map(owner_name).collect()
}

/// The owner references of an entity: `owners` (1.5+) is a list; older servers have one `owner`.
fn owner_refs(value: &Value) -> impl Iterator<Item = &Value> {
    let list = value.get("owners").and_then(Value::as_array).into_iter();
    let single = value.get("owner").filter(|o| o.is_object());
    list.flatten().chain(single)
}

/// An entity's 30-day usage (`usageSummary.monthlyStats.count`, tables) and votes (data products), when it
/// has any.
fn upstream_stats(entity: &Value, path: &str) -> Option<UpstreamStats> {
    let count = |pointer: &str| entity.pointer(pointer).and_then(Value::as_u64);
    let stats = UpstreamStats {
        path: path.to_owned(),
        queries_30d: count("/usageSummary/monthlyStats/count"),
        users_30d: None,
        up_votes: count("/votes/upVotes"),
        down_votes: count("/votes/downVotes"),
        comments: None,
    };
    (!stats.is_empty()).then_some(stats)
}

/// An owner reference's name as meshlens shows it: its display name, else its name.
fn owner_name(owner: &Value) -> Option<String> {
    text(owner, "displayName").or_else(|| text(owner, "name"))
}

fn provenance(entity: &Value, fqn: &str) -> Provenance {
    Provenance {
        upstream_id: fqn.to_string(),
        upstream_version: version_of(entity),
        upstream_updated_at: entity.get("updatedAt").map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
    }
}

/// A Postgres service's `host:port`, as (host, port).
fn postgres_address<'a>(
    service: &str,
    hosts: &'a HashMap<String, (String, String)>,
) -> Option<(&'a str, u16)> {
    let (kind, host_port) = hosts.get(service)?;
    if !kind.eq_ignore_ascii_case("postgres") {
        return None;
    }
    let (host, port) = host_port.rsplit_once(':')?;
    Some((host, port.parse().ok()?))
}

/// The OpenLineage identity of table `fqn` (`postgres://host:port`, `db.schema.table`), as the
/// OpenLineage naming conventions and Marquez spell it.
fn openlineage_identity(
    fqn: &str,
    hosts: &HashMap<String, (String, String)>,
) -> Option<(String, String)> {
    let (service, physical) = split_service(fqn);
    let (host, port) = postgres_address(service, hosts)?;
    (physical.split('.').count() == 3)
        .then(|| (format!("postgres://{host}:{port}"), physical.to_string()))
}

/// The FQN of a table that is not deleted.
fn live_fqn(table: &Value) -> Option<String> {
    if table.get("deleted").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    text(table, "fullyQualifiedName")
}

/// Whether the cache holds `table` from the same version and update time.
pub(crate) fn table_unchanged(ctx: &PullContext<'_>, table: &Value) -> bool {
    live_fqn(table).is_some_and(|fqn| {
        let path = document_path("tables", &fqn, "odcs");
        ctx.known.unchanged(&path, &provenance(table, &fqn))
    })
}

/// FQNs of the tables the cache holds.
pub(crate) fn known_tables<'a>(ctx: &'a PullContext<'_>) -> impl Iterator<Item = String> + 'a {
    ctx.known
        .paths()
        .filter_map(|path| document_id(path, "tables", "odcs"))
}

/// FQNs of a product's table assets.
fn table_assets(product: &Value) -> impl Iterator<Item = String> + '_ {
    product
        .get("assets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|asset| text(asset, "type").as_deref() == Some("table"))
        .filter_map(|asset| text(asset, "fullyQualifiedName"))
}

fn table_document(
    table: &Value,
    hosts: &HashMap<String, (String, String)>,
    path: String,
    provenance: Provenance,
) -> Option<PulledDocument> {
    let fqn = provenance.upstream_id.clone();
    let name = text(table, "name")?;
    let version = version_of(table).unwrap_or_else(|| "0.1".into());
    let primary: Vec<String> = table
        .get("tableConstraints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("constraintType").and_then(Value::as_str) == Some("PRIMARY_KEY"))
        .flat_map(|c| {
            c.get("columns")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    let columns = table
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|column| {
            let name = text(column, "name")?;
            Some(ColumnDoc {
                primary_key: primary.contains(&name)
                    || column.get("constraint").and_then(Value::as_str) == Some("PRIMARY_KEY"),
                physical_type: text(column, "dataTypeDisplay")
                    .or_else(|| text(column, "dataType"))
                    .unwrap_or_else(|| "STRING".into()),
                description: text(column, "description"),
                tags: tag_fqns(column),
                name,
            })
        })
        .collect();
    // service.database.schema.table: the database names the domain when nothing better exists.
    let domain = entity_domain(table).or_else(|| {
        table
            .pointer("/database/name")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let (service, physical_name) = split_service(&fqn);
    let mut server = serde_json::Map::new();
    server.insert("server".into(), json!(service));
    server.insert("type".into(), json!("custom"));
    let parts: Vec<&str> = physical_name.split('.').collect();
    if let [database, schema, _] = parts.as_slice() {
        server.insert("database".into(), json!(database));
        server.insert("schema".into(), json!(schema));
        if let Some((host, port)) = postgres_address(service, hosts) {
            server.insert("type".into(), json!("postgres"));
            server.insert("host".into(), json!(host));
            server.insert("port".into(), json!(port));
        }
    }
    let doc = TableDoc {
        id: fqn.clone(),
        name: name.clone(),
        version: version.clone(),
        domain,
        description: text(table, "description"),
        physical_name: physical_name.to_string(),
        tags: tag_fqns(table),
        owners: owner_names(table),
        columns,
        // The service is the server test case results name (`<#E::table::service.db.schema.table>`).
        servers: vec![Value::Object(server)],
        properties: Vec::new(),
    };
    Some(PulledDocument {
        path,
        text: serde_json::to_string(&doc.to_json()).ok()?,
        provenance,
    })
}

fn product_document(
    product: &Value,
    table_versions: &BTreeMap<String, String>,
    path: String,
    provenance: Provenance,
) -> Option<PulledDocument> {
    let fqn = provenance.upstream_id.clone();
    let outputs = table_assets(product)
        .filter_map(|asset| {
            let version = table_versions.get(&asset)?.clone();
            Some((asset, version))
        })
        .collect();
    let domain = product_domain(product, &fqn);
    let doc = ProductDoc {
        id: fqn.clone(),
        name: text(product, "displayName")
            .or_else(|| text(product, "name"))
            .unwrap_or_else(|| fqn.clone()),
        version: version_of(product).unwrap_or_else(|| "0.1".into()),
        domain,
        description: text(product, "description"),
        tags: tag_fqns(product),
        owners: owner_names(product),
        outputs,
    };
    Some(PulledDocument {
        path,
        text: serde_json::to_string(&doc.to_json()).ok()?,
        provenance,
    })
}

/// Whether a data product is of one of the scope's domains, or carries one of its tags or owners.
fn product_in_scope(scope: &CatalogScope, product: &Value) -> bool {
    let fqn = text(product, "fullyQualifiedName").unwrap_or_default();
    let tags = tag_fqns(product);
    // The scope names owners as the search index does: by `name` (display names admit too).
    let owners = owner_refs(product).flat_map(|owner| {
        ["name", "displayName"]
            .into_iter()
            .filter_map(|key| owner.get(key).and_then(Value::as_str))
    });
    scope.admits(
        product_domain(product, &fqn).as_deref(),
        tags.iter().map(String::as_str),
        owners,
    )
}

/// A product's domain: its domain reference, else the first part of its FQN (`Domain.Product`).
fn product_domain(product: &Value, fqn: &str) -> Option<String> {
    entity_domain(product).or_else(|| fqn.split_once('.').map(|(domain, _)| domain.to_string()))
}

/// The name of an entity's domain: `domain` (a reference, or its name as text) or, since
/// OpenMetadata 1.6, the first of `domains`.
fn entity_domain(entity: &Value) -> Option<String> {
    let reference = entity
        .get("domain")
        .or_else(|| entity.pointer("/domains/0"))?;
    match reference {
        Value::String(name) => Some(name.clone()),
        reference => text(reference, "name"),
    }
}

/// `service.database.schema.table` -> (`service`, `database.schema.table`).
fn split_service(fqn: &str) -> (&str, &str) {
    fqn.split_once('.').unwrap_or(("", fqn))
}

/// `<#E::table::svc.db.schema.table::columns::col>` -> (table FQN, column).
fn parse_entity_link(link: &str) -> Option<(String, Option<String>)> {
    let inner = link.strip_prefix("<#E::")?.strip_suffix('>')?;
    let mut parts = inner.split("::");
    if parts.next()? != "table" {
        return None;
    }
    let table = parts.next()?.to_string();
    let column = match (parts.next(), parts.next()) {
        (Some("columns"), Some(column)) => Some(column.trim_matches('"').to_string()),
        _ => None,
    };
    Some((table, column))
}

/// A test case's latest result (`fields=testCaseResult`) as a check outcome on its table.
fn test_case_outcome(test_case: &Value) -> Option<CheckOutcome> {
    let result = test_case.get("testCaseResult").filter(|r| r.is_object())?;
    let (table, column) = parse_entity_link(test_case.get("entityLink")?.as_str()?)?;
    let (service, dataset) = split_service(&table);
    let status = match result.get("testCaseStatus").and_then(Value::as_str)? {
        "Success" => CheckStatus::Pass,
        "Failed" => CheckStatus::Fail,
        "Aborted" => CheckStatus::Error,
        "Queued" => CheckStatus::Skipped,
        _ => return None,
    };
    let name = text(test_case, "name")?;
    let parameters: Vec<String> = test_case
        .get("parameterValues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| Some(format!("{}={}", text(p, "name")?, text(p, "value")?)))
        .collect();
    Some(CheckOutcome {
        upstream_id: text(test_case, "fullyQualifiedName").unwrap_or_else(|| name.clone()),
        check: name,
        check_type: test_case
            .pointer("/testDefinition/name")
            .and_then(Value::as_str)
            .map(str::to_owned),
        data_source: service.to_string(),
        dataset: dataset.to_string(),
        column,
        status,
        observed: text(result, "result"),
        expected: (!parameters.is_empty()).then(|| parameters.join(", ")),
        at_ms: result.get("timestamp").and_then(Value::as_i64)?,
    })
}

const PRODUCER: &str = "https://github.com/meshlens/meshlens/connectors/openmetadata";

/// Namespace of the OpenLineage datasets built from OpenMetadata lineage (tables by FQN).
const LINEAGE_NAMESPACE: &str = "openmetadata";

/// A table's `EntityLineage` answer as OpenLineage events: one per upstream edge into it, with a
/// job named after the edge's pipeline when OpenMetadata knows one.
fn lineage_events(answer: &Value, physical: &HashMap<String, (String, String)>) -> Vec<Value> {
    // A table whose physical identity is known names it in a `symlinks` facet, so the same
    // table reported by Marquez or another producer is one lineage node.
    let dataset = |fqn: &str| {
        let mut dataset = json!({"namespace": LINEAGE_NAMESPACE, "name": fqn});
        if let Some((namespace, name)) = physical.get(fqn) {
            dataset["facets"] = json!({"symlinks": {
                "_producer": PRODUCER,
                "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json#/$defs/SymlinksDatasetFacet",
                "identifiers": [{"namespace": namespace, "name": name, "type": "TABLE"}]
            }});
        }
        dataset
    };
    let fqn_of = |id: &str| -> Option<String> {
        std::iter::once(answer.get("entity"))
            .flatten()
            .chain(
                answer
                    .get("nodes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .find(|node| node.get("id").and_then(Value::as_str) == Some(id))
            .and_then(|node| text(node, "fullyQualifiedName"))
    };
    answer
        .get("upstreamEdges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|edge| {
            let from = fqn_of(edge.get("fromEntity")?.as_str()?)?;
            let to = fqn_of(edge.get("toEntity")?.as_str()?)?;
            let job = edge
                .pointer("/lineageDetails/pipeline/fullyQualifiedName")
                .and_then(Value::as_str)
                .map_or_else(|| format!("lineage.{to}"), str::to_owned);
            let updated = edge
                .pointer("/lineageDetails/updatedAt")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            Some(json!({
                "eventType": "COMPLETE",
                "eventTime": epoch_millis_to_rfc3339(updated),
                // Deterministic per edge, so a re-sync recognises the events it already stored.
                "run": {"runId": edge_run_id(&from, &to)},
                "job": {"namespace": LINEAGE_NAMESPACE, "name": job},
                "inputs": [dataset(&from)],
                "outputs": [dataset(&to)],
                "producer": PRODUCER,
                "schemaURL": RUN_EVENT_SCHEMA
            }))
        })
        .collect()
}

/// Epoch milliseconds as RFC 3339 UTC with milliseconds, as OpenLineage `eventTime` is written.
pub(crate) fn epoch_millis_to_rfc3339(millis: i64) -> String {
    meshlens_model::civil::format_epoch_millis(millis, true)
}

/// The collection an edited entity is in.
fn collection(entity: EditedEntity) -> &'static str {
    match entity {
        EditedEntity::Table => "tables",
        EditedEntity::Product => "dataProducts",
    }
}

/// The edited fields of an entity as the pull maps them: its description, tag FQNs
/// (classification tags and glossary terms alike) and owner names.
fn entity_fields(entity: &Value) -> CatalogFields {
    CatalogFields::new(
        text(entity, "description"),
        tag_fqns(entity),
        owner_names(entity),
    )
}

/// Pushes `edit` as one JSON Patch of the entity (`PATCH /api/v1/{tables|dataProducts}/{id}`,
/// applied by OpenMetadata atomically, with a new entity version). The entity is read first (by
/// FQN, with its owners and tags): when its version is no longer the synced one, someone changed
/// it upstream, and a field of the edit whose value moved there is a conflict (nothing is sent);
/// fields already as edited are left out of the patch, so a retry after a lost answer sends
/// nothing twice. Added tags and owners are looked up by name: a classification tag or else a
/// glossary term, a user or else a team.
pub(crate) async fn push_openmetadata(
    http: &HttpClient,
    edit: &CatalogEdit,
) -> Result<PushOutcome, ConnectorError> {
    let collection = collection(edit.entity);
    let by_name = format!("api/v1/{collection}/name/{}", encode_segment(&edit.id));
    let query = [("fields", "owners,tags".to_string())];
    let current = http.get_json(&by_name, &query).await?;
    let fields = entity_fields(&current);
    if let Some(conflict) = edit.conflict(&fields, version_of(&current)) {
        return Ok(PushOutcome::Conflict(conflict));
    }
    let (operations, changed) = patch_operations(http, &current, edit, &fields).await?;
    if operations.is_empty() {
        return Ok(PushOutcome::Sent(Vec::new()));
    }
    let id = text(&current, "id").ok_or_else(|| ConnectorError::NotJson {
        source_name: http.source_name().to_string(),
        path: by_name.clone(),
        reason: "the entity has no `id`".into(),
    })?;
    let path = format!("api/v1/{collection}/{}", encode_segment(&id));
    let patch = Value::Array(operations);
    http.send_json(
        Method::PATCH,
        &path,
        &patch,
        Some("application/json-patch+json"),
    )
    .await
    .map_err(answer_lost)?;
    Ok(PushOutcome::Sent(vec![format!(
        "PATCH {path} ({})",
        changed.join(", ")
    )]))
}

/// The JSON Patch operations that bring `entity` to the edit, and the fields they change.
async fn patch_operations(
    http: &HttpClient,
    entity: &Value,
    edit: &CatalogEdit,
    fields: &CatalogFields,
) -> Result<(Vec<Value>, Vec<&'static str>), ConnectorError> {
    let mut operations = Vec::new();
    let mut changed = Vec::new();
    if edit.to_send("description", fields) {
        operations.push(match &edit.edited.description {
            Some(description) => json!({"op": "add", "path": "/description", "value": description}),
            None => json!({"op": "remove", "path": "/description"}),
        });
        changed.push("description");
    }
    if edit.to_send("tags", fields) {
        let tags = edited_tags(http, entity, &edit.edited.tags, &fields.tags).await?;
        operations.push(json!({"op": "add", "path": "/tags", "value": tags}));
        changed.push("tags");
    }
    if edit.to_send("owners", fields) {
        let owners = edited_owners(http, entity, &edit.edited.owners, &fields.owners).await?;
        operations.push(json!({"op": "add", "path": "/owners", "value": owners}));
        changed.push("owners");
    }
    Ok((operations, changed))
}

/// The entity's tag labels that stay, then a label for each added FQN: a classification tag
/// when OpenMetadata has one by that name, else a glossary term.
async fn edited_tags(
    http: &HttpClient,
    entity: &Value,
    edited: &BTreeSet<String>,
    current: &BTreeSet<String>,
) -> Result<Vec<Value>, ConnectorError> {
    let mut labels: Vec<Value> = list(entity, "tags")
        .filter(|label| text(label, "tagFQN").is_some_and(|fqn| edited.contains(&fqn)))
        .cloned()
        .collect();
    let (added, _) = set_changes(edited, current);
    for fqn in added {
        let found = [("tags", "Classification"), ("glossaryTerms", "Glossary")];
        let (source, _) = lookup(http, &found, fqn, "classification tag or glossary term").await?;
        labels.push(
            json!({"tagFQN": fqn, "source": source, "labelType": "Manual", "state": "Confirmed"}),
        );
    }
    Ok(labels)
}

/// The entity's owners that stay (named as the pull names them), then a reference to each
/// added one: a user of that name, else a team.
async fn edited_owners(
    http: &HttpClient,
    entity: &Value,
    edited: &BTreeSet<String>,
    current: &BTreeSet<String>,
) -> Result<Vec<Value>, ConnectorError> {
    let mut owners: Vec<Value> = list(entity, "owners")
        .filter(|owner| owner_name(owner).is_some_and(|name| edited.contains(&name)))
        .map(|owner| json!({"id": owner["id"], "type": owner["type"]}))
        .collect();
    let (added, _) = set_changes(edited, current);
    for name in added {
        let found = [("users", "user"), ("teams", "team")];
        let (kind, reference) = lookup(http, &found, name, "user or team").await?;
        owners.push(json!({"id": reference["id"], "type": kind}));
    }
    Ok(owners)
}

/// The first `(collection, label)` that holds an entity named `name`: its label and the entity;
/// an error naming `what` when none does.
async fn lookup(
    http: &HttpClient,
    collections: &[(&str, &'static str)],
    name: &str,
    what: &str,
) -> Result<(&'static str, Value), ConnectorError> {
    for (collection, label) in collections {
        let path = format!("api/v1/{collection}/name/{}", encode_segment(name));
        match http.get_json(&path, &[]).await {
            Ok(found) => return Ok((label, found)),
            Err(ConnectorError::Status { status: 404, .. }) => continue,
            Err(err) => return Err(err),
        }
    }
    Err(ConnectorError::Unexpected {
        source_name: http.source_name().to_string(),
        what: format!("OpenMetadata has no {what} named '{name}'"),
    })
}

/// A consumer's rating of an OpenMetadata data product, as `send_openmetadata_feedback` delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenMetadataFeedback {
    /// The data product's fully qualified name (its meshlens id).
    pub fqn: String,
    /// 1 to 5.
    pub rating: u8,
    pub comment: Option<String>,
}

/// OpenMetadata's vote for a rating: 4–5 up, 1–2 down, 3 no vote (`type/votes.json` voteType).
fn vote_type(rating: u8) -> &'static str {
    match rating {
        4.. => "votedUp",
        3 => "unVoted",
        _ => "votedDown",
    }
}

/// Sends a rating to OpenMetadata as the token's user: the data product's vote (`PUT
/// /api/v1/dataProducts/{id}/vote`, a VoteRequest) and, with a comment, a conversation thread about
/// it (`POST /api/v1/feed`, a CreateThread from the logged-in user). Returns a receipt naming both.
pub async fn send_openmetadata_feedback(
    http: &HttpClient,
    feedback: &OpenMetadataFeedback,
) -> Result<String, ConnectorError> {
    let by_name = format!("api/v1/dataProducts/name/{}", encode_segment(&feedback.fqn));
    let product = http.get_json(&by_name, &[]).await?;
    let id = text(&product, "id").ok_or_else(|| ConnectorError::NotJson {
        source_name: http.source_name().to_string(),
        path: by_name.clone(),
        reason: "the data product has no `id`".into(),
    })?;
    let vote = vote_type(feedback.rating);
    let vote_path = format!("api/v1/dataProducts/{}/vote", encode_segment(&id));
    let body = json!({ "updatedVoteType": vote });
    http.send_json(Method::PUT, &vote_path, &body, None).await?;
    let mut receipt = format!("PUT {vote_path} {vote}");
    if let Some(comment) = &feedback.comment {
        let me = http.get_json("api/v1/users/loggedInUser", &[]).await?;
        let from = text(&me, "name").ok_or_else(|| ConnectorError::NotJson {
            source_name: http.source_name().to_string(),
            path: "api/v1/users/loggedInUser".into(),
            reason: "the logged-in user has no `name`".into(),
        })?;
        let thread = json!({
            "message": format!("Rated {}/5 with meshlens: {comment}", feedback.rating),
            "from": from,
            "about": product_link(&feedback.fqn),
        });
        let created = http
            .send_json(Method::POST, "api/v1/feed", &thread, None)
            .await?;
        let thread_id = text(&created, "id").unwrap_or_default();
        receipt.push_str(&format!("; POST api/v1/feed thread {thread_id}"));
    }
    Ok(receipt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_counts_of_both_answer_shapes() {
        let link = product_link("d.p");
        // 1.x ThreadCountList: conversations only, summed over the entries.
        let list = json!({"data": [{"conversationCount": 3, "openTaskCount": 2, "entityLink": link},
                                   {"conversationCount": 1, "entityLink": link}], "paging": {"total": 2}});
        assert_eq!(conversation_count(&list), Some(4));
        assert_eq!(conversation_count(&json!({"data": []})), Some(0));
        // 0.x ThreadCount.
        let old = json!({"totalCount": 5, "counts": [{"count": 5, "entityLink": link}]});
        assert_eq!(conversation_count(&old), Some(5));
        // A 404 (absent) or anything else: no count.
        assert_eq!(conversation_count(&Value::Null), None);
        assert_eq!(conversation_count(&json!({"data": "x"})), None);
    }

    #[test]
    fn owners_from_list_and_single() {
        let entity = json!({"owners": [{"name": "alice", "displayName": "Alice"}], "owner": {"name": "team-a"}});
        assert_eq!(owner_names(&entity), vec!["Alice", "team-a"]);
    }

    #[test]
    fn epoch_millis_format() {
        assert_eq!(
            epoch_millis_to_rfc3339(1638354087391),
            "2021-12-01T10:21:27.391Z"
        );
        assert_eq!(epoch_millis_to_rfc3339(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn upstream_edges_become_events() {
        let answer = json!({
            "entity": {"id": "t2", "type": "table", "fullyQualifiedName": "svc.db.s.fact_sale"},
            "nodes": [{"id": "t1", "type": "table", "fullyQualifiedName": "svc.db.s.dim_address"}],
            "upstreamEdges": [{"fromEntity": "t1", "toEntity": "t2"}],
            "downstreamEdges": []
        });
        let events = lineage_events(&answer, &HashMap::new());
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["inputs"][0]["name"], "svc.db.s.dim_address");
        assert_eq!(events[0]["outputs"][0]["name"], "svc.db.s.fact_sale");
        assert_eq!(
            events[0]["run"]["runId"],
            lineage_events(&answer, &HashMap::new())[0]["run"]["runId"]
        );
    }

    #[test]
    fn versions_are_text() {
        assert_eq!(version_of(&json!({"version": 0.1})).as_deref(), Some("0.1"));
        assert_eq!(version_of(&json!({"version": 1.2})).as_deref(), Some("1.2"));
    }
}
