//! The graph's nodes, interned compactly: a 10k-product mesh has ≈ 400k of them (datasets, jobs,
//! columns, products), kept in memory for as long as the app runs. Every id lives once in one text
//! buffer, and a name that ends its id (a dataset's, a job's, a column's) is a slice of it; the
//! id → node table stores node numbers only. One `String` per id and name plus a second copy of the
//! id as the hash map's key took ≈ 2.5× the memory (docs/benchmarks.md, "Desktop UI").

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::graph::NodeKind;

/// Where a string sits in [`Nodes::text`].
#[derive(Clone, Copy)]
struct Span {
    at: u32,
    len: u32,
}

struct Node {
    kind: NodeKind,
    product: Option<u32>,
    id: Span,
    name: Span,
}

#[derive(Default)]
pub(crate) struct Nodes {
    nodes: Vec<Node>,
    text: String,
    /// Node numbers, hashed by their id.
    by_id: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// Other names of datasets (OpenLineage symlinks): few, so kept as plain strings.
    aliases: HashMap<Box<str>, u32>,
}

impl Nodes {
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The node with this id, adding it when there is none. An existing node keeps its name.
    /// Aliases are not ids: an id that is some dataset's alias gets a node of its own, which the
    /// id then finds (an alias never hides a node).
    pub fn add(&mut self, kind: NodeKind, id: &str, name: &str) -> u32 {
        if let Some(existing) = self.find_id(id) {
            return existing;
        }
        let index = u32::try_from(self.nodes.len()).expect("fewer than 2^32 lineage nodes");
        let id_span = self.push_text(id);
        let name = match id.strip_suffix(name) {
            Some(head) => Span {
                at: id_span.at + to_u32(head.len()),
                len: to_u32(name.len()),
            },
            None => self.push_text(name),
        };
        self.nodes.push(Node {
            kind,
            product: None,
            id: id_span,
            name,
        });
        let (hasher, nodes, text) = (&self.hasher, &self.nodes, &self.text);
        self.by_id
            .insert_unique(hasher.hash_one(id), index, rehash(hasher, nodes, text));
        index
    }

    /// Makes `alias` another id of `node`, unless it already names a node.
    pub fn add_alias(&mut self, alias: &str, node: u32) {
        if self.find(alias).is_none() {
            self.aliases.insert(alias.into(), node);
        }
    }

    /// The node with this id or alias.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.find_id(id).or_else(|| self.aliases.get(id).copied())
    }

    fn find_id(&self, id: &str) -> Option<u32> {
        self.by_id
            .find(self.hasher.hash_one(id), |&n| self.id(n) == id)
            .copied()
    }

    /// Every id and alias with its node.
    pub fn ids(&self) -> impl Iterator<Item = (&str, u32)> {
        (0..self.nodes.len() as u32)
            .map(|n| (self.id(n), n))
            .chain(self.aliases.iter().map(|(alias, &n)| (&**alias, n)))
    }

    pub fn id(&self, node: u32) -> &str {
        slice(&self.text, self.nodes[node as usize].id)
    }

    pub fn name(&self, node: u32) -> &str {
        slice(&self.text, self.nodes[node as usize].name)
    }

    pub fn kind(&self, node: u32) -> NodeKind {
        self.nodes[node as usize].kind
    }

    /// The owning product (a node).
    pub fn product(&self, node: u32) -> Option<u32> {
        self.nodes[node as usize].product
    }

    pub fn set_product(&mut self, node: u32, product: Option<u32>) {
        self.nodes[node as usize].product = product;
    }

    /// Gives back the growth slack of a finished build.
    pub fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.text.shrink_to_fit();
        let (hasher, nodes, text) = (&self.hasher, &self.nodes, &self.text);
        self.by_id.shrink_to_fit(rehash(hasher, nodes, text));
        self.aliases.shrink_to_fit();
    }

    fn push_text(&mut self, s: &str) -> Span {
        let at = to_u32(self.text.len());
        self.text.push_str(s);
        // The end too: `slice` adds `at` and `len` as u32.
        to_u32(self.text.len());
        Span {
            at,
            len: to_u32(s.len()),
        }
    }
}

/// The id table's hash of node `n`, for a table that grows or shrinks: the same hash as [`Nodes::find_id`]'s.
fn rehash<'a>(
    hasher: &'a DefaultHashBuilder,
    nodes: &'a [Node],
    text: &'a str,
) -> impl Fn(&u32) -> u64 + 'a {
    move |&n| hasher.hash_one(slice(text, nodes[n as usize].id))
}

/// Offsets into the id text: a graph's ids are tens of MB, far from 4 GiB.
fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).expect("lineage id text under 4 GiB")
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.at as usize..(span.at + span.len) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_round_trip_and_dedupe() {
        let mut nodes = Nodes::default();
        let ds = nodes.add(NodeKind::Dataset, "pg://db:5432:shop.orders", "shop.orders");
        let product = nodes.add(NodeKind::Product, "sales-orders", "Sales Orders");
        let column = nodes.add(NodeKind::Column, "pg://db:5432:shop.orders#id", "id");
        assert_eq!(
            nodes.add(NodeKind::Dataset, "pg://db:5432:shop.orders", "other"),
            ds
        );
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes.id(ds), "pg://db:5432:shop.orders");
        assert_eq!(nodes.name(ds), "shop.orders");
        assert_eq!(nodes.name(product), "Sales Orders");
        assert_eq!(nodes.name(column), "id");
        assert_eq!(nodes.find("sales-orders"), Some(product));
        assert_eq!(nodes.find("nope"), None);

        nodes.add_alias("pg://replica:5432:shop.orders", ds);
        // An alias never hides a node of the same id.
        nodes.add_alias("sales-orders", ds);
        nodes.shrink_to_fit();
        assert_eq!(nodes.find("pg://replica:5432:shop.orders"), Some(ds));
        assert_eq!(nodes.find("sales-orders"), Some(product));
        assert_eq!(nodes.find("pg://db:5432:shop.orders#id"), Some(column));
        assert_eq!(nodes.ids().count(), 4);
        nodes.set_product(ds, Some(product));
        assert_eq!(nodes.product(ds), Some(product));
        assert_eq!(nodes.kind(column), NodeKind::Column);
    }

    #[test]
    fn a_node_added_under_an_alias_gets_its_own_id() {
        let mut nodes = Nodes::default();
        let ds = nodes.add(NodeKind::Dataset, "pg://db:5432:shop.orders", "shop.orders");
        nodes.add_alias("orders", ds);
        // A product whose id is some dataset's other name is a product of its own, not that dataset;
        // from then on the id names the product.
        let product = nodes.add(NodeKind::Product, "orders", "Orders");
        assert_ne!(product, ds);
        assert_eq!(nodes.kind(product), NodeKind::Product);
        assert_eq!(nodes.find("orders"), Some(product));
        assert_eq!(nodes.find("pg://db:5432:shop.orders"), Some(ds));
    }
}
