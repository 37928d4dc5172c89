//! The graph's nodes, interned compactly: a 10k-product mesh has ≈ 400k of them (datasets, jobs,
//! columns, products), kept in memory for as long as the app runs. Every id lives once in one text
//! buffer, and a name that ends its id (a dataset's, a job's, a column's) is a slice of it; the
//! id → node table stores node numbers only. One `String` per id and name plus a second copy of the
//! id as the hash map's key took ≈ 2.5× the memory (docs/benchmarks.md, "Desktop UI").
//!
//! The id table is an open-addressing table over a hash of our own (FNV-1a), not the process's
//! randomly seeded one, so the graph file stores it as it is and a cold CLI call reads it back
//! without hashing every id again.

use std::collections::HashMap;

use crate::codec::{Malformed, Reader, Writer};
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

/// A free slot of the id table.
const EMPTY: u32 = u32::MAX;

#[derive(Default)]
pub(crate) struct Nodes {
    nodes: Vec<Node>,
    text: String,
    /// Node numbers at the slot their id hashes to (or the next free one); a power of two long and
    /// at most half full, so a probe always meets a free slot.
    slots: Vec<u32>,
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
        let index = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&n| n != EMPTY)
            .expect("fewer than 2^32 - 1 lineage nodes");
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
        if self.nodes.len() * 2 > self.slots.len() {
            // Places every node, this one too.
            self.grow_slots();
        } else {
            let slot = self.free_slot(id);
            self.slots[slot] = index;
        }
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
        self.probe(id).find_map(|n| match n {
            EMPTY => Some(None),
            n if self.id(n) == id => Some(Some(n)),
            _ => None,
        })?
    }

    /// The slots `id` may sit in, in probing order; every slot once at most, so even a table
    /// without a free slot ends.
    fn probe(&self, id: &str) -> impl Iterator<Item = u32> + '_ {
        let mask = self.slots.len().wrapping_sub(1);
        let start = slot_hash(id) as usize;
        (0..self.slots.len()).map(move |step| self.slots[start.wrapping_add(step) & mask])
    }

    /// The free slot for an id the table does not hold.
    fn free_slot(&self, id: &str) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = slot_hash(id) as usize & mask;
        while self.slots[slot] != EMPTY {
            slot = (slot + 1) & mask;
        }
        slot
    }

    /// Doubles the id table (it stays at most half full), placing every node again.
    fn grow_slots(&mut self) {
        let size = (self.nodes.len() * 2).next_power_of_two().max(16);
        self.slots = vec![EMPTY; size];
        for n in 0..self.nodes.len() as u32 {
            let slot = self.free_slot(self.id(n));
            self.slots[slot] = n;
        }
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

/// The graph file's encoding of nodes: the id text, then per node its kind, product and spans, the id
/// table as it is and the aliases.
impl Nodes {
    pub fn encode(&self, w: &mut Writer) {
        w.str(&self.text);
        w.len(self.nodes.len());
        for node in &self.nodes {
            w.u8(node.kind.code());
            w.u32(node.product.unwrap_or(EMPTY));
            for span in [node.id, node.name] {
                w.u32(span.at);
                w.u32(span.len);
            }
        }
        w.u32s(&self.slots);
        let mut aliases: Vec<_> = self.aliases.iter().collect();
        aliases.sort_unstable();
        w.len(aliases.len());
        for (alias, &node) in aliases {
            w.str(alias);
            w.u32(node);
        }
    }

    /// What [`Nodes::encode`] wrote, checked so that no later lookup can fail on it: kinds known,
    /// spans inside the text on character boundaries, node numbers in range, an id table a probe
    /// always ends in.
    pub fn decode(r: &mut Reader) -> Result<Nodes, Malformed> {
        let text = r.str()?.to_owned();
        let count = r.len(NODE_BYTES)?;
        let mut nodes = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = NodeKind::from_code(r.u8()?).ok_or(Malformed("a node has no known kind"))?;
            let product = Some(r.u32()?).filter(|&p| p != EMPTY);
            let (id, name) = (read_span(r, &text)?, read_span(r, &text)?);
            if product.is_some_and(|p| p as usize >= count) {
                return Err(Malformed("a node's product is out of range"));
            }
            nodes.push(Node {
                kind,
                product,
                id,
                name,
            });
        }
        let slots = r.u32s()?;
        let filled = slots.iter().filter(|&&n| n != EMPTY).count();
        let sound = (slots.is_empty() || slots.len().is_power_of_two())
            && filled == count
            && slots.len() >= 2 * count
            && slots.iter().all(|&n| n == EMPTY || (n as usize) < count);
        if !sound {
            return Err(Malformed("the id table does not fit the nodes"));
        }
        let alias_count = r.len(8)?;
        let mut aliases = HashMap::with_capacity(alias_count);
        for _ in 0..alias_count {
            let alias = r.str()?;
            let node = r.u32()?;
            if node as usize >= count {
                return Err(Malformed("an alias names no node"));
            }
            aliases.insert(alias.into(), node);
        }
        Ok(Nodes {
            nodes,
            text,
            slots,
            aliases,
        })
    }
}

/// Bytes of one node in the graph file: its kind, product and two spans.
const NODE_BYTES: usize = 1 + 4 + 4 * 4;

fn read_span(r: &mut Reader, text: &str) -> Result<Span, Malformed> {
    let (at, len) = (r.u32()?, r.u32()?);
    let end = at.checked_add(len).map(|end| end as usize);
    match end {
        Some(end)
            if end <= text.len()
                && text.is_char_boundary(at as usize)
                && text.is_char_boundary(end) =>
        {
            Ok(Span { at, len })
        }
        _ => Err(Malformed("a node's text lies outside the id text")),
    }
}

/// Where the id table starts looking for `id`: FNV-1a, whose value is the same in every process
/// and every build, with its bits mixed by a multiplication so that a table's low bits use them all.
fn slot_hash(id: &str) -> u64 {
    let fnv = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    fnv.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(32)
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
