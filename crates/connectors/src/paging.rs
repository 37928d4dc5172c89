//! The two paging styles: offset pages fetched concurrently once the total is known (Marquez),
//! and opaque cursors followed one by one with loop detection (OpenMetadata).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::{ConnectorError, MAX_PULL_ENTITIES_ENV, PullContext};

/// Hard ceiling on pages per listing: a server that never stops is an error, not a hang.
const MAX_PAGES: usize = 100_000;

/// Reads a `limit`/`offset` listing: the first page gives `total_key`, the rest are fetched with
/// at most `ctx.concurrency` requests in flight. Each item is mapped as its page arrives (so raw
/// pages do not pile up in memory); results come back in server order.
pub(crate) async fn offset_pages<T: Clone>(
    ctx: &PullContext<'_>,
    path: &str,
    items_key: &str,
    total_key: &str,
    counter: &AtomicU64,
    requests: &AtomicU64,
    map: impl Fn(Value) -> Option<T>,
) -> Result<Vec<T>, ConnectorError> {
    ctx.check_cancel()?;
    let limit = ctx.page_size.max(1);
    let first = ctx
        .http
        .get_json(
            path,
            &[("limit", limit.to_string()), ("offset", "0".into())],
        )
        .await?;
    requests.fetch_add(1, Ordering::Relaxed);
    let total = first.get(total_key).and_then(Value::as_u64);
    let first_items = take_items(ctx, path, first, items_key)?;
    let first_len = first_items.len();
    let total = total.unwrap_or(first_len as u64) as usize;
    tally(ctx, counter, first_len)?;
    let mut items: Vec<T> = first_items.into_iter().filter_map(&map).collect();
    if first_len >= total || first_len == 0 {
        return Ok(items);
    }
    let pages = total.div_ceil(limit);
    if pages > MAX_PAGES {
        return Err(unexpected(
            ctx,
            format!("{path} claims {total} items; more than meshlens reads from one listing"),
        ));
    }
    // A listing that says it is over the budget is refused before its pages are asked for.
    if counter.load(Ordering::Relaxed) + (total - first_len) as u64 > ctx.budget.max_entities {
        return Err(over_entity_budget(ctx));
    }
    let permits = Arc::new(Semaphore::new(ctx.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for page in 1..pages {
        let http = ctx.http.clone();
        let path = path.to_string();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let query = [
                ("limit", limit.to_string()),
                ("offset", (page * limit).to_string()),
            ];
            (page, http.get_json(&path, &query).await)
        });
    }
    let mut rest: Vec<Option<Vec<T>>> = vec![None; pages];
    while let Some(joined) = tasks.join_next().await {
        if (ctx.cancelled)() {
            tasks.abort_all();
            return Err(ConnectorError::Cancelled(
                ctx.http.source_name().to_string(),
            ));
        }
        let (page, body) =
            joined.map_err(|err| unexpected(ctx, format!("a request task failed: {err}")))?;
        requests.fetch_add(1, Ordering::Relaxed);
        let page_items = take_items(ctx, path, body?, items_key)?;
        tally(ctx, counter, page_items.len())?;
        rest[page] = Some(page_items.into_iter().filter_map(&map).collect());
    }
    for page in rest.into_iter().flatten() {
        items.extend(page);
    }
    Ok(items)
}

/// Follows a cursor listing: `fetch(cursor)` reads one page (`None` for the first), `split`
/// takes its items and the next cursor (`None` at the end). A cursor seen twice is a
/// [`ConnectorError::PagingLoop`].
pub(crate) async fn cursor_pages<Fut>(
    ctx: &PullContext<'_>,
    path: &str,
    counter: &AtomicU64,
    requests: &AtomicU64,
    fetch: impl Fn(Option<String>) -> Fut,
    split: impl Fn(Value) -> Result<(Vec<Value>, Option<String>), ConnectorError>,
) -> Result<Vec<Value>, ConnectorError>
where
    Fut: std::future::Future<Output = Result<Value, ConnectorError>>,
{
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        ctx.check_cancel()?;
        let page = fetch(cursor.clone()).await?;
        requests.fetch_add(1, Ordering::Relaxed);
        let (page_items, next) = split(page)?;
        tally(ctx, counter, page_items.len())?;
        items.extend(page_items);
        match next {
            Some(next) if !next.is_empty() => {
                if !seen.insert(next.clone()) {
                    return Err(ConnectorError::PagingLoop {
                        source_name: ctx.http.source_name().to_string(),
                        path: path.to_string(),
                        cursor: next,
                    });
                }
                cursor = Some(next);
            }
            _ => return Ok(items),
        }
    }
    Err(unexpected(
        ctx,
        format!("{path} did not end after {MAX_PAGES} pages"),
    ))
}

/// Counts `count` more listed entities into the pull's `counter`, reports the progress, and stops
/// a pull past its entity budget.
fn tally(ctx: &PullContext<'_>, counter: &AtomicU64, count: usize) -> Result<(), ConnectorError> {
    let total = counter.fetch_add(count as u64, Ordering::Relaxed) + count as u64;
    (ctx.progress)(total);
    if total > ctx.budget.max_entities {
        return Err(over_entity_budget(ctx));
    }
    Ok(())
}

fn over_entity_budget(ctx: &PullContext<'_>) -> ConnectorError {
    ConnectorError::OverBudget {
        source_name: ctx.http.source_name().to_string(),
        limit: format!("{} entities", ctx.budget.max_entities),
        env_var: MAX_PULL_ENTITIES_ENV,
    }
}

