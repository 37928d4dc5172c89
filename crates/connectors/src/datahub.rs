//! DataHub (GraphQL at `/api/graphql`, bearer personal access token, `scrollAcrossEntities`
//! paging with `nextScrollId`).
//!
//! Datasets become ODCS contracts (schema fields, owners, tags and glossary terms as tags, the
//! domain), data products ODPS documents. The URN is the provenance id. Each dataset's 1-hop
//! upstream lineage (`lineage(input: {direction: UPSTREAM})`, with its `fineGrainedLineages` as
//! column lineage) is read in the same scroll request and becomes OpenLineage events: upstream
//! datasets -> the DataHub data job that produces the dataset (or a job named after it) -> the
//! dataset. DataHub documents 20 `lineage` subqueries per request as its tested limit, so dataset
//! pages hold at most 20 entities. Pushes use DataHub's
//! mutations (`updateDescription`, `addTags`, `batchSetDataProduct`); DataHub has no entity
//! version to check, so a push overwrites only the fields it names.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::documents::{ColumnDoc, ProductDoc, TableDoc, document_path};
use crate::edits::{
    CatalogEdit, CatalogFields, EditedEntity, PushOutcome, answer_lost, set_changes,
};
use crate::openlineage::{RUN_EVENT_SCHEMA, column_lineage_facet, edge_run_id};
use crate::openmetadata::epoch_millis_to_rfc3339;
use crate::paging::{PageCounters, cursor_pages, not_json};
use crate::{
    CheckOutcome, CheckStatus, ConnectorError, Found, FoundKind, HttpClient, Provenance,
    PullContext, Pulled, PulledDocument, UpstreamStats,
};

const GRAPHQL: &str = "api/graphql";

/// `lineage` subqueries DataHub's GraphQL best practices call tested in one request.
const LINEAGE_SUBQUERIES: usize = 20;

const PRODUCER: &str = "https://github.com/meshlens/meshlens/connectors/datahub";

/// Namespace of the OpenLineage datasets and jobs built from DataHub lineage (named by URN, the
/// id their contracts carry).
const LINEAGE_NAMESPACE: &str = "datahub";

/// What a dataset or data product is labelled with (owners, tags, glossary terms, domain), as
/// the pull and the online search both ask it.
macro_rules! labels {
    () => {
        r#"          ownership { owners { owner { ... on CorpUser { username } ... on CorpGroup { name } } } }
          tags { tags { tag { name } } }
          glossaryTerms { terms { term { name } } }
          domain { domain { properties { name } } }
"#
    };
}

/// A data product's selection, the same in the pull and the online search.
macro_rules! data_product {
    () => {
        concat!(
            r#"        ... on DataProduct {
          properties { name description }
"#,
            labels!(),
            "        }\n"
        )
    };
}

/// The one query of a pull; checked against DataHub's schema by `tests::requests_validate_against_datahubs_schema`.
const SCROLL: &str = concat!(
    r#"query meshlensScroll($input: ScrollAcrossEntitiesInput!) {
  scrollAcrossEntities(input: $input) {
    nextScrollId
    searchResults {
      entity {
        urn
        type
        ... on Dataset {
          name
          properties { name description qualifiedName }
          editableProperties { description }
          schemaMetadata { fields { fieldPath nativeDataType description isPartOfKey } }
"#,
    labels!(),
    r#"          lastIngested
          statsSummary { queryCountLast30Days uniqueUserCountLast30Days }
          upstream: lineage(input: {direction: UPSTREAM, start: 0, count: 100}) {
            total
            relationships { type entity { urn type } }
          }
          fineGrainedLineages { upstreams { urn path } downstreams { urn path } }
          assertions(start: 0, count: 100) {
            assertions {
              urn
              info {
                type
                description
                datasetAssertion { fields { path } }
                customAssertion { field { path } }
              }
              runEvents(status: COMPLETE, limit: 10) {
                runEvents { timestampMillis status result { type actualAggValue } }
              }
            }
          }
        }
"#,
    data_product!(),
    r#"      }
    }
  }
}"#,
);

