//! The per-segment rows kept beside the index, one file a segment (`<segment id>.rows` in the
//! tantivy folder), so a new process maps them instead of building them (a cold CLI search on a
//! million documents spent most of its time on that).
//!
//! The files are a derived cache. Whichever process builds a segment's rows writes its file
//! (atomically); the writer removes the files of merged-away segments after each commit. A file
//! is used only if it matches its segment: format, schema version, segment id, document count,
//! the facets' storage and dictionary sizes, and its exact length. What is read from it is
//! bounded by its length, and every ordinal is checked before use (see
//! [`DocValues::for_each_ord`]), so a damaged file costs a rebuild or wrong counts, never a panic.

use std::path::{Path, PathBuf};

use tantivy::SegmentReader;
use tantivy::columnar::StrColumn;
use tantivy::directory::{Directory, MmapDirectory, OwnedBytes};
use tantivy::index::SegmentId;

use super::{DocValues, FacetValues, ROW_BYTES, SLOTS, Storage};
use crate::schema::{FACETS, SCHEMA_VERSION};

const MAGIC: &[u8; 8] = b"MLROWS\0\0";
/// Bumped whenever the layout of the file or of a row changes.
const FORMAT: u32 = 1;
const EXTENSION: &str = "rows";
/// A segment id as tantivy names its files: 32 hexadecimal digits.
const UUID_LEN: usize = 32;

/// Storage codes, one byte each.
const ABSENT: u8 = 0;
const SLOT: u8 = 1;
const TAGS: u8 = 2;
const WIDE: u8 = 3;

/// The folder holding the rows files.
pub(crate) struct RowsFiles {
    dir: MmapDirectory,
    path: PathBuf,
}

impl RowsFiles {
    /// The rows files in `path` (the tantivy folder), or none if it cannot be opened.
    pub fn open(path: &Path) -> Option<RowsFiles> {
        let dir = MmapDirectory::open(path).ok()?;
        Some(RowsFiles {
            dir,
            path: path.to_path_buf(),
        })
    }

    fn name(segment: SegmentId) -> PathBuf {
        PathBuf::from(format!("{}.{EXTENSION}", segment.uuid_string()))
    }

    /// The segment's rows from its file, mapped; none if the file is missing or does not match.
    pub fn load(&self, reader: &SegmentReader) -> Option<DocValues> {
        let name = Self::name(reader.segment_id());
        let bytes = self.dir.open_read(&name).ok()?.read_bytes().ok()?;
        let values = decode(bytes, reader);
        if values.is_none() {
            tracing::debug!(
                "ignoring the search rows file {name:?}: it does not match its segment"
            );
        }
        values
    }

    /// Writes the segment's rows file. A failure (a read-only folder, a full disk) only means
    /// the next process builds the rows again.
    pub fn save(&self, segment: SegmentId, values: &DocValues) {
        let name = Self::name(segment);
        if let Err(err) = self.dir.atomic_write(&name, &encode(segment, values)) {
            tracing::debug!("cannot write the search rows file {name:?}: {err}");
        }
    }

