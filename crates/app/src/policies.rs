//! The policy set in force: read from the policy folders once and kept until a change may have
//! changed it (a sync, an import, a source added or removed), so a draft check on every pause in
//! typing does not walk and parse every policy file again.

use std::sync::{Arc, Mutex};

use meshlens_quality::{LoadedPolicy, PolicyError};

use crate::api::SourceKind;
use crate::{App, AppError};

/// The policies in force and the files that could not be used.
#[derive(Debug, Default)]
pub(crate) struct PolicySet {
    pub policies: Vec<LoadedPolicy>,
    pub errors: Vec<PolicyError>,
}

/// The cached set, stamped with the epoch it was read in; [`App::forget_policies`] moves the epoch,
/// so a set read while a sync changed the folders is not kept.
#[derive(Default)]
pub(crate) struct PolicyCache {
    epoch: std::sync::atomic::AtomicU64,
    set: Mutex<Option<(u64, Arc<PolicySet>)>>,
}

impl App {
    /// The policy set, read again only after a change of the sources.
    pub(crate) async fn policy_set(&self) -> Result<Arc<PolicySet>, AppError> {
        use std::sync::atomic::Ordering;
        let cache = &self.inner.policies;
        let epoch = cache.epoch.load(Ordering::SeqCst);
        let lock = || cache.set.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((read_in, set)) = lock().as_ref()
            && *read_in == epoch
        {
            return Ok(set.clone());
        }
        let set = Arc::new(self.read_policies().await?);
        if cache.epoch.load(Ordering::SeqCst) == epoch {
            *lock() = Some((epoch, set.clone()));
        }
        Ok(set)
    }

    /// Drops the cached policy set: the next use reads the folders again.
    pub(crate) fn forget_policies(&self) {
        let cache = &self.inner.policies;
        cache
            .epoch
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *cache.set.lock().unwrap_or_else(|e| e.into_inner()) = None;
        // Scores follow the policies' weights, and whatever changed them changed the catalogue.
        self.inner.search_trust.clear();
    }

    /// The built-in policies, this machine's own (`<data dir>/policies/`, which may redefine built-in
    /// rules), and every source's `policies/` folder (applying to that source's products only, never
    /// loosening a built-in rule), with the files that cannot be used.
    async fn read_policies(&self) -> Result<PolicySet, AppError> {
        let mut set = PolicySet {
            policies: meshlens_quality::default_policies(),
            errors: Vec::new(),
        };
        let local = self.config().data_dir.join("policies");
        if local.is_dir() {
            let (loaded, errors) = meshlens_quality::load_local_policies(&local);
            set.policies.extend(loaded);
            set.errors.extend(errors);
        }
        for source in self.store().source_configs().await? {
            let root = match &source.kind {
                SourceKind::Folder { path } => path.clone(),
                SourceKind::Git { .. } => self.config().data_dir.join("git").join(&source.name),
                // Catalog servers have no policy files.
                _ => continue,
            };
            let dir = root.join("policies");
            if dir.is_dir() {
                let (loaded, errors) = meshlens_quality::load_policies(&dir, &source.name);
                set.policies.extend(loaded);
                set.errors.extend(errors);
            }
        }
        Ok(set)
    }
}
