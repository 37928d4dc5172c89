//! What a fake catalog does with the writes of a push, so it keeps them as the real server does:
//! OpenMetadata's JSON Patch of an entity's top-level fields, DataHub's label, owner and
//! description mutations. Plain JSON in, JSON out (only serde_json), so the app's submit tests
//! include this file too (`#[path]`).

#![allow(dead_code)] // each test binary uses a part of it

use serde_json::{Value, json};

/// Applies a JSON Patch of top-level fields to an OpenMetadata entity as OpenMetadata does: owner
/// references completed with their names (`names`: id -> name), a new version (+0.1) and update
/// time.
pub fn apply_openmetadata_patch(entity: &mut Value, patch: &Value, names: &[(&str, &str)]) {
    for op in patch.as_array().expect("a JSON Patch is a list") {
        let field = op["path"].as_str().unwrap().trim_start_matches('/');
        let mut value = op["value"].clone();
        if field == "owners" {
            for owner in value.as_array_mut().unwrap() {
                let (_, name) = names.iter().find(|(id, _)| owner["id"] == *id).unwrap();
                owner["name"] = json!(name);
            }
        }
        let fields = entity.as_object_mut().unwrap();
        match op["op"].as_str().unwrap() {
            "remove" => fields.remove(field),
            _ => fields.insert(field.into(), value),
        };
    }
    let version = entity["version"].as_f64().unwrap();
    entity["version"] = json!(((version + 0.1) * 10.0).round() / 10.0);
    entity["updatedAt"] = json!(entity["updatedAt"].as_i64().unwrap_or(0) + 1);
}

/// The mutation a DataHub request body runs (`mutation meshlens_x($input: T!) { x(input: $input) }`).
pub fn datahub_mutation(body: &Value) -> Option<&str> {
    let query = body["query"].as_str()?;
    query.starts_with("mutation").then_some(())?;
    Some(query.split(['{', '(']).nth(2)?.trim())
}

/// Applies DataHub mutation `name` with `input` to a dataset or data product as its read answers
/// it (`tags.tags[].tag`, `glossaryTerms.terms[].term`, `ownership.owners[].owner`, each with
/// `urn` and name).
pub fn apply_datahub_mutation(entity: &mut Value, name: &str, input: &Value) {
    let id = |urn: &str| urn.rsplit(':').next().unwrap().to_string();
    let mut edit_list = |pointer: &str, edit: &dyn Fn(&mut Vec<Value>)| {
        let list = entity.pointer_mut(pointer).unwrap();
        let mut items = list.as_array().cloned().unwrap_or_default();
        edit(&mut items);
        *list = json!(items);
    };
    let remove = |key: &'static str, urn: Value| {
        move |items: &mut Vec<Value>| items.retain(|item| item[key]["urn"] != urn)
    };
    match name {
        "updateDescription" => {
            let description = input["description"].clone();
            match entity.get_mut("editableProperties") {
                Some(editable) => editable["description"] = description,
                None => entity["properties"]["description"] = description,
            }
        }
        "addTags" | "addTerms" => {
            let (pointer, key, urns) = match name {
                "addTags" => ("/tags/tags", "tag", &input["tagUrns"]),
                _ => ("/glossaryTerms/terms", "term", &input["termUrns"]),
            };
            edit_list(pointer, &|items| {
                for urn in urns.as_array().unwrap().iter().filter_map(Value::as_str) {
                    items.push(json!({key: {"urn": urn, "name": id(urn)}}));
                }
            });
        }
        "removeTag" => edit_list("/tags/tags", &remove("tag", input["tagUrn"].clone())),
        "removeTerm" => edit_list(
            "/glossaryTerms/terms",
            &remove("term", input["termUrn"].clone()),
        ),
        "removeOwner" => edit_list(
            "/ownership/owners",
            &remove("owner", input["ownerUrn"].clone()),
        ),
        "addOwners" => edit_list("/ownership/owners", &|items| {
            for owner in input["owners"].as_array().unwrap() {
                let urn = owner["ownerUrn"].as_str().unwrap();
                let name = match owner["ownerEntityType"].as_str() {
                    Some("CORP_USER") => "username",
                    _ => "name",
                };
                items.push(json!({"owner": {"urn": urn, name: id(urn)}}));
            }
        }),
        other => panic!("unexpected mutation {other}"),
    }
}

/// The table and the data product of the fake OpenMetadata (fixtures, the table owned by the
/// team Sales).
pub fn openmetadata_entities() -> Vec<Value> {
    let data = |text: &str| serde_json::from_str::<Value>(text).unwrap()["data"][0].clone();
    let mut table = data(include_str!("../fixtures/openmetadata/tables.json"));
    table["owners"] = json!([{"id": "team-2", "type": "team", "name": "Sales"}]);
    vec![
        table,
        data(include_str!("../fixtures/openmetadata/dataProducts.json")),
    ]
}

/// The names of the owner ids the fake OpenMetadata knows.
pub const OPENMETADATA_OWNERS: [(&str, &str); 2] = [("user-1", "jdoe"), ("team-2", "Sales")];

