//! Splits a lineage file into JSON values with the line each starts on. Accepts NDJSON (streamed
//! line by line, so a million events never sit in memory), a JSON array of events, and one or
//! more (pretty-printed) JSON objects. A malformed entry is reported and the rest still read.
//! A line, or a whole pretty-printed document, longer than the file size limit
//! ([`meshlens_model::Limits`]) stops the reading with an error: it is never held in memory.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use serde_json::Value;

/// One entry of a lineage file: the line it starts on and the value, or why it is not JSON.
pub(crate) type Entry = (u64, Result<Value, String>);

pub(crate) struct EventReader<R> {
    input: R,
    line_no: u64,
    buf: String,
    /// Values already split out (array or multi-line documents, or an array on one NDJSON line).
    pending: VecDeque<Entry>,
    started: bool,
    /// The longest line or pretty-printed document read.
    limit: u64,
}

impl<R: BufRead> EventReader<R> {
    pub(crate) fn new(input: R) -> Self {
        EventReader {
            input,
            line_no: 0,
            buf: String::new(),
            pending: VecDeque::new(),
            started: false,
            limit: meshlens_model::Limits::process().max_file_bytes,
        }
    }

    /// Appends the next line to `buf`, refusing one longer than the limit.
    fn read_line(&mut self) -> std::io::Result<usize> {
        let read = (&mut self.input)
            .take(self.limit.saturating_add(1))
            .read_line(&mut self.buf)?;
        if read as u64 > self.limit {
            return Err(too_long(&format!("line {}", self.line_no + 1), self.limit));
        }
        Ok(read)
    }

    /// Appends the rest of the input to `text`, refusing to let `text` grow past the limit.
    fn read_rest(&mut self, text: &mut String) -> std::io::Result<()> {
        let room = self.limit.saturating_sub(text.len() as u64);
        (&mut self.input)
            .take(room.saturating_add(1))
            .read_to_string(text)?;
        if text.len() as u64 > self.limit {
            return Err(too_long("the document", self.limit));
        }
        Ok(())
    }

    /// The next entry, `Ok(None)` at the end.
    pub(crate) fn next_entry(&mut self) -> std::io::Result<Option<Entry>> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                return Ok(Some(entry));
            }
            self.buf.clear();
            if self.read_line()? == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            let text = self.buf.trim();
            if text.is_empty() {
                continue;
            }
            let line = self.line_no;
            let first = !self.started;
            self.started = true;
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(items)) => self
                    .pending
                    .extend(items.into_iter().map(|v| (line, Ok(v)))),
                Ok(value) => return Ok(Some((line, Ok(value)))),
                // The first line is not a whole value: a pretty-printed document or array.
                Err(_) if first => {
                    let mut rest = std::mem::take(&mut self.buf);
                    self.read_rest(&mut rest)?;
                    self.pending = split_document(&rest, line);
                }
                Err(e) => return Ok(Some((line, Err(format!("not valid JSON: {e}"))))),
            }
        }
    }
}

fn too_long(what: &str, limit: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("{what} is longer than the limit of {limit} bytes"),
    )
}

/// Splits a whole document: an array into its elements (each parsed on its own, so one bad
/// element does not hide the others), anything else as a stream of concatenated values.
fn split_document(text: &str, first_line: u64) -> VecDeque<Entry> {
    let start = text.len() - text.trim_start().len();
    let line_at =
        |offset: usize| first_line + text[..offset].bytes().filter(|&b| b == b'\n').count() as u64;
    let mut out = VecDeque::new();
    if text[start..].starts_with('[') {
        match array_elements(text, start + 1) {
            Ok(spans) => {
                for (a, b) in spans {
                    let parsed = serde_json::from_str(&text[a..b])
                        .map_err(|e| format!("array element is not valid JSON: {e}"));
                    out.push_back((line_at(a), parsed));
                }
            }
            Err((spans, at, why)) => {
                for (a, b) in spans {
                    out.push_back((
                        line_at(a),
                        serde_json::from_str(&text[a..b]).map_err(|e| e.to_string()),
                    ));
                }
                out.push_back((line_at(at), Err(why)));
            }
        }
        return out;
    }
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    loop {
        let offset = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(value)) => {
                let skipped = text[offset..].len() - text[offset..].trim_start().len();
                out.push_back((line_at(offset + skipped), Ok(value)));
            }
            Some(Err(e)) => {
                // A syntax error cannot be resynchronised inside one document: report where it is.
                out.push_back((
                    first_line + e.line() as u64 - 1,
                    Err(format!("not valid JSON: {e}")),
                ));
                break;
            }
        }
    }
    out
}

