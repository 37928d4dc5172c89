//! The change feed (`meshlens changes`): what the syncs since a point recorded, grouped by domain and
//! product, cut to what the user follows or to breaking changes; and follows (`follow`, `unfollow`,
//! `following`).

use std::collections::{HashMap, HashSet};

use meshlens_store::{FollowRow, ProductFilter, SyncRow, VersionRow};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::api::NoArgs;
use crate::history::FieldChangeSummary;
use crate::{App, AppError, ErrorCode, EventSink};

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangesArgs {
    /// `last` (the default: since the last sync the user read), a date (`2026-12-01`, or a full ISO 8601
    /// time), or a sync number (the changes after it).
    #[serde(default)]
    #[ts(optional)]
    pub since: Option<String>,
    /// Only what the user follows (a followed domain covers its products, a product its contracts).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub following: bool,
    /// Only breaking changes.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub breaking: bool,
    #[serde(default)]
    #[ts(optional)]
    pub domain: Option<String>,
    /// After answering, mark every sync read: the next `since last` starts after it.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub mark_read: bool,
}

/// One sync in the feed's window.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FeedSync {
    pub id: i64,
    pub source: String,
    pub at: String,
}

/// One entity added, removed or changed by one sync.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FeedChange {
    pub id: String,
    /// product | contract | dataset
    pub kind: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    /// added | removed | changed
    pub op: String,
    pub breaking: bool,
    pub fields: Vec<FieldChangeSummary>,
    /// When the sync recorded it.
    pub at: String,
    /// The product it belongs to: itself, or the product whose output port publishes the contract.
    pub product: Option<String>,
    pub sync: i64,
    pub version: Option<String>,
    pub summary: String,
}

/// `meshlens changes --json`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ChangesFeed {
    /// Where the window starts: the time of the last sync read (none: from the first), the date given, or
    /// the time of the sync given.
    pub since: Option<String>,
    /// The time of the newest sync in the window.
    pub until: Option<String>,
    pub syncs: Vec<FeedSync>,
    /// Grouped by domain, then product, then entity, oldest first within an entity.
    pub changes: Vec<FeedChange>,
}

