//! Properties of the surgical YAML editor on generated documents: a written document reads back as
//! itself, and setting one field rewrites that field's line and nothing else (comments included).

use meshlens_edit::FieldChange;
use meshlens_edit::path::{self, Seg};
use meshlens_edit::yaml_text::{apply_changes, load, render_document};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Number, Value};

/// Any scalar, strings included that look like numbers, booleans, comments or YAML syntax.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(Value::Number),
        any::<String>().prop_map(Value::String),
        prop::sample::select(vec![
            "",
            "true",
            "no",
            "1.0",
            "0x1F",
            "~",
            "null",
            "- a",
            "a: b",
            "#c",
            "a #b",
            "'q'",
            "\"",
            "{x}",
            "[1, 2]",
            "*ref",
            "&anchor",
            "!tag",
            "|",
            ">",
            "%",
            "@",
            "`",
            " pad ",
            "2026-01-01",
            "multi\nline",
            "tab\there",
        ])
        .prop_map(Value::from),
    ]
}

/// Keys the way descriptors spell them (the locator's home ground).
fn plain_key() -> impl Strategy<Value = String> + Clone {
    "[a-zA-Z][a-zA-Z0-9_]{0,7}"
}

/// Keys of any text.
fn any_key() -> impl Strategy<Value = String> + Clone {
    prop_oneof![plain_key(), any::<String>()]
}

fn document(key: impl Strategy<Value = String> + Clone + 'static) -> impl Strategy<Value = Value> {
    let tree = scalar().prop_recursive(4, 48, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    });
    tree.prop_filter("a mapping at the root", |v| {
        v.as_object().is_some_and(|m| !m.is_empty())
    })
}

/// Paths to the values the writer puts on one line (scalars, lists of scalars, empty collections).
/// With `in_place_only`, not inside a block list that is itself an item of a list: the writer puts
/// its first item on the outer item's line (`- - x`), and the editor rewrites such a document instead
/// of editing it in place (still correct, as `any_key_set_reads_back...` checks; found by this test,
/// left as a known limit: descriptors have no lists of lists).
fn one_line_values(value: &Value, in_place_only: bool, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    let children: Vec<(Seg, &Value)> = match value {
        Value::Object(map) if !map.is_empty() => {
            map.iter().map(|(k, v)| (Seg::Key(k.clone()), v)).collect()
        }
        Value::Array(items) if items.iter().any(|i| i.is_array() || i.is_object()) => items
            .iter()
            .enumerate()
            .filter(|(_, v)| !(in_place_only && is_block_list(v)))
            .map(|(i, v)| (Seg::Index(i), v))
            .collect(),
        _ => {
            out.push(at.clone());
            return;
        }
    };
    for (seg, child) in children {
        at.push(seg);
        one_line_values(child, in_place_only, at, out);
        at.pop();
    }
}

/// A list the writer puts in block form (it holds a list or a mapping).
fn is_block_list(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|items| items.iter().any(|i| i.is_array() || i.is_object()))
}

/// The document as written, with a comment line after every `every`-th line.
fn with_comments(value: &Value, every: usize) -> String {
    let mut text = String::new();
    for (n, line) in render_document(value).lines().enumerate() {
        text.push_str(line);
        text.push('\n');
        if n % every == every - 1 {
            text.push_str(&format!("# note {n}\n"));
        }
    }
    text
}

fn set_one(text: &str, path: &[Seg], new: &Value) -> meshlens_edit::yaml_text::Edited {
    let change = FieldChange {
        path: path.to_vec(),
        old: None,
        new: Some(new.clone()),
    };
    apply_changes(text, false, &[change]).expect("an existing field can be set")
}

/// Indices of the lines that differ; both texts must have as many lines.
fn changed_lines(before: &str, after: &str) -> Vec<usize> {
    let (a, b): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(
        a.len(),
        b.len(),
        "line count changed:\n{before}\n---\n{after}"
    );
    (0..a.len()).filter(|&i| a[i] != b[i]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_written_document_reads_back_as_itself(doc in document(any_key())) {
        let text = render_document(&doc);
        prop_assert_eq!(load(&text, false).ok(), Some(doc), "written as:\n{}", text);
    }

    #[test]
    fn setting_a_field_rewrites_only_its_line(
        doc in document(plain_key()),
        pick in any::<Index>(),
        new in scalar(),
        every in 1usize..6,
    ) {
        let mut paths = Vec::new();
        one_line_values(&doc, true, &mut Vec::new(), &mut paths);
        prop_assume!(!paths.is_empty());
        let target = pick.get(&paths);
        let text = with_comments(&doc, every);
        let edited = set_one(&text, target, &new);
        let mut expected = doc.clone();
        path::set(&mut expected, target, Some(new));
        prop_assert_eq!(load(&edited.text, false).ok(), Some(expected));
        prop_assert!(edited.layout_kept, "fell back to a rewrite:\n{}", edited.text);
        let changed = changed_lines(&text, &edited.text);
        prop_assert!(changed.len() <= 1, "lines {:?} changed:\n{}", changed, edited.text);
    }

    #[test]
    fn any_key_set_reads_back_and_keeps_other_lines_when_surgical(
        doc in document(any_key()),
        pick in any::<Index>(),
        new in scalar(),
    ) {
        let mut paths = Vec::new();
        one_line_values(&doc, false, &mut Vec::new(), &mut paths);
        prop_assume!(!paths.is_empty());
        let target = pick.get(&paths);
        let text = render_document(&doc);
        let edited = set_one(&text, target, &new);
        let mut expected = doc.clone();
        path::set(&mut expected, target, Some(new));
        prop_assert_eq!(load(&edited.text, false).ok(), Some(expected));
        if edited.layout_kept {
            prop_assert!(changed_lines(&text, &edited.text).len() <= 1);
        }
    }
}
