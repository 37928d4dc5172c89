//! Surgical edits of YAML text: a field is changed by rewriting only the lines that hold it, so key
//! order, comments, quoting and unrelated fields stay exactly as the author wrote them.
//!
//! The locator understands block-style YAML (what people write for ODPS/ODCS): mappings, sequences
//! (indented or at their key's indentation), `- key: value` items, block and flow scalars, flow
//! sequences as values. Anything else (flow mappings spanning lines, anchors, complex keys) makes the
//! surgical path give up, and [`apply_changes`] falls back to re-serialising the whole document. Every
//! surgical result is parsed again and compared with the expected document, so a locator mistake can
//! never write a wrong value: at worst the layout is not kept.

use meshlens_model::{yaml_double_quoted, yaml_printable};
use serde_json::Value;

use crate::EditError;
use crate::diff::FieldChange;
use crate::path::{self, Seg};

/// The result of applying changes to a document's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    pub text: String,
    /// False when the document had to be re-serialised (comments and original quoting lost).
    pub layout_kept: bool,
}

/// Parses a descriptor's text (YAML, or JSON when `json`) as a JSON value, key order kept.
pub fn load(text: &str, json: bool) -> Result<Value, EditError> {
    let parsed = if json {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        meshlens_model::from_yaml_str::<Value>(text).map_err(|e| e.to_string())
    };
    parsed.map_err(|message| EditError::Syntax { message })
}

/// Applies `changes` (in order) to `text`.
pub fn apply_changes(text: &str, json: bool, changes: &[FieldChange]) -> Result<Edited, EditError> {
    let mut expected = load(text, json)?;
    let ordered = order_for_application(changes);
    for change in &ordered {
        if !path::set(&mut expected, &change.path, change.new.clone()) {
            return Err(EditError::BadPath {
                path: path::path_to_string(&change.path),
                reason: "a value on the way is not a mapping or the list is shorter".into(),
            });
        }
    }
    if json {
        let mut text = serde_json::to_string_pretty(&expected).map_err(|e| EditError::Syntax {
            message: e.to_string(),
        })?;
        text.push('\n');
        return Ok(Edited {
            text,
            layout_kept: false,
        });
    }
    let mut doc = YamlText::new(text);
    let surgical = ordered.iter().try_for_each(|change| {
        if let Some(depth) = doc.inline_collection_depth(&change.path) {
            // Inside `[a, b]` or `{k: v}` written on its key's line: that one line is rewritten
            // with the whole collection as it ends up.
            let whole = path::get(&expected, &change.path[..depth]).ok_or(())?;
            return doc.set(&change.path[..depth], whole);
        }
        match &change.new {
            Some(value) => doc.set(&change.path, value),
            None => doc.remove(&change.path),
        }
    });
    if surgical.is_ok() {
        let candidate = doc.to_text();
        if load(&candidate, false).is_ok_and(|v| v == expected) {
            return Ok(Edited {
                text: candidate,
                layout_kept: true,
            });
        }
    }
    tracing::debug!("surgical YAML edit not possible; re-serialising the document");
    Ok(Edited {
        text: render_document(&expected),
        layout_kept: false,
    })
}

/// Sets and additions first in the given order; removals last, deepest and highest index first, so
/// earlier removals never shift the items later ones point at.
fn order_for_application(changes: &[FieldChange]) -> Vec<FieldChange> {
    let (mut removals, mut rest): (Vec<_>, Vec<_>) =
        changes.iter().cloned().partition(|c| c.new.is_none());
    removals.sort_by(|a, b| b.path.cmp(&a.path));
    rest.extend(removals);
    rest
}

