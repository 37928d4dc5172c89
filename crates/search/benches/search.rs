//! Benchmark on a generated mesh of 10k products / 10k contracts / 100k datasets / 1M columns:
//! full build, ≥1,000 realistic queries (exact names, prefixes, typos, column and domain words,
//! facet filters) with p50/p99 latency, and an incremental update after 1% of products change.
//! Run with `cargo bench -p meshlens-search`; prints the figures.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use meshlens_search::{SearchIndex, SearchRequest};

const PRODUCTS: usize = 10_000;
const DATASETS: usize = 10;
const COLUMNS: usize = 10;
const QUERIES: usize = 2_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    // Profiling the queries alone: MESHLENS_BENCH_INDEX=DIR keeps the built index there and reuses it.
    let dir = std::env::var_os("MESHLENS_BENCH_INDEX")
        .map_or_else(|| tmp.path().join("index"), std::path::PathBuf::from);
    let mut index = SearchIndex::open(&dir)?;
    if index.needs_rebuild() || index.num_docs() == 0 {
        let started = Instant::now();
        let stats = index.rebuild(common::mesh(PRODUCTS, DATASETS, COLUMNS))?;
        println!(
            "build: {} docs in {:.2} s",
            stats.total,
            started.elapsed().as_secs_f64()
        );
    }

    // MESHLENS_BENCH_SHAPE=N runs only the queries of one shape (see SHAPES).
    let shape: Option<usize> = std::env::var("MESHLENS_BENCH_SHAPE")
        .ok()
        .and_then(|s| s.parse().ok());
    let requests: Vec<(usize, SearchRequest)> = (0..QUERIES)
        .filter(|i| shape.is_none_or(|s| i % SHAPES.len() == s))
        .map(|i| (i % SHAPES.len(), request(i)))
        .collect();
    for (_, r) in requests.iter().take(200) {
        index.search(r)?;
    }
    let mut times = Vec::with_capacity(requests.len());

    let mut by_shape: Vec<Vec<Duration>> = vec![Vec::new(); SHAPES.len()];
    let mut matches_by_shape = vec![0u64; SHAPES.len()];
    let mut empty = 0;
    for (shape, r) in &requests {
        let t = Instant::now();
        let results = index.search(r)?;
        let took = t.elapsed();

        times.push(took);
        by_shape[*shape].push(took);
        matches_by_shape[*shape] += results.total;
        empty += usize::from(results.hits.is_empty());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "search: {} queries ({} empty): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        empty,
        ms(pct(0.5)),
        ms(pct(0.9)),
        ms(pct(0.99)),
        ms(*times.last().unwrap_or(&Duration::ZERO))
    );

    for ((shape, mut t), matches) in SHAPES
        .iter()
        .zip(by_shape)
        .zip(matches_by_shape)
        .filter(|((_, t), _)| !t.is_empty())
    {
        t.sort();
        println!(
            "  {shape:<22} p50 {:.2} ms, p99 {:.2} ms, {} matches on average",
            ms(t[t.len() / 2]),
            ms(t[(t.len() - 1) * 99 / 100]),
            matches / t.len() as u64
        );
    }

    // 1% of products change: each brings its product, contract, datasets and columns.
    let changed: Vec<_> = (0..PRODUCTS)
        .step_by(100)
        .flat_map(|p| {
            common::product_docs(p, DATASETS, COLUMNS)
                .into_iter()
                .map(|mut d| {
                    d.description = Some(format!("revised {}", d.description.unwrap_or_default()));
                    d
                })
        })
        .collect();
    let count = changed.len();
    let started = Instant::now();
    let stats = index.apply(changed, &[])?;
    println!(
        "incremental: {count} docs of {} products replaced in {:.2} s ({} docs total)",
        PRODUCTS / 100,
        started.elapsed().as_secs_f64(),
        stats.total
    );
    let revised = index.search(&SearchRequest::new("revised"))?;
    println!("check: {} documents mention the revision", revised.total);
    Ok(())
}

const SHAPES: [&str; 10] = [
    "product name",
    "code name prefix",
    "code name typo",
    "entity qualifier",
    "column name",
    "domain entity",
    "dataset name",
    "typo entity qualifier",
    "product id",
    "quoted column phrase",
];

/// A realistic query mix, deterministic by index.
fn request(i: usize) -> SearchRequest {
    let h = common::mix(i as u64);
    let p = (h % PRODUCTS as u64) as usize;
    let name = common::product_name(p);
    let code = common::codename(p);
    let pick = |list: &[&str], salt: u64| {
        list[(common::mix(h ^ salt) % list.len() as u64) as usize].to_string()
    };
    let query = match i % SHAPES.len() {
        0 => name.clone(),
        1 => code[..code.len().min(4)].to_string(),
        2 => typo(&code, h),
        3 => format!(
            "{} {}",
            pick(&common::ENTITIES, 1),
            pick(&common::QUALIFIERS, 2)
        ),
        4 => pick(&common::COLUMNS, 3),
        5 => format!(
            "{} {}",
            pick(&common::DOMAINS, 4),
            pick(&common::ENTITIES, 5)
        ),
        6 => common::dataset_name(p, (h % DATASETS as u64) as usize),
        7 => format!(
            "{} {}",
            typo(&pick(&common::ENTITIES, 6), h >> 8),
            pick(&common::QUALIFIERS, 7)
        ),
        8 => common::product_id(p),
        _ => format!("\"{}\"", pick(&common::COLUMNS, 8).replace('_', " ")),
    };
    let mut r = SearchRequest::new(query);
    match (h >> 20) % 6 {
        0 => r.kind = Some("product".into()),
        1 => r.domain = Some(pick(&common::DOMAINS, 9)),
        2 => r.status = Some("active".into()),
        3 => r.tag = Some(pick(&common::TAGS, 10)),
        _ => {}
    }
    r
}

/// Swaps two adjacent letters (the most common typing slip).
fn typo(word: &str, h: u64) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() >= 4 {
        let at = 1 + (h as usize % (chars.len() - 2));
        chars.swap(at, at + 1);
    }
    chars.into_iter().collect()
}
