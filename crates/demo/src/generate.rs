//! The deterministic synthetic mesh generator.
//!
//! Layout of the output folder:
//! - `<domain>/<product-id>.odps.yaml`: ODPS v1.0.0 data products.
//! - `<domain>/contracts/<contract-id>.odcs.yaml`: ODCS v3.1.0 contracts, one per output port.
//! - `lineage/lineage-NNNNN.ndjson`: OpenLineage RunEvents (START + COMPLETE per job, one job per contract).
//! - `quality/quality-NNNNN.ndjson`: OpenLineage COMPLETE RunEvents carrying `dataQualityAssertions` input facets.
//!
//! Products only depend on products generated before them, so input ports form a DAG. Lineage dataset
//! identities are derived from each contract's server and `schema[].physicalName` the way the
//! OpenLineage naming conventions describe:
//! - `postgres`: namespace `postgres://{host}:{port}`, name `{database}.{schema}.{physicalName}`
//! - `snowflake`: namespace `snowflake://{account}`, name `{database}.{schema}.{physicalName}`
//! - `kafka`: namespace `kafka://{host}` (host includes the port), name `{physicalName}` (the topic)
//!
//! Root products read from operational source tables (`postgres://erp-db...`) that have no contract.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{Value, json};

use crate::ndjson::RotatingNdjson;
use crate::words::{self, ColumnWord, DomainWords, Kind};
use crate::yaml::YamlDoc;

/// NDJSON output files never grow beyond this many bytes.
pub const MAX_NDJSON_FILE_BYTES: u64 = 5 * 1024 * 1024;

const PRODUCER: &str = "https://meshlens.example/demo-generator";
const RUN_EVENT_SCHEMA: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const ASSERTIONS_SCHEMA: &str = "https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet";
/// Share of quality assertions that fail.
const FAILURE_RATE: f64 = 0.03;

/// What to generate and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Output folder; must be missing or empty so nothing existing is overwritten.
    pub out: PathBuf,
    /// Number of data products (≈2 contracts, ≈10 datasets and ≈100 columns each).
    pub products: usize,
    /// Same seed, same bytes.
    pub seed: u64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GenerateSummary {
    pub products: usize,
    pub contracts: usize,
    /// ODCS schema objects.
    pub datasets: usize,
    /// ODCS schema properties.
    pub columns: usize,
    /// ODCS `quality[]` rules at object and property level.
    pub quality_rules: usize,
    /// Input ports over all products (each references an existing contract).
    pub input_ports: usize,
    pub lineage_events: usize,
    /// Distinct (input dataset, output dataset) pairs per job, summed over jobs.
    pub lineage_edges: usize,
    pub lineage_files: usize,
    pub quality_events: usize,
    pub quality_assertions: usize,
    pub failing_assertions: usize,
    pub quality_files: usize,
    /// All files written (products + contracts + lineage files + quality files).
    pub files: usize,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("output folder {} is not empty; pick a new or empty folder so no existing file is overwritten", path.display())]
    OutputNotEmpty { path: PathBuf },
    #[error("output path {} exists and is not a folder", path.display())]
    NotADirectory { path: PathBuf },
    #[error("the number of products must be at least 1")]
    NoProducts,
    #[error("cannot encode an OpenLineage event: {0}")]
    Encode(#[from] serde_json::Error),
}

impl GenerateError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        GenerateError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Platform {
    Postgres,
    Snowflake,
    Kafka,
}

#[derive(Clone, Copy)]
enum Style {
    Snake,
    Camel,
    Kebab,
}

/// What later products need to know about an earlier contract.
struct ContractRef {
    id: String,
    version: String,
    port_name: String,
    /// OpenLineage identities (namespace, name) of its datasets.
    datasets: Vec<(String, String)>,
}

struct Column {
    name: String,
    kind: Kind,
    /// The word's description, or one naming the entity for key columns.
    description: Cow<'static, str>,
    classification: &'static str,
    primary_key: bool,
    required: bool,
}