/// The `items_key` list of a page object (missing or null: empty).
pub(crate) fn page_items(
    ctx: &PullContext<'_>,
    path: &str,
    page: Value,
    items_key: &str,
) -> Result<Vec<Value>, ConnectorError> {
    take_items(ctx, path, page, items_key)
}

fn take_items(
    ctx: &PullContext<'_>,
    path: &str,
    page: Value,
    items_key: &str,
) -> Result<Vec<Value>, ConnectorError> {
    match page {
        Value::Object(mut map) => match map.remove(items_key) {
            Some(Value::Array(items)) => Ok(items),
            Some(Value::Null) | None => Ok(Vec::new()),
            Some(_) => Err(not_json(ctx, path, format!("`{items_key}` is not a list"))),
        },
        _ => Err(not_json(
            ctx,
            path,
            format!("expected an object with `{items_key}`"),
        )),
    }
}

pub(crate) fn not_json(ctx: &PullContext<'_>, path: &str, reason: String) -> ConnectorError {
    ConnectorError::NotJson {
        source_name: ctx.http.source_name().to_string(),
        path: path.to_string(),
        reason,
    }
}

pub(crate) fn unexpected(ctx: &PullContext<'_>, what: String) -> ConnectorError {
    ConnectorError::Unexpected {
        source_name: ctx.http.source_name().to_string(),
        what,
    }
}

/// Reads a page-numbered listing (`p` = 0, 1, ...) whose body is a plain JSON array and whose
/// `Link: rel="next"` header says whether another page follows (Entropy Data). A page that
/// repeats the previous one is a [`ConnectorError::PagingLoop`].
pub(crate) async fn numbered_pages(
    ctx: &PullContext<'_>,
    path: &str,
    counter: &AtomicU64,
    requests: &AtomicU64,
) -> Result<Vec<Value>, ConnectorError> {
    let mut items = Vec::new();
    let mut previous: Option<Vec<Value>> = None;
    for page in 0..MAX_PAGES {
        ctx.check_cancel()?;
        let (body, has_next) = ctx
            .http
            .get_json_page(path, &[("p", page.to_string())])
            .await?;
        requests.fetch_add(1, Ordering::Relaxed);
        let Value::Array(page_items) = body else {
            return Err(not_json(ctx, path, "expected a JSON array".into()));
        };
        if previous.as_ref() == Some(&page_items) && !page_items.is_empty() {
            return Err(ConnectorError::PagingLoop {
                source_name: ctx.http.source_name().to_string(),
                path: path.to_string(),
                cursor: format!("p={page}"),
            });
        }
        tally(ctx, counter, page_items.len())?;
        items.extend(page_items.iter().cloned());
        if !has_next || page_items.is_empty() {
            return Ok(items);
        }
        previous = Some(page_items);
    }
    Err(unexpected(
        ctx,
        format!("{path} did not end after {MAX_PAGES} pages"),
    ))
}

/// GETs every path with at most `ctx.concurrency` requests in flight; results in input order.
pub(crate) async fn fetch_each(
    ctx: &PullContext<'_>,
    paths: Vec<String>,
    requests: &AtomicU64,
    query: &[(&'static str, &'static str)],
) -> Result<Vec<Value>, ConnectorError> {
    fetch_each_or_null(ctx, paths, requests, query, &[]).await
}

/// As [`fetch_each`], but an answer with one of the `absent` statuses reads as `null` (nothing
/// there for that path) instead of failing the pull.
pub(crate) async fn fetch_each_or_null(
    ctx: &PullContext<'_>,
    paths: Vec<String>,
    requests: &AtomicU64,
    query: &[(&'static str, &'static str)],
    absent: &[u16],
) -> Result<Vec<Value>, ConnectorError> {
    let query: Vec<(&'static str, String)> =
        query.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let gets = paths.into_iter().map(|p| (p, query.clone())).collect();
    fetch_all(ctx, gets, requests, absent).await
}

/// One GET: its path and its query.
type Get = (String, Vec<(&'static str, String)>);

/// GETs every request with at most `ctx.concurrency` in flight; answers in input order. Any
/// error fails the pull, but for a status in `absent`, which answers `null`.
async fn fetch_all(
    ctx: &PullContext<'_>,
    gets: Vec<Get>,
    requests: &AtomicU64,
    absent: &[u16],
) -> Result<Vec<Value>, ConnectorError> {
    let permits = Arc::new(Semaphore::new(ctx.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let count = gets.len();
    for (index, (path, query)) in gets.into_iter().enumerate() {
        let http = ctx.http.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, http.get_json(&path, &query).await)
        });
    }
    let mut results: Vec<Value> = vec![Value::Null; count];
    while let Some(joined) = tasks.join_next().await {
        if (ctx.cancelled)() {
            tasks.abort_all();
            return Err(ConnectorError::Cancelled(
                ctx.http.source_name().to_string(),
            ));
        }
        let (index, body) =
            joined.map_err(|err| unexpected(ctx, format!("a request task failed: {err}")))?;
        requests.fetch_add(1, Ordering::Relaxed);
        results[index] = match body {
            Err(ConnectorError::Status { status, .. }) if absent.contains(&status) => Value::Null,
            answer => answer?,
        };
    }
    Ok(results)
}
