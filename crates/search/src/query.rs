//! Turns whatever a user typed into a tantivy query built from query structs (never the query
//! parser), so no input can produce a syntax error.
//!
//! Ranking tiers, from strongest to weakest: whole name or id equal to the query, whole name
//! starting with the query, a query word in the name, a misspelt query word in the name (or the
//! last word as a prefix of a name word), then title, tags/domain/owner, description, columns and
//! enclosing names. The last word typed also matches as a prefix of name words.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, InvertedIndexRangeQuery, Occur, Query};
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;

use crate::eval::{Clause, ClauseScore, Plan};
use crate::schema::Fields;
use crate::tokenizer::{normalized, words};

/// More words than this add cost without changing what ranks first.
const MAX_WORDS: usize = 16;
/// No name is this long; longer input cannot match a whole name.
const MAX_EXACT_LEN: usize = 512;
/// Prefix expansion stops after this many dictionary terms (short prefixes on huge meshes).
const MAX_PREFIX_TERMS: u64 = 2_000;
/// Shorter input matches as whole words only, not as a prefix.
const MIN_PREFIX_CHARS: usize = 2;

const EXACT: f32 = 1000.0;
const NAME_PREFIX: f32 = 300.0;
const NAME_PHRASE: f32 = 40.0;
const NAME_WORD: f32 = 20.0;
const TITLE_WORD: f32 = 12.0;
const NAME_WORD_PREFIX: f32 = 10.0;
const NAME_FUZZY: f32 = 8.0;
const META_WORD: f32 = 6.0;
const CONTEXT_WORD: f32 = 1.0;
const TEXT_WORD_PREFIX: f32 = 1.0;
/// Description and columns keep BM25 (term frequency matters there) scaled below name matches.
const DESCRIPTION_BM25: f32 = 0.2;
const COLUMNS_BM25: f32 = 0.15;

/// One query word.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    pub text: String,
    /// The word being typed: it also matches as a prefix.
    pub prefix: bool,
    /// Written inside quotes: no typo tolerance.
    pub quoted: bool,
}

impl Word {
    /// Typo budget by length: none below 4 characters, 1 up to 7, 2 from 8.
    pub fn max_edits(&self) -> u8 {
        if self.quoted {
            return 0;
        }
        match self.text.chars().count() {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        }
    }
}

/// The user's input, analysed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ParsedQuery {
    pub words: Vec<Word>,
    /// Quoted runs of two or more words.
    pub phrases: Vec<Vec<String>>,
    /// Whole-query forms compared with whole names and ids.
    pub exact_forms: Vec<String>,
}

impl ParsedQuery {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }

    pub fn clause_count(&self) -> usize {
        self.words.len() + self.phrases.len()
    }

    /// True when the last word is still being typed (and long enough to match as a prefix).
    pub fn has_prefix(&self) -> bool {
        self.words
            .iter()
            .any(|w| w.prefix && w.text.chars().count() >= MIN_PREFIX_CHARS)
    }

    /// The queries to try in order until one finds something: all words in names, then all words
    /// with the typed prefix anywhere, then any word.
    pub fn attempts(&self) -> Vec<(Mode, PrefixScope)> {
        let mut attempts = vec![(Mode::All, PrefixScope::Names)];
        if self.has_prefix() {
            attempts.push((Mode::All, PrefixScope::Text));
        }
        if self.clause_count() > 1 {
            attempts.push((Mode::Any, PrefixScope::Names));
            if self.has_prefix() {
                attempts.push((Mode::Any, PrefixScope::Text));
            }
        }
        attempts
    }
}