pub(crate) async fn pull(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
) -> Result<Pulled, ConnectorError> {
    let mut pulled = Pulled::default();
    for entity_type in ["DATASET", "DATA_PRODUCT"] {
        let count = match entity_type {
            "DATASET" => ctx.page_size.clamp(1, LINEAGE_SUBQUERIES),
            _ => ctx.page_size.max(1),
        };
        let fetch = |scroll_id: Option<String>| {
            let body = scroll_request(entity_type, count, scroll_id);
            async move { graphql(&ctx.http, &body).await }
        };
        let split = |page: Value| {
            let scroll = page
                .pointer("/data/scrollAcrossEntities")
                .cloned()
                .ok_or_else(|| {
                    not_json(
                        ctx,
                        GRAPHQL,
                        "no `data.scrollAcrossEntities` in the answer".into(),
                    )
                })?;
            let next = scroll
                .get("nextScrollId")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let entities = scroll
                .get("searchResults")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|result| result.get("entity").cloned())
                .collect();
            Ok((entities, next))
        };
        let entities = cursor_pages(ctx, counters, GRAPHQL, fetch, split).await?;
        if entity_type == "DATASET" {
            pulled
                .check_outcomes
                .extend(entities.iter().flat_map(assertion_outcomes));
            pulled
                .lineage_events
                .extend(entities.iter().filter_map(lineage_event));
            pulled
                .stats
                .extend(entities.iter().filter_map(dataset_stats));
        }
        pulled
            .documents
            .extend(entities.iter().filter_map(|entity| match entity_type {
                "DATASET" => dataset_document(entity),
                _ => product_document(entity),
            }));
    }
    Ok(pulled)
}