struct QualityRule {
    name: String,
    metric: &'static str,
    /// `(operator, value)` as written in YAML.
    operator: (&'static str, u32),
    unit: Option<&'static str>,
    column: Option<String>,
    severity: &'static str,
    dimension: &'static str,
}

struct DatasetPlan {
    name: String,
    physical_name: String,
    entity: (&'static str, &'static str),
    columns: Vec<Column>,
    rules: Vec<QualityRule>,
}

struct ContractPlan {
    id: String,
    slug: String,
    name: String,
    version: String,
    status: &'static str,
    platform: Platform,
    datasets: Vec<DatasetPlan>,
}

/// Everything one product needs while its files are written.
struct ProductPlan {
    index: usize,
    id: String,
    name: String,
    domain: &'static DomainWords,
    status: &'static str,
    version: String,
    schema: String,
    team: String,
    members: Vec<(String, String, &'static str)>,
    tags: Vec<String>,
    purpose: String,
    use_case: &'static str,
    inputs: Vec<usize>,
    contracts: Vec<ContractPlan>,
}

/// Writes a synthetic mesh of `opts.products` data products into `opts.out` (see the module docs for
/// the layout). Output depends only on the options: same seed, byte-identical files.
pub fn generate(opts: &GenerateOptions) -> Result<GenerateSummary, GenerateError> {
    if opts.products == 0 {
        return Err(GenerateError::NoProducts);
    }
    prepare_out_dir(&opts.out)?;
    let mut g = Generator {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        out: opts.out.clone(),
        created_dirs: BTreeSet::new(),
        contracts: Vec::new(),
        by_domain: vec![Vec::new(); words::DOMAINS.len()],
        doc: YamlDoc::new(),
        json: Vec::with_capacity(64 * 1024),
        lineage: RotatingNdjson::new(
            &mkdir(&opts.out.join("lineage"))?,
            "lineage",
            MAX_NDJSON_FILE_BYTES,
        ),
        quality: RotatingNdjson::new(
            &mkdir(&opts.out.join("quality"))?,
            "quality",
            MAX_NDJSON_FILE_BYTES,
        ),
        summary: GenerateSummary::default(),
    };
    for index in 0..opts.products {
        let plan = g.plan_product(index);
        g.write_product(&plan)?;
        for contract in &plan.contracts {
            g.write_contract(&plan, contract)?;
        }
        g.write_lineage(&plan)?;
        g.write_quality(&plan)?;
        g.remember(&plan);
    }
    let Generator {
        lineage,
        quality,
        mut summary,
        ..
    } = g;
    let (files, bytes, lines) = lineage.finish()?;
    summary.lineage_files = files;
    summary.lineage_events = lines as usize;
    summary.bytes += bytes;
    let (files, bytes, lines) = quality.finish()?;
    summary.quality_files = files;
    summary.quality_events = lines as usize;
    summary.bytes += bytes;
    summary.files =
        summary.products + summary.contracts + summary.lineage_files + summary.quality_files;
    Ok(summary)
}

fn prepare_out_dir(out: &Path) -> Result<(), GenerateError> {
    if out.exists() {
        if !out.is_dir() {
            return Err(GenerateError::NotADirectory {
                path: out.to_path_buf(),
            });
        }
        let mut entries = fs::read_dir(out).map_err(|e| GenerateError::io(out, e))?;
        if entries.next().is_some() {
            return Err(GenerateError::OutputNotEmpty {
                path: out.to_path_buf(),
            });
        }
    }
    mkdir(out).map(drop)
}

fn mkdir(path: &Path) -> Result<PathBuf, GenerateError> {
    fs::create_dir_all(path).map_err(|e| GenerateError::io(path, e))?;
    Ok(path.to_path_buf())
}

struct Generator {
    rng: ChaCha8Rng,
    out: PathBuf,
    created_dirs: BTreeSet<PathBuf>,
    contracts: Vec<ContractRef>,
    /// Indices into `contracts`, per domain, so products mostly consume their own domain's data.
    by_domain: Vec<Vec<usize>>,
    doc: YamlDoc,
    json: Vec<u8>,
    lineage: RotatingNdjson,
    quality: RotatingNdjson,
    summary: GenerateSummary,
}

impl Generator {
    fn plan_product(&mut self, index: usize) -> ProductPlan {
        let rng = &mut self.rng;
        let domain_index = rng.random_range(0..words::DOMAINS.len());
        let domain = &words::DOMAINS[domain_index];
        let primary = *domain
            .entities
            .choose(rng)
            .expect("every domain has entities");
        let qualifier = *words::QUALIFIERS.choose(rng).expect("non-empty");
        let region = rng
            .random_bool(0.25)
            .then(|| *words::REGIONS.choose(rng).expect("non-empty"));
        let mut name = String::new();
        if let Some(region) = region {
            name.push_str(region);
            name.push(' ');
        }
        name.push_str(&title(primary.0));
        name.push(' ');
        name.push_str(qualifier);
        let number = index + 1;
        let id = format!("{}-{number:05}", slug(&name));
        let status = match rng.random_range(0..100) {
            0..90 => "active",
            90..94 => "deprecated",
            94..97 => "draft",
            _ => "retired",
        };
        let version = format!(
            "{}.{}.{}",
            rng.random_range(1..=3),
            rng.random_range(0..10),
            rng.random_range(0..5)
        );
        let team = format!(
            "{}-{}",
            domain.name,
            words::TEAM_WORDS.choose(rng).expect("non-empty")
        );
        let members = (0..rng.random_range(2..=4))
            .map(|i| {
                let first = *words::FIRST_NAMES.choose(rng).expect("non-empty");
                let last = *words::LAST_NAMES.choose(rng).expect("non-empty");
                let role = if i == 0 {
                    "owner"
                } else {
                    *words::MEMBER_ROLES.choose(rng).expect("non-empty")
                };
                (
                    format!("{first}.{last}"),
                    format!("{} {}", title(first), title(last)),
                    role,
                )
            })
            .collect();
        let use_case = *words::USE_CASES.choose(rng).expect("non-empty");
        let purpose = format!(
            "{} of {} for the {} domain, used for {use_case}.",
            qualifier,
            primary.0.replace('_', " "),
            domain.name
        );
        let mut tags = vec![domain.name.to_string(), primary.0.replace('_', "-")];
        if let Some(region) = region {
            tags.push(region.to_lowercase());
        }

        let inputs = if index == 0 || self.rng.random_bool(0.25) {
            Vec::new()
        } else {
            self.pick_inputs(domain_index)
        };

        let contract_count = match self.rng.random_range(0..10) {
            0..3 => 1,
            3..7 => 2,
            _ => 3,
        };
        let total_datasets = self.rng.random_range(8..=12);
        let mut sizes = vec![1usize; contract_count];
        for _ in contract_count..total_datasets {
            sizes[self.rng.random_range(0..contract_count)] += 1;
        }
        let schema = slug(&id).replace('-', "_");
        let mut used_slugs = BTreeSet::new();
        let mut used_tables = BTreeSet::new();
        let contracts = sizes
            .iter()
            .enumerate()
            .map(|(k, &size)| {
                self.plan_contract(
                    domain,
                    primary,
                    k,
                    size,
                    number,
                    status,
                    &id,
                    &mut used_slugs,
                    &mut used_tables,
                )
            })
            .collect();
        ProductPlan {
            index,
            id,
            name,
            domain,
            status,
            version,
            schema,
            team,
            members,
            tags,
            purpose,
            use_case,
            inputs,
            contracts,
        }
    }

