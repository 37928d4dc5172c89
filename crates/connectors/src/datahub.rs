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
use crate::openlineage::{RUN_EVENT_SCHEMA, column_lineage_facet, edge_run_id};
use crate::openmetadata::epoch_millis_to_rfc3339;
use crate::paging::{PageCounters, cursor_pages, not_json};
use crate::{
    CheckOutcome, CheckStatus, ConnectorError, HttpClient, Provenance, PullContext, Pulled,
    PulledDocument,
};

const GRAPHQL: &str = "api/graphql";

/// `lineage` subqueries DataHub's GraphQL best practices call tested in one request.
const LINEAGE_SUBQUERIES: usize = 20;

const PRODUCER: &str = "https://github.com/meshlens/meshlens/connectors/datahub";

/// Namespace of the OpenLineage datasets and jobs built from DataHub lineage (named by URN, the
/// id their contracts carry).
const LINEAGE_NAMESPACE: &str = "datahub";

/// The one query of a pull; checked against DataHub's schema by `tests::requests_validate_against_datahubs_schema`.
const SCROLL: &str = r#"query meshlensScroll($input: ScrollAcrossEntitiesInput!) {
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
          ownership { owners { owner { ... on CorpUser { username } ... on CorpGroup { name } } } }
          tags { tags { tag { name } } }
          glossaryTerms { terms { term { name } } }
          domain { domain { properties { name } } }
          lastIngested
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
        ... on DataProduct {
          properties { name description }
          ownership { owners { owner { ... on CorpUser { username } ... on CorpGroup { name } } } }
          tags { tags { tag { name } } }
          domain { domain { properties { name } } }
        }
      }
    }
  }
}"#;

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

fn owners(entity: &Value) -> Vec<String> {
    entity
        .pointer("/ownership/owners")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| text(o, "/owner/username").or_else(|| text(o, "/owner/name")))
        .collect()
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

fn dataset_document(entity: &Value) -> Option<PulledDocument> {
    let (urn, platform, qualified) = dataset_identity(entity)?;
    let mut tags = names(entity, "/tags/tags", "/tag/name");
    tags.extend(names(entity, "/glossaryTerms/terms", "/term/name"));
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
        tags: names(entity, "/tags/tags", "/tag/name"),
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

/// An edit to push to DataHub; `None`/empty fields are left alone.
#[derive(Debug, Clone, Default)]
pub struct DataHubEdit {
    pub urn: String,
    pub description: Option<String>,
    /// Tag URNs to add (`urn:li:tag:pii`).
    pub add_tags: Vec<String>,
    /// Data product URN the entity should belong to.
    pub data_product: Option<String>,
}

const DESCRIPTION_MUTATION: &str = "mutation meshlensDescription($input: DescriptionUpdateInput!) { updateDescription(input: $input) }";
const TAGS_MUTATION: &str =
    "mutation meshlensTags($input: AddTagsInput!) { addTags(input: $input) }";
const PRODUCT_MUTATION: &str = "mutation meshlensProduct($input: BatchSetDataProductInput!) { batchSetDataProduct(input: $input) }";

/// The bodies of the mutations that push `edit`: one per changed field.
fn mutation_requests(edit: &DataHubEdit) -> Vec<Value> {
    let mut mutations = Vec::new();
    if let Some(description) = &edit.description {
        mutations.push(json!({
            "query": DESCRIPTION_MUTATION,
            "variables": {"input": {"description": description, "resourceUrn": edit.urn}}
        }));
    }
    if !edit.add_tags.is_empty() {
        mutations.push(json!({
            "query": TAGS_MUTATION,
            "variables": {"input": {"tagUrns": edit.add_tags, "resourceUrn": edit.urn}}
        }));
    }
    if let Some(product) = &edit.data_product {
        mutations.push(json!({
            "query": PRODUCT_MUTATION,
            "variables": {"input": {"dataProductUrn": product, "resourceUrns": [edit.urn]}}
        }));
    }
    mutations
}

/// Pushes `edit` with one mutation per changed field.
pub async fn push_datahub(http: &HttpClient, edit: &DataHubEdit) -> Result<(), ConnectorError> {
    for mutation in &mutation_requests(edit) {
        graphql(http, mutation).await?;
    }
    Ok(())
}

/// The request check the fake DataHub server of the integration tests uses too.
#[cfg(test)]
#[path = "../tests/common/graphql.rs"]
mod schema_check;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every request the connector sends, built by the code that sends it: both scroll kinds
    /// (first page and continued) and each mutation of a push.
    fn every_request() -> Vec<Value> {
        let edit = DataHubEdit {
            urn: "urn:li:dataset:(urn:li:dataPlatform:snowflake,adoption.pets,PROD)".into(),
            description: Some("Every pet in the adoption system.".into()),
            add_tags: vec!["urn:li:tag:pii".into()],
            data_product: Some("urn:li:dataProduct:adoption".into()),
        };
        let mut requests = vec![
            scroll_request("DATASET", LINEAGE_SUBQUERIES, None),
            scroll_request("DATA_PRODUCT", 100, Some("c2Nyb2xs".into())),
        ];
        requests.extend(mutation_requests(&edit));
        requests
    }

    #[test]
    fn requests_validate_against_datahubs_schema() {
        let schema = schema_check::datahub_schema();
        let requests = every_request();
        assert_eq!(requests.len(), 5);
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

        let mut missing_input = mutation_requests(&DataHubEdit {
            urn: "urn:li:dataset:x".into(),
            add_tags: vec!["urn:li:tag:pii".into()],
            ..DataHubEdit::default()
        });
        missing_input[0]["variables"]["input"]
            .as_object_mut()
            .unwrap()
            .remove("resourceUrn");
        assert!(!refused(&missing_input[0]).is_empty());
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
