//! Field-level differences between two versions of a document, and a line diff of their text.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::path::{FieldPath, Seg, path_to_string};

/// One changed field: `old` absent means added, `new` absent means removed.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub path: FieldPath,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// A [`FieldChange`] as the CLI and UI show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FieldDiff {
    /// Dotted path, e.g. `description.purpose` or `outputPorts.0.version`.
    pub path: String,
    /// added | removed | changed
    pub op: String,
    #[ts(type = "unknown")]
    pub old: Option<Value>,
    #[ts(type = "unknown")]
    pub new: Option<Value>,
}

impl From<&FieldChange> for FieldDiff {
    fn from(change: &FieldChange) -> FieldDiff {
        let op = match (&change.old, &change.new) {
            (None, _) => "added",
            (_, None) => "removed",
            _ => "changed",
        };
        FieldDiff {
            path: path_to_string(&change.path),
            op: op.into(),
            old: change.old.clone(),
            new: change.new.clone(),
        }
    }
}

/// The smallest set of subtree changes turning `a` into `b`. Mappings are compared key by key; lists
/// of mappings item by item (extra items are whole additions or removals); anything else, including
/// lists of scalars such as `tags`, is one value.
pub fn diff(a: &Value, b: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff_into(a, b, &mut Vec::new(), &mut out);
    out
}

fn diff_into(a: &Value, b: &Value, at: &mut FieldPath, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, old) in x {
                at.push(Seg::Key(key.clone()));
                match y.get(key) {
                    Some(new) => diff_into(old, new, at, out),
                    None => out.push(change(at, Some(old), None)),
                }
                at.pop();
            }
            for (key, new) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                at.push(Seg::Key(key.clone()));
                out.push(change(at, None, Some(new)));
                at.pop();
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.iter().chain(y).all(Value::is_object) && !(x.is_empty() || y.is_empty()) =>
        {
            for i in 0..x.len().max(y.len()) {
                at.push(Seg::Index(i));
                match (x.get(i), y.get(i)) {
                    (Some(old), Some(new)) => diff_into(old, new, at, out),
                    (old, new) => out.push(change(at, old, new)),
                }
                at.pop();
            }
        }
        _ if a != b => out.push(change(at, Some(a), Some(b))),
        _ => {}
    }
}

fn change(at: &FieldPath, old: Option<&Value>, new: Option<&Value>) -> FieldChange {
    FieldChange {
        path: at.clone(),
        old: old.cloned(),
        new: new.cloned(),
    }
}

/// A unified line diff (`-`/`+`/` ` prefixes, hunks with two lines of context, `@@` headers).
pub fn text_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence table from the end; descriptor files are small.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // (kind, old line number, new line number, text)
    let mut ops: Vec<(char, usize, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', i, j, a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i, j, a[i]));
            i += 1;
        } else {
            ops.push(('+', i, j, b[j]));
            j += 1;
        }
    }
    const CONTEXT: usize = 2;
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let mut out = String::new();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = (changed[k] + CONTEXT + 1).min(ops.len());
        while k + 1 < changed.len() && changed[k + 1] <= end + CONTEXT {
            k += 1;
            end = (changed[k] + CONTEXT + 1).min(ops.len());
        }
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            ops[start].1 + 1,
            ops[start].2 + 1
        ));
        for (kind, _, _, text) in &ops[start..end] {
            out.push(*kind);
            out.push_str(text);
            out.push('\n');
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::parse_path;
    use serde_json::json;

    #[test]
    fn diffs_fields_items_and_scalar_lists() {
        let a = json!({"a": 1, "tags": ["x"], "ports": [{"n": "p", "v": 1}], "gone": true});
        let b = json!({"a": 2, "tags": ["x", "y"], "ports": [{"n": "p", "v": 2}, {"n": "q"}], "new": 1});
        let paths: Vec<String> = diff(&a, &b)
            .iter()
            .map(|c| FieldDiff::from(c).path + ":" + &FieldDiff::from(c).op)
            .collect();
        assert_eq!(
            paths,
            [
                "a:changed",
                "tags:changed",
                "ports.0.v:changed",
                "ports.1:added",
                "gone:removed",
                "new:added"
            ]
        );
        assert_eq!(diff(&a, &a), vec![]);
        assert_eq!(diff(&a, &b)[2].path, parse_path("ports.0.v"));
    }

    #[test]
    fn text_diff_shows_changed_lines_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\n";
        assert_eq!(text_diff(old, new), "@@ -2 +2 @@\n b\n c\n-d\n+D\n e\n f\n");
        assert_eq!(text_diff(old, old), "");
    }
}
