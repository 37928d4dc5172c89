//! One identity (issue #25): every id `search` prints on the demo mesh (products, contracts,
//! `contract/dataset`, `contract/dataset/column`) is accepted by `show`, `lineage` and `impact`.

mod common;

use common::Meshlens;
use serde_json::Value;

#[test]
fn every_id_search_prints_is_accepted_by_show_lineage_and_impact() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    // An empty query lists everything.
    let found = m.json(&["search", "", "--limit", "1000"]);
    let hits = found["hits"].as_array().unwrap();
    assert_eq!(hits.len() as u64, found["total"].as_u64().unwrap());
    let kinds = |kind: &str| hits.iter().filter(|h| h["kind"] == kind).count();
    for kind in ["product", "contract", "dataset", "column"] {
        assert!(kinds(kind) > 0, "no {kind} in {found}");
    }
    for hit in hits {
        let id = hit["id"].as_str().unwrap();
        let product = m.json(&["show", id]);
        // A contract, dataset or column shows the product publishing it.
        let expected = hit["product_id"].as_str().unwrap_or(id);
        assert_eq!(product["product"]["id"], expected, "show {id}");
        let lineage = m.json(&["lineage", id]);
        assert!(
            lineage["nodes"].as_array().is_some_and(|n| !n.is_empty()),
            "lineage {id}: {lineage}"
        );
        let impact = m.json(&["impact", id]);
        assert!(impact["products"].is_array(), "impact {id}: {impact}");
    }
}

/// A dataset is the same whichever name it is asked by: its search id and the lineage node its
/// contract's server names give the same lineage.
#[test]
fn a_dataset_s_search_id_and_its_lineage_id_give_the_same_lineage() {
    let m = Meshlens::new();
    m.ok(&["demo"]);
    let found = m.json(&["search", "", "--kind", "dataset", "--limit", "1000"]);
    let mut compared = 0;
    for hit in found["hits"].as_array().unwrap() {
        let id = hit["id"].as_str().unwrap();
        let by_search: Value = m.json(&["lineage", id]);
        let root = by_search["root"].as_str().unwrap();
        if root == id || !root.contains(':') {
            continue; // no dataset node: the contract's lineage answered
        }
        assert_eq!(m.json(&["lineage", root]), by_search, "{id} as {root}");
        compared += 1;
    }
    assert!(
        compared > 0,
        "no dataset of the demo has a lineage node: {found}"
    );
}

/// A table a catalog server reports (OpenMetadata: the contract's id is the table's FQN, its server
/// names the service, and lineage comes in the `openmetadata` namespace): its search id
/// (`contract/dataset`) is accepted by `lineage` and `impact` and names that lineage node.
#[test]
fn a_catalog_table_s_search_id_names_its_lineage_node() {
    let m = Meshlens::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vehicle_positions.odcs.yaml"),
        CATALOG_TABLE,
    )
    .unwrap();
    let event = |input: &str, output: &str| {
        format!(
            r#"{{"eventType":"COMPLETE","eventTime":"2026-11-09T01:00:00Z","producer":"https://meshlens.test","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{{"runId":"0192c0de-0000-7000-8000-00000000000{}"}},"job":{{"namespace":"openmetadata","name":"{output}_job"}},"inputs":[{{"namespace":"openmetadata","name":"{input}"}}],"outputs":[{{"namespace":"openmetadata","name":"{output}"}}]}}"#,
            output.len() % 10
        )
    };
    let events = [
        event("postgres_prod.fleet.public.gps_raw", TABLE),
        event(TABLE, "postgres_prod.fleet.public.positions_daily"),
    ];
    std::fs::write(dir.path().join("lineage.ndjson"), events.join("\n") + "\n").unwrap();
    m.add_folder("catalog", dir.path());
    m.ok(&["sync"]);
    let id = format!("{TABLE}/vehicle_positions");
    let found = m.json(&["search", "vehicle_positions", "--kind", "dataset"]);
    assert_eq!(found["hits"][0]["id"], id.as_str(), "{found}");
    let lineage = m.json(&["lineage", &id]);
    assert_eq!(
        lineage["root"],
        format!("openmetadata:{TABLE}"),
        "{lineage}"
    );
    assert_eq!(
        m.json(&["lineage", &format!("openmetadata:{TABLE}")]),
        lineage
    );
    let impact = m.json(&["impact", &id]);
    let datasets = impact["datasets"].to_string();
    assert!(datasets.contains("positions_daily"), "{impact}");
}

const TABLE: &str = "postgres_prod.fleet.public.vehicle_positions";

const CATALOG_TABLE: &str = "\
apiVersion: v3.1.0
kind: DataContract
id: postgres_prod.fleet.public.vehicle_positions
version: 1.0.0
status: active
servers:
  - server: postgres_prod
    type: custom
    database: fleet
    schema: public
schema:
  - name: vehicle_positions
    physicalName: fleet.public.vehicle_positions
    properties:
      - name: vehicle_id
        logicalType: string
";
