//! The app facade: everything the UI and the CLI can do, behind one command table.
//!
//! `App` owns the store (SQLite cache) and runs syncs. The Tauri shell calls [`App::dispatch`];
//! the CLI calls the typed methods of the same names. See `commands.rs` for the table.

mod about;
mod access;
mod adoption_trend;
pub mod api;
pub mod api_edit;
pub mod bench;
pub mod bindings;
mod commands;
mod config;
mod connectors;
mod doctor;
mod draft_base;
mod draft_check;
mod edit;
mod error;
mod events;
mod feed;
mod feedback;
mod history;
mod ids;
mod links;
mod mesh;
mod online;
mod paths;
mod policies;
mod schedule;
mod search_trust;
mod settings_file;
mod updates;
mod upgrade;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use about::{About, BundledLicense, bundled_licenses};
pub use access::{AccessEntry, AccessListArgs, AccessRef, AccessRequestArgs, AccessRequested};
pub use adoption_trend::{AdoptionChange, AdoptionTrendPoint};
pub use api::*;
pub use commands::{COMMAND_NAMES, command_signatures};
pub use config::{AppConfig, DATA_DIR_ENV};
pub use doctor::{CheckStatus, DoctorArgs, DoctorCheck, DoctorReport, doctor_data_dir};
pub use edit::GIT_AUTHOR_ENV;
pub use error::{AppError, ErrorCode};
pub use events::{AppEvent, EventSink, NoEvents};
pub use feed::{
    ChangesArgs, ChangesFeed, FeedChange, FeedSync, FollowArgs, Followed, Unfollowed, UnreadCount,
};
pub use feedback::{Feedback, FeedbackArgs, FeedbackList, MAX_COMMENT_CHARS, UpstreamVotes};
pub use history::{
    DiffArgs, DiffChange, FieldChangeSummary, HistoryArgs, HistoryEntry, PortVersion, VersionDiff,
    compare,
};
pub use links::external_link;
pub use mesh::{Adoption, AdoptionArgs, AdoptionVia, Mesh, MeshArgs, MeshDomain, MeshEdge, Usage};
pub use meshlens_demo as demo;
pub use meshlens_lineage::to_dot;
pub use online::ONLINE_TIMEOUT;
pub use paths::{Caller, DesktopPaths, PathArgs, is_report_file_name};
pub use schedule::{
    BreakingNotice, MAX_SYNC_MINUTES, MIN_SYNC_MINUTES, ScheduledRun, SyncSchedule,
    SyncScheduleStatus,
};
pub use updates::{
    AvailableUpdate, DEFAULT_UPDATE_URL, POLICY_FILE, POLICY_FILE_ENV, UpdateCheck, UpdateMode,
    UpdatePreferences, UpdateSettings, check_manifest_url, fetch_update_manifest,
};
pub use upgrade::{UpgradeArgs, UpgradeReport};

use meshlens_search::{SearchIndex, SearchRequest};
use meshlens_store::{ProductFilter, Store};
use meshlens_sync::{CancellationFlag, DescriptorsCommitted, SyncContext, SyncOptions};

/// The index update a sync started for its current source (see [`App::index_when_committed`]).
#[derive(Clone, Default)]
struct PendingIndexing(Arc<Mutex<Option<IndexingTask>>>);

type IndexingTask = tokio::task::JoinHandle<Result<(), AppError>>;

impl PendingIndexing {
    /// Waits for the started update, if any.
    async fn finish(&self) -> Result<(), AppError> {
        let task = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        match task {
            None => Ok(()),
            Some(task) => task.await.map_err(|err| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("the search index update stopped: {err}"),
                )
            })?,
        }
    }
}

/// Name under which `meshlens demo` and `make run` register the bundled demo mesh.
pub const DEMO_SOURCE_NAME: &str = "demo";