/// The online search's query: what a hit needs to be shown and scoped (name, description, domain,
/// tags, terms, owners); checked against DataHub's schema like [`SCROLL`].
const SEARCH: &str = concat!(
    r#"query meshlensSearch($input: SearchAcrossEntitiesInput!) {
  searchAcrossEntities(input: $input) { total searchResults { entity {
    urn
    ... on Dataset {
      name
      properties { name description }
"#,
    labels!(),
    "    }\n",
    data_product!(),
    "  } } }\n}",
);

fn search_request(query: &str, limit: usize) -> Value {
    let input = json!({"types": ["DATASET", "DATA_PRODUCT"], "query": query, "start": 0,
        "count": limit, "searchFlags": {"skipHighlighting": true, "skipAggregates": true}});
    json!({"query": SEARCH, "variables": {"input": input}})
}

/// Online search: the first `limit` datasets and data products matching `query`.
pub(crate) async fn search(
    http: &HttpClient,
    query: &str,
    limit: usize,
) -> Result<Vec<Found>, ConnectorError> {
    let answer = graphql(http, &search_request(query, limit)).await?;
    let Some(results) = answer.pointer("/data/searchAcrossEntities/searchResults") else {
        return Err(ConnectorError::NotJson {
            source_name: http.source_name().to_string(),
            path: GRAPHQL.to_string(),
            reason: "no `data.searchAcrossEntities` in the answer".into(),
        });
    };
    Ok(results
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|result| found(http, result.get("entity")?))
        .collect())
}

/// A search hit as the pull names its document.
fn found(http: &HttpClient, entity: &Value) -> Option<Found> {
    let urn = text(entity, "/urn")?;
    // By the URN's entity type, which every DataHub URN names.
    let (kind, page) = if urn.starts_with("urn:li:dataset:") {
        (FoundKind::Dataset, "dataset")
    } else if urn.starts_with("urn:li:dataProduct:") {
        (FoundKind::Product, "dataProduct")
    } else {
        return None;
    };
    Some(Found {
        name: text(entity, "/properties/name")
            .or_else(|| text(entity, "/name"))
            .unwrap_or_else(|| urn.clone()),
        kind,
        description: text(entity, "/properties/description"),
        domain: text(entity, "/domain/domain/properties/name"),
        tags: tags_and_terms(entity),
        owners: owners(entity),
        url: http.page_url(&[page, &urn]),
        upstream_id: urn,
    })
}

/// The body of one scroll request for `entity_type`, continuing after `scroll_id`.
fn scroll_request(entity_type: &str, count: usize, scroll_id: Option<String>) -> Value {
    let mut input = json!({"types": [entity_type], "query": "*", "count": count,
        "searchFlags": {"skipHighlighting": true, "skipAggregates": true}});
    if let Some(scroll_id) = scroll_id {
        input["scrollId"] = json!(scroll_id);
    }
    json!({"query": SCROLL, "variables": {"input": input}})
}

/// At most this many of the server's error messages, each cut to this many characters, go into
/// the error meshlens reports: enough to say what was refused, bounded whatever the server says.
const SHOWN_ERRORS: usize = 5;
const SHOWN_ERROR_CHARS: usize = 500;

/// POSTs a GraphQL request. A server that refuses it answers HTTP 200 with `errors` (DataHub
/// does so for a query that does not validate against its schema); that becomes
/// [`ConnectorError::Refused`] with the server's messages.
async fn graphql(http: &HttpClient, body: &Value) -> Result<Value, ConnectorError> {
    let answer = http.send_json(Method::POST, GRAPHQL, body, None).await?;
    let Some(errors) = answer
        .get("errors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    else {
        return Ok(answer);
    };
    let mut messages: Vec<String> = errors
        .iter()
        .take(SHOWN_ERRORS)
        .map(|e| match e.get("message").and_then(Value::as_str) {
            Some(message) => message.chars().take(SHOWN_ERROR_CHARS).collect(),
            None => "(an error without a message)".to_string(),
        })
        .collect();
    if errors.len() > SHOWN_ERRORS {
        messages.push(format!("and {} more", errors.len() - SHOWN_ERRORS));
    }
    Err(ConnectorError::Refused {
        source_name: http.source_name().to_string(),
        method: Method::POST.to_string(),
        path: GRAPHQL.to_string(),
        messages: messages.join("; "),
    })
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn names(value: &Value, list: &str, pointer: &str) -> Vec<String> {
    value
        .pointer(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| text(item, pointer))
        .collect()
}

/// An entity's tags, then its glossary terms: one list of names, as the documents keep them.
fn tags_and_terms(entity: &Value) -> Vec<String> {
    let mut tags = names(entity, "/tags/tags", "/tag/name");
    tags.extend(names(entity, "/glossaryTerms/terms", "/term/name"));
    tags
}

fn owners(entity: &Value) -> Vec<String> {
    entity
        .pointer("/ownership/owners")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(owner_name)
        .collect()
}

/// An owner as the pull names it: a user by username, a group by name.
fn owner_name(owner: &Value) -> Option<String> {
    text(owner, "/owner/username").or_else(|| text(owner, "/owner/name"))
}

/// `urn:li:dataset:(urn:li:dataPlatform:snowflake,db.schema.table,PROD)` -> `db.schema.table`.
fn name_from_urn(urn: &str) -> Option<&str> {
    let inner = urn.strip_prefix("urn:li:dataset:(")?.strip_suffix(')')?;
    let mut parts = inner.splitn(3, ',');
    parts.next()?;
    parts.next()
}

/// `urn:li:dataset:(urn:li:dataPlatform:snowflake,db.schema.table,PROD)` -> `snowflake`.
fn platform_from_urn(urn: &str) -> Option<&str> {
    let inner = urn.strip_prefix("urn:li:dataset:(")?;
    let platform = inner.split(',').next()?;
    platform.strip_prefix("urn:li:dataPlatform:")
}

/// The dataset's (server, physical name): its platform and qualified name. Contracts and
/// assertion outcomes both name the dataset this way, so outcomes find their contract.
fn dataset_identity(entity: &Value) -> Option<(String, String, String)> {
    let urn = text(entity, "/urn")?;
    let qualified = text(entity, "/properties/qualifiedName")
        .or_else(|| name_from_urn(&urn).map(str::to_owned))
        .or_else(|| text(entity, "/name"))?;
    let platform = platform_from_urn(&urn).unwrap_or("datahub").to_string();
    Some((urn, platform, qualified))
}

/// The run events of a dataset's assertions as check outcomes (DataHub keeps `INIT` for a run
/// that has no result yet).
fn assertion_outcomes(entity: &Value) -> Vec<CheckOutcome> {
    let Some((_, platform, qualified)) = dataset_identity(entity) else {
        return Vec::new();
    };
    let assertions = entity
        .pointer("/assertions/assertions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let mut out = Vec::new();
    for assertion in assertions {
        let Some(urn) = text(assertion, "/urn") else {
            continue;
        };
        let check = text(assertion, "/info/description").unwrap_or_else(|| urn.clone());
        let column = text(assertion, "/info/customAssertion/field/path").or_else(|| {
            let fields = names(assertion, "/info/datasetAssertion/fields", "/path");
            (fields.len() == 1).then(|| fields[0].clone())
        });
        let events = assertion
            .pointer("/runEvents/runEvents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for event in events {
            let status = match text(event, "/result/type").as_deref() {
                Some("SUCCESS") => CheckStatus::Pass,
                Some("FAILURE") => CheckStatus::Fail,
                Some("ERROR") => CheckStatus::Error,
                Some("INIT") => CheckStatus::Skipped,
                _ => continue,
            };
            let Some(at_ms) = event.get("timestampMillis").and_then(Value::as_i64) else {
                continue;
            };
            out.push(CheckOutcome {
                upstream_id: urn.clone(),
                check: check.clone(),
                check_type: text(assertion, "/info/type"),
                data_source: platform.clone(),
                dataset: qualified.clone(),
                column: column.clone(),
                status,
                observed: event
                    .pointer("/result/actualAggValue")
                    .filter(|v| !v.is_null())
                    .map(|v| v.to_string()),
                expected: None,
                at_ms,
            });
        }
    }
    out
}

/// A dataset's queries and distinct users of the last 30 days (`statsSummary`), when DataHub has usage for it.
fn dataset_stats(entity: &Value) -> Option<UpstreamStats> {
    let (urn, _, _) = dataset_identity(entity)?;
    let count = |pointer: &str| entity.pointer(pointer).and_then(Value::as_u64);
    let stats = UpstreamStats {
        path: document_path("datasets", &urn, "odcs"),
        queries_30d: count("/statsSummary/queryCountLast30Days"),
        users_30d: count("/statsSummary/uniqueUserCountLast30Days"),
        ..UpstreamStats::default()
    };
    (!stats.is_empty()).then_some(stats)
}

fn dataset_document(entity: &Value) -> Option<PulledDocument> {
    let (urn, platform, qualified) = dataset_identity(entity)?;
    let tags = tags_and_terms(entity);
    let columns = entity
        .pointer("/schemaMetadata/fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|field| {
            Some(ColumnDoc {
                name: text(field, "/fieldPath")?,
                physical_type: text(field, "/nativeDataType").unwrap_or_else(|| "STRING".into()),
                description: text(field, "/description"),
                primary_key: field.get("isPartOfKey").and_then(Value::as_bool) == Some(true),
                tags: Vec::new(),
            })
        })
        .collect();
    let table = TableDoc {
        id: urn.clone(),
        name: text(entity, "/properties/name").unwrap_or_else(|| qualified.clone()),
        version: "1.0.0".into(),
        domain: text(entity, "/domain/domain/properties/name"),
        description: text(entity, "/editableProperties/description")
            .or_else(|| text(entity, "/properties/description")),
        physical_name: qualified,
        tags,
        owners: owners(entity),
        columns,
        // The platform is the server assertion outcomes name.
        servers: vec![json!({"server": platform, "type": "custom"})],
        properties: Vec::new(),
    };
    Some(PulledDocument {
        path: document_path("datasets", &urn, "odcs"),
        text: serde_json::to_string(&table.to_json()).ok()?,
        provenance: Provenance {
            upstream_updated_at: entity
                .get("lastIngested")
                .filter(|v| !v.is_null())
                .map(Value::to_string),
            upstream_id: urn,
            upstream_version: None,
        },
    })
}

fn product_document(entity: &Value) -> Option<PulledDocument> {
    let urn = text(entity, "/urn")?;
    let product = ProductDoc {
        id: urn.clone(),
        name: text(entity, "/properties/name").unwrap_or_else(|| urn.clone()),
        version: "1.0.0".into(),
        domain: text(entity, "/domain/domain/properties/name"),
        description: text(entity, "/properties/description"),
        tags: tags_and_terms(entity),
        owners: owners(entity),
        outputs: Vec::new(),
    };
    Some(PulledDocument {
        path: document_path("dataProducts", &urn, "odps"),
        text: serde_json::to_string(&product.to_json()).ok()?,
        provenance: Provenance {
            upstream_id: urn,
            upstream_version: None,
            upstream_updated_at: None,
        },
    })
}

/// A dataset's upstream lineage as one OpenLineage event: its upstream datasets as inputs, the
/// dataset as output (with a `columnLineage` facet from its fine-grained lineage), and as job the
/// data job producing it when DataHub names exactly one, else a job named after the dataset.
/// Upstream entities of other kinds (charts, ML features) are not datasets and are left out.
fn lineage_event(entity: &Value) -> Option<Value> {
    let urn = text(entity, "/urn")?;
    let relationships: Vec<(String, String)> = entity
        .pointer("/upstream/relationships")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| Some((text(r, "/entity/urn")?, text(r, "/entity/type")?)))
        .collect();
    let mut inputs: Vec<String> = Vec::new();
    for (upstream, kind) in &relationships {
        if kind == "DATASET" && upstream != &urn && !inputs.contains(upstream) {
            inputs.push(upstream.clone());
        }
    }
    let fields = fine_grained_fields(entity, &urn, &mut inputs);
    if inputs.is_empty() {
        return None;
    }
    let jobs: Vec<&str> = relationships
        .iter()
        .filter(|(_, kind)| kind == "DATA_JOB")
        .map(|(job, _)| job.as_str())
        .collect();
    let job = match jobs.as_slice() {
        [job] => job.to_string(),
        _ => format!("lineage.{urn}"),
    };
    let mut output = json!({"namespace": LINEAGE_NAMESPACE, "name": urn});
    if !fields.is_empty() {
        output["facets"] = json!({"columnLineage": column_lineage_facet(PRODUCER, fields)});
    }
    let event_time = entity
        .get("lastIngested")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    Some(json!({
        "eventType": "COMPLETE",
        "eventTime": epoch_millis_to_rfc3339(event_time),
        // Deterministic per dataset and job, so a re-sync recognises the event it stored.
        "run": {"runId": edge_run_id(&job, &urn)},
        "job": {"namespace": LINEAGE_NAMESPACE, "name": job},
        "inputs": inputs
            .iter()
            .map(|input| json!({"namespace": LINEAGE_NAMESPACE, "name": input}))
            .collect::<Vec<_>>(),
        "outputs": [output],
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT_SCHEMA
    }))
}

/// The dataset's `fineGrainedLineages` as `columnLineage` fields: each downstream column of this
/// dataset reads the upstream columns (`urn` names the dataset, `path` the field). Upstream
/// datasets found only here are added to `inputs`.
fn fine_grained_fields(entity: &Value, urn: &str, inputs: &mut Vec<String>) -> Map<String, Value> {
    let mut fields = Map::new();
    let lineages = entity
        .get("fineGrainedLineages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for lineage in lineages {
        let refs = |key: &str| -> Vec<(String, String)> {
            lineage
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| Some((text(r, "/urn")?, text(r, "/path")?)))
                .collect()
        };
        let upstreams = refs("upstreams");
        for (dataset, column) in refs("downstreams") {
            if dataset != urn {
                continue;
            }
            let entry = fields
                .entry(column)
                .or_insert_with(|| json!({"inputFields": []}));
            let list = entry["inputFields"]
                .as_array_mut()
                .expect("inputFields is built as a list");
            for (from, field) in &upstreams {
                let input = json!({"namespace": LINEAGE_NAMESPACE, "name": from, "field": field});
                if !list.contains(&input) {
                    list.push(input);
                }
                if from != urn && !inputs.contains(from) {
                    inputs.push(from.clone());
                }
            }
        }
    }
    fields
}

/// What a push reads of the entity first: the fields the pull maps, with the URNs behind the
/// names (to remove them). Checked against DataHub's schema like the scroll query.
const DATASET_QUERY: &str = r#"query meshlensDataset($urn: String!) {
  dataset(urn: $urn) {
    properties { description }
    editableProperties { description }
    ownership { owners { owner { ... on CorpUser { urn username } ... on CorpGroup { urn name } } } }
    tags { tags { tag { urn name } } }
    glossaryTerms { terms { term { urn name } } }
  }
}"#;
const PRODUCT_QUERY: &str = r#"query meshlensDataProduct($urn: String!) {
  dataProduct(urn: $urn) {
    properties { description }
    ownership { owners { owner { ... on CorpUser { urn username } ... on CorpGroup { urn name } } } }
    tags { tags { tag { urn name } } }
    glossaryTerms { terms { term { urn name } } }
  }
}"#;
/// Which of two URNs exist: how an added name is told to be a tag or a glossary term, a user
/// or a group.
const EXISTS_QUERY: &str = r#"query meshlensExists($first: String!, $second: String!) {
  first: entityExists(urn: $first)
  second: entityExists(urn: $second)
}"#;

