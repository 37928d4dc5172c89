//! Round trip over every official example (issue #26): the unmodified copies of
//! `shared/standards` kept in `crates/model/tests/fixtures` (their README names the upstream
//! commits; nothing reads `../shared` at run time). Each one parses; an empty edit writes it back
//! byte for byte; setting any one of its text fields changes that field's lines and nothing else.

use std::path::{Path, PathBuf};

use meshlens_edit::path::{FieldPath, Seg};
use meshlens_edit::{FieldChange, yaml_text};
use serde_json::Value;

/// How many text fields of each example are set, one at a time.
const FIELDS_PER_FILE: usize = 24;

fn official_examples() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "yaml") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/tests/fixtures");
    let mut out = Vec::new();
    walk(&root, &mut out);
    out.sort();
    out
}

/// Every text leaf of the document with its path.
fn text_leaves(value: &Value, path: &mut FieldPath, out: &mut Vec<(FieldPath, String)>) {
    match value {
        Value::String(s) => out.push((path.clone(), s.clone())),
        Value::Object(map) => {
            for (key, child) in map {
                path.push(Seg::Key(key.clone()));
                text_leaves(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                text_leaves(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The lines of `before` and `after` that differ, once the common first and last lines are set aside.
fn changed_lines<'a>(before: &'a str, after: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
    let (old, new): (Vec<_>, Vec<_>) = (before.lines().collect(), after.lines().collect());
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    (
        old[prefix..old.len() - suffix].to_vec(),
        new[prefix..new.len() - suffix].to_vec(),
    )
}

fn set_one_field(name: &str, text: &str, path: &FieldPath, old: &str) {
    let replacement = "round-trip-value";
    let change = FieldChange {
        path: path.clone(),
        old: Some(Value::String(old.to_owned())),
        new: Some(Value::String(replacement.to_owned())),
    };
    let edited = yaml_text::apply_changes(text, false, &[change]).unwrap();
    let at = meshlens_edit::path::path_to_string(path);
    assert!(
        edited.layout_kept,
        "{name}: setting {at} re-serialised the file"
    );
    let (removed, added) = changed_lines(text, &edited.text);
    assert_eq!(added.len(), 1, "{name}: setting {at} wrote {added:?}");
    assert!(added[0].contains(replacement), "{name}: {at}: {added:?}");
    // The lines taken away are the field's own: its first line names its key (or starts its list item).
    let first = removed.first().map(|l| l.trim_start()).unwrap_or_default();
    let key = path.iter().rev().find_map(|seg| match seg {
        Seg::Key(key) => Some(key.as_str()),
        Seg::Index(_) => None,
    });
    let names_key = |key: &str| {
        [key.to_owned(), format!("\"{key}\""), format!("- {key}")]
            .iter()
            .any(|lead| first.starts_with(lead.as_str()))
    };
    let item = matches!(path.last(), Some(Seg::Index(_))) && first.starts_with('-');
    let leads = item || key.is_some_and(names_key);
    assert!(
        leads,
        "{name}: setting {at} changed other lines: {removed:?}"
    );
    let reloaded = yaml_text::load(&edited.text, false).unwrap();
    assert_eq!(
        meshlens_edit::path::get(&reloaded, path),
        Some(&Value::String(replacement.to_owned()))
    );
}

#[test]
fn every_official_example_survives_an_empty_edit_and_a_one_field_edit() {
    let files = official_examples();
    // 18 ODCS, 2 ODPS, 4 DCS, 2 DPS (README example and the one-line stub), our ODCS v2 example.
    assert_eq!(files.len(), 27, "{files:?}");
    let mut fields = 0;
    for file in files {
        let name = file.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let value = yaml_text::load(&text, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        let empty = yaml_text::apply_changes(&text, false, &[]).unwrap();
        assert!(empty.layout_kept, "{name}");
        assert_eq!(empty.text, text, "{name}: an empty edit changed the text");
        let mut leaves = Vec::new();
        text_leaves(&value, &mut Vec::new(), &mut leaves);
        // An even spread of each file's fields (all of them takes minutes in a debug build).
        let stride = leaves.len().div_ceil(FIELDS_PER_FILE).max(1);
        for (path, old) in leaves.iter().step_by(stride) {
            set_one_field(&name, &text, path, old);
            fields += 1;
        }
    }
    assert!(fields > 400, "only {fields} fields edited");
}