/// The application: cheap to clone, safe to share between the UI's concurrent calls.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: AppConfig,
    store: Store,
    /// Derived from the store; updated after every sync, rebuilt when stale or damaged.
    search: tokio::sync::RwLock<SearchIndex>,
    /// One sync at a time: two syncs of one source would race on its rows.
    sync_lock: tokio::sync::Mutex<()>,
    /// The running sync's flag; `cancel_sync` raises it and the sync stops at its next check,
    /// keeping the previous cache.
    running_sync: Mutex<Option<CancellationFlag>>,
    /// One outbox drain at a time in this process (other processes are kept off by leases).
    outbox_lock: tokio::sync::Mutex<()>,
    /// Set by [`App::keep_warm`]: rebuild the lineage graph cache in the background after changes.
    warm_lineage: AtomicBool,
    /// The background sync's last run and its wake-up call (see `schedule.rs`).
    scheduler: schedule::SchedulerState,
    /// The policy set in force, read again after a change of the sources (see `policies.rs`).
    policies: policies::PolicyCache,
    /// The trust scores search read lately (see `search_trust.rs`).
    search_trust: search_trust::TrustCache,
    /// What the draft checked last is compared with (see `draft_base.rs`).
    draft_base: draft_base::DraftBaseCache,
    /// The catalog clients of online searches (see `online.rs`).
    online_clients: online::OnlineClients,
}

