//! The graph file's primitives: little-endian integers, length-prefixed strings and arrays. The
//! reader trusts nothing: every length is checked against the bytes left before anything is
//! allocated, so a damaged or foreign file is an error, never a panic or a huge allocation.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::OnceLock;

/// Why bytes do not decode as a graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Malformed(pub &'static str);

#[derive(Default)]
pub(crate) struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// A length; the graph's counts all fit in a u32 (its nodes are numbered by one).
    pub fn len(&mut self, len: usize) {
        self.u32(u32::try_from(len).expect("graph parts under 2^32 items"));
    }

    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.bytes.extend_from_slice(s.as_bytes());
    }

    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }

    pub fn u32s(&mut self, values: &[u32]) {
        self.len(values.len());
        self.bytes.reserve(values.len() * 4);
        for v in values {
            self.bytes.extend_from_slice(&v.to_le_bytes());
        }
    }

    pub fn u16s(&mut self, values: &[u16]) {
        self.len(values.len());
        self.bytes.reserve(values.len() * 2);
        for v in values {
            self.bytes.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// A part [`Reader::section`] takes whole, to decode later: its length, then its bytes.
    pub fn section(&mut self, part: impl FnOnce(&mut Writer)) {
        let mut inner = Writer::default();
        part(&mut inner);
        self.len(inner.bytes.len());
        self.bytes.extend_from_slice(&inner.bytes);
    }

    /// A map to node lists, in key order so that one graph always gives the same bytes.
    pub fn lists<K: Ord>(&mut self, map: &HashMap<K, Vec<u32>>, key: impl Fn(&mut Self, &K)) {
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        self.len(entries.len());
        for (k, list) in entries {
            key(self, k);
            self.u32s(list);
        }
    }
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if n > self.bytes.len() {
            return Err(Malformed("the graph file ends early"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u32(&mut self) -> Result<u32, Malformed> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Result<u64, Malformed> {
        self.array().map(u64::from_le_bytes)
    }

    pub fn i64(&mut self) -> Result<i64, Malformed> {
        self.array().map(i64::from_le_bytes)
    }

    /// A count of items of at least `item_size` bytes each, which must all fit in what is left.
    pub fn len(&mut self, item_size: usize) -> Result<usize, Malformed> {
        let len = self.u32()? as usize;
        if len.saturating_mul(item_size.max(1)) > self.bytes.len() {
            return Err(Malformed("a length runs past the end of the graph file"));
        }
        Ok(len)
    }

    /// What [`Writer::section`] wrote, undecoded.
    pub fn section(&mut self) -> Result<&'a [u8], Malformed> {
        let len = self.len(1)?;
        self.take(len)
    }

    pub fn str(&mut self) -> Result<&'a str, Malformed> {
        let len = self.len(1)?;
        std::str::from_utf8(self.take(len)?).map_err(|_| Malformed("a text is not UTF-8"))
    }

    pub fn opt_str(&mut self) -> Result<Option<&'a str>, Malformed> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.str().map(Some),
            _ => Err(Malformed("an optional text has a bad tag")),
        }
    }

    pub fn u32s(&mut self) -> Result<Vec<u32>, Malformed> {
        let len = self.len(4)?;
        Ok(self
            .take(len * 4)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    pub fn u16s(&mut self) -> Result<Vec<u16>, Malformed> {
        let len = self.len(2)?;
        Ok(self
            .take(len * 2)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect())
    }

    /// Node numbers, each below `nodes`.
    pub fn nodes(&mut self, nodes: usize) -> Result<Vec<u32>, Malformed> {
        let list = self.u32s()?;
        if list.iter().any(|&n| n as usize >= nodes) {
            return Err(Malformed("a node number is out of range"));
        }
        Ok(list)
    }

    /// What [`Writer::lists`] wrote: keys with lists of node numbers below `nodes`.
    pub fn lists<K: Eq + std::hash::Hash>(
        &mut self,
        nodes: usize,
        mut key: impl FnMut(&mut Self) -> Result<K, Malformed>,
    ) -> Result<HashMap<K, Vec<u32>>, Malformed> {
        let len = self.len(8)?;
        let mut map = HashMap::with_capacity(len);
        for _ in 0..len {
            let k = key(self)?;
            map.insert(k, self.nodes(nodes)?);
        }
        Ok(map)
    }
}

/// A part of the graph decoded on first use, so that a cold call that never reads it never pays for
/// it (a product lineage needs no contract maps, nor any product's ports and contacts). A part that
/// does not decode, which its checksum makes all but impossible, reads as empty.
pub(crate) struct Lazy<T> {
    value: OnceLock<T>,
    encoded: Option<Encoded<T>>,
}

struct Encoded<T> {
    bytes: Box<[u8]>,
    /// Node numbers in it are below this.
    nodes: usize,
    decode: fn(&mut Reader, usize) -> Result<T, Malformed>,
}

impl<T: Default> Lazy<T> {
    /// A part built in memory.
    pub fn ready(value: T) -> Lazy<T> {
        Lazy {
            value: OnceLock::from(value),
            encoded: None,
        }
    }

    /// A part read from a file, decoded by `decode` on first use.
    pub fn encoded(
        bytes: &[u8],
        nodes: usize,
        decode: fn(&mut Reader, usize) -> Result<T, Malformed>,
    ) -> Lazy<T> {
        Lazy {
            value: OnceLock::new(),
            encoded: Some(Encoded {
                bytes: bytes.into(),
                nodes,
                decode,
            }),
        }
    }

    fn decode(&self) -> T {
        let Some(encoded) = &self.encoded else {
            return T::default();
        };
        let mut r = Reader::new(&encoded.bytes);
        match (encoded.decode)(&mut r, encoded.nodes) {
            Ok(value) if r.is_empty() => value,
            Ok(_) => {
                tracing::warn!(
                    "a part of the lineage graph file has bytes left over; read as empty"
                );
                T::default()
            }
            Err(err) => {
                tracing::warn!(
                    "a part of the lineage graph file does not decode ({err}); read as empty"
                );
                T::default()
            }
        }
    }
}

impl<T: Default> Deref for Lazy<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.get_or_init(|| self.decode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_round_trip() {
        let mut w = Writer::default();
        w.u8(7);
        w.u32(0xdead_beef);
        w.i64(-42);
        w.str("héllo");
        w.opt_str(None);
        w.opt_str(Some("x"));
        w.u32s(&[1, 2, 3]);
        w.u16s(&[4, 5]);
        let mut r = Reader::new(&w.bytes);
        assert_eq!(r.u8(), Ok(7));
        assert_eq!(r.u32(), Ok(0xdead_beef));
        assert_eq!(r.i64(), Ok(-42));
        assert_eq!(r.str(), Ok("héllo"));
        assert_eq!(r.opt_str(), Ok(None));
        assert_eq!(r.opt_str(), Ok(Some("x")));
        assert_eq!(r.u32s(), Ok(vec![1, 2, 3]));
        assert_eq!(r.u16s(), Ok(vec![4, 5]));
        assert!(r.is_empty());
    }

    #[test]
    fn lengths_past_the_end_and_bad_text_are_errors() {
        let mut huge = Writer::default();
        huge.u32(u32::MAX);
        assert!(Reader::new(&huge.bytes).u32s().is_err());
        assert!(Reader::new(&huge.bytes).str().is_err());
        let mut bad = Writer::default();
        bad.u32(2);
        bad.bytes.extend_from_slice(&[0xff, 0xfe]);
        assert!(Reader::new(&bad.bytes).str().is_err());
        assert!(Reader::new(&[1, 2]).u32().is_err());
        let mut out_of_range = Writer::default();
        out_of_range.u32s(&[0, 5]);
        assert!(Reader::new(&out_of_range.bytes).nodes(5).is_err());
    }
}