/// The inbox badge's numbers (`unread`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnreadCount {
    /// Changes since the last sync read.
    pub changes: u32,
    /// Of which breaking.
    pub breaking: u32,
    /// Of which breaking and in something the user follows.
    pub followed_breaking: u32,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FollowArgs {
    /// A product, contract, dataset (`contract/dataset`) or domain.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Followed {
    /// product | contract | dataset | domain
    pub kind: String,
    pub id: String,
    pub since: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Unfollowed {
    pub id: String,
    /// False when it was not followed.
    pub removed: bool,
}

/// Where a feed window starts: after a sync, and at or after a time.
struct Window {
    after: i64,
    from: Option<String>,
}

impl App {
    /// `meshlens changes`: the entities the syncs of a window added, removed or changed.
    pub async fn changes(
        &self,
        args: ChangesArgs,
        _: &dyn EventSink,
    ) -> Result<ChangesFeed, AppError> {
        self.summarise_history().await?;
        let window = self.window(args.since.as_deref()).await?;
        let syncs = self
            .store()
            .syncs_in(window.after, window.from.as_deref())
            .await?;
        let since = match &window.from {
            Some(from) => Some(from.clone()),
            None => self.sync_time(window.after).await?,
        };
        let mut changes = match (syncs.first(), syncs.last()) {
            (Some(first), Some(last)) => self.feed_changes(first.id, last.id, &window).await?,
            _ => Vec::new(),
        };
        self.keep_wanted(&mut changes, &args).await?;
        changes.sort_by(|a, b| {
            (&a.domain, &a.product, &a.id, a.sync).cmp(&(&b.domain, &b.product, &b.id, b.sync))
        });
        if args.mark_read
            && let Some(last) = self.store().last_sync_id().await?
        {
            self.store().mark_read(last).await?;
        }
        Ok(ChangesFeed {
            since,
            until: syncs.last().map(|s| s.at.clone()),
            syncs: syncs.into_iter().map(feed_sync).collect(),
            changes,
        })
    }

    async fn window(&self, since: Option<&str>) -> Result<Window, AppError> {
        match since.map(str::trim) {
            None | Some("last") => Ok(Window {
                after: self.store().last_read_sync().await?,
                from: None,
            }),
            Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => Ok(Window {
                after: n.parse().unwrap_or(i64::MAX),
                from: None,
            }),
            Some(date) if date.len() >= 10 && meshlens_model::date_days(&date[..10]).is_some() => {
                Ok(Window {
                    after: 0,
                    from: Some(date.to_string()),
                })
            }
            Some(other) => Err(AppError::new(
                ErrorCode::InvalidArgs,
                format!(
                    "--since takes `last`, a date (YYYY-MM-DD) or a sync number, not `{other}`"
                ),
            )),
        }
    }

    async fn sync_time(&self, sync: i64) -> Result<Option<String>, AppError> {
        let syncs = self.store().syncs_in(sync - 1, None).await?;
        Ok(syncs.into_iter().find(|s| s.id == sync).map(|s| s.at))
    }

    async fn feed_changes(
        &self,
        first: i64,
        last: i64,
        window: &Window,
    ) -> Result<Vec<FeedChange>, AppError> {
        let versions = self.store().versions_recorded(first, last).await?;
        let contracts: Vec<String> = versions
            .iter()
            .filter(|v| v.kind != "product")
            .map(|v| contract_of(v).to_string())
            .collect();
        let publishers: HashMap<String, (String, Option<String>)> = self
            .store()
            .publishers(&contracts)
            .await?
            .into_iter()
            .map(|(contract, product, domain)| (contract, (product, domain)))
            .collect();
        Ok(versions
            .into_iter()
            .filter(|v| {
                window
                    .from
                    .as_deref()
                    .is_none_or(|from| v.seen_at.as_str() >= from)
            })
            .map(|v| {
                let (product, domain) = match v.kind.as_str() {
                    "product" => (Some(v.entity_id.clone()), None),
                    _ => match publishers.get(contract_of(&v)) {
                        Some((product, domain)) => (Some(product.clone()), domain.clone()),
                        None => (None, None),
                    },
                };
                // A contract without a domain of its own is placed in its product's.
                let mut change = feed_change(v, product);
                change.domain = change.domain.or(domain);
                change
            })
            .collect())
    }

    /// Cuts the feed to the domain asked for, breaking changes, and what the user follows.
    async fn keep_wanted(
        &self,
        changes: &mut Vec<FeedChange>,
        args: &ChangesArgs,
    ) -> Result<(), AppError> {
        if let Some(domain) = &args.domain {
            changes.retain(|c| c.domain.as_deref() == Some(domain.as_str()));
        }
        if args.breaking {
            changes.retain(|c| c.breaking);
        }
        if args.following {
            let follows = self.follow_set().await?;
            changes.retain(|c| is_followed(c, &follows));
        }
        Ok(())
    }

    async fn follow_set(&self) -> Result<HashSet<(String, String)>, AppError> {
        Ok(self
            .store()
            .follows()
            .await?
            .into_iter()
            .map(|f| (f.kind, f.entity_id))
            .collect())
    }

    /// The inbox badge: what `changes` (since the last sync read) would list, counted instead of sent.
    pub async fn unread(&self, _: NoArgs, events: &dyn EventSink) -> Result<UnreadCount, AppError> {
        let feed = self.changes(ChangesArgs::default(), events).await?;
        let follows = self.follow_set().await?;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let breaking = feed.changes.iter().filter(|c| c.breaking);
        Ok(UnreadCount {
            changes: count(feed.changes.len()),
            breaking: count(breaking.clone().count()),
            followed_breaking: count(breaking.filter(|c| is_followed(c, &follows)).count()),
        })
    }

    /// `meshlens follow ID`: what the id names is looked up in the cache, then in the history.
    pub async fn follow(&self, args: FollowArgs, _: &dyn EventSink) -> Result<Followed, AppError> {
        let kind = self.kind_of(&args.id).await?;
        self.store().follow(kind, &args.id).await?;
        let follows = self.store().follows().await?;
        follows
            .into_iter()
            .find(|f| f.kind == kind && f.entity_id == args.id)
            .map(followed)
            .ok_or_else(|| AppError::not_found(format!("follow of `{}`", args.id)))
    }

    async fn kind_of(&self, id: &str) -> Result<&'static str, AppError> {
        if self.store().get_product(id).await?.is_some() {
            return Ok("product");
        }
        let versions = self.store().versions_of(id).await?;
        for kind in ["product", "contract", "dataset"] {
            if versions.iter().any(|v| v.kind == kind) {
                return Ok(kind);
            }
        }
        if self.store().get_contract(id, None).await?.is_some() {
            return Ok("contract");
        }
        let domain = ProductFilter {
            domain: Some(id.to_string()),
            ..ProductFilter::default()
        };
        if !self.store().list_products(&domain).await?.is_empty() {
            return Ok("domain");
        }
        Err(AppError::not_found(format!(
            "a product, contract, dataset or domain `{id}`"
        )))
    }

    /// `meshlens unfollow ID`.
    pub async fn unfollow(
        &self,
        args: FollowArgs,
        _: &dyn EventSink,
    ) -> Result<Unfollowed, AppError> {
        let removed = self.store().unfollow(&args.id).await?;
        Ok(Unfollowed {
            id: args.id,
            removed,
        })
    }

    /// `meshlens following`: everything followed, by kind then id.
    pub async fn following(
        &self,
        _: crate::api::NoArgs,
        _: &dyn EventSink,
    ) -> Result<Vec<Followed>, AppError> {
        Ok(self
            .store()
            .follows()
            .await?
            .into_iter()
            .map(followed)
            .collect())
    }
}