    /// Removes the rows files of every segment but `live`.
    pub fn keep_only(&self, live: &[SegmentId]) {
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return;
        };
        let keep: Vec<PathBuf> = live.iter().map(|&s| Self::name(s)).collect();
        for entry in entries.flatten() {
            let name = PathBuf::from(entry.file_name());
            let is_rows = name.extension().is_some_and(|e| e == EXTENSION);
            if is_rows && !keep.contains(&name) {
                // Best effort: another process may have removed it already.
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The file: a header, the facets, the overflow tags, then the rows (so the rows need no copy).
fn encode(segment: SegmentId, values: &DocValues) -> Vec<u8> {
    let mut facets = Vec::new();
    for facet in &values.facets {
        encode_facet(facet, &mut facets);
    }
    let mut out = Vec::with_capacity(64 + facets.len() + 2 * values.more_tags.len());
    out.extend_from_slice(MAGIC);
    for n in [FORMAT, SCHEMA_VERSION] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend_from_slice(segment.uuid_string().as_bytes());
    for n in [values.num_docs(), facets.len(), values.more_tags.len()] {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    out.extend_from_slice(&facets);
    for tag in &values.more_tags {
        out.extend_from_slice(&tag.to_le_bytes());
    }
    out.extend_from_slice(&values.rows);
    out
}

fn encode_facet(facet: &FacetValues, out: &mut Vec<u8>) {
    let (code, slot) = match facet.storage {
        Storage::Absent => (ABSENT, 0),
        Storage::Slot(slot) => (SLOT, slot as u8),
        Storage::Tags => (TAGS, 0),
        Storage::Wide(_) => (WIDE, 0),
    };
    out.extend_from_slice(&[code, slot]);
    out.extend_from_slice(&(facet.written.len() as u64).to_le_bytes());
    for value in facet.written.iter().chain(&facet.normalized) {
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
        out.extend_from_slice(value.as_bytes());
    }
}

/// The rows of `reader`'s segment from `bytes`, if they are its file.
fn decode(bytes: OwnedBytes, reader: &SegmentReader) -> Option<DocValues> {
    let mut input = Input(bytes.as_slice());
    let stamped = input.take(MAGIC.len())? == MAGIC
        && input.u32()? == FORMAT
        && input.u32()? == SCHEMA_VERSION
        && input.take(UUID_LEN)? == reader.segment_id().uuid_string().as_bytes();
    if !stamped {
        return None;
    }
    let num_docs = input.u64()?;
    if num_docs != u64::from(reader.max_doc()) {
        return None;
    }
    let facets_len = input.u64()?;
    let more_len = input.u64()?;
    let mut facets_input = Input(input.take(usize::try_from(facets_len).ok()?)?);
    let facets = FACETS
        .iter()
        .map(|name| decode_facet(&mut facets_input, reader.fast_fields().str(name).ok()?))
        .collect::<Option<Vec<FacetValues>>>()?;
    let more_bytes = input.take(usize::try_from(more_len).ok()?.checked_mul(2)?)?;
    let more_tags = more_bytes
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    let rows_at = bytes.len() - input.0.len();
    let complete = facets_input.0.is_empty() && input.0.len() as u64 == num_docs * ROW_BYTES as u64;
    complete.then(|| DocValues {
        rows: bytes.slice(rows_at..bytes.len()),
        more_tags,
        facets,
        with_value: Default::default(),
    })
}

/// One facet's entry, if it matches the segment's column (none when the segment has no such
/// column).
fn decode_facet(input: &mut Input, column: Option<StrColumn>) -> Option<FacetValues> {
    let code = input.u8()?;
    let slot = usize::from(input.u8()?);
    let count = input.u64()?;
    let terms = column.as_ref().map_or(0, |c| c.num_terms() as u64);
    if count != terms {
        return None;
    }
    let storage = match (code, column) {
        (ABSENT, None) => Storage::Absent,
        (SLOT, Some(_)) if slot < SLOTS => Storage::Slot(slot),
        (TAGS, Some(_)) => Storage::Tags,
        (WIDE, Some(column)) => Storage::Wide(column),
        _ => return None,
    };
    // Each ordinal takes 16 bytes at least (two lengths): a count beyond that is a damaged file.
    let count = usize::try_from(count).ok()?;
    if count > input.0.len() / 16 {
        return None;
    }
    let written = (0..count).map(|_| input.string()).collect::<Option<_>>()?;
    let normalized = (0..count).map(|_| input.string()).collect::<Option<_>>()?;
    Some(FacetValues {
        written,
        normalized,
        storage,
    })
}

/// Reads a file's bytes from the front, none past the end.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn string(&mut self) -> Option<String> {
        let len = usize::try_from(self.u64()?).ok()?;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::Index;

    use super::*;
    use crate::{SearchIndex, test_mesh};

    /// Every cut of a valid file, and every byte of its header and facets changed, reads no
    /// further than the file and panics nowhere.
    #[test]
    fn decoding_stays_within_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = SearchIndex::open(dir.path()).unwrap();
        index.rebuild(test_mesh::mesh(20, 2, 2)).unwrap();
        let tantivy = dir.path().join("tantivy");
        let searcher = Index::open_in_dir(&tantivy)
            .unwrap()
            .reader()
            .unwrap()
            .searcher();
        let reader = &searcher.segment_readers()[0];
        let files = RowsFiles::open(&tantivy).unwrap();
        let values = files.load(reader).expect("the writer wrote it");
        let file = encode(reader.segment_id(), &values);
        let rows_at = file.len() - values.rows.len();
        for cut in 0..file.len() {
            assert!(decode(OwnedBytes::new(file[..cut].to_vec()), reader).is_none());
        }
        for at in 0..rows_at {
            let mut damaged = file.clone();
            damaged[at] ^= 0x5a;
            decode(OwnedBytes::new(damaged), reader);
        }
        assert!(decode(OwnedBytes::new(file), reader).is_some());
    }
}