    /// 1–3 earlier contracts, mostly from the same domain.
    fn pick_inputs(&mut self, domain_index: usize) -> Vec<usize> {
        let wanted = self.rng.random_range(1..=3);
        let mut picked = Vec::with_capacity(wanted);
        for _ in 0..wanted * 3 {
            if picked.len() == wanted {
                break;
            }
            let same_domain = &self.by_domain[domain_index];
            let candidate = if !same_domain.is_empty() && self.rng.random_bool(0.6) {
                *same_domain
                    .choose(&mut self.rng)
                    .expect("checked non-empty")
            } else {
                self.rng.random_range(0..self.contracts.len())
            };
            if !picked.contains(&candidate) {
                picked.push(candidate);
            }
        }
        picked
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_contract(
        &mut self,
        domain: &'static DomainWords,
        primary: (&'static str, &'static str),
        k: usize,
        size: usize,
        number: usize,
        product_status: &'static str,
        product_id: &str,
        used_slugs: &mut BTreeSet<String>,
        used_tables: &mut BTreeSet<String>,
    ) -> ContractPlan {
        let rng = &mut self.rng;
        let entity = if k == 0 {
            primary
        } else {
            *domain.entities.choose(rng).expect("non-empty")
        };
        let platform = match rng.random_range(0..100) {
            0..45 => Platform::Postgres,
            45..85 => Platform::Snowflake,
            _ => Platform::Kafka,
        };
        let (kind, patterns): (&str, &[&str]) = if platform == Platform::Kafka {
            ("Events", &["{s}-events", "{s}-changes", "{e}-stream"])
        } else {
            *words::CONTRACT_KINDS.choose(rng).expect("non-empty")
        };
        let name = format!("{} {kind}", title(entity.0));
        let mut contract_slug = slug(&name);
        if !used_slugs.insert(contract_slug.clone()) {
            contract_slug = format!("{contract_slug}-{}", k + 1);
            used_slugs.insert(contract_slug.clone());
        }
        let style = match (platform, rng.random_range(0..100)) {
            (Platform::Kafka, 0..70) => Style::Camel,
            (Platform::Kafka, _) => Style::Kebab,
            (_, 0..85) => Style::Snake,
            _ => Style::Camel,
        };
        let datasets = (0..size)
            .map(|_| {
                let entity = if rng.random_bool(0.3) {
                    entity
                } else {
                    *domain.entities.choose(rng).expect("non-empty")
                };
                let pattern = *patterns.choose(rng).expect("non-empty");
                let base = pattern.replace("{e}", entity.0).replace("{s}", entity.1);
                let base = if platform == Platform::Kafka {
                    base.replace('_', "-")
                } else {
                    base
                };
                let mut table = base.clone();
                let mut n = 2;
                while !used_tables.insert(table.clone()) {
                    table = format!(
                        "{base}{}{n}",
                        if platform == Platform::Kafka {
                            "-"
                        } else {
                            "_"
                        }
                    );
                    n += 1;
                }
                let physical_name = if platform == Platform::Kafka {
                    format!("{}.{product_id}.{table}", domain.name)
                } else {
                    table.clone()
                };
                let columns = plan_columns(rng, domain, entity, style);
                let rules = plan_rules(rng, &table.replace('-', "_"), &columns);
                DatasetPlan {
                    name: table,
                    physical_name,
                    entity,
                    columns,
                    rules,
                }
            })
            .collect();
        let status = match product_status {
            "active" if rng.random_bool(0.05) => "deprecated",
            other => other,
        };
        ContractPlan {
            id: format!("{contract_slug}-{number:05}"),
            slug: contract_slug,
            name,
            version: format!("{}.{}.0", rng.random_range(1..=3), rng.random_range(0..6)),
            status,
            platform,
            datasets,
        }
    }

    fn write_product(&mut self, p: &ProductPlan) -> Result<(), GenerateError> {
        let d = &mut self.doc;
        d.clear();
        Header {
            api_version: "v1.0.0",
            kind: "DataProduct",
            id: &p.id,
            name: &p.name,
            version: &p.version,
            status: p.status,
            domain: p.domain.name,
        }
        .write(d);
        d.str_list(0, "tags", &p.tags);
        write_product_description(d, p);
        write_product_team(d, p);
        write_support(d, &p.id, &p.team);
        write_input_ports(d, p, &self.contracts);
        write_output_ports(d, p, &self.contracts);
        write_product_properties(d, p);
        d.str(0, false, "productCreatedTs", &created_ts(p.index, 9));
        let path = self
            .out
            .join(p.domain.name)
            .join(format!("{}.odps.yaml", p.id));
        self.summary.products += 1;
        self.summary.input_ports += p.inputs.len();
        self.write_doc(&path)
    }

    fn write_contract(&mut self, p: &ProductPlan, c: &ContractPlan) -> Result<(), GenerateError> {
        let d = &mut self.doc;
        d.clear();
        Header {
            api_version: "v3.1.0",
            kind: "DataContract",
            id: &c.id,
            name: &c.name,
            version: &c.version,
            status: c.status,
            domain: p.domain.name,
        }
        .write(d);
        d.str_list(0, "tags", &[p.domain.name, &c.slug]);
        write_contract_description(d, p, c);
        write_contract_team(d, p);
        write_support(d, &p.id, &p.team);
        d.open(0, false, "servers");
        write_server(d, c.platform, p.domain.name, &p.schema);
        d.open(0, false, "schema");
        for ds in &c.datasets {
            write_dataset(d, p, c.platform, ds);
            self.summary.datasets += 1;
            self.summary.columns += ds.columns.len();
            self.summary.quality_rules += ds.rules.len();
        }
        write_sla(d, p.index);
        d.str(0, false, "contractCreatedTs", &created_ts(p.index, 10));
        let path = self
            .out
            .join(p.domain.name)
            .join("contracts")
            .join(format!("{}.odcs.yaml", c.id));
        self.summary.contracts += 1;
        self.write_doc(&path)
    }

    /// One job per contract: START and COMPLETE events linking the job's inputs to the contract's datasets.
    fn write_lineage(&mut self, p: &ProductPlan) -> Result<(), GenerateError> {
        let upstream: Vec<(String, String)> = p
            .inputs
            .iter()
            .flat_map(|&i| self.contracts[i].datasets.iter().cloned())
            .collect();
        let mut own_earlier: Vec<(String, String)> = Vec::new();
        for c in &p.contracts {
            let sources: Vec<(String, String)>;
            let mut pool: Vec<&(String, String)> =
                upstream.iter().chain(own_earlier.iter()).collect();
            if pool.is_empty() {
                // A root product ingests operational tables that have no contract.
                let (namespace, db_schema) =
                    words::SOURCE_SYSTEMS[p.index % words::SOURCE_SYSTEMS.len()];
                sources = p
                    .domain
                    .entities
                    .iter()
                    .map(|(plural, _)| (namespace.to_string(), format!("{db_schema}.{plural}")))
                    .collect();
                pool = sources.iter().collect();
            }
            let wanted = self.rng.random_range(3..=8).min(pool.len());
            let inputs: Vec<&(String, String)> = pool
                .choose_multiple(&mut self.rng, wanted)
                .copied()
                .collect();
            let outputs: Vec<(String, String)> = c
                .datasets
                .iter()
                .map(|ds| ol_identity(c.platform, p.domain.name, &p.schema, ds))
                .collect();
            let run_id = uuid(&mut self.rng);
            let day = 1 + (p.index % 28) as u32;
            let start = self.rng.random_range(0..20 * 3600);
            let end = start + self.rng.random_range(30..3000);
            let inputs_json: Vec<Value> = inputs
                .iter()
                .map(|(ns, n)| json!({"namespace": ns, "name": n}))
                .collect();
            let outputs_json: Vec<Value> = outputs
                .iter()
                .map(|(ns, n)| json!({"namespace": ns, "name": n}))
                .collect();
            for (event_type, secs) in [("START", start), ("COMPLETE", end)] {
                let event = json!({
                    "eventType": event_type,
                    "eventTime": event_time(day, secs),
                    "run": {"runId": run_id},
                    "job": {"namespace": format!("{}-pipelines", p.domain.name), "name": format!("{}.build_{}", p.id, c.slug.replace('-', "_"))},
                    "inputs": inputs_json,
                    "outputs": outputs_json,
                    "producer": PRODUCER,
                    "schemaURL": RUN_EVENT_SCHEMA,
                });
                self.json.clear();
                serde_json::to_writer(&mut self.json, &event)?;
                self.lineage.write_line(&self.json)?;
            }
            self.summary.lineage_edges += inputs.len() * outputs.len();
            own_earlier.extend(outputs);
        }
        Ok(())
    }

    /// One test run per contract, reporting the outcome of every quality rule of its datasets.
    fn write_quality(&mut self, p: &ProductPlan) -> Result<(), GenerateError> {
        for c in &p.contracts {
            let mut inputs = Vec::with_capacity(c.datasets.len());
            for ds in &c.datasets {
                let (namespace, name) = ol_identity(c.platform, p.domain.name, &p.schema, ds);
                let assertions: Vec<Value> = ds
                    .rules
                    .iter()
                    .map(|r| {
                        let success = !self.rng.random_bool(FAILURE_RATE);
                        self.summary.quality_assertions += 1;
                        self.summary.failing_assertions += usize::from(!success);
                        let (expected, actual) = assertion_values(r, success, &mut self.rng);
                        let mut a = json!({
                            "assertion": match r.metric { "rowCount" => "row_count", "duplicateValues" => "unique", _ => "not_null" },
                            "success": success,
                        });
                        let obj = a.as_object_mut().expect("built as an object");
                        if let Some(column) = &r.column {
                            obj.insert("column".into(), json!(column));
                        }
                        obj.insert("severity".into(), json!(if r.severity == "error" { "error" } else { "warn" }));
                        obj.insert("name".into(), json!(r.name));
                        obj.insert("expected".into(), json!(expected));
                        obj.insert("actual".into(), json!(actual));
                        a
                    })
                    .collect();
                inputs.push(json!({
                    "namespace": namespace,
                    "name": name,
                    "inputFacets": {"dataQualityAssertions": {"_producer": PRODUCER, "_schemaURL": ASSERTIONS_SCHEMA, "assertions": assertions}},
                }));
            }
            let day = 1 + (p.index % 28) as u32;
            let secs = 21 * 3600 + self.rng.random_range(0..3 * 3600);
            let event = json!({
                "eventType": "COMPLETE",
                "eventTime": event_time(day, secs),
                "run": {"runId": uuid(&mut self.rng)},
                "job": {"namespace": "dbt", "name": format!("{}.test_{}", p.schema, c.slug.replace('-', "_"))},
                "inputs": inputs,
                "outputs": [],
                "producer": PRODUCER,
                "schemaURL": RUN_EVENT_SCHEMA,
            });
            self.json.clear();
            serde_json::to_writer(&mut self.json, &event)?;
            self.quality.write_line(&self.json)?;
        }
        Ok(())
    }

    /// Keeps what later products need: port names, versions and dataset identities.
    fn remember(&mut self, p: &ProductPlan) {
        let domain_index = words::DOMAINS
            .iter()
            .position(|d| d.name == p.domain.name)
            .expect("domain from the list");
        for c in &p.contracts {
            self.by_domain[domain_index].push(self.contracts.len());
            self.contracts.push(ContractRef {
                id: c.id.clone(),
                version: c.version.clone(),
                port_name: c.slug.clone(),
                datasets: c
                    .datasets
                    .iter()
                    .map(|ds| ol_identity(c.platform, p.domain.name, &p.schema, ds))
                    .collect(),
            });
        }
    }

    fn write_doc(&mut self, path: &Path) -> Result<(), GenerateError> {
        let dir = path
            .parent()
            .expect("files are written inside the output folder");
        if !self.created_dirs.contains(dir) {
            mkdir(dir)?;
            self.created_dirs.insert(dir.to_path_buf());
        }
        // The document is complete in memory, so one write is as good as a BufWriter.
        fs::write(path, self.doc.buf.as_bytes()).map_err(|e| GenerateError::io(path, e))?;
        self.summary.bytes += self.doc.buf.len() as u64;
        Ok(())
    }
}

fn plan_columns(
    rng: &mut ChaCha8Rng,
    domain: &DomainWords,
    entity: (&str, &str),
    style: Style,
) -> Vec<Column> {
    let pk_name = format!("{}_id", entity.1);
    let mut picked: Vec<ColumnWord> = Vec::with_capacity(12);
    let wanted = rng.random_range(7..=11);
    while picked.len() < wanted {
        let pool = if rng.random_bool(0.6) {
            domain.columns
        } else {
            words::COMMON_COLUMNS
        };
        let word = *pool.choose(rng).expect("non-empty");
        if word.name != pk_name && !picked.iter().any(|w| w.name == word.name) {
            picked.push(word);
        }
    }
    let required_at = rng.random_range(0..picked.len());
    let pk_description = format!("Unique identifier of the {}.", entity.1.replace('_', " "));
    std::iter::once(Column {
        name: styled(&pk_name, style),
        kind: Kind::Id,
        description: Cow::Owned(pk_description),
        classification: "internal",
        primary_key: true,
        required: true,
    })
    .chain(picked.into_iter().enumerate().map(|(i, word)| Column {
        name: styled(word.name, style),
        kind: word.kind,
        description: Cow::Borrowed(word.description),
        classification: word.classification,
        primary_key: false,
        required: i == required_at,
    }))
    .collect()
}

/// Row count on the dataset, not-null and unique on the key, and half the time a null-rate limit on a
/// required column.
fn plan_rules(rng: &mut ChaCha8Rng, table: &str, columns: &[Column]) -> Vec<QualityRule> {
    let pk = &columns[0].name;
    let mut rules = vec![
        QualityRule {
            name: format!("{table}_row_count"),
            metric: "rowCount",
            operator: ("mustBeGreaterThan", 10u32.pow(rng.random_range(2..=6))),
            unit: None,
            column: None,
            severity: "error",
            dimension: "completeness",
        },
        QualityRule {
            name: format!("{table}_{pk}_not_null"),
            metric: "nullValues",
            operator: ("mustBe", 0),
            unit: None,
            column: Some(pk.clone()),
            severity: "error",
            dimension: "completeness",
        },
        QualityRule {
            name: format!("{table}_{pk}_unique"),
            metric: "duplicateValues",
            operator: ("mustBe", 0),
            unit: None,
            column: Some(pk.clone()),
            severity: "error",
            dimension: "uniqueness",
        },
    ];
    if rng.random_bool(0.5)
        && let Some(col) = columns.iter().find(|c| c.required && !c.primary_key)
    {
        rules.push(QualityRule {
            name: format!("{table}_{}_null_rate", col.name),
            metric: "nullValues",
            operator: ("mustBeLessThan", rng.random_range(1..=5)),
            unit: Some("percent"),
            column: Some(col.name.clone()),
            severity: "warning",
            dimension: "completeness",
        });
    }
    rules
}

/// The keys every product and contract file starts with.
struct Header<'a> {
    api_version: &'a str,
    kind: &'a str,
    id: &'a str,
    name: &'a str,
    version: &'a str,
    status: &'a str,
    domain: &'a str,
}

impl Header<'_> {
    fn write(&self, d: &mut YamlDoc) {
        d.str(0, false, "apiVersion", self.api_version);
        d.str(0, false, "kind", self.kind);
        d.str(0, false, "id", self.id);
        d.str(0, false, "name", self.name);
        d.str(0, false, "version", self.version);
        d.str(0, false, "status", self.status);
        d.str(0, false, "domain", self.domain);
        d.str(0, false, "tenant", "acme");
    }
}

fn write_product_description(d: &mut YamlDoc, p: &ProductPlan) {
    d.open(0, false, "description");
    d.str(2, false, "purpose", &p.purpose);
    let usage = format!(
        "Query the output ports for {}; join on the documented keys.",
        p.use_case
    );
    d.str(2, false, "usage", &usage);
    let limitations = "Refreshed once a day; figures of the current day are provisional.";
    d.str(2, false, "limitations", limitations);
}

fn write_product_team(d: &mut YamlDoc, p: &ProductPlan) {
    d.open(0, false, "team");
    d.str(2, false, "name", &p.team);
    let description = format!(
        "Owns the {} data products of the {} domain.",
        p.team, p.domain.name
    );
    d.str(2, false, "description", &description);
    d.open(2, false, "members");
    for (i, (username, name, role)) in p.members.iter().enumerate() {
        d.str(4, true, "username", username);
        d.str(6, false, "name", name);
        d.str(6, false, "role", role);
        d.str(
            6,
            false,
            "dateIn",
            &format!(
                "20{:02}-{:02}-01",
                20 + (p.index + i) % 5,
                1 + (p.index + 3 * i) % 12
            ),
        );
    }
}

/// One input port per contract the product reads (none: no `inputPorts` key).
fn write_input_ports(d: &mut YamlDoc, p: &ProductPlan, contracts: &[ContractRef]) {
    if p.inputs.is_empty() {
        return;
    }
    d.open(0, false, "inputPorts");
    for &c in &p.inputs {
        let c = &contracts[c];
        d.str(2, true, "name", &c.port_name);
        d.str(4, false, "version", &c.version);
        d.str(4, false, "contractId", &c.id);
    }
}

/// One output port per contract, each naming the contracts it was made from.
fn write_output_ports(d: &mut YamlDoc, p: &ProductPlan, contracts: &[ContractRef]) {
    d.open(0, false, "outputPorts");
    for c in &p.contracts {
        d.str(2, true, "name", &c.slug);
        d.str(
            4,
            false,
            "description",
            &format!("{} published by {}.", c.name, p.name),
        );
        d.str(
            4,
            false,
            "type",
            platform_word(c.platform, "topic", "tables"),
        );
        d.str(4, false, "version", &c.version);
        d.str(4, false, "contractId", &c.id);
        if !p.inputs.is_empty() {
            d.open(4, false, "inputContracts");
            for &i in &p.inputs {
                let input = &contracts[i];
                d.str(6, true, "id", &input.id);
                d.str(8, false, "version", &input.version);
            }
        }
    }
}

fn write_product_properties(d: &mut YamlDoc, p: &ProductPlan) {
    d.open(0, false, "customProperties");
    d.str(2, true, "property", "dataClassification");
    d.str(
        4,
        false,
        "value",
        highest_classification(p.contracts.iter().flat_map(|c| &c.datasets)),
    );
    d.str(2, true, "property", "retention");
    let years = 1 + p.index % 7;
    d.str(
        4,
        false,
        "value",
        &format!("{years} year{}", if years == 1 { "" } else { "s" }),
    );
}

fn write_contract_description(d: &mut YamlDoc, p: &ProductPlan, c: &ContractPlan) {
    d.open(0, false, "description");
    d.str(
        2,
        false,
        "purpose",
        &format!("{} of the {} data product.", c.name, p.name),
    );
    d.str(2, false, "usage", &format!("Used for {}.", p.use_case));
}

/// The contract's team: the product's team with its owner only.
fn write_contract_team(d: &mut YamlDoc, p: &ProductPlan) {
    d.open(0, false, "team");
    d.str(2, false, "name", &p.team);
    d.open(2, false, "members");
    let (owner, owner_name, _) = &p.members[0];
    d.str(4, true, "username", owner);
    d.str(6, false, "name", owner_name);
    d.str(6, false, "role", "owner");
}

/// A `schema[]` object with its properties and the dataset-level quality rules.
fn write_dataset(d: &mut YamlDoc, p: &ProductPlan, platform: Platform, ds: &DatasetPlan) {
    d.str(2, true, "name", &ds.name);
    d.str(4, false, "physicalName", &ds.physical_name);
    d.str(
        4,
        false,
        "physicalType",
        platform_word(platform, "topic", "table"),
    );
    d.str(4, false, "businessName", &title(&ds.name.replace('-', "_")));
    d.str(
        4,
        false,
        "description",
        &format!(
            "{} {} records maintained by {}.",
            title(p.domain.name),
            ds.entity.1.replace('_', " "),
            p.team
        ),
    );
    d.str_list(4, "tags", &[p.domain.name, ds.entity.0]);
    d.open(4, false, "properties");
    for col in &ds.columns {
        write_column(d, platform, col, &ds.rules);
    }
    d.open(4, false, "quality");
    for r in ds.rules.iter().filter(|r| r.column.is_none()) {
        write_rule(d, 6, r);
    }
}

/// A `properties[]` entry with the quality rules on that column.
fn write_column(d: &mut YamlDoc, platform: Platform, col: &Column, rules: &[QualityRule]) {
    let (logical, physical) = types(col.kind, platform);
    d.str(6, true, "name", &col.name);
    d.str(8, false, "logicalType", logical);
    d.str(8, false, "physicalType", physical);
    d.str(8, false, "description", &col.description);
    d.str(8, false, "classification", col.classification);
    if col.primary_key {
        d.num(8, false, "primaryKey", true);
        d.num(8, false, "primaryKeyPosition", 1);
        d.num(8, false, "unique", true);
    }
    if col.required {
        d.num(8, false, "required", true);
    }
    let rules: Vec<&QualityRule> = rules
        .iter()
        .filter(|r| r.column.as_ref() == Some(&col.name))
        .collect();
    if !rules.is_empty() {
        d.open(8, false, "quality");
        for r in rules {
            write_rule(d, 10, r);
        }
    }
}

fn write_sla(d: &mut YamlDoc, index: usize) {
    d.open(0, false, "slaProperties");
    let sla: [(&str, Value, Option<&str>); 4] = [
        ("latency", json!(1 + index % 24), Some("h")),
        ("frequency", json!(1), Some("d")),
        ("retention", json!(1 + index % 7), Some("y")),
        (
            "timeOfAvailability",
            json!(format!("{:02}:00", 5 + index % 4)),
            None,
        ),
    ];
    for (property, value, unit) in sla {
        d.str(2, true, "property", property);
        match value {
            Value::String(s) => d.str(4, false, "value", &s),
            other => d.num(4, false, "value", other),
        }
        if let Some(unit) = unit {
            d.str(4, false, "unit", unit);
        }
    }
}

/// What a Kafka topic is called, else what a table is called.
fn platform_word(platform: Platform, kafka: &'static str, table: &'static str) -> &'static str {
    if platform == Platform::Kafka {
        kafka
    } else {
        table
    }
}