fn followed(f: FollowRow) -> Followed {
    Followed {
        kind: f.kind,
        id: f.entity_id,
        since: f.since,
    }
}

fn feed_sync(s: SyncRow) -> FeedSync {
    FeedSync {
        id: s.id,
        source: s.source,
        at: s.at,
    }
}

/// The contract a contract or dataset version belongs to (`contract/dataset`: the part before the last `/`).
fn contract_of(v: &VersionRow) -> &str {
    match v.kind.as_str() {
        "dataset" => v
            .entity_id
            .rsplit_once('/')
            .map_or(&v.entity_id, |(c, _)| c),
        _ => &v.entity_id,
    }
}

fn feed_change(v: VersionRow, product: Option<String>) -> FeedChange {
    let fields: Vec<FieldChangeSummary> = v
        .changes
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    FeedChange {
        fields,
        product,
        breaking: v.breaking.unwrap_or(false),
        summary: v.summary.unwrap_or_default(),
        id: v.entity_id,
        kind: v.kind,
        name: v.name,
        domain: v.domain,
        op: v.op,
        at: v.seen_at,
        sync: v.sync_id,
        version: v.version,
    }
}

fn is_followed(c: &FeedChange, follows: &HashSet<(String, String)>) -> bool {
    let has = |kind: &str, id: &str| follows.contains(&(kind.to_string(), id.to_string()));
    has(&c.kind, &c.id)
        || c.domain.as_deref().is_some_and(|d| has("domain", d))
        || c.product.as_deref().is_some_and(|p| has("product", p))
        || (c.kind == "dataset"
            && c.id
                .rsplit_once('/')
                .is_some_and(|(contract, _)| has("contract", contract)))
}
