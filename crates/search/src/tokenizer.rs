//! Text analysis shared by indexing and querying, so both sides always see the same terms.
//!
//! Identifiers are split into words (`customer_orders`, `customerOrders`, `customer-orders` and
//! `customer.orders` all become `customer` `orders`), lowercased and ASCII-folded.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// Tokenizer name for searchable text fields.
pub(crate) const IDENT: &str = "meshlens_ident";
/// Tokenizer name for whole-value keyword fields (exact names, facet filters).
pub(crate) const KEYWORD: &str = "meshlens_keyword";

/// Longer tokens are noise (hashes, base64) and would bloat the term dictionary.
const MAX_TOKEN_LEN: usize = 64;

pub(crate) fn ident_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(IdentTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub(crate) fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The words of `text` with their byte ranges in `text`.
pub(crate) fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().clone());
    }
    out
}

/// The words of `text` joined by single spaces: the form under which names match exactly
/// whatever their spelling convention.
pub(crate) fn normalized(analyzer: &mut TextAnalyzer, text: &str) -> String {
    let words: Vec<String> = words(analyzer, text).into_iter().map(|t| t.text).collect();
    words.join(" ")
}

/// Splits on every non-alphanumeric character and inside words at camelCase boundaries
/// (`customerOrders` → `customer` `Orders`, `HTTPServer` → `HTTP` `Server`). Letter/digit
/// boundaries are kept together so `s3` or `v2` stay one word.
#[derive(Clone, Default)]
pub(crate) struct IdentTokenizer;

pub(crate) struct IdentTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for IdentTokenizer {
    type TokenStream<'a> = IdentTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> IdentTokenStream {
        IdentTokenStream {
            tokens: split_ident(text),
            next: 0,
        }
    }
}

impl TokenStream for IdentTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

fn split_ident(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let push = |from: usize, to: usize, tokens: &mut Vec<Token>| {
        let position = tokens.len();
        tokens.push(Token {
            offset_from: from,
            offset_to: to,
            position,
            text: text[from..to].to_string(),
            position_length: 1,
        });
    };
    for (i, &(offset, c)) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if let Some(from) = start.take() {
                push(from, offset, &mut tokens);
            }
            continue;
        }
        match start {
            None => start = Some(offset),
            Some(from) => {
                let prev = chars[i - 1].1;
                let next_is_lower = chars.get(i + 1).is_some_and(|&(_, n)| n.is_lowercase());
                let camel = c.is_uppercase()
                    && (prev.is_lowercase() || (prev.is_uppercase() && next_is_lower));
                if camel {
                    push(from, offset, &mut tokens);
                    start = Some(offset);
                }
            }
        }
    }
    if let Some(from) = start {
        push(from, text.len(), &mut tokens);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        words(&mut ident_analyzer(), s)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn identifiers_split_into_words() {
        let expected = vec!["customer", "orders"];
        for spelling in [
            "customer_orders",
            "customerOrders",
            "CustomerOrders",
            "customer-orders",
            "customer.orders",
            "Customer Orders",
            "customer/orders",
        ] {
            assert_eq!(texts(spelling), expected, "{spelling}");
        }
    }

    #[test]
    fn acronyms_digits_and_accents() {
        assert_eq!(texts("HTTPServerLog"), vec!["http", "server", "log"]);
        assert_eq!(texts("s3_bucket v2"), vec!["s3", "bucket", "v2"]);
        assert_eq!(texts("Café Müller"), vec!["cafe", "muller"]);
        assert!(texts("  __ -- ").is_empty());
    }

    #[test]
    fn offsets_point_into_the_original() {
        let text = "the customerOrders table";
        let toks = words(&mut ident_analyzer(), text);
        let spans: Vec<&str> = toks
            .iter()
            .map(|t| &text[t.offset_from..t.offset_to])
            .collect();
        assert_eq!(spans, vec!["the", "customer", "Orders", "table"]);
    }

    #[test]
    fn normalized_form_ignores_spelling_convention() {
        let mut a = ident_analyzer();
        assert_eq!(normalized(&mut a, "customerOrders"), "customer orders");
        assert_eq!(
            normalized(&mut a, "  Customer   ORDERS "),
            "customer orders"
        );
    }
}
