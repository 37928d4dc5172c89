//! The page loops every connector reads through: one concurrent loop for requests whose paths are
//! known up front (offset pages once the total is known, one request per entity), and two
//! sequential ones with loop detection (opaque cursors, numbered pages). What a pull listed and
//! asked is counted in one [`PageCounters`].

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::{ConnectorError, MAX_PULL_ENTITIES_ENV, PullContext};

/// Hard ceiling on pages per listing: a server that never stops is an error, not a hang.
const MAX_PAGES: usize = 100_000;

/// What one pull has listed (entities, counted against its budget) and asked (HTTP requests).
/// Shared by the concurrent requests of the pull, hence atomic.
#[derive(Debug, Default)]
pub(crate) struct PageCounters {
    listed: AtomicU64,
    requests: AtomicU64,
}

impl PageCounters {
    /// HTTP requests answered so far.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(crate) fn answered(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `count` more listed entities, reports the progress, and stops a pull past its
    /// entity budget.
    pub(crate) fn list(&self, ctx: &PullContext<'_>, count: usize) -> Result<(), ConnectorError> {
        let total = self.listed.fetch_add(count as u64, Ordering::Relaxed) + count as u64;
        (ctx.progress)(total);
        if total > ctx.budget.max_entities {
            return Err(over_entity_budget(ctx));
        }
        Ok(())
    }

    /// Refuses, before its pages are asked for, a listing that says it holds more than the budget
    /// has room for.
    fn check_room(&self, ctx: &PullContext<'_>, announced: u64) -> Result<(), ConnectorError> {
        if self.listed.load(Ordering::Relaxed) + announced > ctx.budget.max_entities {
            return Err(over_entity_budget(ctx));
        }
        Ok(())
    }
}

