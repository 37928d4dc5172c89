//! The one way meshlens parses YAML from outside (descriptors, policies, drafts): [`from_yaml_str`]
//! measures what the text's aliases would copy before serde_yaml_ng builds anything.
//!
//! serde_yaml_ng limits how many times aliases are followed, not how much each one copies: a
//! 160 KB file using a 64 KiB anchor 20,000 times builds 1.3 GB. [`check_yaml`] walks the event
//! stream once (nothing is built) adding, for every alias, the size of the node its anchor names
//! (aliases inside that node included), and refuses the text once aliases add more than
//! [`Limits::yaml_expansion_budget`]. Texts without anchors skip the walk: nothing can expand.

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, ScanError};

use crate::limits::{Limits, MAX_NESTING_DEPTH};

/// Weight of one node besides its text: about what a parsed value costs in memory.
const NODE_BYTES: u64 = 32;

/// Why a YAML text was not parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    #[error("syntax error at line {line}, column {column}: {message}")]
    Syntax {
        line: u32,
        column: u32,
        message: String,
    },
    #[error(
        "aliases would expand the document by more than {budget} bytes (at line {line}, column {column}); \
         an alias may not copy more than {factor} times the file's size"
    )]
    Expansion {
        line: u32,
        column: u32,
        budget: u64,
        factor: u64,
    },
    #[error(
        "mappings and lists are nested more than {limit} levels deep (at line {line}, column {column})"
    )]
    TooDeep {
        line: u32,
        column: u32,
        limit: usize,
    },
}

impl YamlError {
    /// 1-based line and column of the problem (0, 0 when unknown).
    pub fn position(&self) -> (u32, u32) {
        match self {
            YamlError::Syntax { line, column, .. }
            | YamlError::Expansion { line, column, .. }
            | YamlError::TooDeep { line, column, .. } => (*line, *column),
        }
    }

    fn at(marker: &Marker, build: impl FnOnce(u32, u32) -> YamlError) -> YamlError {
        build(marker.line() as u32, marker.col() as u32 + 1)
    }
}

impl From<ScanError> for YamlError {
    fn from(e: ScanError) -> Self {
        YamlError::at(e.marker(), |line, column| YamlError::Syntax {
            line,
            column,
            message: e.info().to_owned(),
        })
    }
}

impl From<serde_yaml_ng::Error> for YamlError {
    fn from(e: serde_yaml_ng::Error) -> Self {
        let (line, column) = e
            .location()
            .map_or((0, 0), |l| (l.line() as u32, l.column() as u32));
        YamlError::Syntax {
            line,
            column,
            message: e.to_string(),
        }
    }
}

/// A character YAML may hold unescaped: printable (YAML 1.2 `c-printable`, less the byte-order
/// mark) and not a line break to the YAML 1.1 parser that reads it back (NEL, U+2028, U+2029).
pub fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

/// A YAML double-quoted scalar that every YAML 1.1 or 1.2 loader reads back as `s`. JSON's quoting
/// is not enough: it leaves DEL, C1 controls and the other characters [`yaml_printable`] refuses
/// raw, and YAML then cannot read the file back.
pub fn yaml_double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if yaml_printable(c) && !c.is_control() => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// Parses a YAML text from outside under this process's [`Limits`].
pub fn from_yaml_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    from_yaml_str_with(text, Limits::process())
}

/// Like [`from_yaml_str`] with explicit limits.
pub fn from_yaml_str_with<T: DeserializeOwned>(
    text: &str,
    limits: &Limits,
) -> Result<T, YamlError> {
    check_yaml(text, limits)?;
    Ok(serde_yaml_ng::from_str(text)?)
}

/// Refuses a text whose aliases copy more than the budget, or that nests deeper than
/// [`MAX_NESTING_DEPTH`]. Texts without anchors are left to the parser (which has the same depth limit).
pub fn check_yaml(text: &str, limits: &Limits) -> Result<(), YamlError> {
    if !text.contains('&') && !could_nest_deeply(text) {
        return Ok(());
    }
    let mut walk = Walk {
        budget: limits.yaml_expansion_budget(text.len()),
        factor: limits.yaml_expansion_factor,
        ..Walk::default()
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, marker) = parser.next_token()?;
        if event == Event::StreamEnd {
            return Ok(());
        }
        walk.event(event, &marker)?;
    }
}

/// Flow brackets, or the indentation and indicators that start a line, past which a text is walked.
const SHALLOW: usize = 48;

/// Whether a text might nest far deeper than [`MAX_NESTING_DEPTH`]: it holds more than [`SHALLOW`] flow
/// brackets, or a line starts with a longer run of indentation and indicators (`- `, `? `, `: `); below
/// both, block nesting stays about twice that at most. The walk then refuses it at the limit: libyaml,
/// behind serde_yaml_ng, spends time quadratic in the depth (200,000 levels: minutes) before its own
/// limit applies.
fn could_nest_deeply(text: &str) -> bool {
    let brackets = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    let indicators = |line: &str| {
        line.bytes()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'-' | b'?' | b':'))
            .count()
    };
    brackets > SHALLOW || text.lines().any(|line| indicators(line) > SHALLOW)
}

/// An open mapping or list: the anchor it defines (0 for none) and its size so far.
struct Open {
    anchor: usize,
    size: u64,
}

