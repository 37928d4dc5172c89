//! Every generated document validates against the official schemas (copied into `tests/schemas/`).

use std::fs;
use std::path::{Path, PathBuf};

use jsonschema::{Registry, Validator};
use meshlens_demo::{GenerateOptions, generate};
use serde_json::Value;

fn schema(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas")
        .join(name);
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn files_with_suffix(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_with_suffix(&path, suffix, out);
        } else if path.to_string_lossy().ends_with(suffix) {
            out.push(path);
        }
    }
}

fn check(validator: &Validator, doc: &Value, what: &Path) -> usize {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} is invalid:\n{}",
        what.display(),
        errors.join("\n")
    );
    1
}

#[test]
fn generated_mesh_is_valid_against_the_official_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = generate(&GenerateOptions {
        out: tmp.path().to_path_buf(),
        products: 20,
        seed: 42,
    })
    .unwrap();

    // Formats are asserted too: the generator authors these documents, so dates and URIs must be right.
    let odps = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema("odps-json-schema-v1.0.0.json"))
        .unwrap();
    let odcs = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema("odcs-json-schema-v3.1.0.json"))
        .unwrap();
    let registry = Registry::new()
        .add(
            "https://openlineage.io/spec/2-0-2/OpenLineage.json",
            schema("OpenLineage.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let openlineage = jsonschema::options()
        .offline()
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&schema("OpenLineage.json"))
        .unwrap();
    let assertions_facet = jsonschema::options()
        .offline()
        .with_registry(&registry)
        .build(&schema("DataQualityAssertionsDatasetFacet.json"))
        .unwrap();

    let mut checked = [0usize; 4];
    for (suffix, validator, slot) in [(".odps.yaml", &odps, 0), (".odcs.yaml", &odcs, 1)] {
        let mut paths = Vec::new();
        files_with_suffix(tmp.path(), suffix, &mut paths);
        for path in paths {
            let doc: Value = serde_yaml_ng::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
            checked[slot] += check(validator, &doc, &path);
        }
    }
    let mut ndjson = Vec::new();
    files_with_suffix(tmp.path(), ".ndjson", &mut ndjson);
    for path in ndjson {
        for line in fs::read_to_string(&path).unwrap().lines() {
            let event: Value = serde_json::from_str(line).unwrap();
            checked[2] += check(&openlineage, &event, &path);
            for input in event["inputs"].as_array().unwrap() {
                if let Some(facets) = input.get("inputFacets") {
                    checked[3] += check(&assertions_facet, facets, &path);
                }
            }
        }
    }
    assert_eq!(checked[0], summary.products);
    assert_eq!(checked[1], summary.contracts);
    assert_eq!(checked[2], summary.lineage_events + summary.quality_events);
    assert_eq!(
        checked[3], summary.datasets,
        "one assertions facet per dataset"
    );
}