/// The mutations of a push, each taking its `input`.
const MUTATIONS: [(&str, &str); 7] = [
    ("updateDescription", "DescriptionUpdateInput"),
    ("addTags", "AddTagsInput"),
    ("removeTag", "TagAssociationInput"),
    ("addTerms", "AddTermsInput"),
    ("removeTerm", "TermAssociationInput"),
    ("addOwners", "AddOwnersInput"),
    ("removeOwner", "RemoveOwnerInput"),
];

/// Mutation `name` with `input`, its receipt naming what it is about.
fn mutation(name: &str, about: &str, input: Value) -> Mutation {
    let input_type = MUTATIONS
        .iter()
        .find(|(mutation, _)| *mutation == name)
        .map_or("", |(_, input_type)| input_type);
    let query =
        format!("mutation meshlens_{name}($input: {input_type}!) {{ {name}(input: $input) }}");
    (
        format!("{name} {about}"),
        json!({"query": query, "variables": {"input": input}}),
    )
}

/// The entity as a push sees it: its edited fields and, by name, the URN of each tag, glossary
/// term and owner it has.
struct Upstream {
    fields: CatalogFields,
    tags: Vec<(String, String)>,
    terms: Vec<(String, String)>,
    owners: Vec<(String, String)>,
}

impl Upstream {
    fn of(entity: &Value) -> Upstream {
        let pairs = |list: &str, item: &str| -> Vec<(String, String)> {
            entity
                .pointer(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    Some((
                        text(e, &format!("{item}/name"))?,
                        text(e, &format!("{item}/urn"))?,
                    ))
                })
                .collect()
        };
        let tags = pairs("/tags/tags", "/tag");
        let terms = pairs("/glossaryTerms/terms", "/term");
        let owners: Vec<(String, String)> = entity
            .pointer("/ownership/owners")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| Some((owner_name(o)?, text(o, "/owner/urn")?)))
            .collect();
        let description = text(entity, "/editableProperties/description")
            .or_else(|| text(entity, "/properties/description"));
        let labels = tags.iter().chain(&terms).map(|(name, _)| name.clone());
        Upstream {
            fields: CatalogFields::new(
                description,
                labels,
                owners.iter().map(|(name, _)| name.clone()),
            ),
            tags,
            terms,
            owners,
        }
    }
}