pub(crate) fn parse(
    input: &str,
    ident: &mut TextAnalyzer,
    keyword: &mut TextAnalyzer,
) -> ParsedQuery {
    // An unbalanced quote is an ordinary character: drop the last one and quote the rest.
    let mut text = input.to_string();
    if text.matches('"').count() % 2 == 1
        && let Some(last) = text.rfind('"')
    {
        text.replace_range(last..last + 1, " ");
    }
    let typing = !text.ends_with(|c: char| c.is_whitespace() || c == '"');
    let mut parsed = ParsedQuery::default();
    let mut budget = MAX_WORDS;
    let segments: Vec<&str> = text.split('"').collect();
    let last_segment = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        let quoted = i % 2 == 1;
        let mut tokens: Vec<String> = words(ident, segment).into_iter().map(|t| t.text).collect();
        tokens.truncate(budget);
        budget -= tokens.len();
        if quoted && tokens.len() >= 2 {
            parsed.phrases.push(tokens);
            continue;
        }
        let count = tokens.len();
        for (j, token) in tokens.into_iter().enumerate() {
            parsed.words.push(Word {
                prefix: !quoted && typing && i == last_segment && j + 1 == count,
                quoted,
                text: token,
            });
        }
    }
    let unquoted = text.replace('"', " ");
    let mut forms = Vec::new();
    for form in [
        words(keyword, unquoted.trim())
            .into_iter()
            .map(|t| t.text)
            .next(),
        Some(normalized(ident, &unquoted)),
    ]
    .into_iter()
    .flatten()
    {
        if !form.is_empty() && form.len() <= MAX_EXACT_LEN && !forms.contains(&form) {
            forms.push(form);
        }
    }
    parsed.exact_forms = forms;
    parsed
}

/// Where the word being typed matches as a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrefixScope {
    /// Names only: the usual case, and cheap.
    Names,
    /// Every searched field: the fallback when a word being typed starts no name (`reven` for a mesh
    /// that says "revenue" only in descriptions), so search-as-you-type never shows "no matches"
    /// for a word the next keystrokes would find.
    Text,
}

/// How the words of a multi-word query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every word (or phrase) must match somewhere.
    All,
    /// Any word may match: the fallback when requiring all finds nothing.
    Any,
}

/// Builds the plan for one attempt (see [`ParsedQuery::attempts`]). Filters are not part of it:
/// the evaluator checks them on the facet columns.
pub(crate) fn plan(parsed: &ParsedQuery, fields: &Fields, mode: Mode, scope: PrefixScope) -> Plan {
    if parsed.is_empty() {
        return Plan::default();
    }
    let exact: Vec<Term> = parsed
        .exact_forms
        .iter()
        .map(|f| Term::from_field_text(fields.exact, f))
        .collect();
    // As for words, a single typed character would expand to a large part of the dictionary: on a
    // 10k-product mesh the first keystroke took 0.6 s for no useful order.
    let prefixes: Vec<(Occur, Box<dyn Query>)> = parsed
        .exact_forms
        .iter()
        .filter(|form| form.chars().count() >= MIN_PREFIX_CHARS)
        .map(|form| (Occur::Should, prefix_query(fields.exact, form)))
        .collect();
    let boosts = vec![
        Clause::constant(BooleanQuery::new_multiterms_query(exact), EXACT),
        Clause::constant(BooleanQuery::new(prefixes), NAME_PREFIX),
    ];

    let mut groups: Vec<Vec<Clause>> = parsed
        .words
        .iter()
        .map(|w| word_clauses(w, fields, scope))
        .collect();
    groups.extend(parsed.phrases.iter().map(|p| phrase_clauses(p, fields)));
    if mode == Mode::Any {
        groups = vec![groups.into_iter().flatten().collect()];
    }
    Plan { groups, boosts }
}

fn prefix_query(field: Field, prefix: &str) -> Box<dyn Query> {
    let lower = Term::from_field_text(field, prefix);
    let upper = Term::from_field_text(field, &format!("{prefix}\u{10FFFF}"));
    let mut q = InvertedIndexRangeQuery::new(Bound::Included(lower), Bound::Excluded(upper));
    q.limit(MAX_PREFIX_TERMS);
    Box::new(q)
}

/// The searched fields and how a match in each scores; a name match scores `name` (words and
/// phrases differ there).
fn fields_scored(f: &Fields, name: f32) -> [(Field, ClauseScore); 6] {
    [
        (f.name, ClauseScore::Constant(name)),
        (f.title, ClauseScore::Constant(TITLE_WORD)),
        (f.meta, ClauseScore::Constant(META_WORD)),
        (f.context, ClauseScore::Constant(CONTEXT_WORD)),
        (f.description, ClauseScore::Bm25(DESCRIPTION_BM25)),
        (f.columns, ClauseScore::Bm25(COLUMNS_BM25)),
    ]
}