/// What a lookup by name finds in the fake OpenMetadata (`/api/v1/` left out).
const OPENMETADATA_LOOKUPS: [(&str, &str); 3] = [
    ("tags/name/PII.Sensitive", r#"{"id": "tag-1"}"#),
    ("glossaryTerms/name/Business.Revenue", r#"{"id": "term-1"}"#),
    ("users/name/jdoe", r#"{"id": "user-1", "name": "jdoe"}"#),
];

/// OpenMetadata's REST API over `entities` (the table, then the product) as the sync and the
/// pushes use it: the listings, reads by name, lookups, and JSON Patch writes. `None`: 404.
pub fn openmetadata_answer(
    entities: &mut [Value],
    method: &str,
    path: &str,
    body: &Value,
) -> Option<Value> {
    let page = |data: Vec<Value>| json!({"data": data, "paging": {"total": data.len()}});
    let at =
        |entities: &[Value], key: &str, value: &str| entities.iter().position(|e| e[key] == value);
    let path = path.strip_prefix("/api/v1/")?;
    let segments: Vec<&str> = path.split('/').collect();
    Some(match (method, segments.as_slice()) {
        ("GET", ["tables"]) => page(vec![entities[0].clone()]),
        ("GET", ["dataProducts"]) => page(vec![entities[1].clone()]),
        ("GET", ["dataQuality", "testCases"] | ["services", "databaseServices"]) => page(vec![]),
        ("GET", ["lineage", ..]) => json!({"upstreamEdges": [], "downstreamEdges": []}),
        ("GET", [_, "name", fqn]) if at(entities, "fullyQualifiedName", fqn).is_some() => {
            entities[at(entities, "fullyQualifiedName", fqn)?].clone()
        }
        ("GET", _) => {
            let (_, found) = OPENMETADATA_LOOKUPS
                .iter()
                .find(|(known, _)| *known == path)?;
            serde_json::from_str(found).unwrap()
        }
        ("PATCH", [_, id]) => {
            let at = at(entities, "id", id)?;
            apply_openmetadata_patch(&mut entities[at], body, &OPENMETADATA_OWNERS);
            entities[at].clone()
        }
        _ => return None,
    })
}

pub const DATAHUB_DATASET: &str =
    "urn:li:dataset:(urn:li:dataPlatform:snowflake,adoption.pets,PROD)";
pub const DATAHUB_PRODUCT: &str = "urn:li:dataProduct:adoption";

/// What the fake DataHub knows exists besides its dataset and product.
pub const DATAHUB_KNOWN: [&str; 4] = [
    "urn:li:tag:pii",
    "urn:li:glossaryTerm:Adoption",
    "urn:li:corpuser:jdoe",
    "urn:li:corpGroup:vets",
];

/// The fake DataHub's dataset and data product, with what both the scroll and a push's read ask
/// for (owned by the group vets, tagged legacy).
pub fn datahub_entities() -> Vec<Value> {
    let labels = json!({
        "ownership": {"owners": [{"owner": {"urn": "urn:li:corpGroup:vets", "name": "vets"}}]},
        "tags": {"tags": [{"tag": {"urn": "urn:li:tag:legacy", "name": "legacy"}}]},
        "glossaryTerms": {"terms": []}
    });
    let mut dataset = json!({"urn": DATAHUB_DATASET, "type": "DATASET", "name": "adoption.pets",
        "properties": {"name": "pets", "description": "Every pet.", "qualifiedName": "adoption.pets"},
        "editableProperties": {"description": "Every pet."},
        "schemaMetadata": {"fields": [{"fieldPath": "id", "nativeDataType": "NUMBER", "isPartOfKey": true}]},
        "upstream": {"total": 0, "relationships": []}});
    let mut product = json!({"urn": DATAHUB_PRODUCT, "type": "DATA_PRODUCT",
        "properties": {"name": "Adoption", "description": "Adoptions."}});
    for entity in [&mut dataset, &mut product] {
        let fields = entity.as_object_mut().unwrap();
        fields.extend(labels.as_object().unwrap().clone());
    }
    vec![dataset, product]
}

/// DataHub's GraphQL API over `entities` as the sync and the pushes use it: the scroll, a push's
/// read of one entity, `entityExists` and the mutations. `None`: 404.
pub fn datahub_answer(entities: &mut [Value], path: &str, body: &Value) -> Option<Value> {
    if path != "/api/graphql" {
        return None;
    }
    let (query, variables) = (body["query"].as_str()?, &body["variables"]);
    let urn = variables["urn"]
        .as_str()
        .or(variables["input"]["resourceUrn"].as_str());
    let at = entities.iter().position(|e| e["urn"].as_str() == urn);
    let data = if query.contains("scrollAcrossEntities") {
        let kind = variables["input"]["types"][0].as_str()?;
        let found: Vec<Value> = entities
            .iter()
            .filter(|e| e["type"] == kind)
            .map(|e| json!({"entity": e}))
            .collect();
        json!({"scrollAcrossEntities": {"nextScrollId": null, "searchResults": found}})
    } else if query.contains("entityExists") {
        let exists = |v: &Value| DATAHUB_KNOWN.contains(&v.as_str().unwrap_or_default());
        json!({"first": exists(&variables["first"]), "second": exists(&variables["second"])})
    } else if let Some(name) = datahub_mutation(body) {
        apply_datahub_mutation(&mut entities[at?], name, &variables["input"]);
        json!({name: true})
    } else {
        let field = if query.contains("dataset(urn") {
            "dataset"
        } else {
            "dataProduct"
        };
        json!({field: entities[at?].clone()})
    };
    Some(json!({"data": data, "extensions": {}}))
}