/// Pushes `edit` with DataHub's mutations, which write the entity's aspects
/// (`editableDatasetProperties` or `dataProductProperties`, `globalTags`, `glossaryTerms`,
/// `ownership`). DataHub's GraphQL API has no entity version to write against, so the entity
/// is read first: a field the edit changes whose upstream value is neither the synced nor the
/// edited one is a conflict (nothing is sent); a field already as edited is not sent again, and
/// of a list only the names added or removed are. An added name is a tag when
/// `urn:li:tag:<name>` exists, else a glossary term `urn:li:glossaryTerm:<name>`; an added
/// owner a user `urn:li:corpuser:<name>`, else a group `urn:li:corpGroup:<name>`.
pub(crate) async fn push_datahub(
    http: &HttpClient,
    edit: &CatalogEdit,
) -> Result<PushOutcome, ConnectorError> {
    let (query, field) = match edit.entity {
        EditedEntity::Table => (DATASET_QUERY, "dataset"),
        EditedEntity::Product => (PRODUCT_QUERY, "dataProduct"),
    };
    let answer = graphql(
        http,
        &json!({"query": query, "variables": {"urn": edit.id}}),
    )
    .await?;
    let entity = answer
        .pointer(&format!("/data/{field}"))
        .filter(|e| e.is_object())
        .ok_or_else(|| ConnectorError::Unexpected {
            source_name: http.source_name().to_string(),
            what: format!("DataHub has no {field} {}", edit.id),
        })?;
    let upstream = Upstream::of(entity);
    if let Some(conflict) = edit.conflict(&upstream.fields, None) {
        return Ok(PushOutcome::Conflict(conflict));
    }
    let mut sent = Vec::new();
    for (receipt, body) in mutation_requests(http, edit, &upstream).await? {
        graphql(http, &body).await.map_err(answer_lost)?;
        sent.push(receipt);
    }
    Ok(PushOutcome::Sent(sent))
}