fn write_rule(d: &mut YamlDoc, indent: usize, r: &QualityRule) {
    d.str(indent, true, "name", &r.name);
    d.str(indent + 2, false, "type", "library");
    d.str(indent + 2, false, "metric", r.metric);
    d.num(indent + 2, false, r.operator.0, r.operator.1);
    if let Some(unit) = r.unit {
        d.str(indent + 2, false, "unit", unit);
    }
    d.str(indent + 2, false, "dimension", r.dimension);
    d.str(indent + 2, false, "severity", r.severity);
}

fn assertion_values(r: &QualityRule, success: bool, rng: &mut ChaCha8Rng) -> (String, String) {
    let (op, limit) = r.operator;
    let expected = match op {
        "mustBeGreaterThan" => format!("> {limit}"),
        "mustBeLessThan" => format!(
            "< {limit}{}",
            if r.unit == Some("percent") { "%" } else { "" }
        ),
        _ => limit.to_string(),
    };
    let actual = match (op, success) {
        ("mustBeGreaterThan", true) => (limit as u64 * rng.random_range(2..50)).to_string(),
        ("mustBeGreaterThan", false) => rng.random_range(0..=limit).to_string(),
        ("mustBeLessThan", true) => format!(
            "{}.{}%",
            rng.random_range(0..limit),
            rng.random_range(0..10)
        ),
        ("mustBeLessThan", false) => format!(
            "{}.{}%",
            limit + rng.random_range(0..20),
            rng.random_range(0..10)
        ),
        (_, true) => limit.to_string(),
        (_, false) => rng.random_range(1..500).to_string(),
    };
    (expected, actual)
}

