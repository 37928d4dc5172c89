//! Where each JSON pointer of a document sits in its text (1-based line and column), so that
//! validation issues can point at the file. Built only when a document has issues: the happy
//! path never pays for it.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// JSON pointer → (line, column). Object members are located at their key, array items at
/// their first character.
#[derive(Debug, Default)]
pub struct PositionMap {
    map: HashMap<String, (u32, u32)>,
}

impl PositionMap {
    pub fn for_text(text: &str, json: bool) -> PositionMap {
        let mut pm = PositionMap::default();
        if json {
            JsonScanner {
                text: text.as_bytes(),
                pos: 0,
                line: 1,
                col: 1,
                out: &mut pm.map,
            }
            .document();
        } else {
            let mut rx = YamlReceiver {
                path: Vec::new(),
                frames: Vec::new(),
                out: &mut pm.map,
            };
            // A syntax error can only happen after the document already parsed once (then it is
            // reported separately); whatever was located before it stays usable.
            let _ = Parser::new_from_str(text).load(&mut rx, false);
        }
        pm
    }

    /// Position of `pointer`, or of its nearest located ancestor (a missing property is
    /// reported at the object that should hold it).
    pub fn locate(&self, pointer: &str) -> (u32, u32) {
        let mut p = pointer;
        loop {
            if let Some(&pos) = self.map.get(p) {
                return pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return (1, 1),
            }
        }
    }
}

/// Escapes one reference token (RFC 6901).
pub fn escape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

enum Frame {
    /// `key` holds the pending key once read; `None` means the next node is a key.
    /// `unlocated` is the mapping's own pointer while it still needs a position: yaml-rust2
    /// marks a block mapping's start after its first key, so the first key's position is used.
    Map {
        key: Option<String>,
        unlocated: Option<String>,
    },
    Seq {
        next: usize,
    },
    /// A complex (non-scalar) mapping key: nothing inside it is addressable.
    SkipKey {
        depth: usize,
    },
}

struct YamlReceiver<'a> {
    path: Vec<String>,
    frames: Vec<Frame>,
    out: &'a mut HashMap<String, (u32, u32)>,
}

impl YamlReceiver<'_> {
    fn pointer(&self, last: Option<&str>) -> String {
        let mut s = String::new();
        for seg in self.path.iter().map(String::as_str).chain(last) {
            s.push('/');
            s.push_str(&escape_token(seg));
        }
        s
    }

    fn record(&mut self, pointer: String, mark: Marker) {
        // The marker's column is 0-based in yaml-rust2 (its own Display adds one).
        self.out
            .entry(pointer)
            .or_insert((mark.line() as u32, mark.col() as u32 + 1));
    }

    /// A node starts in value position: locate it and return the segment it lives under.
    fn value_start(&mut self, mark: Marker) -> Option<String> {
        let seg = self.value_segment();
        let ptr = self.pointer(seg.as_deref());
        self.record(ptr, mark);
        seg
    }

    /// The segment the node starting now lives under (`None` for the root).
    fn value_segment(&mut self) -> Option<String> {
        match self.frames.last_mut() {
            None => None,
            Some(Frame::Map { key, .. }) => key.take(),
            Some(Frame::Seq { next }) => {
                *next += 1;
                Some((*next - 1).to_string())
            }
            Some(Frame::SkipKey { .. }) => unreachable!("handled by the caller"),
        }
    }
}

