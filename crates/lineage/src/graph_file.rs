//! The lineage graph on disk, beside the database (`meshlens.db.lineage-graph`), so that a CLI
//! process answers from it instead of building the graph from SQLite again (2.5 s on a
//! 10k-product mesh, against milliseconds to read the file).
//!
//! The file is a derived cache and trusted no further than its checks: a header (magic, format,
//! payload length, CRC-32 of the payload), then the stamp (meshlens version, the database's
//! `lineage_meta.instance` and the generation the graph was built at), then the graph. A file of
//! another format, version, database or generation, a truncated or damaged one, is not used: the
//! graph is built from SQLite and the file written again. It is written to a temporary file and
//! renamed over the old one, so a reader sees a whole file or the previous one; no fsync, since a
//! file a crash left short fails its length or checksum and is rebuilt.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use meshlens_model::SupportChannel;
use meshlens_store::Store;

use crate::codec::{Lazy, Malformed, Reader, Writer};
use crate::error::LineageError;
use crate::graph::{Csr, Graph, ProductInfo, meta, rebuild};
use crate::nodes::Nodes;

const MAGIC: &[u8; 8] = b"MLGRAPH\0";
/// Bump when the encoding or what a graph build derives changes: a file of another format is rebuilt.
const FORMAT: u32 = 1;
/// Magic, format, payload length, checksum.
const HEADER_BYTES: usize = 8 + 4 + 8 + 4;
/// A larger file is not read (the graph of a 10k-product mesh takes ≈ 20 MiB).
const MAX_FILE_BYTES: u64 = 2 << 30;
/// Appended to the database file's name.
const SUFFIX: &str = ".lineage-graph";

/// Why the graph file was not used.
#[derive(Debug, thiserror::Error)]
pub enum GraphFileError {
    #[error("there is none")]
    Missing,
    #[error("cannot read it: {0}")]
    Io(#[from] std::io::Error),
    #[error("it is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge,
    #[error("it is not a meshlens graph file")]
    Foreign,
    #[error("it is of format {0}, this meshlens reads format {FORMAT}")]
    OtherFormat(u32),
    #[error("its length does not match its header (truncated)")]
    Truncated,
    #[error("its checksum does not match (damaged)")]
    Checksum,
    #[error("it was written by meshlens {0}")]
    OtherVersion(String),
    #[error("it belongs to another database")]
    OtherDatabase,
    #[error("it holds generation {file}, the cache is at {current}")]
    Stale { file: i64, current: i64 },
    #[error("it does not decode: {0}")]
    Malformed(&'static str),
}

impl From<Malformed> for GraphFileError {
    fn from(Malformed(why): Malformed) -> GraphFileError {
        GraphFileError::Malformed(why)
    }
}

impl GraphFileError {
    /// Missing or out of date: what every change leaves, the next lineage call writes it again.
    /// Anything else means the file is damaged or not ours.
    pub fn is_routine(&self) -> bool {
        matches!(
            self,
            GraphFileError::Missing
                | GraphFileError::Stale { .. }
                | GraphFileError::OtherDatabase
                | GraphFileError::OtherVersion(_)
                | GraphFileError::OtherFormat(_)
        )
    }
}

/// Where the graph file of `store` lives; `None` for an in-memory cache.
pub fn graph_file_path(store: &Store) -> Option<PathBuf> {
    let db = store.database_path()?;
    let mut name = db.file_name()?.to_os_string();
    name.push(SUFFIX);
    Some(db.with_file_name(name))
}

/// Whether the graph file holds the graph of the cache's current generation, and if not, why.
pub async fn check_graph_file(store: &Store) -> Result<Result<(), GraphFileError>, LineageError> {
    let (instance, generation) = meta(store).await?;
    let Some(path) = graph_file_path(store) else {
        return Ok(Err(GraphFileError::Missing));
    };
    Ok(read_off_thread(path, instance, generation).await.map(drop))
}

/// Builds the graph from SQLite (whatever the file holds) and writes the file before returning.
/// Returns the generation built.
pub async fn rebuild_graph_file(store: &Store) -> Result<i64, LineageError> {
    let graph = rebuild(store).await?;
    let generation = graph.generation;
    let Some(path) = graph_file_path(store) else {
        return Ok(generation);
    };
    let target = path.clone();
    tokio::task::spawn_blocking(move || write(&target, &graph))
        .await
        .unwrap_or_else(|err| Err(std::io::Error::other(err)))
        .map_err(|source| LineageError::Write { path, source })?;
    Ok(generation)
}

/// Removes the graph file, so the next lineage call builds the graph from SQLite. True when there was one.
pub fn remove_graph_file(store: &Store) -> Result<bool, LineageError> {
    let Some(path) = graph_file_path(store) else {
        return Ok(false);
    };
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(LineageError::Write { path, source }),
    }
}

/// The graph of `instance` at `generation` from the file of `store`, when it holds exactly that.
pub(crate) async fn read_current(store: &Store, instance: &str, generation: i64) -> Option<Graph> {
    let path = graph_file_path(store)?;
    match read_off_thread(path, instance.to_owned(), generation).await {
        Ok(graph) => Some(graph),
        Err(err) => {
            tracing::debug!("building the lineage graph from the cache: the graph file: {err}");
            None
        }
    }
}

async fn read_off_thread(
    path: PathBuf,
    instance: String,
    generation: i64,
) -> Result<Graph, GraphFileError> {
    tokio::task::spawn_blocking(move || read(&path, &instance, generation))
        .await
        .map_err(|err| GraphFileError::Io(std::io::Error::other(err)))?
}

/// Writes the file of `store` on a blocking thread, leaving the answer that built the graph to go
/// on. A runtime waits for its blocking tasks when it shuts down, so a CLI process writes it before
/// it exits.
pub(crate) fn write_in_background(store: &Store, graph: Arc<Graph>) {
    let Some(path) = graph_file_path(store) else {
        return;
    };
    tokio::task::spawn_blocking(move || {
        if let Err(err) = write(&path, &graph) {
            tracing::warn!(
                "cannot write the lineage graph file {}: {err}",
                path.display()
            );
        }
    });
}

fn read(path: &Path, instance: &str, generation: i64) -> Result<Graph, GraphFileError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(GraphFileError::Missing);
        }
        Err(err) => return Err(err.into()),
    };
    let len = file.metadata()?.len();
    if len > MAX_FILE_BYTES {
        return Err(GraphFileError::TooLarge);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES).read_to_end(&mut bytes)?;
    decode(&bytes, instance, generation)
}