/// A mutation to send: what the receipt says of it, and its body.
type Mutation = (String, Value);

/// The mutations that bring the entity `upstream` to the edit.
async fn mutation_requests(
    http: &HttpClient,
    edit: &CatalogEdit,
    upstream: &Upstream,
) -> Result<Vec<Mutation>, ConnectorError> {
    let urn = edit.id.as_str();
    let current = &upstream.fields;
    let mut mutations = Vec::new();
    if edit.to_send("description", current) {
        let description = edit.edited.description.clone().unwrap_or_default();
        let input = json!({"description": description, "resourceUrn": urn});
        mutations.push(mutation("updateDescription", urn, input));
    }
    if edit.to_send("tags", current) {
        let (added, removed) = set_changes(&edit.edited.tags, &current.tags);
        mutations.extend(added_labels(http, urn, added).await?);
        mutations.extend(removals(
            urn,
            &upstream.tags,
            &removed,
            "removeTag",
            "tagUrn",
        ));
        mutations.extend(removals(
            urn,
            &upstream.terms,
            &removed,
            "removeTerm",
            "termUrn",
        ));
    }
    if edit.to_send("owners", current) {
        let (added, removed) = set_changes(&edit.edited.owners, &current.owners);
        mutations.extend(added_owners(http, urn, added).await?);
        let removed = removals(urn, &upstream.owners, &removed, "removeOwner", "ownerUrn");
        mutations.extend(removed);
    }
    Ok(mutations)
}

/// Mutation `name` (its input naming the URN `key`) for each URN `list` (name, URN) has under
/// one of the `removed` names.
fn removals(
    urn: &str,
    list: &[(String, String)],
    removed: &[&String],
    name: &str,
    key: &str,
) -> Vec<Mutation> {
    list.iter()
        .filter(|(listed, _)| removed.contains(&listed))
        .map(|(_, removed)| {
            let input = json!({key: removed, "resourceUrn": urn});
            mutation(name, removed, input)
        })
        .collect()
}

