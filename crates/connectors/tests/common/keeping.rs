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