/// Every temporary file of this process gets a name of its own.
static TEMP_FILES: AtomicU64 = AtomicU64::new(0);

fn write(path: &Path, graph: &Graph) -> std::io::Result<()> {
    let bytes = encode(graph);
    let mut temp = path.as_os_str().to_os_string();
    temp.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        TEMP_FILES.fetch_add(1, Ordering::Relaxed)
    ));
    let temp = PathBuf::from(temp);
    let written = File::create(&temp)
        .and_then(|mut file| file.write_all(&bytes))
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

pub(crate) fn encode(graph: &Graph) -> Vec<u8> {
    let mut w = Writer::default();
    w.str(env!("CARGO_PKG_VERSION"));
    w.str(&graph.instance);
    w.i64(graph.generation);
    w.len(graph.edge_kinds.len());
    for kind in &graph.edge_kinds {
        w.str(kind);
    }
    graph.nodes.encode(&mut w);
    for csr in [&graph.datasets, &graph.columns, &graph.products] {
        csr.encode(&mut w);
    }
    w.lists(&graph.dataset_columns, |w, &k| w.u32(k));
    w.lists(&graph.product_datasets, |w, &k| w.u32(k));
    let mut domains: Vec<_> = graph.product_domains.iter().collect();
    domains.sort_unstable();
    w.len(domains.len());
    for (&product, domain) in domains {
        w.u32(product);
        w.str(domain);
    }
    // What a lineage answer seldom needs, decoded on first use.
    w.section(|w| encode_products(w, &graph.product_info));
    w.section(|w| w.lists(&graph.contract_datasets, |w, k| w.str(k)));
    w.section(|w| w.lists(&graph.contract_consumers, |w, k| w.str(k)));

    let payload = w.bytes;
    let mut out = Vec::with_capacity(HEADER_BYTES + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// The graph in `bytes` when they are a sound file of this format holding `instance` at `generation`.
pub(crate) fn decode(
    bytes: &[u8],
    instance: &str,
    generation: i64,
) -> Result<Graph, GraphFileError> {
    let payload = checked_payload(bytes)?;
    let mut r = Reader::new(payload);
    let version = r.str()?;
    if version != env!("CARGO_PKG_VERSION") {
        return Err(GraphFileError::OtherVersion(version.to_owned()));
    }
    if r.str()? != instance {
        return Err(GraphFileError::OtherDatabase);
    }
    let file_generation = r.i64()?;
    if file_generation != generation {
        return Err(GraphFileError::Stale {
            file: file_generation,
            current: generation,
        });
    }
    let graph = decode_graph(&mut r, instance, generation)?;
    if !r.is_empty() {
        return Err(Malformed("bytes follow the graph").into());
    }
    Ok(graph)
}

/// The payload after a header that matches it: magic, format, length and checksum.
fn checked_payload(bytes: &[u8]) -> Result<&[u8], GraphFileError> {
    if bytes.len() < HEADER_BYTES {
        return Err(if bytes.starts_with(MAGIC) || MAGIC.starts_with(bytes) {
            GraphFileError::Truncated
        } else {
            GraphFileError::Foreign
        });
    }
    let (header, payload) = bytes.split_at(HEADER_BYTES);
    let (magic, header) = header.split_at(MAGIC.len());
    if magic != MAGIC {
        return Err(GraphFileError::Foreign);
    }
    let mut r = Reader::new(header);
    let format = r.u32()?;
    if format != FORMAT {
        return Err(GraphFileError::OtherFormat(format));
    }
    if r.u64()? != payload.len() as u64 {
        return Err(GraphFileError::Truncated);
    }
    if r.u32()? != crc32fast::hash(payload) {
        return Err(GraphFileError::Checksum);
    }
    Ok(payload)
}

fn decode_graph(r: &mut Reader, instance: &str, generation: i64) -> Result<Graph, Malformed> {
    let edge_kinds = (0..r.len(4)?)
        .map(|_| r.str().map(Box::from))
        .collect::<Result<Vec<Box<str>>, _>>()?;
    let nodes = Nodes::decode(r)?;
    let n = nodes.len();
    let k = edge_kinds.len();
    let (datasets, columns, products) = (
        Csr::decode(r, n, k)?,
        Csr::decode(r, n, k)?,
        Csr::decode(r, n, k)?,
    );
    Ok(Graph {
        instance: instance.to_owned(),
        generation,
        dataset_columns: r.lists(n, |r| node_key(r, n))?,
        product_datasets: r.lists(n, |r| node_key(r, n))?,
        product_domains: decode_domains(r, n)?,
        product_info: Lazy::encoded(r.section()?, n, decode_products),
        contract_datasets: Lazy::encoded(r.section()?, n, |r, n| r.lists(n, text_key)),
        contract_consumers: Lazy::encoded(r.section()?, n, |r, n| r.lists(n, text_key)),
        nodes,
        edge_kinds,
        datasets,
        columns,
        products,
    })
}

fn node_key(r: &mut Reader, nodes: usize) -> Result<u32, Malformed> {
    match r.u32()? {
        key if (key as usize) < nodes => Ok(key),
        _ => Err(Malformed("a node number is out of range")),
    }
}

fn text_key(r: &mut Reader) -> Result<String, Malformed> {
    r.str().map(str::to_owned)
}

fn decode_domains(r: &mut Reader, nodes: usize) -> Result<HashMap<u32, String>, Malformed> {
    let count = r.len(8)?;
    let mut domains = HashMap::with_capacity(count);
    for _ in 0..count {
        let product = node_key(r, nodes)?;
        domains.insert(product, r.str()?.to_owned());
    }
    Ok(domains)
}

fn encode_products(w: &mut Writer, info: &HashMap<u32, ProductInfo>) {
    let mut products: Vec<_> = info.iter().collect();
    products.sort_unstable_by_key(|&(&p, _)| p);
    w.len(products.len());
    for (&product, info) in products {
        w.u32(product);
        w.opt_str(info.owner_team.as_deref());
        w.len(info.contacts.len());
        for c in &info.contacts {
            w.str(&c.channel);
            for field in [&c.url, &c.tool, &c.scope] {
                w.opt_str(field.as_deref());
            }
        }
        w.len(info.ports.len());
        for (name, output, contract) in &info.ports {
            w.str(name);
            w.u8(u8::from(*output));
            w.opt_str(contract.as_deref());
        }
    }
}

fn decode_products(r: &mut Reader, nodes: usize) -> Result<HashMap<u32, ProductInfo>, Malformed> {
    let count = r.len(14)?;
    let mut out = HashMap::with_capacity(count);
    for _ in 0..count {
        let product = node_key(r, nodes)?;
        let owned = |s: Option<&str>| s.map(str::to_owned);
        let owner_team = owned(r.opt_str()?);
        let contacts = (0..r.len(7)?)
            .map(|_| {
                Ok(SupportChannel {
                    channel: r.str()?.to_owned(),
                    url: owned(r.opt_str()?),
                    tool: owned(r.opt_str()?),
                    scope: owned(r.opt_str()?),
                })
            })
            .collect::<Result<_, Malformed>>()?;
        let ports = (0..r.len(6)?)
            .map(|_| {
                let name = r.str()?.to_owned();
                let output = match r.u8()? {
                    0 => false,
                    1 => true,
                    _ => return Err(Malformed("a port's direction is unknown")),
                };
                Ok((name, output, owned(r.opt_str()?)))
            })
            .collect::<Result<_, Malformed>>()?;
        out.insert(
            product,
            ProductInfo {
                owner_team,
                contacts,
                ports,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use meshlens_test_support::{DEMO_SOURCE, demo_mesh, sync_folder};

    use super::*;
    use crate::graph::{forget_cached, graph, load};
    use crate::query::{Level, LineageRequest, lineage_in};

    /// The demo mesh synced into a cache on disk, so the graph has a file beside it.
    async fn demo_on_disk() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("meshlens.db")).await.unwrap();
        sync_folder(&store, DEMO_SOURCE, &demo_mesh()).await;
        (dir, store)
    }

    /// The bytes of a file whose payload `change` edited, with a checksum that matches again.
    fn edited(bytes: &[u8], change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut payload = bytes[HEADER_BYTES..].to_vec();
        change(&mut payload);
        let mut out = bytes[..HEADER_BYTES - 12].to_vec();
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    fn dataset_edges(g: &Graph) -> usize {
        (0..g.nodes.len() as u32)
            .map(|n| g.datasets.out(n).count())
            .sum()
    }

    #[tokio::test]
    async fn a_graph_reads_back_as_written_and_answers_alike() {
        let (_dir, store) = demo_on_disk().await;
        let built = load(&store).await.unwrap();
        let bytes = encode(&built);
        let read = decode(&bytes, &built.instance, built.generation).unwrap();
        assert_eq!(
            encode(&read),
            bytes,
            "the same graph encodes to the same bytes"
        );
        let ids: Vec<&str> = built.nodes.ids().map(|(id, _)| id).collect();
        assert!(ids.len() > 100, "{}", ids.len());
        for id in ids {
            assert_eq!(read.nodes.find(id), built.nodes.find(id), "{id}");
            for level in [Level::Dataset, Level::Column, Level::Product] {
                let request = LineageRequest {
                    id: id.to_owned(),
                    upstream: 2,
                    downstream: 2,
                    level,
                };
                let (a, b) = (lineage_in(&built, &request), lineage_in(&read, &request));
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{id} {level:?}");
            }
        }
    }

    #[tokio::test]
    async fn short_damaged_foreign_and_other_files_are_refused() {
        let (_dir, store) = demo_on_disk().await;
        let built = load(&store).await.unwrap();
        let (instance, generation) = (built.instance.as_str(), built.generation);
        let bytes = encode(&built);
        let refusal = |bytes: &[u8]| decode(bytes, instance, generation).err().unwrap();

        for cut in [0, 5, HEADER_BYTES - 1, HEADER_BYTES, bytes.len() - 1] {
            assert!(
                matches!(refusal(&bytes[..cut]), GraphFileError::Truncated),
                "{cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(refusal(&longer), GraphFileError::Truncated));
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(refusal(&flipped), GraphFileError::Checksum));
        assert!(matches!(
            refusal(b"SQLite format 3\0 and more bytes"),
            GraphFileError::Foreign
        ));
        let mut old = bytes.clone();
        old[8] = 0;
        assert!(matches!(refusal(&old), GraphFileError::OtherFormat(0)));
        let other_version = edited(&bytes, |p| p[4] = b'9');
        assert!(matches!(
            refusal(&other_version),
            GraphFileError::OtherVersion(_)
        ));
        assert!(matches!(
            decode(&bytes, "another database", generation)
                .err()
                .unwrap(),
            GraphFileError::OtherDatabase
        ));
        assert!(matches!(
            decode(&bytes, instance, generation + 1).err().unwrap(),
            GraphFileError::Stale { file, current } if file == generation && current == generation + 1
        ));
    }

    /// A file whose checksum was made to match garbage is refused or read, never a panic.
    #[tokio::test]
    async fn garbage_behind_a_matching_checksum_never_panics() {
        let (_dir, store) = demo_on_disk().await;
        let built = load(&store).await.unwrap();
        let bytes = encode(&built);
        let stamp =
            HEADER_BYTES + 4 + env!("CARGO_PKG_VERSION").len() + 4 + built.instance.len() + 8;
        for at in (stamp..bytes.len()).step_by(37) {
            for garbage in [0x00, 0xff, 0x80] {
                let damaged = edited(&bytes, |p| p[at - HEADER_BYTES] = garbage);
                if let Ok(read) = decode(&damaged, &built.instance, built.generation) {
                    // The parts decoded on first use read as empty rather than fail.
                    let _ = (read.product_info.len(), read.contract_datasets.len());
                    let _ = read.contract_consumers.len();
                }
            }
        }
        let cut = edited(&bytes, |p| p.truncate(p.len() / 2));
        assert!(decode(&cut, &built.instance, built.generation).is_err());
    }

    #[tokio::test]
    async fn a_new_process_reads_the_file_and_a_stale_one_is_built_again() {
        let (_dir, store) = demo_on_disk().await;
        let generation = rebuild_graph_file(&store).await.unwrap();
        assert!(check_graph_file(&store).await.unwrap().is_ok());

        // Lineage rows gone without a bump: a graph built now would have no dataset edges, the file
        // still has them, so what the next process sees tells where its graph came from.
        sqlx::query("DELETE FROM lineage_edges")
            .execute(store.pool())
            .await
            .unwrap();
        forget_cached();
        let from_file = graph(&store).await.unwrap();
        assert_eq!(from_file.generation, generation);
        assert!(dataset_edges(&from_file) > 0);

        sqlx::query("UPDATE lineage_meta SET generation = generation + 1")
            .execute(store.pool())
            .await
            .unwrap();
        assert!(matches!(
            check_graph_file(&store).await.unwrap(),
            Err(GraphFileError::Stale { .. })
        ));
        forget_cached();
        let rebuilt = graph(&store).await.unwrap();
        assert_eq!(rebuilt.generation, generation + 1);
        assert_eq!(dataset_edges(&rebuilt), 0);
        // Written in the background.
        for _ in 0..200 {
            if check_graph_file(&store).await.unwrap().is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the graph file was not written again");
    }

    #[tokio::test]
    async fn removing_the_file_leaves_none() {
        let (_dir, store) = demo_on_disk().await;
        rebuild_graph_file(&store).await.unwrap();
        assert!(remove_graph_file(&store).unwrap());
        assert!(!remove_graph_file(&store).unwrap());
        assert!(matches!(
            check_graph_file(&store).await.unwrap(),
            Err(GraphFileError::Missing)
        ));
        let memory = Store::open_in_memory().await.unwrap();
        assert_eq!(graph_file_path(&memory), None);
    }
}