/// `addTags` and `addTerms` for the added names, each a tag if DataHub has one by that name,
/// else a glossary term.
async fn added_labels(
    http: &HttpClient,
    urn: &str,
    added: Vec<&String>,
) -> Result<Vec<Mutation>, ConnectorError> {
    let (mut tags, mut terms) = (Vec::new(), Vec::new());
    for name in added {
        let tag = format!("urn:li:tag:{name}");
        let term = format!("urn:li:glossaryTerm:{name}");
        match exists(http, &tag, &term).await? {
            (true, _) => tags.push(tag),
            (false, true) => terms.push(term),
            _ => return Err(unknown(http, "tag or glossary term", name)),
        }
    }
    let mut mutations = Vec::new();
    if !tags.is_empty() {
        let input = json!({"tagUrns": tags, "resourceUrn": urn});
        mutations.push(mutation("addTags", &tags.join(" "), input));
    }
    if !terms.is_empty() {
        let input = json!({"termUrns": terms, "resourceUrn": urn});
        mutations.push(mutation("addTerms", &terms.join(" "), input));
    }
    Ok(mutations)
}

/// `addOwners` for the added names, each a user if DataHub has one by that name, else a group.
async fn added_owners(
    http: &HttpClient,
    urn: &str,
    added: Vec<&String>,
) -> Result<Vec<Mutation>, ConnectorError> {
    let mut owners = Vec::new();
    for name in added {
        let user = format!("urn:li:corpuser:{name}");
        let group = format!("urn:li:corpGroup:{name}");
        owners.push(match exists(http, &user, &group).await? {
            (true, _) => json!({"ownerUrn": user, "ownerEntityType": "CORP_USER"}),
            (false, true) => json!({"ownerUrn": group, "ownerEntityType": "CORP_GROUP"}),
            _ => return Err(unknown(http, "user or group", name)),
        });
    }
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = owners
        .iter()
        .filter_map(|o| o["ownerUrn"].as_str())
        .collect();
    let receipt = names.join(" ");
    let input = json!({"owners": owners, "resourceUrn": urn});
    Ok(vec![mutation("addOwners", &receipt, input)])
}

/// Whether DataHub has the entities `first` and `second`.
async fn exists(
    http: &HttpClient,
    first: &str,
    second: &str,
) -> Result<(bool, bool), ConnectorError> {
    let body = json!({"query": EXISTS_QUERY, "variables": {"first": first, "second": second}});
    let answer = graphql(http, &body).await?;
    let found = |alias: &str| answer.pointer(&format!("/data/{alias}")) == Some(&Value::Bool(true));
    Ok((found("first"), found("second")))
}

fn unknown(http: &HttpClient, what: &str, name: &str) -> ConnectorError {
    ConnectorError::Unexpected {
        source_name: http.source_name().to_string(),
        what: format!("DataHub has no {what} named '{name}'"),
    }
}

/// The request check the fake DataHub server of the integration tests uses too.
#[cfg(test)]
#[path = "../tests/common/graphql.rs"]
mod schema_check;

#[cfg(test)]
mod tests {
    use super::*;

    const PETS: &str = "urn:li:dataset:(urn:li:dataPlatform:snowflake,adoption.pets,PROD)";

    /// Every request the connector sends, built by the code that sends it: both scroll kinds
    /// (first page and continued), the reads of a push and each of its mutations.
    fn every_request() -> Vec<Value> {
        let mut requests = vec![
            scroll_request("DATASET", LINEAGE_SUBQUERIES, None),
            scroll_request("DATA_PRODUCT", 100, Some("c2Nyb2xs".into())),
            search_request("pets", 20),
            json!({"query": DATASET_QUERY, "variables": {"urn": PETS}}),
            json!({"query": PRODUCT_QUERY, "variables": {"urn": "urn:li:dataProduct:adoption"}}),
            json!({"query": EXISTS_QUERY,
                "variables": {"first": "urn:li:tag:pii", "second": "urn:li:glossaryTerm:pii"}}),
        ];
        let inputs = [
            json!({"description": "Every pet.", "resourceUrn": PETS}),
            json!({"tagUrns": ["urn:li:tag:pii"], "resourceUrn": PETS}),
            json!({"tagUrn": "urn:li:tag:pii", "resourceUrn": PETS}),
            json!({"termUrns": ["urn:li:glossaryTerm:Pet"], "resourceUrn": PETS}),
            json!({"termUrn": "urn:li:glossaryTerm:Pet", "resourceUrn": PETS}),
            json!({"owners": [{"ownerUrn": "urn:li:corpGroup:vets", "ownerEntityType": "CORP_GROUP"}],
                "resourceUrn": PETS}),
            json!({"ownerUrn": "urn:li:corpuser:jdoe", "resourceUrn": PETS}),
        ];
        for ((name, _), input) in MUTATIONS.iter().zip(inputs) {
            requests.push(mutation(name, "", input).1);
        }
        requests
    }

