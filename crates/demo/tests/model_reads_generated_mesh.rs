//! The model crate (what the sync engine uses) reads every generated descriptor without warnings
//! and extracts the owner, ports, datasets and servers the generator wrote.

use std::fs;
use std::path::Path;

use meshlens_demo::{GenerateOptions, generate};
use meshlens_model::{Entity, parse_document};

fn descriptors(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            descriptors(&path, out);
        } else if path.to_string_lossy().ends_with(".yaml") {
            out.push(path);
        }
    }
}

#[test]
fn every_descriptor_parses_cleanly_and_extracts_what_was_written() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = generate(&GenerateOptions {
        out: tmp.path().to_path_buf(),
        products: 20,
        seed: 9,
    })
    .unwrap();
    let mut paths = Vec::new();
    descriptors(tmp.path(), &mut paths);
    let (mut products, mut contracts, mut datasets, mut columns) = (0, 0, 0, 0);
    for path in paths {
        let doc = parse_document(&path.to_string_lossy(), &fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            doc.warnings.is_empty(),
            "{}: {:?}",
            path.display(),
            doc.warnings
        );
        match doc.entity {
            Entity::Product(p) => {
                products += 1;
                assert!(p.owner.is_some() && p.owner_team.is_some(), "{}", p.id);
                assert!(
                    !p.output_ports.is_empty() && p.description.is_some(),
                    "{}",
                    p.id
                );
            }
            Entity::Contract(c) => {
                contracts += 1;
                assert_eq!(c.servers.len(), 1, "{}", c.id);
                assert!(!c.quality.is_empty() && !c.sla.is_empty(), "{}", c.id);
                datasets += c.datasets.len();
                columns += c.datasets.iter().map(|d| d.columns.len()).sum::<usize>();
            }
        }
    }
    assert_eq!(
        (products, contracts, datasets, columns),
        (
            summary.products,
            summary.contracts,
            summary.datasets,
            summary.columns
        )
    );
}
