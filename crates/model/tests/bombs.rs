//! Resource bombs against descriptor parsing and validation: alias expansion, deep nesting, huge
//! strings. Each ends with an error about the file, in bounded time and memory, never a crash.

use meshlens_model::{DocumentError, FileClass, classify, parse_document, validate_file};

/// A 64 KiB anchor used 20,000 times: 1.3 GB once expanded, from a 160 KB file.
fn alias_bomb() -> String {
    let anchor = "x".repeat(64 * 1024);
    let mut text = format!(
        "apiVersion: v1.0.0\nkind: DataProduct\nid: bomb\nname: &big \"{anchor}\"\ntags:\n"
    );
    text.push_str(&"  - *big\n".repeat(20_000));
    text
}

/// Nesting `depth` levels deep in each way YAML and JSON allow on one line.
fn deep_documents(depth: usize) -> Vec<(&'static str, String)> {
    let open_map = "{\"a\": ".repeat(depth);
    vec![
        (
            "deep.json",
            format!(
                "{{\"kind\": \"DataProduct\", \"x\": {}{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ),
        (
            "deep-map.json",
            format!(
                "{{\"kind\": \"DataProduct\", \"x\": {open_map}1{}}}",
                "}".repeat(depth)
            ),
        ),
        (
            "deep.yaml",
            format!(
                "kind: DataProduct\nx: {}{}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ),
        (
            "deep-map.yaml",
            format!("kind: DataProduct\nx: {open_map}1{}\n", "}".repeat(depth)),
        ),
        (
            "deep-block.yaml",
            format!("kind: DataProduct\nx:\n  {}1\n", "- ".repeat(depth)),
        ),
        (
            "deep-anchor.yaml",
            format!(
                "kind: DataProduct\nx: &a {}{}\n",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ),
    ]
}

#[test]
fn an_alias_bomb_is_refused_with_its_line() {
    let text = alias_bomb();
    assert!(text.len() < 250_000, "{}", text.len());
    let err = parse_document("bomb.odps.yaml", text.as_bytes()).unwrap_err();
    let DocumentError::OverLimit { line, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(*line > 5, "{line}");
    assert!(
        err.to_string()
            .contains("aliases would expand the document"),
        "{err}"
    );
    let report = validate_file("bomb.odps.yaml", text.as_bytes());
    assert!(!report.valid);
    assert!(
        report.errors[0].message.contains("aliases"),
        "{:?}",
        report.errors
    );
}

#[test]
fn a_flow_style_alias_bomb_does_not_expand_while_classified() {
    let anchor = "x".repeat(64 * 1024);
    let uses = vec!["*big"; 20_000].join(", ");
    let text = format!("{{kind: &big \"{anchor}\", tags: [{uses}]}}\n");
    assert_eq!(classify("bomb.yaml", text.as_bytes()), FileClass::Unknown);
}

#[test]
fn nesting_200_000_levels_deep_is_an_error_not_a_crash() {
    for (path, text) in deep_documents(200_000) {
        let err = parse_document(path, text.as_bytes()).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("recursion limit") || message.contains("levels deep"),
            "{path}: {message}"
        );
        let report = validate_file(path, text.as_bytes());
        assert!(!report.valid, "{path}");
        assert_eq!(report.file, path);
        // Classification reads only the top: it must not overflow either.
        let _ = classify(path, text.as_bytes());
    }
}

#[test]
fn a_string_near_the_size_limit_parses_once() {
    // A 9 MiB string is under the 10 MiB cap: parsed, and kept as the original text once more.
    let long = "y".repeat(9 << 20);
    let text = format!(
        "apiVersion: v1.0.0\nkind: DataProduct\nid: long\nstatus: active\nname: \"{long}\"\n"
    );
    let doc = parse_document("long.odps.yaml", text.as_bytes()).unwrap();
    assert_eq!(doc.raw.len(), text.len());
    // Past the cap it is refused before parsing.
    let too_long = "y".repeat((10 << 20) + 1);
    let err = parse_document("long.odps.yaml", too_long.as_bytes()).unwrap_err();
    assert!(matches!(err, DocumentError::TooLarge { .. }), "{err:?}");
}
