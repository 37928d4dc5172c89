//! Hand-written YAML emission: fast, byte-for-byte deterministic, and safe for any string value.

use std::borrow::Cow;
use std::fmt::Write as _;

use meshlens_model::yaml_double_quoted;

/// Renders `s` as a YAML scalar that every YAML 1.1 or 1.2 loader reads back as the same string.
///
/// Plain style is used only for text that cannot be mistaken for anything else: it starts with a
/// letter, holds only letters, digits, spaces and `_ - . / ( ) @ +`, does not end in a space, and is
/// not a word YAML 1.1 turns into a boolean or null (`yes`, `off`, `null`, ...). Everything else
/// (numbers, versions like `1.0.0`, dates, `#channel`, `key: value`, empty text, control characters)
/// is double-quoted with escapes.
pub fn yaml_str(s: &str) -> Cow<'_, str> {
    if is_plain_safe(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(yaml_double_quoted(s))
    }
}

fn is_plain_safe(s: &str) -> bool {
    const RESERVED: [&str; 12] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf", "~",
    ];
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && !s.ends_with(' ')
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, ' ' | '_' | '-' | '.' | '/' | '(' | ')' | '@' | '+')
        })
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
}

/// A block-style YAML document built into a reusable buffer.
///
/// `indent` is the column of the key; `item` starts a new sequence entry (`- key: ...`), so the
/// caller writes the entry's later keys at `indent + 2`.
pub(crate) struct YamlDoc {
    pub(crate) buf: String,
}

impl YamlDoc {
    pub(crate) fn new() -> Self {
        YamlDoc {
            buf: String::with_capacity(64 * 1024),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    fn key_prefix(&mut self, indent: usize, item: bool, key: &str) {
        for _ in 0..indent {
            self.buf.push(' ');
        }
        if item {
            self.buf.push_str("- ");
        }
        self.buf.push_str(key);
        self.buf.push(':');
    }

    /// `key: "string"` (quoted only when needed).
    pub(crate) fn str(&mut self, indent: usize, item: bool, key: &str, value: &str) {
        self.key_prefix(indent, item, key);
        self.buf.push(' ');
        self.buf.push_str(&yaml_str(value));
        self.buf.push('\n');
    }

    /// `key: 42` / `key: true`: values whose `Display` is already valid YAML.
    pub(crate) fn num(
        &mut self,
        indent: usize,
        item: bool,
        key: &str,
        value: impl std::fmt::Display,
    ) {
        self.key_prefix(indent, item, key);
        let _ = writeln!(self.buf, " {value}");
    }

    /// `key:` opening a nested map or sequence.
    pub(crate) fn open(&mut self, indent: usize, item: bool, key: &str) {
        self.key_prefix(indent, item, key);
        self.buf.push('\n');
    }

    /// `key:` followed by a block sequence of strings.
    pub(crate) fn str_list<S: AsRef<str>>(&mut self, indent: usize, key: &str, values: &[S]) {
        self.open(indent, false, key);
        for v in values {
            for _ in 0..indent + 2 {
                self.buf.push(' ');
            }
            self.buf.push_str("- ");
            self.buf.push_str(&yaml_str(v.as_ref()));
            self.buf.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_only_when_unambiguous() {
        for plain in [
            "orders",
            "Customer Orders 360",
            "sales-orders-00001",
            "customer_id",
            "varchar(255)",
            "a.b/c@d+e",
        ] {
            assert_eq!(yaml_str(plain), plain);
        }
        for quoted in [
            "",
            "yes",
            "No",
            "null",
            "~",
            "1.0.0",
            "2025-03-01",
            "42",
            "#sales",
            "a: b",
            "x #y",
            "trailing ",
            " leading",
            "-dash",
            "[x]",
            "{x}",
            "*ref",
            "&anchor",
            "!tag",
            "%dir",
            "'q'",
            "@at",
            "mailto:x@y.z",
        ] {
            assert!(
                yaml_str(quoted).starts_with('"'),
                "{quoted:?} must be quoted"
            );
        }
    }

    #[test]
    fn quoted_strings_round_trip_through_a_yaml_loader() {
        for s in [
            "",
            "yes",
            "1.0",
            "a \"quoted\" \\ path",
            "line\nbreak\ttab",
            "bell\u{7}",
            "https://x.y/z?a=1#f",
            "élan: ok",
        ] {
            let doc = format!("k: {}\n", yaml_str(s));
            let parsed: serde_json::Value = serde_yaml_ng::from_str(&doc).unwrap();
            assert_eq!(
                parsed["k"],
                serde_json::Value::String(s.to_string()),
                "{doc}"
            );
        }
    }

    #[test]
    fn doc_builder_nests_items() {
        let mut doc = YamlDoc::new();
        doc.str(0, false, "id", "p-1");
        doc.open(0, false, "ports");
        doc.str(2, true, "name", "orders");
        doc.str(4, false, "version", "1.0.0");
        doc.num(4, false, "port", 5432);
        doc.str_list(4, "tags", &["sales", "true"]);
        let parsed: serde_json::Value = serde_yaml_ng::from_str(&doc.buf).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"id": "p-1", "ports": [{"name": "orders", "version": "1.0.0", "port": 5432, "tags": ["sales", "true"]}]})
        );
    }
}
