//! Checks a GraphQL request body (`{"query", "operationName", "variables"}`) against DataHub's
//! schema as a validating server does (DataHub runs graphql-java), with apollo-compiler: fields
//! on their types, arguments and their types, fragments on possible types, variables against
//! their input types. The errors come in graphql-java's shape, as DataHub answers them.
//!
//! Shared by the fake DataHub server (`super::start_datahub`) and the connector's own unit test
//! (`src/datahub.rs` includes this file), so both check the same way.

use apollo_compiler::ast::{self, Definition, Selection};
use apollo_compiler::request::coerce_variable_values;
use apollo_compiler::response::JsonMap;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Value, json};

/// The part of DataHub's schema meshlens relies on (see the file's header for its sources).
const DATAHUB_SCHEMA: &str = include_str!("../fixtures/datahub/schema.graphql");

pub fn datahub_schema() -> Valid<Schema> {
    Schema::parse_and_validate(DATAHUB_SCHEMA, "schema.graphql")
        .unwrap_or_else(|invalid| panic!("fixtures/datahub/schema.graphql: {}", invalid.errors))
}

/// The errors a validating server answers for `body`; empty when it would run the request.
pub fn request_errors(schema: &Valid<Schema>, body: &Value) -> Vec<Value> {
    let Some(query) = body.get("query").and_then(Value::as_str) else {
        return vec![validation_error("the request has no query".into(), None)];
    };
    // graphql-java's wording for the commonest refusal, a field the type does not have.
    let undefined = undefined_fields(schema, query);
    if !undefined.is_empty() {
        return undefined;
    }
    let document = match ExecutableDocument::parse_and_validate(schema, query, "request.graphql") {
        Ok(document) => document,
        Err(invalid) => {
            return invalid
                .errors
                .iter()
                .map(|diagnostic| {
                    let at = diagnostic.line_column_range().map(|range| range.start);
                    validation_error(
                        diagnostic.error.to_string(),
                        at.map(|at| (at.line, at.column)),
                    )
                })
                .collect();
        }
    };
    let name = body.get("operationName").and_then(Value::as_str);
    let Ok(operation) = document.operations.get(name) else {
        return vec![validation_error(
            format!("no operation named {name:?}"),
            None,
        )];
    };
    let variables = body.get("variables").cloned().unwrap_or_else(|| json!({}));
    let variables: JsonMap = serde_json::from_value(variables).unwrap_or_default();
    match coerce_variable_values(schema, operation, &variables) {
        Ok(_) => Vec::new(),
        Err(err) => vec![validation_error(err.message().to_string(), None)],
    }
}

/// One error as graphql-java's `ValidationError.toSpecification()` writes it.
fn validation_error(message: String, at: Option<(usize, usize)>) -> Value {
    let message = if message.starts_with("Validation error") {
        message
    } else {
        format!("Validation error : {message}")
    };
    let mut error =
        json!({"message": message, "extensions": {"classification": "ValidationError"}});
    if let Some((line, column)) = at {
        error["locations"] = json!([{"line": line, "column": column}]);
    }
    error
}

/// graphql-java's `FieldUndefined` errors: each selected field the schema's type lacks, with its
/// path of field names from the root and its line and column in the query.
fn undefined_fields(schema: &Valid<Schema>, query: &str) -> Vec<Value> {
    let document = match ast::Document::parse(query, "request.graphql") {
        Ok(document) => document,
        Err(invalid) => invalid.partial,
    };
    let mut walk = Walk {
        schema,
        document: &document,
        path: Vec::new(),
        errors: Vec::new(),
    };
    for definition in &document.definitions {
        if let Definition::OperationDefinition(operation) = definition
            && let Some(root) = schema.root_operation(operation.operation_type)
        {
            walk.selections(root.as_str(), &operation.selection_set);
        }
    }
    walk.errors
}

struct Walk<'a> {
    schema: &'a Valid<Schema>,
    document: &'a ast::Document,
    path: Vec<String>,
    errors: Vec<Value>,
}

impl Walk<'_> {
    fn selections(&mut self, type_name: &str, selections: &[Selection]) {
        for selection in selections {
            match selection {
                Selection::Field(field) => self.field(type_name, field),
                Selection::InlineFragment(fragment) => {
                    let on = fragment.type_condition.as_ref().map(|t| t.as_str());
                    self.selections(on.unwrap_or(type_name), &fragment.selection_set);
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = self.document.definitions.iter().find_map(|d| match d {
                        Definition::FragmentDefinition(f) if f.name == spread.fragment_name => {
                            Some(f)
                        }
                        _ => None,
                    });
                    if let Some(fragment) = fragment {
                        self.selections(fragment.type_condition.as_str(), &fragment.selection_set);
                    }
                }
            }
        }
    }

    fn field(&mut self, type_name: &str, field: &apollo_compiler::Node<ast::Field>) {
        self.path.push(field.name.to_string());
        match self.schema.type_field(type_name, &field.name) {
            Ok(definition) => {
                let inner = definition.ty.inner_named_type().to_string();
                self.selections(&inner, &field.selection_set);
            }
            // An unknown type is apollo-compiler's to report, in the full validation.
            Err(_) if !self.schema.types.contains_key(type_name) => {}
            Err(_) => {
                let at = field
                    .line_column_range(&self.document.sources)
                    .map(|range| (range.start.line, range.start.column));
                let message = format!(
                    "Validation error (FieldUndefined@[{}]) : Field '{}' in type '{}' is undefined",
                    self.path.join("/"),
                    field.name,
                    type_name
                );
                self.errors.push(validation_error(message, at));
            }
        }
        self.path.pop();
    }
}
