//! A cheap first look at a file for the sync engine: is it a descriptor, one of the result and
//! lineage formats ingested elsewhere, or unknown? Only the top-level keys are read.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::types::DocKind;

/// What a file is, judged from its top-level keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "class", content = "kind")]
pub enum FileClass {
    /// ODPS/ODCS/DPS/DCS: parse it with [`crate::parse_document`].
    Descriptor(DocKind),
    /// OpenLineage event(s): one event, a JSON array of events, or NDJSON.
    OpenLineage,
    /// dbt `run_results.json`.
    DbtRunResults,
    /// dbt `manifest.json`.
    DbtManifest,
    /// Great Expectations validation result.
    GreatExpectations,
    /// Soda scan result (`soda scan -srf`).
    SodaScan,
    /// A governance policy (`kind: Policy`).
    Policy,
    /// An access request or agreement (Data Usage Agreement Specification).
    Agreement,
    /// YAML or JSON that is none of the above: sync reports it. Call
    /// [`crate::parse_document`] for the precise reason (syntax error, not UTF-8, unknown kind).
    Unknown,
    /// Not a YAML/JSON file (by its extension): not ours, sync ignores it.
    NotStructured,
}

impl FileClass {
    /// Formats that later ingestion reads; sync skips them without an error.
    pub fn is_ingestible_result(self) -> bool {
        !matches!(
            self,
            FileClass::Descriptor(_) | FileClass::Unknown | FileClass::NotStructured
        )
    }
}

/// Classifies a file from its extension and its top-level keys.
pub fn classify(path: &str, bytes: &[u8]) -> FileClass {
    let lower = path.to_ascii_lowercase();
    let top = if lower.ends_with(".json") || lower.ends_with(".ndjson") || lower.ends_with(".jsonl")
    {
        json_top(bytes)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        yaml_top(bytes)
    } else {
        return FileClass::NotStructured;
    };
    top.map_or(FileClass::Unknown, |t| t.class())
}

/// The top-level keys, with the few values that decide the class.
#[derive(Debug, Default)]
struct TopKeys {
    keys: Vec<String>,
    kind: Option<String>,
}

impl TopKeys {
    fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    fn class(&self) -> FileClass {
        let any = |ks: &[&str]| ks.iter().any(|k| self.has(k));
        if self.has("dataProductSpecification") {
            return FileClass::Descriptor(DocKind::Dps);
        }
        if self.has("dataContractSpecification") {
            return FileClass::Descriptor(DocKind::Dcs);
        }
        if self.has("dataUsageAgreementSpecification") {
            return FileClass::Agreement;
        }
        match self.kind.as_deref() {
            Some("DataProduct") => return FileClass::Descriptor(DocKind::Odps),
            Some("DataContract") => return FileClass::Descriptor(DocKind::Odcs),
            Some("Policy") => return FileClass::Policy,
            _ => {}
        }
        if self.has("eventTime")
            && any(&["run", "job", "dataset"])
            && any(&["producer", "schemaURL"])
        {
            FileClass::OpenLineage
        } else if self.has("metadata") && self.has("results") && any(&["elapsed_time", "args"]) {
            FileClass::DbtRunResults
        } else if self.has("metadata")
            && self.has("nodes")
            && any(&["sources", "macros", "parent_map"])
        {
            FileClass::DbtManifest
        } else if self.has("results")
            && self.has("success")
            && any(&["statistics", "suite_name", "meta"])
        {
            FileClass::GreatExpectations
        } else if self.has("checks")
            && any(&[
                "hasFailures",
                "hasErrors",
                "scanStartTimestamp",
                "definitionName",
            ])
        {
            FileClass::SodaScan
        } else {
            FileClass::Unknown
        }
    }
}