type Spans = Vec<(usize, usize)>;

/// Byte spans of the top-level elements of the array whose `[` ends at `from`. On a broken
/// array returns the spans found so far, the offset of the problem and a message.
fn array_elements(text: &str, from: usize) -> Result<Spans, (Spans, usize, String)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    let mut start: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                start.get_or_insert(i);
            }
            b'{' | b'[' => {
                depth += 1;
                start.get_or_insert(i);
            }
            b'}' | b']' if depth > 0 => depth -= 1,
            b',' | b']' if depth == 0 => {
                if let Some(s) = start.take() {
                    spans.push((s, i));
                }
                if b == b']' {
                    return Ok(spans);
                }
            }
            b'}' => return Err((spans, i, "unbalanced '}' in the event array".into())),
            c if c.is_ascii_whitespace() => {}
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    // Truncated: keep a complete last element, then report the missing `]` at the end.
    if let (Some(s), 0, false) = (start, depth, in_str) {
        spans.push((s, text.len()));
    }
    Err((
        spans,
        text.len().saturating_sub(1),
        "the event array is not closed (truncated file?)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_line_or_document_stops_at_the_limit() {
        let limit = meshlens_model::Limits::process().max_file_bytes as usize;
        let huge = format!("{{\"a\":\"{}\"}}\n", "x".repeat(limit));
        let input = format!("{{\"a\":1}}\n{huge}");
        let mut reader = EventReader::new(input.as_bytes());
        assert!(reader.next_entry().unwrap().unwrap().1.is_ok());
        let err = reader.next_entry().unwrap_err();
        assert!(
            err.to_string().contains("line 2 is longer than the limit"),
            "{err}"
        );
        let pretty = format!("{{\n\"a\": \"{}\"}}\n", "x".repeat(limit));
        let err = EventReader::new(pretty.as_bytes())
            .next_entry()
            .unwrap_err();
        assert!(err.to_string().contains("the document is longer"), "{err}");
    }

    #[test]
    fn deep_nesting_is_a_rejected_entry() {
        let deep = format!("{}{}\n", "[".repeat(200_000), "]".repeat(200_000));
        let out = read_all(&deep);
        assert!(
            out[0].1.as_ref().unwrap_err().contains("recursion limit"),
            "{:?}",
            out[0]
        );
        let deep_line = format!(
            "{{\"a\":1}}\n{}{}\n",
            "{\"a\":".repeat(200_000),
            "}".repeat(200_000)
        );
        let out = read_all(&deep_line);
        assert!(
            out[1].1.as_ref().unwrap_err().contains("recursion limit"),
            "{:?}",
            out[1]
        );
    }

    fn read_all(text: &str) -> Vec<(u64, Result<Value, String>)> {
        let mut reader = EventReader::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(entry) = reader.next_entry().unwrap() {
            out.push(entry);
        }
        out
    }

    #[test]
    fn ndjson_reports_the_bad_line_and_keeps_the_rest() {
        let out = read_all("{\"a\":1}\n\n{broken\n{\"a\":3}\n");
        let lines: Vec<_> = out.iter().map(|(l, r)| (*l, r.is_ok())).collect();
        assert_eq!(lines, [(1, true), (3, false), (4, true)]);
    }

    #[test]
    fn pretty_array_elements_carry_their_start_line() {
        let out = read_all("[\n  {\n    \"a\": \"x]\"\n  },\n  {\"a\": 2}\n]\n");
        let lines: Vec<_> = out
            .iter()
            .map(|(l, r)| (*l, r.as_ref().unwrap()["a"].clone()))
            .collect();
        assert_eq!(lines, [(2, Value::from("x]")), (5, Value::from(2))]);
    }

    #[test]
    fn broken_array_element_is_isolated_and_truncation_reported() {
        let out = read_all("[\n{\"a\":1},\n{\"a\": tru},\n{\"a\":3}\n");
        let summary: Vec<_> = out.iter().map(|(l, r)| (*l, r.is_ok())).collect();
        assert_eq!(summary, [(2, true), (3, false), (4, true), (4, false)]);
        assert!(out[3].1.as_ref().unwrap_err().contains("not closed"));
    }

    #[test]
    fn single_pretty_object_and_concatenated_objects() {
        let out = read_all("{\n \"a\": 1\n}\n{\n \"a\": 2\n}");
        let lines: Vec<_> = out
            .iter()
            .map(|(l, r)| (*l, r.as_ref().unwrap()["a"].clone()))
            .collect();
        assert_eq!(lines, [(1, Value::from(1)), (4, Value::from(2))]);
    }
}