impl MarkedEventReceiver for YamlReceiver<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if let Some(Frame::SkipKey { depth }) = self.frames.last_mut() {
            match ev {
                Event::MappingStart(..) | Event::SequenceStart(..) => *depth += 1,
                Event::MappingEnd | Event::SequenceEnd => {
                    *depth -= 1;
                    if *depth == 0 {
                        self.frames.pop();
                        if let Some(Frame::Map { key, .. }) = self.frames.last_mut() {
                            *key = Some(String::new());
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        let at_key = matches!(self.frames.last(), Some(Frame::Map { key: None, .. }));
        if let Some(Frame::Map { unlocated, .. }) = self.frames.last_mut()
            && let Some(own) = unlocated.take()
        {
            self.record(own, mark);
        }
        match ev {
            Event::Scalar(text, ..) if at_key => {
                let ptr = self.pointer(Some(&text));
                self.record(ptr, mark);
                if let Some(Frame::Map { key, .. }) = self.frames.last_mut() {
                    *key = Some(text);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) if at_key => {
                self.frames.push(Frame::SkipKey { depth: 1 });
            }
            Event::Scalar(..) | Event::Alias(..) => {
                self.value_start(mark);
            }
            Event::SequenceStart(..) => {
                if let Some(seg) = self.value_start(mark) {
                    self.path.push(seg);
                }
                self.frames.push(Frame::Seq { next: 0 });
            }
            Event::MappingStart(..) => {
                let seg = self.value_segment();
                let own = self.pointer(seg.as_deref());
                if let Some(seg) = seg {
                    self.path.push(seg);
                }
                self.frames.push(Frame::Map {
                    key: None,
                    unlocated: Some(own),
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.frames.pop();
                if !self.frames.is_empty() {
                    self.path.pop();
                }
            }
            _ => {}
        }
    }
}

/// Locates values in JSON text that serde_json already accepted, so it can assume valid input.
struct JsonScanner<'a, 'm> {
    text: &'a [u8],
    pos: usize,
    line: u32,
    col: u32,
    out: &'m mut HashMap<String, (u32, u32)>,
}

impl JsonScanner<'_, '_> {
    fn document(&mut self) {
        self.ws();
        self.value(&mut String::new());
    }

    fn bump(&mut self) {
        let b = self.text[self.pos];
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
            self.col = 1;
        } else if b & 0xC0 != 0x80 {
            // Count characters, not UTF-8 continuation bytes.
            self.col += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn value(&mut self, ptr: &mut String) {
        self.out.entry(ptr.clone()).or_insert((self.line, self.col));
        match self.peek() {
            Some(b'{') => {
                self.bump();
                self.ws();
                while let Some(b'"') = self.peek() {
                    let at = (self.line, self.col);
                    let key = self.string();
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&escape_token(&key));
                    self.out.insert(ptr.clone(), at);
                    self.ws();
                    self.bump(); // ':'
                    self.ws();
                    self.value(ptr);
                    ptr.truncate(len);
                    self.ws();
                    if self.peek() == Some(b',') {
                        self.bump();
                        self.ws();
                    }
                }
                self.bump(); // '}'
            }
            Some(b'[') => {
                self.bump();
                self.ws();
                let mut i = 0;
                while !matches!(self.peek(), Some(b']') | None) {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    self.value(ptr);
                    ptr.truncate(len);
                    i += 1;
                    self.ws();
                    if self.peek() == Some(b',') {
                        self.bump();
                        self.ws();
                    }
                }
                self.bump(); // ']'
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while !matches!(
                    self.peek(),
                    Some(b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') | None
                ) {
                    self.bump();
                }
            }
            None => {}
        }
    }

    /// Reads a string literal and returns its decoded text.
    fn string(&mut self) -> String {
        let start = self.pos;
        self.bump(); // opening quote
        let mut escaped = false;
        while let Some(b) = self.peek() {
            self.bump();
            match b {
                b'\\' => {
                    escaped = true;
                    if self.peek().is_some() {
                        self.bump();
                    }
                }
                b'"' => break,
                _ => {}
            }
        }
        let raw = &self.text[start..self.pos];
        if escaped {
            serde_json::from_slice(raw).unwrap_or_default()
        } else {
            String::from_utf8_lossy(&raw[1..raw.len() - 1]).into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_positions_point_at_keys_and_items() {
        let text = "a: 1\nlist:\n  - name: x\n    v: 2\n  - y\nnested: {k: [1, 2]}\n";
        let pm = PositionMap::for_text(text, false);
        assert_eq!(pm.locate("/a"), (1, 1));
        assert_eq!(pm.locate("/list"), (2, 1));
        assert_eq!(pm.locate("/list/0/name"), (3, 5));
        assert_eq!(pm.locate("/list/0/v"), (4, 5));
        assert_eq!(pm.locate("/list/1"), (5, 5));
        assert_eq!(pm.locate("/nested/k/1"), (6, 17));
        // A missing member falls back to its parent.
        assert_eq!(pm.locate("/list/0/missing"), (3, 5));
    }

    #[test]
    fn json_positions_point_at_keys_and_items() {
        let text = "{\n  \"a\": 1,\n  \"l\": [\n    {\"n\": \"é\", \"m\": true}\n  ],\n  \"x~/y\": null\n}";
        let pm = PositionMap::for_text(text, true);
        assert_eq!(pm.locate(""), (1, 1));
        assert_eq!(pm.locate("/a"), (2, 3));
        assert_eq!(pm.locate("/l/0"), (4, 5));
        assert_eq!(pm.locate("/l/0/m"), (4, 16));
        assert_eq!(pm.locate("/x~0~1y"), (6, 3));
    }
}