    #[test]
    fn requests_validate_against_datahubs_schema() {
        let schema = schema_check::datahub_schema();
        let requests = every_request();
        assert_eq!(requests.len(), 13);
        for request in &requests {
            let errors = schema_check::request_errors(&schema, request);
            assert!(errors.is_empty(), "{}\n{errors:#?}", request["query"]);
        }
    }

    /// The check refuses what DataHub refuses, so its passing above means something: the field
    /// meshlens once asked for, an argument or input field DataHub does not have, a variable of
    /// the wrong type.
    #[test]
    fn the_schema_check_refuses_what_datahub_refuses() {
        let schema = schema_check::datahub_schema();
        let refused = |request: &Value| schema_check::request_errors(&schema, request);
        let mut old = scroll_request("DATASET", 1, None);
        old["query"] = json!(SCROLL.replace(
            "customAssertion { field { path } }",
            "customAssertion { fieldPath }"
        ));
        let errors = refused(&old);
        assert_eq!(
            errors[0]["message"],
            "Validation error (FieldUndefined@[scrollAcrossEntities/searchResults/entity/assertions/assertions/info/customAssertion/fieldPath]) : Field 'fieldPath' in type 'CustomAssertionInfo' is undefined"
        );
        assert_eq!(errors[0]["locations"][0]["column"], 35);
        assert_eq!(errors[0]["extensions"]["classification"], "ValidationError");

        let mut unknown_argument = scroll_request("DATASET", 1, None);
        unknown_argument["query"] = json!(SCROLL.replace(
            "runEvents(status: COMPLETE",
            "runEvents(order: ASC, status: COMPLETE"
        ));
        assert!(!refused(&unknown_argument).is_empty());

        let mut unknown_input = scroll_request("DATASET", 1, None);
        unknown_input["variables"]["input"]["searchFlags"]["skipFacets"] = json!(true);
        assert!(!refused(&unknown_input).is_empty());

        let unknown_type = scroll_request("DATASETS", 1, None);
        assert!(!refused(&unknown_type).is_empty());

        let (_, missing_input) = mutation("addTags", "", json!({"tagUrns": ["urn:li:tag:pii"]}));
        assert!(!refused(&missing_input).is_empty());
        let (_, unknown_owner_type) = mutation(
            "addOwners",
            "",
            json!({"owners": [{"ownerUrn": "urn:li:corpuser:jdoe", "ownerEntityType": "USER"}],
                "resourceUrn": PETS}),
        );
        assert!(!refused(&unknown_owner_type).is_empty());
    }

    #[test]
    fn without_one_producing_job_the_job_is_named_after_the_dataset() {
        let entity = json!({"urn": "urn:li:dataset:(urn:li:dataPlatform:hive,d,PROD)",
            "upstream": {"total": 4, "relationships": [
                {"type": "DownstreamOf", "entity": {"urn": "urn:li:dataset:(urn:li:dataPlatform:hive,a,PROD)", "type": "DATASET"}},
                {"type": "DownstreamOf", "entity": {"urn": "urn:li:dataset:(urn:li:dataPlatform:hive,a,PROD)", "type": "DATASET"}},
                {"type": "Produces", "entity": {"urn": "urn:li:dataJob:(urn:li:dataFlow:(airflow,f,PROD),t1)", "type": "DATA_JOB"}},
                {"type": "Produces", "entity": {"urn": "urn:li:dataJob:(urn:li:dataFlow:(airflow,f,PROD),t2)", "type": "DATA_JOB"}}]}});
        let event = lineage_event(&entity).unwrap();
        assert_eq!(
            event["job"]["name"],
            "lineage.urn:li:dataset:(urn:li:dataPlatform:hive,d,PROD)"
        );
        assert_eq!(
            event["inputs"].as_array().unwrap().len(),
            1,
            "inputs once each"
        );
        assert_eq!(event["eventTime"], "1970-01-01T00:00:00.000Z");
        let no_upstream = json!({"urn": "urn:li:dataset:(urn:li:dataPlatform:hive,a,PROD)",
            "upstream": {"total": 0, "relationships": []}});
        assert!(lineage_event(&no_upstream).is_none());
    }

    #[test]
    fn dataset_names_come_from_the_urn() {
        assert_eq!(
            name_from_urn(
                "urn:li:dataset:(urn:li:dataPlatform:snowflake,long_tail_companions.adoption.pets,PROD)"
            ),
            Some("long_tail_companions.adoption.pets")
        );
        assert_eq!(name_from_urn("urn:li:corpuser:datahub"), None);
    }
}
