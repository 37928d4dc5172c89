//! Snippets: a short excerpt, HTML-escaped, with the words the query matched in `<mark>`.
//!
//! Done here rather than with tantivy's `SnippetGenerator` because matches also come from typo
//! tolerance and prefixes, which that generator does not highlight.

use tantivy::tokenizer::TextAnalyzer;

use crate::query::ParsedQuery;
use crate::tokenizer::words;

/// Bytes of source text shown around the first match.
const WINDOW: usize = 160;
/// Bytes of context kept before the first match.
const LEAD: usize = 40;

/// The snippet for a hit: the first of `marked` texts with a match, otherwise the start of
/// `fallback`, otherwise an empty string.
pub(crate) fn snippet(
    marked: &[&str],
    fallback: &str,
    query: &ParsedQuery,
    ident: &mut TextAnalyzer,
) -> String {
    for text in marked {
        let spans: Vec<(usize, usize)> = words(ident, text)
            .into_iter()
            .filter(|t| matches(query, &t.text))
            .map(|t| (t.offset_from, t.offset_to))
            .collect();
        if let Some(&(first, _)) = spans.first() {
            return render(text, &spans, first);
        }
    }
    render(fallback, &[], 0)
}

fn matches(query: &ParsedQuery, token: &str) -> bool {
    query.phrases.iter().flatten().any(|w| w == token)
        || query.words.iter().any(|w| {
            w.text == token
                || (w.prefix && token.starts_with(w.text.as_str()))
                || (w.max_edits() > 0 && within_edits(&w.text, token, w.max_edits() as usize))
        })
}

fn render(text: &str, spans: &[(usize, usize)], first: usize) -> String {
    let mut start = floor_boundary(text, first.saturating_sub(LEAD));
    // Start on a word so the excerpt does not open mid-word.
    if start > 0
        && let Some(space) = text[start..first].find(char::is_whitespace)
    {
        start += space + 1;
    }
    let end = floor_boundary(text, (start + WINDOW).min(text.len()));
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for &(from, to) in spans
        .iter()
        .filter(|(from, to)| *from >= start && *to <= end)
    {
        escape_into(&mut out, &text[pos..from]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[from..to]);
        out.push_str("</mark>");
        pos = to;
    }
    escape_into(&mut out, &text[pos..end]);
    if end < text.len() {
        out.push('…');
    }
    out
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Optimal-string-alignment distance ≤ `max` (a transposition costs 1, as in the index query).
fn within_edits(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev2: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()] <= max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;
    use crate::tokenizer::{ident_analyzer, keyword_analyzer};

    fn snip(query: &str, texts: &[&str], fallback: &str) -> String {
        let mut ident = ident_analyzer();
        let q = parse(query, &mut ident, &mut keyword_analyzer());
        snippet(texts, fallback, &q, &mut ident)
    }

    #[test]
    fn marks_exact_prefix_and_fuzzy_matches_and_escapes() {
        assert_eq!(
            snip("custmer ord", &["All <customer> orders & refunds"], ""),
            "All &lt;<mark>customer</mark>&gt; <mark>orders</mark> &amp; refunds"
        );
    }

    #[test]
    fn falls_back_to_unmarked_text_and_trims_long_text() {
        assert_eq!(
            snip("zzz", &["nothing here"], "plain <b>"),
            "plain &lt;b&gt;"
        );
        let long = format!("{} needle {}", "word ".repeat(60), "tail ".repeat(60));
        let s = snip("needle ", &[&long], "");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>needle</mark>"));
        assert!(s.len() < WINDOW + 40);
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert!(within_edits("orders", "odrers", 1));
        assert!(within_edits("customer", "custmer", 1));
        assert!(!within_edits("customer", "cstmr", 2));
        assert!(within_edits("ab", "ab", 0));
    }
}
