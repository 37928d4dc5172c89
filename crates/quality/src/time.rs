//! Timestamps as the tools write them: RFC 3339 (with or without offset, via meshlens-lineage)
//! and the compact `20200322T170247.671855Z` form of older Great Expectations run ids.

use meshlens_lineage::parse_event_time;
use meshlens_model::civil::format_epoch_millis;

/// `(normalised text, epoch milliseconds)`, or `None` when `text` is no date-time.
pub(crate) fn parse_time(text: &str) -> Option<(String, i64)> {
    let text = text.trim();
    if let Some(ms) = parse_event_time(text) {
        return Some((text.to_owned(), ms));
    }
    let b = text.as_bytes();
    if b.len() >= 15 && b[8] == b'T' && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit) {
        let iso = format!(
            "{}-{}-{}T{}:{}:{}{}",
            &text[0..4],
            &text[4..6],
            &text[6..8],
            &text[9..11],
            &text[11..13],
            &text[13..15],
            &text[15..]
        );
        return parse_event_time(&iso).map(|ms| (iso, ms));
    }
    None
}

/// A user-typed bound: a date (`2026-11-20`, midnight UTC) or a date-time.
pub(crate) fn parse_since(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.len() == 10 {
        return parse_event_time(&format!("{t}T00:00:00Z"));
    }
    parse_time(t).map(|(_, ms)| ms)
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (report labels).
pub(crate) fn format_ms(ms: i64) -> String {
    format_epoch_millis(ms, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compact_gx_run_ids_and_round_trips() {
        let (iso, ms) = parse_time("20200322T170247.671855Z").unwrap();
        assert_eq!(iso, "2020-03-22T17:02:47.671855Z");
        assert_eq!(format_ms(ms), "2020-03-22T17:02:47Z");
        assert_eq!(
            parse_since("2026-11-20"),
            parse_time("2026-11-20T00:00:00Z").map(|t| t.1)
        );
        assert_eq!(parse_time("last tuesday"), None);
        assert_eq!(parse_since("2026-13-45"), None);
    }
}