impl App {
    /// Opens (creating if needed) the data directory and its cache.
    pub async fn open(config: AppConfig) -> Result<App, AppError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|err| {
            AppError::new(
                ErrorCode::Config,
                format!(
                    "cannot create the data directory {}: {err}",
                    config.data_dir.display()
                ),
            )
        })?;
        let store = Store::open(&config.database_path()).await?;
        let mut search = SearchIndex::open(&config.search_index_dir())?;
        if search.needs_rebuild() {
            meshlens_search::rebuild_from_store(&mut search, &store).await?;
        }
        Ok(App {
            inner: Arc::new(Inner {
                config,
                store,
                search: tokio::sync::RwLock::new(search),
                sync_lock: tokio::sync::Mutex::new(()),
                running_sync: Mutex::new(None),
                outbox_lock: tokio::sync::Mutex::new(()),
                warm_lineage: AtomicBool::new(false),
                scheduler: schedule::SchedulerState::default(),
                policies: policies::PolicyCache::default(),
                search_trust: search_trust::TrustCache::default(),
                draft_base: draft_base::DraftBaseCache::default(),
                online_clients: online::OnlineClients::default(),
            }),
        })
    }

    /// Builds the lineage graph cache in the background now and again after every sync, import or source
    /// removal, so a lineage request finds it ready instead of waiting for the build (seconds on a large mesh),
    /// and prepares the search index's per-segment values now (syncs keep them ready themselves), so the
    /// first keystroke does not wait for them. For the long-running desktop app; the CLI builds the graph
    /// when a command needs it, and after a change only to store the consumer links.
    pub fn keep_warm(&self) {
        self.inner.warm_lineage.store(true, Ordering::SeqCst);
        self.warm_lineage();
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(err) = inner.search.blocking_read().warm() {
                tracing::warn!("cannot prepare the search index in the background: {err}");
            }
        });
    }

    /// Starts a background build of the lineage graph and stores the consumer links it implies. A lineage
    /// request arriving meanwhile waits for this build rather than starting its own.
    fn warm_lineage(&self) {
        let store = self.store().clone();
        tokio::spawn(async move {
            if let Err(err) = meshlens_lineage::warm_graph(&store).await {
                tracing::warn!("cannot build the lineage graph in the background: {err}");
            }
            store_consumers(&store).await;
        });
    }

    /// After a sync, import or source removal: the desktop app rebuilds the graph in the background
    /// ([`keep_warm`](Self::keep_warm)); the CLI stores the consumer links before its process ends, so
    /// a later `consumers` reads them instead of building the graph. The quality figures follow.
    async fn lineage_changed(&self) {
        // A sync may have brought other policy files, an import or a removal other sources.
        self.forget_policies();
        if self.inner.warm_lineage.load(Ordering::SeqCst) {
            self.warm_lineage();
        } else {
            let phase = Instant::now();
            store_consumers(self.store()).await;
            tracing::debug!(ms = phase.elapsed().as_millis(), "lineage consumers stored");
        }
        self.quality_changed().await;
        self.adoption_changed().await;
    }

    /// Notes the adoption trend: in the background in the desktop app (its lineage links wait for
    /// the graph being built), before the process ends in the CLI.
    async fn adoption_changed(&self) {
        if self.inner.warm_lineage.load(Ordering::SeqCst) {
            let app = self.clone();
            tokio::spawn(async move { app.record_adoption().await });
        } else {
            self.record_adoption().await;
        }
    }

    /// After a change of the quality results or the catalogue: stores every product's quality figures
    /// (in the background in the desktop app, before the process ends in the CLI), so that `mesh`,
    /// `trust` and `scorecard` read them instead of scanning every check.
    async fn quality_changed(&self) {
        if self.inner.warm_lineage.load(Ordering::SeqCst) {
            let store = self.store().clone();
            tokio::spawn(async move { store_figures(&store).await });
        } else {
            store_figures(self.store()).await;
        }
    }

    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Documents in the search index (benchmarks report it beside their figures).
    pub async fn search_documents(&self) -> u64 {
        self.inner.search.read().await.num_docs()
    }

    pub async fn app_info(&self, _: NoArgs, _: &dyn EventSink) -> Result<AppInfo, AppError> {
        let stats = self.store().stats().await?;
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data_dir: self.config().data_dir.display().to_string(),
            sources: stats.sources as u64,
            products: stats.products as u64,
            contracts: stats.contracts as u64,
            datasets: stats.datasets as u64,
        })
    }

    pub async fn list_products(
        &self,
        args: ListProductsArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<ProductSummary>, AppError> {
        let filter = ProductFilter {
            domain: args.domain,
            ..Default::default()
        };
        Ok(self.store().list_products(&filter).await?)
    }

    pub async fn get_product(
        &self,
        args: GetProductArgs,
        _: &dyn EventSink,
    ) -> Result<ProductDetail, AppError> {
        if let Some(detail) = self.store().get_product(&args.id).await? {
            return Ok(detail);
        }
        // Any other id: the product it belongs to.
        let id = self.product_id(&args.id).await?;
        self.store()
            .get_product(&id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("product `{}`", args.id)))
    }

    /// Who to ask about a product: roles from its own document, then its output contracts'.
    pub async fn owners(
        &self,
        args: GetProductArgs,
        events: &dyn EventSink,
    ) -> Result<Ownership, AppError> {
        let detail = self.get_product(args, events).await?;
        let mut documents = vec![detail.canonical];
        let outputs = detail
            .contracts
            .iter()
            .filter(|c| c.port.direction == PortDirection::Out);
        for output in outputs {
            let contract = &output.contract;
            let found = self
                .store()
                .get_contract(&contract.id, contract.version.as_deref())
                .await?;
            documents.extend(found.map(|c| c.canonical));
        }
        Ok(Ownership::of(&detail.product.id, &documents))
    }

    /// Who consumes a product: products declaring an input port on one of its output ports'
    /// contracts, holding an approved agreement, or lineage shows reading its datasets (flagged when
    /// they declare neither). Read from indexed rows: the product's ports, not its documents.
    pub async fn consumers(
        &self,
        args: GetProductArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<Consumer>, AppError> {
        let id = &self.product_id(&args.id).await?;
        let outputs = self.store().product_output_ports(id).await?;
        let outputs = outputs.ok_or_else(|| AppError::not_found(format!("product `{id}`")))?;
        let declared = self.store().input_port_consumers(id).await?;
        let mut consumers: Vec<Consumer> = declared
            .iter()
            .map(|(consumer, port)| Consumer {
                consumer: consumer.clone(),
                via: ConsumerVia::InputPort,
                port: Some(port.clone()),
                since: None,
                flag: None,
            })
            .collect();
        let agreed = self.agreement_consumers(id).await?;
        consumers.extend(agreed.iter().map(|(consumer, port, since)| Consumer {
            consumer: consumer.clone(),
            via: ConsumerVia::Agreement,
            port: Some(port.clone()),
            since: Some(since.clone()),
            flag: None,
        }));
        for seen in meshlens_lineage::lineage_consumers(self.store(), id).await? {
            let declares = declared
                .iter()
                .any(|(consumer, _)| *consumer == seen.product)
                || agreed
                    .iter()
                    .any(|(consumer, _, _)| *consumer == seen.product);
            let ports = outputs.iter().filter(|(_, contract)| {
                let contract = contract.as_deref().unwrap_or_default();
                seen.contracts.iter().any(|c| c == contract)
            });
            let mut names: Vec<Option<String>> =
                ports.map(|(name, _)| Some(name.clone())).collect();
            if names.is_empty() {
                names.push(None);
            }
            consumers.extend(names.into_iter().map(|port| Consumer {
                consumer: seen.product.clone(),
                via: ConsumerVia::Lineage,
                port,
                since: seen.since.clone(),
                flag: (!declares).then(|| "undeclared".to_owned()),
            }));
        }
        Ok(consumers)
    }

    pub async fn list_sources(
        &self,
        _: NoArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<SourceRecord>, AppError> {
        Ok(self.store().list_sources().await?)
    }

    pub async fn add_source(
        &self,
        config: SourceConfig,
        _: &dyn EventSink,
    ) -> Result<SourceRecord, AppError> {
        validate_source_config(&config)?;
        if self.store().get_source(&config.name).await?.is_some() {
            return Err(AppError::new(
                ErrorCode::SourceExists,
                format!(
                    "a source named `{}` exists already; remove it first or pick another name",
                    config.name
                ),
            ));
        }
        self.store().add_source(&config).await?;
        // A folder source brings its own `policies/` at once.
        self.forget_policies();
        self.store().get_source(&config.name).await?.ok_or_else(|| {
            AppError::new(
                ErrorCode::Internal,
                "the new source vanished right after it was added",
            )
        })
    }

    pub async fn set_source_scope(
        &self,
        args: SourceScopeArgs,
        _: &dyn EventSink,
    ) -> Result<SourceRecord, AppError> {
        let not_found = || AppError::not_found(format!("source `{}`", args.name));
        let mut config = self
            .store()
            .get_source(&args.name)
            .await?
            .ok_or_else(not_found)?
            .config;
        config.scope = match (args.add, config.scope.take(), args.scope) {
            (true, Some(current), Some(added)) => Some(current.widened_by(added)),
            (true, current, None) => current,
            (_, _, scope) => scope,
        };
        check_scope(&config)?;
        if !self
            .store()
            .set_source_scope(&config.name, config.scope.as_ref())
            .await?
        {
            return Err(not_found());
        }
        self.store()
            .get_source(&config.name)
            .await?
            .ok_or_else(not_found)
    }

    pub async fn remove_source(
        &self,
        args: RemoveSourceArgs,
        _: &dyn EventSink,
    ) -> Result<RemoveSourceResult, AppError> {
        let _sync = self.inner.sync_lock.lock().await;
        let removed = self.store().get_source(&args.name).await?;
        let (Some(removed), Some(left)) = (removed, self.store().remove_source(&args.name).await?)
        else {
            return Err(AppError::not_found(format!("source `{}`", args.name)));
        };
        // Its token goes with it: a source added later under the same name starts without one.
        self.forget_token(&removed.config).await;
        // Result files are not descriptors: what they brought goes here, not with the source row.
        meshlens_quality::remove_source_results(self.store(), &args.name).await?;
        meshlens_lineage::forget_events(self.store(), &args.name, None).await?;
        if args.forget_history {
            self.store().forget_history(&args.name).await?;
        }
        // Only the documents that left (a rebuild of a 1M-document index took a minute).
        let mut search = self.inner.search.write().await;
        meshlens_search::update_from_store(&mut search, self.store(), &left).await?;
        drop(search);
        self.lineage_changed().await;
        Ok(RemoveSourceResult {
            name: args.name,
            removed: true,
        })
    }

    /// Syncs sources one after another. A source that cannot be read is reported (its cache kept) and the
    /// others still sync.
    pub async fn sync(
        &self,
        args: SyncArgs,
        events: &dyn EventSink,
    ) -> Result<SyncReport, AppError> {
        let Ok(_sync) = self.inner.sync_lock.try_lock() else {
            return Err(AppError::new(
                ErrorCode::SyncBusy,
                "a sync is already running; wait for it or cancel it",
            ));
        };
        let cancel = CancellationFlag::new();
        *self
            .inner
            .running_sync
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(cancel.clone());
        let started = Instant::now();
        let all = self.store().list_sources().await?;
        let selected: Vec<SourceConfig> = if args.names.is_empty() {
            all.into_iter().map(|s| s.config).collect()
        } else {
            let mut picked = Vec::new();
            for name in &args.names {
                let source = all
                    .iter()
                    .find(|s| &s.config.name == name)
                    .ok_or_else(|| AppError::not_found(format!("source `{name}`")))?;
                picked.push(source.config.clone());
            }
            picked
        };
        let indexing = PendingIndexing::default();
        let context = SyncContext {
            data_dir: self.config().data_dir.clone(),
            options: SyncOptions {
                full: args.full,
                pull_budget: config::pull_budget_from_env()?,
                ..Default::default()
            },
            cancel,
            on_descriptors_committed: Some(self.index_when_committed(&indexing)),
        };
        let progress = |p: meshlens_sync::SyncProgress| events.emit(&AppEvent::SyncProgress(p));
        let mut outcomes = Vec::with_capacity(selected.len());
        for source in &selected {
            let synced =
                meshlens_sync::sync_source(self.store(), source, &context, &progress).await;
            // The index follows whatever was committed, even when a later step of the sync failed.
            let phase = Instant::now();
            indexing.finish().await?;
            tracing::debug!(
                ms = phase.elapsed().as_millis(),
                "sync: waited for the search index"
            );
            match synced {
                Ok(report) => outcomes.push(SourceSyncOutcome {
                    report,
                    unreadable: None,
                }),
                Err(err) => {
                    let err = AppError::from(err);
                    if err.code == ErrorCode::Cancelled {
                        return Err(err);
                    }
                    outcomes.push(SourceSyncOutcome {
                        report: SourceSyncReport::named(&source.name),
                        unreadable: Some(err),
                    });
                }
            }
        }
        let phase = Instant::now();
        meshlens_quality::apply_stored_retention(self.store()).await?;
        tracing::debug!(ms = phase.elapsed().as_millis(), "sync: retention applied");
        let summarising = Instant::now();
        self.summarise_history().await?;
        let recorded_us: u64 = outcomes.iter().map(|o| o.report.applied.history_us).sum();
        let history_ms = recorded_us / 1000 + summarising.elapsed().as_millis() as u64;
        tracing::debug!(
            ms = summarising.elapsed().as_millis(),
            "sync: history summarised"
        );
        let phase = Instant::now();
        self.lineage_changed().await;
        tracing::debug!(
            ms = phase.elapsed().as_millis(),
            "sync: consumers and figures stored"
        );
        Ok(SyncReport {
            sources: outcomes,
            duration_ms: started.elapsed().as_millis() as u64,
            history_ms,
        })
    }

    /// The sync hook that updates the search index from a source's committed descriptors in a task of
    /// its own, so indexing runs while the source's lineage and quality files are ingested.
    fn index_when_committed(&self, pending: &PendingIndexing) -> DescriptorsCommitted {
        let app = self.clone();
        let pending = pending.clone();
        DescriptorsCommitted(Arc::new(move |applied| {
            let (app, applied) = (app.clone(), applied.clone());
            let task = tokio::spawn(async move {
                let mut search = app.inner.search.write().await;
                meshlens_search::update_from_store(&mut search, app.store(), &applied).await?;
                Ok(())
            });
            *pending.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        }))
    }

    pub async fn cancel_sync(&self, _: NoArgs, _: &dyn EventSink) -> Result<bool, AppError> {
        let running = self
            .inner
            .running_sync
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match running.as_ref() {
            Some(flag) if self.inner.sync_lock.try_lock().is_err() => {
                flag.cancel();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    pub async fn validate(
        &self,
        args: ValidateArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<ValidationReport>, AppError> {
        validate_paths(&args.paths)
    }

    /// Searches the cache; with `online`, asks the catalog sources at the same time and adds their
    /// hits (see `online.rs`).
    pub async fn search(
        &self,
        args: SearchArgs,
        _: &dyn EventSink,
    ) -> Result<SearchResults, AppError> {
        if !args.online {
            return self.search_cache(args).await;
        }
        let (query, limit) = (args.query.clone(), args.limit.unwrap_or(20) as usize);
        let (cached, asked) =
            tokio::join!(self.search_cache(args), self.ask_catalogs(&query, limit));
        let mut results = cached?;
        self.add_online_hits(&mut results, asked?).await?;
        Ok(results)
    }

    async fn search_cache(&self, args: SearchArgs) -> Result<SearchResults, AppError> {
        let request = SearchRequest {
            query: args.query,
            kind: args.kind,
            domain: args.domain,
            tag: args.tag,
            owner: args.owner,
            status: args.status,
            classification: args.classification,
            sensitivity: args.sensitivity,
            limit: args.limit.unwrap_or(0) as usize,
            offset: args.offset.unwrap_or(0) as usize,
        };
        // On blocking threads: a broad query keeps its thread (and the search pool) busy for
        // milliseconds, which would stall the other tasks of an async worker meanwhile.
        let inner = self.inner.clone();
        let ranked =
            blocking_search(move || inner.search.blocking_read().rank(&request, true)).await?;
        let trust = self.search_trust(&ranked.product_ids()).await?;
        let inner = self.inner.clone();
        blocking_search(move || {
            let trust_of = |id: &str| trust.get(id).copied();
            inner.search.blocking_read().page(ranked, &trust_of)
        })
        .await
    }

    /// Rebuilds the search index from the cache, and drops the lineage graph file so that the next
    /// lineage call builds the graph from the cache too.
    pub async fn reindex(&self, _: NoArgs, _: &dyn EventSink) -> Result<IndexStats, AppError> {
        meshlens_lineage::remove_graph_file(self.store())?;
        let mut search = self.inner.search.write().await;
        Ok(meshlens_search::rebuild_from_store(&mut search, self.store()).await?)
    }

    pub async fn lineage(
        &self,
        args: LineageArgs,
        _: &dyn EventSink,
    ) -> Result<LineageGraph, AppError> {
        let request = meshlens_lineage::LineageRequest {
            id: self.lineage_id(&args.id).await?,
            upstream: args.upstream,
            downstream: args.downstream,
            level: args.level,
        };
        Ok(meshlens_lineage::lineage(self.store(), &request).await?)
    }

    pub async fn lineage_status(
        &self,
        _: NoArgs,
        _: &dyn EventSink,
    ) -> Result<LineageStatus, AppError> {
        Ok(meshlens_lineage::graph_status(self.store()).await?)
    }

    pub async fn lineage_path(
        &self,
        args: LineagePathArgs,
        _: &dyn EventSink,
    ) -> Result<Option<LineageGraph>, AppError> {
        let (from, to) = (
            self.lineage_id(&args.from).await?,
            self.lineage_id(&args.to).await?,
        );
        Ok(meshlens_lineage::path_between(self.store(), &from, &to, args.level).await?)
    }

    pub async fn impact(
        &self,
        args: ImpactArgs,
        _: &dyn EventSink,
    ) -> Result<ImpactReport, AppError> {
        let id = self.lineage_id(&args.id).await?;
        Ok(meshlens_lineage::impact(self.store(), &id).await?)
    }

    pub async fn import(
        &self,
        args: ImportArgs,
        _: &dyn EventSink,
    ) -> Result<ImportOutcome, AppError> {
        let path = PathBuf::from(&args.path);
        if !path.exists() {
            return Err(AppError::new(
                ErrorCode::Io,
                format!("{} does not exist", path.display()),
            ));
        }
        // One file may feed both: OpenLineage events can carry data-quality assertion facets.
        let lineage = meshlens_lineage::import_path(self.store(), &path).await?;
        let quality = meshlens_quality::import_file(self.store(), &path).await?;
        meshlens_quality::apply_stored_retention(self.store()).await?;
        self.lineage_changed().await;
        Ok(ImportOutcome { lineage, quality })
    }

    pub async fn quality_metrics(
        &self,
        args: QualityMetricsArgs,
        _: &dyn EventSink,
    ) -> Result<DatasetMetrics, AppError> {
        Ok(meshlens_quality::dataset_metrics(self.store(), &args.dataset).await?)
    }

    pub async fn quality_retention(
        &self,
        args: RetentionArgs,
        _: &dyn EventSink,
    ) -> Result<Retention, AppError> {
        let mut retention = meshlens_quality::retention(self.store()).await?;
        if args.max_age_days.is_none() && args.max_results_per_check.is_none() {
            return Ok(retention);
        }
        let limit = |n: u32| (n > 0).then_some(n);
        if let Some(days) = args.max_age_days {
            retention.max_age_days = limit(days);
        }
        if let Some(max) = args.max_results_per_check {
            retention.max_results_per_check = limit(max);
        }
        meshlens_quality::set_retention(self.store(), retention).await?;
        meshlens_quality::apply_stored_retention(self.store()).await?;
        self.quality_changed().await;
        Ok(retention)
    }

    pub async fn quality(
        &self,
        args: QualityArgs,
        _: &dyn EventSink,
    ) -> Result<QualityReport, AppError> {
        let query = meshlens_quality::QualityQuery {
            id: args.id,
            failing: args.failing,
            since: args.since,
        };
        Ok(meshlens_quality::quality(self.store(), &query).await?)
    }

    pub async fn scorecard(
        &self,
        args: ScorecardArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<Scorecard>, AppError> {
        Ok(meshlens_quality::scorecards(self.store(), args.domain.as_deref()).await?)
    }

    /// Checks against the built-in policies plus every source's `policies/` folder. A policy file that
    /// cannot be read is reported in `policy_errors`; the others still apply. The folders are read
    /// again: a check asked for is a check of the files as they are now.
    pub async fn check(&self, args: CheckArgs, _: &dyn EventSink) -> Result<CheckReport, AppError> {
        self.forget_policies();
        let set = self.policy_set().await?;
        let (violations, errors) =
            meshlens_quality::check_policies(self.store(), &set.policies, args.id.as_deref())
                .await?;
        let mut policy_errors = set.errors.clone();
        policy_errors.extend(errors);
        Ok(CheckReport {
            violations,
            policy_errors,
        })
    }

    /// Writes the steward report. Policy violations in it are those of the last `check`, so it runs one first.
    pub async fn report(
        &self,
        args: ReportArgs,
        events: &dyn EventSink,
    ) -> Result<ReportWritten, AppError> {
        self.check(CheckArgs::default(), events).await?;
        let html = meshlens_quality::render_report(self.store(), args.domain.as_deref()).await?;
        paths::write_report_file(std::path::Path::new(&args.out), html.as_bytes(), args.force)?;
        Ok(ReportWritten {
            out: args.out,
            bytes: html.len() as u64,
        })
    }

    /// Registers the bundled demo mesh as source `demo` (if missing) and syncs it. Used by `meshlens demo`
    /// and by the desktop app when started for `make run`.
    pub async fn open_demo(
        &self,
        _: NoArgs,
        events: &dyn EventSink,
    ) -> Result<SyncReport, AppError> {
        let path = demo::bundled_demo_mesh_dir().ok_or_else(|| {
            AppError::new(
                ErrorCode::Config,
                "the bundled demo mesh was not found; set MESHLENS_DEMO_MESH to the assets/demo-mesh folder",
            )
        })?;
        if self.store().get_source(DEMO_SOURCE_NAME).await?.is_none() {
            let config = SourceConfig {
                name: DEMO_SOURCE_NAME.into(),
                kind: SourceKind::Folder { path },
                scope: None,
            };
            self.store().add_source(&config).await?;
        }
        self.sync(
            SyncArgs {
                names: vec![DEMO_SOURCE_NAME.into()],
                full: false,
            },
            events,
        )
        .await
    }
}

/// Validates files on disk; a file that cannot be read is reported as invalid, not as a failure of the command.
/// A file past the size limit is refused before it is read.
pub fn validate_paths(paths: &[String]) -> Result<Vec<ValidationReport>, AppError> {
    config::install_limits()?;
    let limit = meshlens_model::Limits::process().max_file_bytes;
    Ok(paths
        .iter()
        .map(
            |path| match meshlens_model::read_capped(std::path::Path::new(path), limit) {
                Ok(bytes) => meshlens_model::validate_file(path, &bytes),
                Err(err) => ValidationReport {
                    file: path.clone(),
                    kind: None,
                    valid: false,
                    errors: vec![meshlens_model::Issue {
                        line: 0,
                        column: 0,
                        pointer: String::new(),
                        message: err.to_string(),
                        severity: meshlens_model::Severity::Error,
                    }],
                },
            },
        )
        .collect())
}

/// Stores the lineage consumer links of the current generation. A failure costs a later `consumers`
/// only the graph build, so it is logged rather than failing the change that came before.
async fn store_consumers(store: &Store) {
    if let Err(err) = meshlens_lineage::refresh_consumers(store).await {
        tracing::warn!("cannot store the lineage consumers: {err}");
    }
}

/// Stores the quality figures of the current generations. A failure costs later reads only the
/// scan of every check, so it is logged rather than failing the change that came before.
async fn store_figures(store: &Store) {
    if let Err(err) = meshlens_quality::refresh_figures(store).await {
        tracing::warn!("cannot store the quality figures: {err}");
    }
}

/// A scope only for a catalog server whose connector can apply it.
fn check_scope(config: &SourceConfig) -> Result<(), AppError> {
    let Some(scope) = &config.scope else {
        return Ok(());
    };
    let Some(kind) = meshlens_sync::server_kind(&config.kind) else {
        return Err(AppError::new(
            ErrorCode::InvalidArgs,
            format!(
                "source `{}` is a {} source: only catalog servers take a scope (--scope-domain, --scope-tag, --scope-owner, --neighbours)",
                config.name,
                config.kind.as_str()
            ),
        ));
    };
    kind.check_scope(&config.name, scope)
        .map_err(|err| AppError::new(ErrorCode::InvalidArgs, err.to_string()))
}

fn validate_source_config(config: &SourceConfig) -> Result<(), AppError> {
    check_scope(config)?;
    // Amundsen's search service is a server of its own: checked like the metadata URL.
    if let SourceKind::Amundsen {
        search_url: Some(search_url),
        ..
    } = &config.kind
    {
        validate_source_config(&SourceConfig {
            name: config.name.clone(),
            kind: SourceKind::Amundsen {
                url: search_url.clone(),
                search_url: None,
            },
            scope: None,
        })?;
    }
    match &config.kind {
        SourceKind::Folder { path } if !path.is_dir() => Err(AppError::new(
            ErrorCode::SourceUnreadable,
            format!("{} is not a folder meshlens can read", path.display()),
        )),
        server => match (server.server_url(), meshlens_sync::server_kind(server)) {
            (Some(url), _) if !(url.starts_with("http://") || url.starts_with("https://")) => {
                Err(AppError::new(
                    ErrorCode::InvalidArgs,
                    format!("`{url}` is not a server URL: it must start with http:// or https://"),
                ))
            }
            (Some(url), Some(kind)) => {
                meshlens_connectors::check_server_url(kind, &config.name, url)
                    .map_err(|err| AppError::new(ErrorCode::InvalidArgs, err.to_string()))
            }
            _ => Ok(()),
        },
    }
}

/// Turns a relative folder path into an absolute one so the source still works from another directory.
pub fn absolute_path(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// Runs one half of a search on a blocking thread.
async fn blocking_search<T: Send + 'static>(
    search: impl FnOnce() -> Result<T, meshlens_search::SearchError> + Send + 'static,
) -> Result<T, AppError> {
    let found = tokio::task::spawn_blocking(search).await.map_err(|err| {
        AppError::new(
            ErrorCode::Internal,
            format!("the search worker stopped: {err}"),
        )
    })?;
    Ok(found?)
}