#[derive(Default)]
struct Walk {
    budget: u64,
    factor: u64,
    /// Expanded size of every anchored node seen, by yaml-rust2's anchor id.
    anchors: std::collections::HashMap<usize, u64>,
    open: Vec<Open>,
    /// What aliases have copied so far.
    copied: u64,
}

impl Walk {
    fn event(&mut self, event: Event, marker: &Marker) -> Result<(), YamlError> {
        match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.open.len() >= MAX_NESTING_DEPTH {
                    return Err(YamlError::at(marker, |line, column| YamlError::TooDeep {
                        line,
                        column,
                        limit: MAX_NESTING_DEPTH,
                    }));
                }
                self.open.push(Open {
                    anchor,
                    size: NODE_BYTES,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(node) = self.open.pop() {
                    self.close(node.anchor, node.size);
                }
            }
            Event::Scalar(text, _, anchor, _) => {
                self.close(anchor, NODE_BYTES + text.len() as u64);
            }
            Event::Alias(anchor) => {
                // An unknown anchor is the parser's error to report; it copies nothing.
                let size = self.anchors.get(&anchor).copied().unwrap_or(0);
                self.copied = self.copied.saturating_add(size);
                if self.copied > self.budget {
                    return Err(YamlError::at(marker, |line, column| YamlError::Expansion {
                        line,
                        column,
                        budget: self.budget,
                        factor: self.factor,
                    }));
                }
                self.close(0, size);
            }
            _ => {}
        }
        Ok(())
    }

    /// A complete node of `size`: remembered under its anchor and added to its parent.
    fn close(&mut self, anchor: usize, size: u64) {
        if anchor != 0 {
            self.anchors.insert(anchor, size);
        }
        if let Some(parent) = self.open.last_mut() {
            parent.size = parent.size.saturating_add(size);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn check(text: &str) -> Result<(), YamlError> {
        check_yaml(text, &Limits::default())
    }

    /// A 64 KiB anchor used `uses` times.
    fn wide_bomb(uses: usize) -> String {
        let mut text = format!(
            "kind: DataProduct\nbig: &big \"{}\"\nlist:\n",
            "x".repeat(64 * 1024)
        );
        for _ in 0..uses {
            text.push_str("  - *big\n");
        }
        text
    }

    #[test]
    fn a_wide_alias_bomb_is_refused_before_it_is_built() {
        let text = wide_bomb(20_000);
        assert!(text.len() < 300_000, "{}", text.len());
        let err = from_yaml_str::<Value>(&text).unwrap_err();
        assert!(matches!(err, YamlError::Expansion { .. }), "{err}");
        assert!(
            err.to_string().contains("10 times the file's size"),
            "{err}"
        );
        // Refused at the first alias past the budget (aliases start on line 4).
        let budget = Limits::default().yaml_expansion_budget(text.len());
        let copies_allowed = budget / (64 * 1024 + NODE_BYTES);
        assert_eq!(u64::from(err.position().0), 4 + copies_allowed);
    }

    #[test]
    fn nested_aliases_count_what_they_copy() {
        // Billion laughs: each level lists the previous one ten times; ten levels is 10^10 copies.
        let mut text = String::from("a0: &a0 [\"lol\"]\n");
        for i in 1..=10 {
            let uses = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{uses}]\n"));
        }
        let err = check(&text).unwrap_err();
        assert!(matches!(err, YamlError::Expansion { .. }), "{err}");
    }

    #[test]
    fn modest_aliases_parse_as_before() {
        let text = "defaults: &d {owner: sales, tier: gold}\na: *d\nb: [*d, *d]\n";
        let value: Value = from_yaml_str(text).unwrap();
        assert_eq!(value["b"][1]["tier"], "gold");
        assert!(check(&wide_bomb(15)).is_ok());
    }

    /// 200,000 levels in each way YAML can nest on one line.
    fn deep_texts(depth: usize) -> Vec<String> {
        vec![
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
            format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth)),
            format!("{}x\n", "- ".repeat(depth)),
            format!("a: &a {}{}", "[".repeat(depth), "]".repeat(depth)),
        ]
    }

    #[test]
    fn deep_nesting_is_refused_before_the_parser_sees_it() {
        for text in deep_texts(200_000) {
            let started = std::time::Instant::now();
            let err = from_yaml_str::<Value>(&text).unwrap_err();
            // The walk's limit, or yaml-rust2's scanner, which looks 255 flow levels ahead at most.
            let message = err.to_string();
            assert!(
                message.contains("128 levels deep") || message.contains("recursion limit"),
                "{message}"
            );
            assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        }
        // Shallow texts skip the walk; the parser's own limit still holds for what passes.
        assert!(!could_nest_deeply("a:\n  b: [1, {c: 2}]\n"));
        let deep_enough = format!("{}{}", "[".repeat(130), "]".repeat(130));
        assert!(could_nest_deeply(&deep_enough));
    }

    #[test]
    fn syntax_errors_keep_their_position() {
        let err = from_yaml_str::<Value>("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(
            matches!(err, YamlError::Syntax { line: 2.., .. }),
            "{err:?}"
        );
        let err = check("a: &x [1\n").unwrap_err();
        assert!(matches!(err, YamlError::Syntax { .. }), "{err:?}");
    }
}