fn write_support(d: &mut YamlDoc, product_id: &str, team: &str) {
    d.open(0, false, "support");
    d.str(2, true, "channel", &format!("#{product_id}"));
    d.str(
        4,
        false,
        "url",
        &format!("https://acme.slack.com/channels/{product_id}"),
    );
    d.str(4, false, "tool", "slack");
    d.str(4, false, "scope", "interactive");
    d.str(2, true, "channel", team);
    d.str(4, false, "url", &format!("mailto:{team}@acme.example"));
    d.str(4, false, "tool", "email");
    d.str(4, false, "scope", "issues");
}

fn write_server(d: &mut YamlDoc, platform: Platform, domain: &str, schema: &str) {
    match platform {
        Platform::Postgres => {
            d.str(2, true, "server", &format!("{domain}-postgres-prod"));
            d.str(4, false, "type", "postgres");
            d.str(4, false, "environment", "prod");
            d.str(4, false, "host", &format!("{domain}-db.acme.internal"));
            d.num(4, false, "port", 5432);
            d.str(4, false, "database", &format!("{domain}_dw"));
            d.str(4, false, "schema", schema);
        }
        Platform::Snowflake => {
            d.str(2, true, "server", "snowflake-prod");
            d.str(4, false, "type", "snowflake");
            d.str(4, false, "environment", "prod");
            d.str(4, false, "account", SNOWFLAKE_ACCOUNT);
            d.str(
                4,
                false,
                "host",
                &format!("{SNOWFLAKE_ACCOUNT}.snowflakecomputing.com"),
            );
            d.str(4, false, "warehouse", &format!("{}_wh", domain));
            d.str(4, false, "database", &format!("{domain}_mart"));
            d.str(4, false, "schema", schema);
        }
        Platform::Kafka => {
            d.str(2, true, "server", "kafka-prod");
            d.str(4, false, "type", "kafka");
            d.str(4, false, "environment", "prod");
            d.str(4, false, "host", KAFKA_HOST);
            d.str(4, false, "format", "json");
        }
    }
}