/// Block YAML for a whole document, in the style people write (sequences indented under their key).
pub fn render_document(value: &Value) -> String {
    let mut lines = Vec::new();
    match flow(value) {
        Some(text) if !value.is_object() || value.as_object().is_some_and(|m| m.is_empty()) => {
            lines.push(text)
        }
        _ => emit_block(value, 0, &mut lines),
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Where the quoted scalar that `text` starts with ends: past `''` in single quotes and past
/// backslash escapes in double quotes (stopping at the first quote made keys with one miss,
/// and a set then added a duplicate key).
fn closing_quote(text: &str, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Outside a single-quoted or double-quoted scalar, is this position a comment start?
fn split_comment(rest: &str) -> (&str, &str) {
    let bytes = rest.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') if i == 0 || bytes[i - 1] == b' ' => quote = Some(b),
            (Some(q), c) if c == q => quote = None,
            (None, b'#') if i > 0 && bytes[i - 1] == b' ' => {
                let value_end = rest[..i].trim_end().len();
                return (&rest[..value_end], &rest[value_end..]);
            }
            _ => {}
        }
    }
    (rest.trim_end(), "")
}

/// Column of the first character, or `None` for blank, comment and document-marker lines.
fn indent_of(line: &str) -> Option<usize> {
    let trimmed = line.trim_start_matches(' ');
    if trimmed.is_empty()
        || trimmed.starts_with('#')
        || ((trimmed.starts_with("---") || trimmed.starts_with("..."))
            && line.len() == trimmed.len())
    {
        None
    } else {
        Some(line.len() - trimmed.len())
    }
}

fn is_dash(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// A region of lines whose entries start at `col`. `first` is a `- key: value` line whose key sits at
/// `col` after the dash: the first entry of a mapping that is a sequence item.
#[derive(Debug, Clone, Copy)]
struct Block {
    start: usize,
    end: usize,
    col: usize,
    first: Option<usize>,
}

/// A located node.
#[derive(Debug, Clone, Copy)]
enum Node {
    Root,
    /// The value of `key:` on `line`; `colon_end` is the byte just after the colon.
    Member {
        line: usize,
        col: usize,
        colon_end: usize,
        end: usize,
    },
    /// A `- ` item on `line` with the dash at `col`.
    Item {
        line: usize,
        col: usize,
        end: usize,
    },
}

type Surgery = Result<(), ()>;

struct YamlText {
    lines: Vec<String>,
    trailing_newline: bool,
    /// Files written on Windows keep their line endings.
    crlf: bool,
}

impl YamlText {
    fn new(text: &str) -> YamlText {
        let crlf = text.contains("\r\n");
        let trailing_newline = text.ends_with('\n');
        let body = text.strip_suffix('\n').unwrap_or(text);
        YamlText {
            lines: body
                .split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
                .collect(),
            trailing_newline,
            crlf,
        }
    }

    fn to_text(&self) -> String {
        let newline = if self.crlf { "\r\n" } else { "\n" };
        let mut text = self.lines.join(newline);
        if self.trailing_newline {
            text.push_str(newline);
        }
        text
    }

    fn indent(&self, line: usize) -> Option<usize> {
        indent_of(&self.lines[line])
    }

    fn root(&self) -> Block {
        let col = (0..self.lines.len())
            .find_map(|l| self.indent(l))
            .unwrap_or(0);
        Block {
            start: 0,
            end: self.lines.len(),
            col,
            first: None,
        }
    }

    /// Lines where the block's entries start.
    fn entries(&self, block: Block, sequence: bool) -> Vec<usize> {
        let mut out: Vec<usize> = block.first.into_iter().collect();
        for l in block.start..block.end {
            if Some(l) == block.first || self.indent(l) != Some(block.col) {
                continue;
            }
            if is_dash(&self.lines[l][block.col..]) == sequence {
                out.push(l);
            }
        }
        out
    }

    fn is_sequence(&self, block: Block) -> bool {
        block.first.is_none()
            && (block.start..block.end)
                .find(|&l| self.indent(l).is_some())
                .is_some_and(|l| is_dash(&self.lines[l][block.col..]))
    }

    /// One past the last line of the entry starting at `line` (trailing blank and comment lines
    /// belong to whatever follows).
    fn extent_end(&self, line: usize, col: usize, limit: usize, member: bool) -> usize {
        let mut last = line;
        for l in line + 1..limit {
            match self.indent(l) {
                None => {}
                Some(i) if i > col => last = l,
                // A sequence may sit at its key's own indentation.
                Some(i) if i == col && member && is_dash(&self.lines[l][i..]) => last = l,
                Some(_) => break,
            }
        }
        last + 1
    }

    /// `key: ...` at `col` on `line`: the key and the byte after its colon.
    fn key_at(&self, line: usize, col: usize) -> Option<(String, usize)> {
        let text = self.lines[line].get(col..)?;
        if is_dash(text) {
            return None;
        }
        let (key, after) = match text.as_bytes().first()? {
            q @ (b'"' | b'\'') => {
                let close = closing_quote(text, *q)?;
                let key: String = serde_yaml_ng::from_str(&text[..=close]).ok()?;
                (key, close + 1)
            }
            _ => {
                let colon = text
                    .match_indices(':')
                    .map(|(i, _)| i)
                    .find(|&i| text[i + 1..].is_empty() || text[i + 1..].starts_with(' '))?;
                (text[..colon].trim_end().to_owned(), colon)
            }
        };
        text[after..]
            .starts_with(':')
            .then_some((key, col + after + 1))
    }

    fn inline_value(&self, line: usize, colon_end: usize) -> &str {
        split_comment(self.lines[line][colon_end..].trim_start()).0
    }

    /// The block holding a node's children, when they are written as a block.
    fn child_block(&self, node: Node) -> Option<Block> {
        match node {
            Node::Root => Some(self.root()),
            Node::Member {
                line,
                colon_end,
                end,
                ..
            } => {
                if !self.inline_value(line, colon_end).is_empty() {
                    return None;
                }
                let first = (line + 1..end).find(|&l| self.indent(l).is_some())?;
                Some(Block {
                    start: line + 1,
                    end,
                    col: self.indent(first)?,
                    first: None,
                })
            }
            Node::Item { line, col, end } => {
                let after_dash = &self.lines[line][col + 1..];
                let content = after_dash.trim_start_matches(' ');
                if content.is_empty() || content.starts_with('#') {
                    let first = (line + 1..end).find(|&l| self.indent(l).is_some())?;
                    return Some(Block {
                        start: line + 1,
                        end,
                        col: self.indent(first)?,
                        first: None,
                    });
                }
                let content_col = col + 1 + (after_dash.len() - content.len());
                self.key_at(line, content_col)?;
                Some(Block {
                    start: line,
                    end,
                    col: content_col,
                    first: Some(line),
                })
            }
        }
    }

    fn find(&self, block: Block, seg: &Seg) -> Option<Node> {
        match seg {
            Seg::Key(key) => self.entries(block, false).into_iter().find_map(|l| {
                let (k, colon_end) = self.key_at(l, block.col)?;
                (&k == key).then(|| Node::Member {
                    line: l,
                    col: block.col,
                    colon_end,
                    end: self.extent_end(l, block.col, block.end, true),
                })
            }),
            Seg::Index(i) => {
                if !self.is_sequence(block) {
                    return None;
                }
                let line = *self.entries(block, true).get(*i)?;
                Some(Node::Item {
                    line,
                    col: block.col,
                    end: self.extent_end(line, block.col, block.end, false),
                })
            }
        }
    }

    /// The deepest node on `path` and how many segments it matched.
    fn walk(&self, path: &[Seg]) -> (Node, usize) {
        let mut node = Node::Root;
        for (depth, seg) in path.iter().enumerate() {
            let Some(next) = self.child_block(node).and_then(|b| self.find(b, seg)) else {
                return (node, depth);
            };
            node = next;
        }
        (node, path.len())
    }

    /// When `path` leads into a collection written inline (`tags: [a, b]`), how many of its
    /// segments reach the member holding that collection.
    fn inline_collection_depth(&self, path: &[Seg]) -> Option<usize> {
        let (node, depth) = self.walk(path);
        let Node::Member {
            line, colon_end, ..
        } = node
        else {
            return None;
        };
        let inline = self.inline_value(line, colon_end);
        (depth < path.len() && (inline.starts_with('[') || inline.starts_with('{')))
            .then_some(depth)
    }

    fn set(&mut self, path: &[Seg], value: &Value) -> Surgery {
        let (node, depth) = self.walk(path);
        if depth == path.len() {
            return self.replace(node, value);
        }
        let rest = &path[depth..];
        match &rest[0] {
            Seg::Key(key) => {
                let mut nested = value.clone();
                for seg in rest[1..].iter().rev() {
                    let Seg::Key(k) = seg else { return Err(()) };
                    nested = Value::Object([(k.clone(), nested)].into_iter().collect());
                }
                let (at, col) = match (node, self.child_block(node)) {
                    (_, Some(block)) if !self.is_sequence(block) => {
                        let entries = self.entries(block, false);
                        let last = *entries.last().ok_or(())?;
                        (self.extent_end(last, block.col, block.end, true), block.col)
                    }
                    (Node::Member { line, col, .. }, None)
                        if self.inline_value(line, self.colon_end(node)).is_empty() =>
                    {
                        (line + 1, col + 2)
                    }
                    (Node::Root, None) => (self.lines.len(), 0),
                    _ => return Err(()),
                };
                let mut lines = Vec::new();
                emit_member(key, &nested, col, &mut lines);
                self.lines.splice(at..at, lines);
                Ok(())
            }
            Seg::Index(i) if rest.len() == 1 => {
                let block = self.child_block(node).ok_or(())?;
                if !self.is_sequence(block) {
                    return Err(());
                }
                let items = self.entries(block, true);
                if *i != items.len() {
                    return Err(());
                }
                let last = *items.last().ok_or(())?;
                let at = self.extent_end(last, block.col, block.end, false);
                let mut lines = Vec::new();
                emit_item(value, block.col, &mut lines);
                self.lines.splice(at..at, lines);
                Ok(())
            }
            Seg::Index(_) => Err(()),
        }
    }

    fn colon_end(&self, node: Node) -> usize {
        match node {
            Node::Member { colon_end, .. } => colon_end,
            _ => 0,
        }
    }

    fn replace(&mut self, node: Node, value: &Value) -> Surgery {
        match node {
            Node::Root => Err(()),
            Node::Member {
                line,
                col,
                colon_end,
                end,
            } => {
                let prefix = self.lines[line][..colon_end].to_owned();
                let old_inline = self.lines[line][colon_end..].trim_start().to_owned();
                let single_line = end == line + 1;
                let mut lines = Vec::new();
                match flow(value) {
                    Some(text) => {
                        // A comment after a one-line value stays where it was.
                        let comment = if single_line {
                            split_comment(&old_inline).1
                        } else {
                            ""
                        };
                        lines.push(format!("{prefix} {text}{comment}"));
                    }
                    None => {
                        lines.push(prefix);
                        emit_block(value, col + 2, &mut lines);
                    }
                }
                self.lines.splice(line..end, lines);
                Ok(())
            }
            Node::Item { line, col, end } => {
                let mut lines = Vec::new();
                emit_item(value, col, &mut lines);
                self.lines.splice(line..end, lines);
                Ok(())
            }
        }
    }

    fn remove(&mut self, path: &[Seg]) -> Surgery {
        let (node, depth) = self.walk(path);
        if depth < path.len() {
            // Already absent.
            return Ok(());
        }
        match node {
            Node::Root => Err(()),
            Node::Member { line, col, end, .. } => {
                // The first key of a `- key: value` item shares its line with the dash.
                if self.indent(line) != Some(col) {
                    return Err(());
                }
                self.lines.drain(line..end);
                Ok(())
            }
            Node::Item { line, end, .. } => {
                self.lines.drain(line..end);
                Ok(())
            }
        }
    }
}

/// A scalar, a list of scalars or an empty collection on one line; `None` for block content.
fn flow(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) if items.iter().all(is_scalar) => Some(format!(
            "[{}]",
            items
                .iter()
                .map(|i| scalar_in(i, true))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Value::Object(map) if map.is_empty() => Some("{}".into()),
        Value::Array(_) | Value::Object(_) => None,
        other => Some(scalar(other)),
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// One YAML scalar in block context.
fn scalar(value: &Value) -> String {
    scalar_in(value, false)
}

/// One YAML scalar, quoted only when plain text would read as something else. The emitter's own
/// form is kept only when it reads back as the same string where it is written: it misjudges
/// trailing Unicode spaces, and knows nothing of flow lists, where `a, b`, `?!` or `:a` are not text.
fn scalar_in(value: &Value, in_flow: bool) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if s.chars().any(|c| c.is_control() || !yaml_printable(c)) {
                return yaml_double_quoted(s);
            }
            serde_yaml_ng::to_string(s)
                .ok()
                .map(|text| text.trim_end().to_owned())
                .filter(|text| reads_back(text, s, in_flow))
                .unwrap_or_else(|| yaml_double_quoted(s))
        }
        Value::Array(_) | Value::Object(_) => serde_json::to_string(value).unwrap_or_default(),
    }
}

/// Whether `text` reads back as the string `s`, as a key and as a value, or as a flow list item.
fn reads_back(text: &str, s: &str, in_flow: bool) -> bool {
    let (probe, expected) = if in_flow {
        (format!("[{text}]"), Value::from(vec![s]))
    } else {
        let member = [(s.to_owned(), Value::from(s))];
        (
            format!("{text}: {text}"),
            Value::Object(member.into_iter().collect()),
        )
    };
    !text.contains('\n') && serde_yaml_ng::from_str::<Value>(&probe).is_ok_and(|v| v == expected)
}

fn emit_member(key: &str, value: &Value, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    let key = scalar(&Value::String(key.to_owned()));
    match flow(value) {
        Some(text) => out.push(format!("{pad}{key}: {text}")),
        None => {
            out.push(format!("{pad}{key}:"));
            emit_block(value, indent + 2, out);
        }
    }
}

fn emit_item(value: &Value, indent: usize, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match flow(value) {
        Some(text) => out.push(format!("{pad}- {text}")),
        None => {
            let mut inner = Vec::new();
            emit_block(value, indent + 2, &mut inner);
            if let Some(first) = inner.first_mut() {
                *first = format!("{pad}- {}", &first[indent + 2..]);
            }
            out.extend(inner);
        }
    }
}

fn emit_block(value: &Value, indent: usize, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                emit_member(key, v, indent, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                emit_item(item, indent, out);
            }
        }
        other => out.push(format!("{}{}", " ".repeat(indent), scalar(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::parse_path;
    use serde_json::json;

    const DOC: &str = "\
# Customer 360 product
apiVersion: v1.0.0
kind: DataProduct
id: c360 # the id never changes
tags: [a, b]
description:
  purpose: >-
    Long text
    on two lines.
  usage: Join on id.
outputPorts:
  - name: main
    version: 1.0.0 # bump on breaking changes
    contractId: c360-view
  - name: extra
    version: 2.0.0
team:
  name: Analytics
  members:
  - username: a@x
    role: owner
";

    fn change(path: &str, new: Option<Value>) -> FieldChange {
        FieldChange {
            path: parse_path(path),
            old: None,
            new,
        }
    }

    fn apply(changes: &[FieldChange]) -> Edited {
        apply_changes(DOC, false, changes).unwrap()
    }

    #[test]
    fn replaces_a_block_scalar_keeping_everything_else() {
        let edited = apply(&[change("description.purpose", Some(json!("Short.")))]);
        assert!(edited.layout_kept);
        assert_eq!(
            edited.text,
            DOC.replace(
                "  purpose: >-\n    Long text\n    on two lines.\n",
                "  purpose: Short.\n"
            )
        );
    }

    #[test]
    fn keeps_end_of_line_comments_and_edits_inside_items() {
        let edited = apply(&[
            change("outputPorts.0.version", Some(json!("2.0.0"))),
            change("id", Some(json!("c361"))),
        ]);
        assert!(edited.layout_kept);
        assert!(
            edited
                .text
                .contains("    version: 2.0.0 # bump on breaking changes\n")
        );
        assert!(edited.text.contains("id: c361 # the id never changes\n"));
        assert!(edited.text.starts_with("# Customer 360 product\n"));
    }

    #[test]
    fn inserts_new_keys_and_items_and_removes_them() {
        let edited = apply(&[
            change("description.limitations", Some(json!("None known."))),
            change("status", Some(json!("active"))),
            change(
                "team.members.1",
                Some(json!({"username": "b@x", "role": "steward"})),
            ),
            change("outputPorts.1", None),
            change("tags", Some(json!(["a", "b", "c, d"]))),
        ]);
        assert!(edited.layout_kept, "{}", edited.text);
        let value = load(&edited.text, false).unwrap();
        assert_eq!(value["description"]["limitations"], "None known.");
        assert_eq!(value["status"], "active");
        assert_eq!(value["team"]["members"][1]["role"], "steward");
        assert_eq!(value["outputPorts"].as_array().unwrap().len(), 1);
        assert_eq!(value["tags"], json!(["a", "b", "c, d"]));
        assert!(edited.text.contains("# Customer 360 product"));
    }

    #[test]
    fn an_item_of_an_inline_list_rewrites_only_that_line() {
        let text = "a: 1\ntags: [\"x\", y]  # kept\nb: 2\n";
        let edited = apply_changes(
            text,
            false,
            &[change("tags.1", Some(Value::String("z".into())))],
        )
        .unwrap();
        assert!(edited.layout_kept);
        assert_eq!(edited.text, "a: 1\ntags: [x, z]  # kept\nb: 2\n");
    }

    #[test]
    fn windows_line_endings_are_kept() {
        let crlf = DOC.replace('\n', "\r\n");
        let edited =
            apply_changes(&crlf, false, &[change("status", Some(json!("active")))]).unwrap();
        assert!(edited.layout_kept);
        assert!(edited.text.contains("# Customer 360 product\r\n"));
        assert!(!edited.text.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn falls_back_to_a_full_rewrite_with_the_same_content() {
        // Removing the first key of an item shares the dash line: not surgical, still correct.
        let edited = apply(&[change("outputPorts.0.name", None)]);
        assert!(!edited.layout_kept);
        let value = load(&edited.text, false).unwrap();
        assert!(value["outputPorts"][0].get("name").is_none());
        assert_eq!(value["outputPorts"][0]["version"], "1.0.0");
        assert_eq!(
            value.as_object().unwrap().keys().collect::<Vec<_>>(),
            [
                "apiVersion",
                "kind",
                "id",
                "tags",
                "description",
                "outputPorts",
                "team"
            ]
        );
    }

    #[test]
    fn alias_bombs_are_refused_by_the_shared_guard() {
        let anchor = "x".repeat(64 * 1024);
        let text = format!("a: &big \"{anchor}\"\nb:\n{}", "  - *big\n".repeat(20_000));
        let err = load(&text, false).unwrap_err();
        assert!(err.to_string().contains("aliases would expand"), "{err}");
    }

    #[test]
    fn strings_that_look_like_other_types_are_quoted() {
        let edited = apply(&[change("kind", Some(json!("true")))]);
        assert_eq!(load(&edited.text, false).unwrap()["kind"], json!("true"));
        let edited = apply(&[change("kind", Some(json!("Orders, returns")))]);
        assert!(edited.text.contains("kind: Orders, returns\n"));
        let edited = apply(&[change("kind", Some(json!("a: b # c\nd")))]);
        assert_eq!(
            load(&edited.text, false).unwrap()["kind"],
            json!("a: b # c\nd")
        );
    }

    #[test]
    fn characters_yaml_refuses_raw_are_escaped() {
        // Found by fuzzing: JSON quoting left DEL raw, and the edited file no longer parsed.
        for text in [
            "\u{7f}",
            "a\u{85}b",
            "\u{9b}[2J",
            "x\u{2028}y",
            "\u{feff}z",
            "tab\tand \"q\" \\",
        ] {
            let edited = apply(&[change(text, Some(json!(text)))]);
            assert_eq!(
                load(&edited.text, false).unwrap()[text],
                json!(text),
                "{}",
                edited.text
            );
        }
    }
}