/// One GET: its path and its query.
type Get = (String, Vec<(&'static str, String)>);

/// The one concurrent page loop: GETs every request with at most `ctx.concurrency` in flight and
/// hands each answer to `take` as it arrives (so raw answers do not pile up in memory); what
/// `take` makes comes back in input order. An answer with a status in `absent` reaches `take` as
/// `null` (nothing there for that path); any other error fails the pull. Cancellation is polled as
/// each answer arrives and aborts the requests still out.
async fn each_answer<R>(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    gets: Vec<Get>,
    absent: &[u16],
    mut take: impl FnMut(Value) -> Result<R, ConnectorError>,
) -> Result<Vec<R>, ConnectorError> {
    ctx.check_cancel()?;
    let permits = Arc::new(Semaphore::new(ctx.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut results: Vec<Option<R>> = gets.iter().map(|_| None).collect();
    for (index, (path, query)) in gets.into_iter().enumerate() {
        let http = ctx.http.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, http.get_json(&path, &query).await)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Err(cancelled) = ctx.check_cancel() {
            tasks.abort_all();
            return Err(cancelled);
        }
        let (index, answer) =
            joined.map_err(|err| unexpected(ctx, format!("a request task failed: {err}")))?;
        counters.answered();
        let body = match answer {
            Err(ConnectorError::Status { status, .. }) if absent.contains(&status) => Value::Null,
            answer => answer?,
        };
        results[index] = Some(take(body)?);
    }
    Ok(results.into_iter().flatten().collect())
}

/// GETs `path` once per query through the concurrent loop; answers in input order, an answer with
/// a status in `absent` as `null`.
pub(crate) async fn fetch_queries(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    path: &str,
    queries: Vec<Vec<(&'static str, String)>>,
    absent: &[u16],
) -> Result<Vec<Value>, ConnectorError> {
    let gets = queries.into_iter().map(|q| (path.to_owned(), q)).collect();
    each_answer(ctx, counters, gets, absent, Ok).await
}

/// GETs every path with the same `query` through the concurrent loop; answers in input order, an
/// answer with a status in `absent` as `null`.
pub(crate) async fn fetch_each(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    paths: Vec<String>,
    query: &[(&'static str, &'static str)],
    absent: &[u16],
) -> Result<Vec<Value>, ConnectorError> {
    take_each(ctx, counters, paths, query, absent, Ok).await
}

/// [`fetch_each`], handing each answer to `take` as it arrives, so only what `take` keeps of it
/// stays in memory.
pub(crate) async fn take_each<R>(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    paths: Vec<String>,
    query: &[(&'static str, &'static str)],
    absent: &[u16],
    take: impl FnMut(Value) -> Result<R, ConnectorError>,
) -> Result<Vec<R>, ConnectorError> {
    let query: Vec<(&'static str, String)> =
        query.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let gets = paths.into_iter().map(|p| (p, query.clone())).collect();
    each_answer(ctx, counters, gets, absent, take).await
}

/// Reads a `limit`/`offset` listing: the first page gives `total_key`, the rest go through the
/// concurrent loop. Each item is mapped as its page arrives; results come back in server order.
pub(crate) async fn offset_pages<T>(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    path: &str,
    (items_key, total_key): (&str, &str),
    map: impl Fn(Value) -> Option<T>,
) -> Result<Vec<T>, ConnectorError> {
    ctx.check_cancel()?;
    let limit = ctx.page_size.max(1);
    let page = |number: usize| -> Get {
        let query = [("limit", limit), ("offset", number * limit)];
        (
            path.to_string(),
            query.map(|(k, v)| (k, v.to_string())).into(),
        )
    };
    let (first_path, first_query) = page(0);
    let first = ctx.http.get_json(&first_path, &first_query).await?;
    counters.answered();
    let total = first.get(total_key).and_then(Value::as_u64);
    let first_items = page_items(ctx, path, first, items_key)?;
    let first_len = first_items.len();
    let total = total.unwrap_or(first_len as u64) as usize;
    counters.list(ctx, first_len)?;
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
    counters.check_room(ctx, (total - first_len) as u64)?;
    let take = |body| {
        let page_items = page_items(ctx, path, body, items_key)?;
        counters.list(ctx, page_items.len())?;
        Ok(page_items.into_iter().filter_map(&map).collect::<Vec<T>>())
    };
    let rest = each_answer(ctx, counters, (1..pages).map(page).collect(), &[], take).await?;
    items.extend(rest.into_iter().flatten());
    Ok(items)
}

/// Follows a cursor listing: `fetch(cursor)` reads one page (`None` for the first), `split`
/// takes its items and the next cursor (`None` at the end). A cursor seen twice is a
/// [`ConnectorError::PagingLoop`].
pub(crate) async fn cursor_pages<Fut>(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    path: &str,
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
        counters.answered();
        let (page_items, next) = split(page)?;
        counters.list(ctx, page_items.len())?;
        items.extend(page_items);
        match next {
            Some(next) if !next.is_empty() => {
                if !seen.insert(next.clone()) {
                    return Err(paging_loop(ctx, path, next));
                }
                cursor = Some(next);
            }
            _ => return Ok(items),
        }
    }
    Err(endless(ctx, path))
}

/// Reads a page-numbered listing (`p` = 0, 1, ...) whose body is a plain JSON array and whose
/// `Link: rel="next"` header says whether another page follows (Entropy Data). A non-empty page
/// that repeats the previous one is a [`ConnectorError::PagingLoop`]; pages are compared by a
/// hash of their items, so none is copied to be compared.
pub(crate) async fn numbered_pages(
    ctx: &PullContext<'_>,
    counters: &PageCounters,
    path: &str,
) -> Result<Vec<Value>, ConnectorError> {
    let mut items = Vec::new();
    let mut previous: Option<u64> = None;
    for page in 0..MAX_PAGES {
        ctx.check_cancel()?;
        let (body, has_next) = ctx
            .http
            .get_json_page(path, &[("p", page.to_string())])
            .await?;
        counters.answered();
        let Value::Array(page_items) = body else {
            return Err(not_json(ctx, path, "expected a JSON array".into()));
        };
        let fingerprint = (!page_items.is_empty()).then(|| fingerprint(&page_items));
        if fingerprint.is_some() && fingerprint == previous {
            return Err(paging_loop(ctx, path, format!("p={page}")));
        }
        counters.list(ctx, page_items.len())?;
        let last = !has_next || page_items.is_empty();
        items.extend(page_items);
        if last {
            return Ok(items);
        }
        previous = fingerprint;
    }
    Err(endless(ctx, path))
}

/// A 64-bit hash of a page's items, written through the hasher as JSON text without building it.
fn fingerprint(items: &[Value]) -> u64 {
    struct Hashing(DefaultHasher);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hashing = Hashing(DefaultHasher::new());
    serde_json::to_writer(&mut hashing, items).expect("a JSON value always encodes");
    hashing.0.finish()
}

fn paging_loop(ctx: &PullContext<'_>, path: &str, cursor: String) -> ConnectorError {
    ConnectorError::PagingLoop {
        source_name: ctx.http.source_name().to_string(),
        path: path.to_string(),
        cursor,
    }
}

fn endless(ctx: &PullContext<'_>, path: &str) -> ConnectorError {
    unexpected(ctx, format!("{path} did not end after {MAX_PAGES} pages"))
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::time::Duration;

    use axum::http::{StatusCode, Uri};
    use axum::response::{IntoResponse, Response};
    use serde_json::json;

    use super::*;
    use crate::{Credentials, HttpClient, HttpPolicy, Known, PullBudget};

    /// Serves `answer(path, query)` on a free local port; returns its base URL.
    async fn serve(
        answer: impl Fn(&str, &str) -> Response + Clone + Send + Sync + 'static,
    ) -> String {
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let answer = answer.clone();
            async move {
                let response = answer(uri.path(), uri.query().unwrap_or(""));
                // Later requests answer sooner, so answers arrive out of order.
                let delay = response
                    .headers()
                    .get("x-delay-ms")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(delay)).await;
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn answer(body: serde_json::Value, delay_ms: u64) -> Response {
        ([("x-delay-ms", delay_ms.to_string())], axum::Json(body)).into_response()
    }

    fn query_number(query: &str, key: &str) -> u64 {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    static KNOWN: std::sync::LazyLock<Known> = std::sync::LazyLock::new(Known::default);

    fn context<'a>(url: &str, cancelled: &'a (dyn Fn() -> bool + Send + Sync)) -> PullContext<'a> {
        let policy = HttpPolicy {
            max_attempts: 1,
            ..HttpPolicy::default()
        };
        PullContext {
            http: HttpClient::new("fake", url, Credentials::None, policy).unwrap(),
            budget: PullBudget::default(),
            concurrency: 4,
            page_size: 10,
            progress: &|_| {},
            cancelled,
            known: &KNOWN,
            search: None,
            scope: None,
        }
    }

    const NEVER: &(dyn Fn() -> bool + Send + Sync) = &|| false;

    #[tokio::test]
    async fn answers_come_in_input_order_and_absent_statuses_read_as_null() {
        let url = serve(|path, _| match path.strip_prefix("/item/") {
            Some(n) => {
                let n: u64 = n.parse().unwrap();
                answer(json!({ "n": n }), 60 - 5 * n)
            }
            None => StatusCode::NOT_FOUND.into_response(),
        })
        .await;
        let ctx = context(&url, NEVER);
        let counters = PageCounters::default();
        let mut paths: Vec<String> = (0..12).map(|n| format!("item/{n}")).collect();
        paths.insert(3, "gone".into());
        let answers = fetch_each(&ctx, &counters, paths.clone(), &[], &[404])
            .await
            .unwrap();
        let mut expected: Vec<_> = (0..12).map(|n| json!({ "n": n })).collect();
        expected.insert(3, Value::Null);
        assert_eq!(answers, expected);
        assert_eq!(counters.requests(), 13);
        // Without 404 among the absent statuses, the missing path fails the pull.
        let err = fetch_each(&ctx, &counters, paths, &[], &[])
            .await
            .unwrap_err();
        assert!(
            matches!(err, ConnectorError::Status { status: 404, .. }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn offset_pages_come_back_in_server_order_and_count_what_they_list() {
        let url = serve(|_, query| {
            let offset = query_number(query, "offset");
            let items: Vec<u64> = (offset..(offset + 10).min(35)).collect();
            answer(json!({ "totalCount": 35, "things": items }), 40 - offset)
        })
        .await;
        let ctx = context(&url, NEVER);
        let counters = PageCounters::default();
        let items = offset_pages(&ctx, &counters, "things", ("things", "totalCount"), |v| {
            v.as_u64()
        })
        .await
        .unwrap();
        assert_eq!(items, (0..35).collect::<Vec<u64>>());
        assert_eq!(counters.requests(), 4);
        assert_eq!(counters.listed.load(Ordering::Relaxed), 35);
    }

    #[tokio::test]
    async fn a_cancelled_pull_stops_the_concurrent_loop_and_its_requests() {
        let asked = Arc::new(AtomicUsize::new(0));
        let cancel = Arc::new(AtomicBool::new(false));
        let url = serve({
            let (asked, cancel) = (asked.clone(), cancel.clone());
            move |_, _| {
                asked.fetch_add(1, Ordering::SeqCst);
                cancel.store(true, Ordering::SeqCst);
                answer(json!({}), 20)
            }
        })
        .await;
        let cancelled = move || cancel.load(Ordering::SeqCst);
        let ctx = PullContext {
            concurrency: 2,
            ..context(&url, &cancelled)
        };
        let paths = (0..50).map(|n| format!("item/{n}")).collect();
        let err = fetch_each(&ctx, &PageCounters::default(), paths, &[], &[])
            .await
            .unwrap_err();
        assert!(matches!(err, ConnectorError::Cancelled(_)), "{err}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(asked.load(Ordering::SeqCst) < 50, "the loop went on asking");
    }

    #[tokio::test]
    async fn a_numbered_page_that_repeats_the_previous_one_is_a_paging_loop() {
        // `/same` answers every page alike; `/pages` gives three pages, then no `next` link.
        let url = serve(|path, query| {
            let page = query_number(query, "p");
            let (items, more) = match path {
                "/same" => (json!([{"id": "a"}, {"id": "b"}]), true),
                _ => (json!([{ "id": page }]), page < 2),
            };
            let mut response = answer(items, 0);
            if more {
                let link = format!("<{path}?p={}>; rel=\"next\"", page + 1);
                response.headers_mut().insert("link", link.parse().unwrap());
            }
            response
        })
        .await;
        let ctx = context(&url, NEVER);
        let counters = PageCounters::default();
        let err = numbered_pages(&ctx, &counters, "same").await.unwrap_err();
        match err {
            ConnectorError::PagingLoop { cursor, .. } => assert_eq!(cursor, "p=1"),
            other => panic!("{other}"),
        }
        let items = numbered_pages(&ctx, &counters, "pages").await.unwrap();
        assert_eq!(
            items,
            [json!({"id": 0}), json!({"id": 1}), json!({"id": 2})]
        );
    }

    #[tokio::test]
    async fn a_cursor_seen_twice_is_a_paging_loop() {
        let url = serve(|_, _| answer(json!({"data": [1], "after": "same"}), 0)).await;
        let ctx = context(&url, NEVER);
        let fetch = |_cursor: Option<String>| ctx.http.get_json("list", &[]);
        let split = |page: Value| {
            let next = page.get("after").and_then(Value::as_str).map(str::to_owned);
            Ok((page_items(&ctx, "list", page, "data")?, next))
        };
        let err = cursor_pages(&ctx, &PageCounters::default(), "list", fetch, split)
            .await
            .unwrap_err();
        assert!(matches!(err, ConnectorError::PagingLoop { .. }), "{err}");
    }

    #[test]
    fn pages_differing_in_any_item_have_different_fingerprints() {
        let page = [json!({"id": "a"}), json!({"id": "b"})];
        assert_eq!(fingerprint(&page), fingerprint(&page.clone()));
        assert_ne!(
            fingerprint(&page),
            fingerprint(&[json!({"id": "a"}), json!({"id": "c"})])
        );
    }
}