const SNOWFLAKE_ACCOUNT: &str = "acme-analytics";
const KAFKA_HOST: &str = "kafka.acme.internal:9092";

/// OpenLineage (namespace, name) of a dataset; must agree with what [`write_server`] declares.
fn ol_identity(
    platform: Platform,
    domain: &str,
    schema: &str,
    ds: &DatasetPlan,
) -> (String, String) {
    match platform {
        Platform::Postgres => (
            format!("postgres://{domain}-db.acme.internal:5432"),
            format!("{domain}_dw.{schema}.{}", ds.physical_name),
        ),
        Platform::Snowflake => (
            format!("snowflake://{SNOWFLAKE_ACCOUNT}"),
            format!("{domain}_mart.{schema}.{}", ds.physical_name),
        ),
        Platform::Kafka => (format!("kafka://{KAFKA_HOST}"), ds.physical_name.clone()),
    }
}

fn types(kind: Kind, platform: Platform) -> (&'static str, &'static str) {
    use Platform::*;
    match (kind, platform) {
        (Kind::Id, Postgres) => ("string", "varchar(36)"),
        (Kind::Id, Snowflake) => ("string", "VARCHAR(36)"),
        (Kind::Text, Postgres) => ("string", "varchar(255)"),
        (Kind::Text, Snowflake) => ("string", "VARCHAR"),
        (Kind::Code, Postgres) => ("string", "varchar(16)"),
        (Kind::Code, Snowflake) => ("string", "VARCHAR(16)"),
        (Kind::Email, Postgres) => ("string", "varchar(320)"),
        (Kind::Email, Snowflake) => ("string", "VARCHAR(320)"),
        (Kind::Id | Kind::Text | Kind::Code | Kind::Email, Kafka) => ("string", "string"),
        (Kind::Amount, Postgres) => ("number", "numeric(18,2)"),
        (Kind::Amount, Snowflake) => ("number", "NUMBER(18,2)"),
        (Kind::Amount, Kafka) => ("number", "double"),
        (Kind::Int, Postgres) => ("integer", "integer"),
        (Kind::Int, Snowflake) => ("integer", "NUMBER(10,0)"),
        (Kind::Int, Kafka) => ("integer", "int"),
        (Kind::Date, Postgres) => ("date", "date"),
        (Kind::Date, Snowflake) => ("date", "DATE"),
        (Kind::Date, Kafka) => ("date", "string"),
        (Kind::Timestamp, Postgres) => ("timestamp", "timestamp"),
        (Kind::Timestamp, Snowflake) => ("timestamp", "TIMESTAMP_NTZ"),
        (Kind::Timestamp, Kafka) => ("timestamp", "long"),
        (Kind::Bool, Postgres | Kafka) => ("boolean", "boolean"),
        (Kind::Bool, Snowflake) => ("boolean", "BOOLEAN"),
    }
}