impl<'de> Deserialize<'de> for TopKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = TopKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a mapping or a list of mappings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopKeys, A::Error> {
        let mut top = TopKeys::default();
        while let Some(key) = map.next_key::<String>()? {
            if key == "kind" {
                top.kind = map.next_value::<Value>()?.as_str().map(str::to_owned);
            } else {
                // Values are skipped, never built: a 50 MB manifest costs one pass, no allocation.
                map.next_value::<IgnoredAny>()?;
            }
            top.keys.push(key);
        }
        Ok(top)
    }

    /// A list of events: the first element decides.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopKeys, A::Error> {
        let first = seq.next_element::<TopKeys>()?.unwrap_or_default();
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(first)
    }

    fn visit_unit<E: de::Error>(self) -> Result<TopKeys, E> {
        Ok(TopKeys::default())
    }
}

/// JSON, a JSON array or NDJSON: only the first value is read.
fn json_top(bytes: &[u8]) -> Option<TopKeys> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<TopKeys>()
        .next()?
        .ok()
}

/// Block YAML: top-level keys are the lines that start in column one. Flow-style documents
/// (`{...}`, JSON saved as .yaml) are parsed instead.
fn yaml_top(bytes: &[u8]) -> Option<TopKeys> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")?;
    if first.starts_with('{') || first.starts_with('[') {
        return crate::yaml::from_yaml_str::<TopKeys>(text).ok();
    }
    let mut top = TopKeys::default();
    for line in text.lines() {
        if line == "..." || (line.starts_with("---") && !top.keys.is_empty()) {
            break; // only the first document counts
        }
        let Some(first) = line.chars().next() else {
            continue;
        };
        if first.is_whitespace() || matches!(first, '#' | '-' | '}' | ']') {
            continue;
        }
        let Some((key, value)) = split_key(line) else {
            continue;
        };
        if key == "kind" {
            top.kind = Some(value.to_owned());
        }
        top.keys.push(key.to_owned());
    }
    Some(top)
}

/// `key: value  # comment` → (key, value), quotes removed.
fn split_key(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = if let Some(q) = line.strip_prefix(['"', '\'']) {
        let end = q.find(['"', '\''])?;
        (&q[..end], q[end + 1..].strip_prefix(':')?)
    } else {
        let i = line
            .find(": ")
            .or_else(|| line.strip_suffix(':').map(|l| l.len()))?;
        (&line[..i], &line[i + 1..])
    };
    let value = rest
        .split(" #")
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches(['"', '\'']);
    Some((key.trim(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_descriptors_by_top_level_keys() {
        assert_eq!(
            classify(
                "a.yaml",
                b"# c\napiVersion: v3.1.0\nkind: \"DataContract\" # x\nid: 1\n"
            ),
            FileClass::Descriptor(DocKind::Odcs)
        );
        assert_eq!(
            classify("p.yml", b"kind: DataProduct\n"),
            FileClass::Descriptor(DocKind::Odps)
        );
        assert_eq!(
            classify("p.yml", b"dataProductSpecification: 0.0.1\n"),
            FileClass::Descriptor(DocKind::Dps)
        );
        assert_eq!(
            classify("p.yml", b"info:\n  kind: DataProduct\n"),
            FileClass::Unknown
        );
        assert_eq!(
            classify("p.yml", b"{\"kind\": \"DataContract\"}"),
            FileClass::Descriptor(DocKind::Odcs)
        );
        assert_eq!(
            classify("policy.yaml", b"kind: Policy\nrules: []\n"),
            FileClass::Policy
        );
        assert_eq!(
            classify("README.md", b"kind: DataProduct\n"),
            FileClass::NotStructured
        );
    }

    #[test]
    fn ndjson_and_arrays_use_the_first_event() {
        let ev = br#"{"eventTime":"2024-01-01T00:00:00Z","producer":"p","schemaURL":"s","run":{},"job":{}}"#;
        let nd = [&ev[..], b"\n", &ev[..], b"\n"].concat();
        assert_eq!(classify("e.ndjson", &nd), FileClass::OpenLineage);
        let arr = [b"[", &ev[..], b",", &ev[..], b"]"].concat();
        assert_eq!(classify("e.json", &arr), FileClass::OpenLineage);
        assert_eq!(classify("x.json", b"{\"a\": 1}"), FileClass::Unknown);
        assert_eq!(classify("x.json", b"{not json"), FileClass::Unknown);
    }
}
