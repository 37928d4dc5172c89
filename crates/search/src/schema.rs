//! The tantivy schema and the mapping of a [`SearchDoc`] onto it.

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;

use crate::doc::{SearchDoc, SearchKind, status_prior};
use crate::tokenizer::{IDENT, KEYWORD, normalized};

/// Bumped whenever the schema, the analysis or the field contents change: an index stamped with
/// another version is rebuilt from the store.
pub(crate) const SCHEMA_VERSION: u32 = 6;

/// Fast-field names used by collectors.
pub(crate) const PRIOR: &str = "prior";
pub(crate) const NAME_WORDS: &str = "name_words";

/// The facets, in output order: (name, field name).
pub(crate) const FACETS: [&str; 7] = [
    "kind",
    "domain",
    "tag",
    "owner",
    "status",
    "classification",
    "sensitivity",
];

#[derive(Clone)]
pub(crate) struct Fields {
    /// `kind\x1fid`: deletes replace one document.
    pub key: Field,
    /// Key of the top-level document: deletes replace a contract with its datasets and columns.
    pub root: Field,
    pub id: Field,
    pub name: Field,
    /// Whole name and id, lowercased, as written and normalized: exact and whole-name prefix.
    pub exact: Field,
    pub title: Field,
    pub description: Field,
    /// Tags, domain, owner, team, status, classification as words.
    pub meta: Field,
    pub columns: Field,
    /// Enclosing names and the id as words.
    pub context: Field,
    pub kind: Field,
    pub domain: Field,
    pub tag: Field,
    pub owner: Field,
    pub status: Field,
    pub classification: Field,
    /// The normalised level (`public` … `restricted`, `unknown`).
    pub sensitivity: Field,
    pub product_id: Field,
    pub contract_id: Field,
    pub parent_id: Field,
    pub prior: Field,
    pub name_words: Field,
}

impl Fields {
    pub fn build() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let words = TextFieldIndexing::default()
            .set_tokenizer(IDENT)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text = TextOptions::default().set_indexing_options(words);
        let stored_text = text.clone().set_stored();
        // Facets: matched lowercased, counted and shown as written.
        let facet = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(KEYWORD)
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_fast(None)
            .set_stored();
        let keyword = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD)
                .set_index_option(IndexRecordOption::Basic),
        );
        let fields = Fields {
            key: b.add_text_field("key", STRING),
            root: b.add_text_field("root", STRING),
            // Read back from hits only: ids are matched through `exact`, and deletes go by `key`.
            id: b.add_text_field("id", STORED),
            name: b.add_text_field("name", stored_text.clone()),
            exact: b.add_text_field("exact", keyword),
            title: b.add_text_field("title", text.clone()),
            description: b.add_text_field("description", stored_text.clone()),
            meta: b.add_text_field("meta", text.clone()),
            columns: b.add_text_field("columns", stored_text),
            context: b.add_text_field("context", text),
            kind: b.add_text_field(FACETS[0], facet.clone()),
            domain: b.add_text_field(FACETS[1], facet.clone()),
            tag: b.add_text_field(FACETS[2], facet.clone()),
            owner: b.add_text_field(FACETS[3], facet.clone()),
            status: b.add_text_field(FACETS[4], facet.clone()),
            classification: b.add_text_field(FACETS[5], facet.clone()),
            sensitivity: b.add_text_field(FACETS[6], facet),
            product_id: b.add_text_field("product_id", STORED),
            contract_id: b.add_text_field("contract_id", STORED),
            parent_id: b.add_text_field("parent_id", STORED),
            prior: b.add_f64_field(PRIOR, FAST),
            name_words: b.add_u64_field(NAME_WORDS, FAST),
        };
        (b.build(), fields)
    }

    pub fn to_document(&self, doc: &SearchDoc, ident: &mut TextAnalyzer) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(self.key, doc.doc_ref().key());
        d.add_text(self.root, doc.root().key());
        d.add_text(self.id, &doc.id);
        d.add_text(self.name, &doc.name);
        let name = normalized(ident, &doc.name);
        let name_words = name.split(' ').filter(|w| !w.is_empty()).count();
        // A title that only repeats the name (a dataset's physical name, usually) would count every name
        // word twice and lift datasets above the product of the same name.
        let title = doc
            .title
            .as_ref()
            .filter(|t| normalized(ident, t) != name)
            .cloned();
        for (value, norm) in [(&doc.name, name), (&doc.id, normalized(ident, &doc.id))] {
            d.add_text(self.exact, value.trim());
            d.add_text(self.exact, norm);
        }
        let opt = |d: &mut TantivyDocument, field: Field, value: &Option<String>| {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                d.add_text(field, v);
            }
        };
        opt(&mut d, self.title, &title);
        opt(&mut d, self.description, &doc.description);
        // A column is found by its own words and its dataset's name. The domain, owner, status,
        // tags and product it inherits stay filterable (facet fields) but are not searched words:
        // on a million columns they would make every domain or team word match most of the mesh
        // and bury the products and datasets that carry them.
        let is_column = doc.kind == SearchKind::Column;
        for tag in &doc.tags {
            if !is_column {
                d.add_text(self.meta, tag);
            }
            d.add_text(self.tag, tag);
        }
        if !is_column {
            for value in [
                &doc.domain,
                &doc.owner,
                &doc.owner_team,
                &doc.status,
                &doc.classification,
            ] {
                opt(&mut d, self.meta, value);
            }
            d.add_text(self.context, &doc.id);
        }
        if !doc.columns.is_empty() {
            d.add_text(self.columns, column_text(doc));
        }
        let product = doc.product_name.iter().filter(|_| !is_column);
        for name in doc.context.iter().chain(product) {
            d.add_text(self.context, name);
        }
        d.add_text(self.kind, doc.kind.as_str());
        opt(&mut d, self.domain, &doc.domain);
        opt(&mut d, self.owner, &doc.display_owner().map(str::to_string));
        opt(&mut d, self.status, &doc.status);
        opt(&mut d, self.classification, &doc.classification);
        d.add_text(self.sensitivity, doc.sensitivity.as_str());
        opt(&mut d, self.product_id, &doc.product_id);
        opt(&mut d, self.contract_id, &doc.contract_id);
        opt(&mut d, self.parent_id, &doc.parent_id);
        d.add_f64(
            self.prior,
            doc.kind.prior() * status_prior(doc.status.as_deref()),
        );
        d.add_u64(self.name_words, name_words as u64);
        d
    }
}

/// One line per column, so a snippet shows the column a match is in.
fn column_text(doc: &SearchDoc) -> String {
    let mut out = String::new();
    for c in &doc.columns {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&c.name);
        if let Some(desc) = c.description.as_deref().filter(|d| !d.is_empty()) {
            out.push_str(": ");
            out.push_str(desc);
        }
    }
    out
}