fn highest_classification<'a>(datasets: impl Iterator<Item = &'a DatasetPlan>) -> &'static str {
    const ORDER: [&str; 4] = ["public", "internal", "confidential", "restricted"];
    let rank = |c: &str| ORDER.iter().position(|o| *o == c).unwrap_or(1);
    let top = datasets
        .flat_map(|ds| &ds.columns)
        .map(|c| rank(c.classification))
        .max()
        .unwrap_or(1);
    ORDER[top]
}

/// Creation times spread over 2024, derived from the product's position.
fn created_ts(index: usize, hour: u32) -> String {
    format!(
        "2024-{:02}-{:02}T{hour:02}:{:02}:00Z",
        1 + index % 12,
        1 + index % 28,
        index % 60
    )
}

/// Event times fall in March 2025, so no calendar arithmetic is needed and nothing reads the clock.
fn event_time(day: u32, secs: u32) -> String {
    format!(
        "2025-03-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A random (version 4) UUID drawn from the seeded generator.
fn uuid(rng: &mut ChaCha8Rng) -> String {
    let v: u128 = rng.random::<u128>() & !(0xf000u128 << 64) & !(0xc000u128 << 48);
    let v = v | (0x4000u128 << 64) | (0x8000u128 << 48);
    let mut s = format!("{v:032x}");
    for at in [20, 16, 12, 8] {
        s.insert(at, '-');
    }
    s
}

fn styled(snake: &str, style: Style) -> String {
    match style {
        Style::Snake => snake.to_string(),
        Style::Kebab => snake.replace('_', "-"),
        Style::Camel => {
            let mut out = String::with_capacity(snake.len());
            for (i, part) in snake.split('_').enumerate() {
                let mut chars = part.chars();
                if let Some(first) = chars.next() {
                    if i == 0 {
                        out.push(first);
                    } else {
                        out.push(first.to_ascii_uppercase());
                    }
                    out.extend(chars);
                }
            }
            out
        }
    }
}

/// `stock_levels` → `Stock Levels`.
fn title(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    for (i, part) in snake.split('_').filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// `EMEA Stock Levels 360` → `emea-stock-levels-360`.
fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    use std::collections::BTreeMap;

    fn run(dir: &Path, products: usize, seed: u64) -> GenerateSummary {
        generate(&GenerateOptions {
            out: dir.to_path_buf(),
            products,
            seed,
        })
        .unwrap()
    }

    fn files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path)
                } else {
                    out.push(path)
                }
            }
        }
        out.sort();
        out
    }

    fn tree_hash(dir: &Path) -> String {
        let mut h = Sha256::new();
        for f in files(dir) {
            h.update(f.strip_prefix(dir).unwrap().to_string_lossy().as_bytes());
            h.update([0]);
            h.update(fs::read(&f).unwrap());
        }
        hex::encode(h.finalize())
    }

    fn yaml(path: &Path) -> Value {
        serde_yaml_ng::from_str(&fs::read_to_string(path).unwrap()).unwrap()
    }

    fn events(dir: &Path) -> Vec<Value> {
        files(dir)
            .iter()
            .flat_map(|f| {
                fs::read_to_string(f)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn ends(p: &Path, suffix: &str) -> bool {
        p.to_string_lossy().ends_with(suffix)
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            tmp.path().join("a"),
            tmp.path().join("b"),
            tmp.path().join("c"),
        );
        assert_eq!(run(&a, 30, 7), run(&b, 30, 7));
        run(&c, 30, 8);
        assert_eq!(tree_hash(&a), tree_hash(&b));
        assert_ne!(tree_hash(&a), tree_hash(&c));
    }

    #[test]
    fn summary_counts_match_the_files_written() {
        let tmp = tempfile::tempdir().unwrap();
        let s = run(tmp.path(), 40, 1);
        let all = files(tmp.path());
        let products: Vec<_> = all.iter().filter(|p| ends(p, ".odps.yaml")).collect();
        let contracts: Vec<_> = all.iter().filter(|p| ends(p, ".odcs.yaml")).collect();
        assert_eq!(s.products, 40);
        assert_eq!(products.len(), s.products);
        assert_eq!(contracts.len(), s.contracts);
        assert_eq!(all.len(), s.files);
        assert_eq!(
            all.iter()
                .map(|f| fs::metadata(f).unwrap().len())
                .sum::<u64>(),
            s.bytes
        );

        let (mut datasets, mut columns, mut rules) = (0, 0, 0);
        for c in &contracts {
            for obj in yaml(c)["schema"].as_array().unwrap() {
                datasets += 1;
                let props = obj["properties"].as_array().unwrap();
                columns += props.len();
                rules += obj["quality"].as_array().unwrap().len();
                rules += props
                    .iter()
                    .filter_map(|p| p["quality"].as_array())
                    .map(Vec::len)
                    .sum::<usize>();
            }
        }
        assert_eq!(
            (datasets, columns, rules),
            (s.datasets, s.columns, s.quality_rules)
        );
        // The scale the benchmarks rely on: ≈10 datasets per product, ≈10 columns per dataset.
        assert!(
            (8 * s.products..=12 * s.products).contains(&s.datasets),
            "{s:?}"
        );
        assert!(
            (8 * s.datasets..=12 * s.datasets).contains(&s.columns),
            "{s:?}"
        );

        let lineage = events(&tmp.path().join("lineage"));
        assert_eq!(lineage.len(), s.lineage_events);
        assert_eq!(files(&tmp.path().join("lineage")).len(), s.lineage_files);
        assert_eq!(
            lineage.len(),
            2 * s.contracts,
            "START + COMPLETE per contract job"
        );
        let edges: usize = lineage
            .iter()
            .filter(|e| e["eventType"] == "COMPLETE")
            .map(|e| e["inputs"].as_array().unwrap().len() * e["outputs"].as_array().unwrap().len())
            .sum();
        assert_eq!(edges, s.lineage_edges);

        let quality = events(&tmp.path().join("quality"));
        assert_eq!(
            (quality.len(), files(&tmp.path().join("quality")).len()),
            (s.quality_events, s.quality_files)
        );
        let assertions: Vec<&Value> = quality
            .iter()
            .flat_map(|e| e["inputs"].as_array().unwrap())
            .flat_map(|i| {
                i["inputFacets"]["dataQualityAssertions"]["assertions"]
                    .as_array()
                    .unwrap()
            })
            .collect();
        assert_eq!(assertions.len(), s.quality_assertions);
        assert_eq!(
            assertions.len(),
            s.quality_rules,
            "one outcome per declared rule"
        );
        let failing = assertions.iter().filter(|a| a["success"] == false).count();
        assert_eq!(failing, s.failing_assertions);
        assert!(
            failing > 0 && failing * 10 < assertions.len(),
            "a few percent fail: {failing}/{}",
            assertions.len()
        );
    }

    /// Input ports point at existing contracts of earlier products (a DAG); output ports at their own
    /// contracts; lineage and quality datasets resolve to contract datasets via servers + physicalName.
    #[test]
    fn references_resolve() {
        let tmp = tempfile::tempdir().unwrap();
        let s = run(tmp.path(), 60, 3);
        let all = files(tmp.path());
        let mut contract_versions = BTreeMap::new();
        let mut datasets = BTreeSet::new();
        for c in all.iter().filter(|p| ends(p, ".odcs.yaml")) {
            let doc = yaml(c);
            contract_versions.insert(
                doc["id"].as_str().unwrap().to_string(),
                doc["version"].as_str().unwrap().to_string(),
            );
            let server = &doc["servers"][0];
            let field = |k: &str| server[k].as_str().unwrap().to_string();
            for obj in doc["schema"].as_array().unwrap() {
                let physical = obj["physicalName"].as_str().unwrap();
                datasets.insert(match server["type"].as_str().unwrap() {
                    "postgres" => (
                        format!("postgres://{}:{}", field("host"), server["port"]),
                        format!("{}.{}.{physical}", field("database"), field("schema")),
                    ),
                    "snowflake" => (
                        format!("snowflake://{}", field("account")),
                        format!("{}.{}.{physical}", field("database"), field("schema")),
                    ),
                    "kafka" => (format!("kafka://{}", field("host")), physical.to_string()),
                    other => panic!("unexpected server type {other}"),
                });
            }
        }
        assert_eq!(
            datasets.len(),
            s.datasets,
            "dataset identities are unique across the mesh"
        );

        let number = |id: &str| id.rsplit('-').next().unwrap().parse::<usize>().unwrap();
        let mut input_ports = 0;
        for p in all.iter().filter(|p| ends(p, ".odps.yaml")) {
            let doc = yaml(p);
            let me = number(doc["id"].as_str().unwrap());
            for port in doc["inputPorts"].as_array().into_iter().flatten() {
                let id = port["contractId"].as_str().unwrap();
                assert_eq!(
                    contract_versions.get(id).map(String::as_str),
                    port["version"].as_str(),
                    "{id}"
                );
                assert!(number(id) < me, "input {id} comes from an earlier product");
                input_ports += 1;
            }
            for port in doc["outputPorts"].as_array().unwrap() {
                let id = port["contractId"].as_str().unwrap();
                assert_eq!(
                    contract_versions.get(id).map(String::as_str),
                    port["version"].as_str(),
                    "{id}"
                );
                assert_eq!(number(id), me);
            }
        }
        assert_eq!(input_ports, s.input_ports);
        assert!(input_ports > 0);

        let key = |d: &Value| {
            (
                d["namespace"].as_str().unwrap().to_string(),
                d["name"].as_str().unwrap().to_string(),
            )
        };
        let sources: BTreeSet<&str> = words::SOURCE_SYSTEMS.iter().map(|(ns, _)| *ns).collect();
        for e in events(&tmp.path().join("lineage")) {
            for out in e["outputs"].as_array().unwrap() {
                assert!(datasets.contains(&key(out)), "{out}");
            }
            for input in e["inputs"].as_array().unwrap() {
                assert!(
                    datasets.contains(&key(input))
                        || sources.contains(input["namespace"].as_str().unwrap()),
                    "{input}"
                );
            }
        }
        for e in events(&tmp.path().join("quality")) {
            for input in e["inputs"].as_array().unwrap() {
                assert!(datasets.contains(&key(input)), "{input}");
            }
        }
    }

    #[test]
    fn refuses_to_write_into_a_non_empty_folder() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
        let err = generate(&GenerateOptions {
            out: tmp.path().to_path_buf(),
            products: 2,
            seed: 1,
        })
        .unwrap_err();
        assert!(matches!(err, GenerateError::OutputNotEmpty { .. }), "{err}");
        assert_eq!(
            fs::read_to_string(tmp.path().join("keep.txt")).unwrap(),
            "mine"
        );

        let file = tmp.path().join("keep.txt");
        let err = generate(&GenerateOptions {
            out: file,
            products: 2,
            seed: 1,
        })
        .unwrap_err();
        assert!(matches!(err, GenerateError::NotADirectory { .. }), "{err}");
        let err = generate(&GenerateOptions {
            out: tmp.path().join("new"),
            products: 0,
            seed: 1,
        })
        .unwrap_err();
        assert!(matches!(err, GenerateError::NoProducts), "{err}");
    }

    #[test]
    fn helpers() {
        assert_eq!(styled("customer_id", Style::Camel), "customerId");
        assert_eq!(styled("customer_id", Style::Kebab), "customer-id");
        assert_eq!(title("stock_levels"), "Stock Levels");
        assert_eq!(slug("EMEA Stock Levels 360"), "emea-stock-levels-360");
        assert_eq!(event_time(3, 3661), "2025-03-03T01:01:01.000Z");
        let id = uuid(&mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
    }
}