/// One word matches if any of these does; the scores of those that match add up.
fn word_clauses(word: &Word, f: &Fields, scope: PrefixScope) -> Vec<Clause> {
    let term = |field: Field| Term::from_field_text(field, &word.text);
    let mut any: Vec<Clause> = fields_scored(f, NAME_WORD)
        .into_iter()
        .map(|(field, score)| Clause::term(term(field), score))
        .collect();
    let edits = word.max_edits();
    if edits > 0 {
        any.push(Clause::constant(
            FuzzyTermQuery::new(term(f.name), edits, true),
            NAME_FUZZY,
        ));
    }
    // A single typed letter would expand to a large part of the dictionary for little signal.
    // Prefixes apply to names only: on descriptions and columns they match most of a large mesh
    // and dominate latency, while what people type is nearly always a name.
    if word.prefix && word.text.chars().count() >= MIN_PREFIX_CHARS {
        any.push(Clause::prefix(
            prefix_query(f.name, &word.text),
            NAME_WORD_PREFIX,
        ));
        if scope == PrefixScope::Text {
            for field in [f.title, f.meta, f.context, f.description, f.columns] {
                any.push(Clause::prefix(
                    prefix_query(field, &word.text),
                    TEXT_WORD_PREFIX,
                ));
            }
        }
    }
    any
}

fn phrase_clauses(words: &[String], f: &Fields) -> Vec<Clause> {
    fields_scored(f, NAME_PHRASE)
        .into_iter()
        .map(|(field, score)| {
            let terms = words
                .iter()
                .map(|w| Term::from_field_text(field, w))
                .collect();
            Clause::phrase(terms, score)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::{ident_analyzer, keyword_analyzer};

    fn p(s: &str) -> ParsedQuery {
        parse(s, &mut ident_analyzer(), &mut keyword_analyzer())
    }

    fn texts(q: &ParsedQuery) -> Vec<(&str, bool, bool)> {
        q.words
            .iter()
            .map(|w| (w.text.as_str(), w.prefix, w.quoted))
            .collect()
    }

    #[test]
    fn last_word_is_a_prefix_while_typing() {
        assert_eq!(
            texts(&p("customer ord")),
            vec![("customer", false, false), ("ord", true, false)]
        );
        assert_eq!(
            texts(&p("customer ord ")),
            vec![("customer", false, false), ("ord", false, false)]
        );
    }

    #[test]
    fn quotes_make_phrases_and_unbalanced_quotes_are_words() {
        let q = p(r#"sales "customer orders" daily"#);
        assert_eq!(
            q.phrases,
            vec![vec!["customer".to_string(), "orders".to_string()]]
        );
        assert_eq!(
            texts(&q),
            vec![("sales", false, false), ("daily", true, false)]
        );

        let q = p(r#"customer "orders"#);
        assert!(q.phrases.is_empty());
        assert_eq!(
            texts(&q),
            vec![("customer", false, false), ("orders", true, false)]
        );

        let q = p(r#""orders""#);
        assert_eq!(texts(&q), vec![("orders", false, true)]);
        assert_eq!(q.words[0].max_edits(), 0);
    }

    #[test]
    fn exact_forms_cover_raw_and_normalized_spellings() {
        assert_eq!(
            p("Customer_Orders").exact_forms,
            vec!["customer_orders".to_string(), "customer orders".to_string()]
        );
        assert_eq!(p("  orders ").exact_forms, vec!["orders".to_string()]);
        assert!(p("").is_empty());
        assert!(p("\"\"  -- ").is_empty());
    }

    #[test]
    fn typo_budget_grows_with_length() {
        let edits = |s: &str| p(&format!("{s} ")).words[0].max_edits();
        assert_eq!(edits("abc"), 0);
        assert_eq!(edits("abcd"), 1);
        assert_eq!(edits("abcdefg"), 1);
        assert_eq!(edits("abcdefgh"), 2);
    }

    #[test]
    fn very_long_input_is_capped() {
        let q = p(&"word ".repeat(3000));
        assert_eq!(q.words.len(), MAX_WORDS);
    }
}
