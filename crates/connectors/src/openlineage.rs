//! OpenLineage pieces the connectors share: deterministic run ids for lineage that has no run,
//! and the `columnLineage` dataset facet.

use serde_json::{Map, Value, json};

/// `schemaURL` of the run events the connectors build.
pub(crate) const RUN_EVENT_SCHEMA: &str =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

const COLUMN_LINEAGE_SCHEMA: &str = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet";

/// A UUID-shaped id derived from an edge (FNV-1a over both names), so a re-sync builds the same
/// event for the same edge and lineage ingestion recognises it.
pub(crate) fn edge_run_id(from: &str, to: &str) -> String {
    let hash = |seed: u64| {
        format!("{from}\u{0}{to}")
            .bytes()
            .fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3))
    };
    let (a, b) = (hash(0xcbf29ce484222325), hash(0x84222325cbf29ce4));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// The `columnLineage` facet of a dataset whose output columns (`fields`: column -> entry with
/// `inputFields`) come from the given input columns.
pub(crate) fn column_lineage_facet(producer: &str, fields: Map<String, Value>) -> Value {
    json!({"_producer": producer, "_schemaURL": COLUMN_LINEAGE_SCHEMA, "fields": fields})
}

/// The distinct input datasets (`namespace`, `name`) a `columnLineage` facet's fields read.
pub(crate) fn facet_inputs(fields: &Map<String, Value>) -> Vec<Value> {
    let mut inputs: Vec<Value> = Vec::new();
    for input in fields
        .values()
        .filter_map(|entry| entry.get("inputFields").and_then(Value::as_array))
        .flatten()
    {
        let dataset = json!({"namespace": input.get("namespace"), "name": input.get("name")});
        if !inputs.contains(&dataset) {
            inputs.push(dataset);
        }
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_stable_and_differ_per_edge() {
        assert_eq!(edge_run_id("a", "b"), edge_run_id("a", "b"));
        assert_ne!(edge_run_id("a", "b"), edge_run_id("b", "a"));
        assert_eq!(edge_run_id("a", "b").len(), 36);
    }

    #[test]
    fn facet_inputs_are_distinct_datasets() {
        let fields = json!({
            "a": {"inputFields": [{"namespace": "n", "name": "t", "field": "x"},
                                  {"namespace": "n", "name": "t", "field": "y"}]},
            "b": {"inputFields": [{"namespace": "n", "name": "u", "field": "z"}]}
        });
        let inputs = facet_inputs(fields.as_object().unwrap());
        assert_eq!(
            inputs,
            [
                json!({"namespace": "n", "name": "t"}),
                json!({"namespace": "n", "name": "u"})
            ]
        );
    }
}
