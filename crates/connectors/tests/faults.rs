//! Fault cases for every connector: HTTP errors, rate limits, time-outs, broken bodies, paging
//! loops, huge pages and catalogs beyond the pull's budget end in a clear error within bounded
//! time.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use common::*;
use meshlens_connectors::{ConnectorError, PullBudget, ServerKind, pull};
use serde_json::json;

const KINDS: [ServerKind; 5] = [
    ServerKind::Marquez,
    ServerKind::OpenMetadata,
    ServerKind::Entropy,
    ServerKind::DataHub,
    ServerKind::Amundsen,
];

/// The first listing each connector requests.
fn first_path(kind: ServerKind) -> &'static str {
    match kind {
        ServerKind::Marquez => "/api/v1/namespaces",
        ServerKind::Entropy => "/api/dataproducts",
        ServerKind::DataHub => "/api/graphql",
        ServerKind::Amundsen => "/v2/search",
        _ => "/api/v1/tables",
    }
}

/// A valid real first page, so a fault can be placed on the request after it.
fn good_page(kind: ServerKind) -> Response {
    match kind {
        ServerKind::Marquez => ok(&fixture("marquez", "namespaces.json")),
        ServerKind::Entropy => ok(&json!([])),
        ServerKind::DataHub => ok(
            &json!({"data": {"scrollAcrossEntities": {"nextScrollId": null, "searchResults": []}}}),
        ),
        ServerKind::Amundsen => ok(
            &json!({"msg": "Success", "page_index": 0, "results_per_page": 100,
            "results": {"table": {"results": [], "total_results": 0}}, "status_code": 200}),
        ),
        _ => ok(&fixture("openmetadata", "tables.json")),
    }
}

/// Serves `fault` on the first listing, 404 elsewhere; returns the error and how long it took.
async fn pull_with(
    kind: ServerKind,
    fault: impl Fn(&Seen) -> Response + Send + Sync + 'static,
) -> (ConnectorError, Duration) {
    let server = FakeServer::start(move |seen| {
        if seen.path == first_path(kind) {
            fault(seen)
        } else {
            status(404)
        }
    })
    .await;
    let ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(20), pull(kind, &ctx))
        .await
        .expect("a fault must not hang the pull");
    (result.expect_err("the pull must fail"), started.elapsed())
}

fn assert_clear(err: &ConnectorError, kind: ServerKind, needles: &[&str]) {
    let text = err.to_string();
    assert!(
        text.contains("source 'fake'"),
        "{kind:?}: names the source: {text}"
    );
    assert!(
        !text.contains(TOKEN),
        "{kind:?}: never shows the token: {text}"
    );
    for needle in needles {
        assert!(
            text.contains(needle),
            "{kind:?}: expected '{needle}' in: {text}"
        );
    }
}

#[tokio::test]
async fn http_errors_name_source_path_status_and_hint() {
    for kind in KINDS {
        for (code, hint) in [
            (401, "token is expired or wrong"),
            (403, "lacks permission"),
            (404, "check the source URL"),
        ] {
            let (err, took) = pull_with(kind, move |_| status(code)).await;
            assert_clear(
                &err,
                kind,
                &[
                    &format!("HTTP {code}"),
                    hint,
                    first_path(kind).trim_start_matches('/'),
                ],
            );
            assert!(
                took < Duration::from_secs(1),
                "{kind:?} {code}: no retries for client errors ({took:?})"
            );
        }
    }
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_servers_delay() {
    for kind in KINDS {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = calls.clone();
        let server = FakeServer::start(move |seen| {
            if seen.path == first_path(kind) && counter.fetch_add(1, Ordering::SeqCst) == 0 {
                let mut limited = status(429);
                limited
                    .headers_mut()
                    .insert("retry-after", "1".parse().unwrap());
                return limited;
            }
            match seen.path.as_str() {
                p if p == first_path(kind) => good_page(kind),
                "/api/v1/dataProducts" | "/api/v1/dataQuality/testCases" => {
                    ok(&json!({"data": [], "paging": {"total": 0}}))
                }
                "/api/datacontracts" | "/api/access" => ok(&json!([])),
                _ => ok(&json!({"totalCount": 0, "datasets": [], "jobs": []})),
            }
        })
        .await;
        let ctx = context(client(&server, bearer()), 100, &no_progress, &never);
        let started = Instant::now();
        pull(kind, &ctx)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "{kind:?}: Retry-After honoured"
        );
        // The limited request and its retry (DataHub then scrolls data products on the same path).
        let expected = if kind == ServerKind::DataHub { 3 } else { 2 };
        assert_eq!(calls.load(Ordering::SeqCst), expected, "{kind:?}");
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_fails_at_once() {
    for kind in KINDS {
        let (err, took) = pull_with(kind, |_| {
            let mut limited = status(429);
            limited
                .headers_mut()
                .insert("retry-after", "3600".parse().unwrap());
            limited
        })
        .await;
        assert_clear(&err, kind, &["HTTP 429"]);
        assert!(took < Duration::from_secs(1), "{kind:?}: {took:?}");
    }
}

#[tokio::test]
async fn server_errors_are_retried_up_to_the_maximum() {
    for kind in KINDS {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = calls.clone();
        let (err, _) = pull_with(kind, move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
            status(500)
        })
        .await;
        assert_clear(&err, kind, &["HTTP 500", "server failed"]);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            test_policy().max_attempts,
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn a_silent_server_times_out() {
    for kind in KINDS {
        let (err, took) = pull_with(kind, |_| {
            let mut slow = ok(&json!({}));
            slow.headers_mut()
                .insert("x-test-delay-ms", "3000".parse().unwrap());
            slow
        })
        .await;
        assert!(
            matches!(err, ConnectorError::Timeout { .. }),
            "{kind:?}: {err}"
        );
        assert_clear(&err, kind, &["gave no answer"]);
        // 3 attempts x 400 ms read time-out plus short backoffs.
        assert!(took < Duration::from_secs(3), "{kind:?}: {took:?}");
    }
}

#[tokio::test]
async fn truncated_json_is_reported_as_truncated() {
    for kind in KINDS {
        let (err, _) = pull_with(kind, move |_| {
            let full = match kind {
                ServerKind::Marquez => fixture_text("marquez", "namespaces.json"),
                ServerKind::Entropy => fixture_text("entropy", "dataproducts.json"),
                ServerKind::DataHub => fixture_text("datahub", "scroll_page1.json"),
                ServerKind::Amundsen => fixture_text("amundsen", "search_page1.json"),
                _ => fixture_text("openmetadata", "tables.json"),
            };
            raw(
                StatusCode::OK,
                "application/json",
                full[..full.len() / 2].to_string(),
            )
        })
        .await;
        assert!(
            matches!(err, ConnectorError::NotJson { .. }),
            "{kind:?}: {err}"
        );
        assert_clear(&err, kind, &["truncated"]);
    }
}

#[tokio::test]
async fn an_html_page_is_not_taken_for_json() {
    for kind in KINDS {
        let (err, _) = pull_with(kind, |_| {
            raw(
                StatusCode::OK,
                "text/html; charset=utf-8",
                "<!DOCTYPE html><html><body>Sign in</body></html>",
            )
        })
        .await;
        assert_clear(&err, kind, &["HTML page"]);
    }
}

#[tokio::test]
async fn a_fifty_megabyte_page_is_refused() {
    for kind in KINDS {
        let (err, took) = pull_with(kind, |_| {
            // 50 MB streamed without Content-Length, so the cap must hold while reading.
            let chunk = bytes_of(1024 * 1024);
            let stream = futures_stream(chunk, 50);
            raw(
                StatusCode::OK,
                "application/json",
                Body::from_stream(stream),
            )
        })
        .await;
        assert!(
            matches!(err, ConnectorError::TooLarge { .. }),
            "{kind:?}: {err}"
        );
        assert_clear(&err, kind, &["more than 32 MB"]);
        assert!(took < Duration::from_secs(10), "{kind:?}: {took:?}");
    }
}

#[tokio::test]
async fn an_answer_of_countless_tiny_values_is_not_parsed() {
    // 3 MB of `0,`: each would take 32 bytes or more parsed (1.5 M values, ~100 MB).
    let bomb = format!("[{}0]", "0,".repeat(1_500_000));
    for kind in KINDS {
        let bomb = bomb.clone();
        let (err, _) = pull_with(kind, move |_| {
            raw(StatusCode::OK, "application/json", bomb.clone())
        })
        .await;
        assert!(
            matches!(err, ConnectorError::NotJson { .. }),
            "{kind:?}: {err}"
        );
        assert_clear(&err, kind, &["JSON values"]);
    }
}

fn bytes_of(len: usize) -> axum::body::Bytes {
    let mut chunk = vec![b' '; len];
    chunk[0] = b'[';
    axum::body::Bytes::from(chunk)
}

/// `count` copies of `chunk` as a body stream (sent chunked, without Content-Length).
fn futures_stream(chunk: axum::body::Bytes, count: usize) -> Repeat {
    Repeat(chunk, count)
}

struct Repeat(axum::body::Bytes, usize);

impl futures_core::Stream for Repeat {
    type Item = Result<axum::body::Bytes, std::io::Error>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.1 == 0 {
            return std::task::Poll::Ready(None);
        }
        self.1 -= 1;
        std::task::Poll::Ready(Some(Ok(self.0.clone())))
    }
}

#[tokio::test]
async fn a_declared_fifty_megabyte_page_is_refused_before_reading() {
    for kind in KINDS {
        let (err, _) = pull_with(kind, |_| {
            raw(
                StatusCode::OK,
                "application/json",
                bytes_of(50 * 1024 * 1024),
            )
        })
        .await;
        assert!(
            matches!(err, ConnectorError::TooLarge { .. }),
            "{kind:?}: {err}"
        );
    }
}

#[tokio::test]
async fn a_cursor_that_loops_is_stopped() {
    let table = fixture("openmetadata", "tables.json")["data"][0].clone();
    let server = FakeServer::start(move |seen| match seen.path.as_str() {
        // Every page points back at the same cursor.
        "/api/v1/tables" => {
            ok(&json!({"data": [table], "paging": {"after": "bG9vcA==", "total": 99}}))
        }
        _ => status(404),
    })
    .await;
    let ctx = context(client(&server, bearer()), 1, &no_progress, &never);
    let err = pull(ServerKind::OpenMetadata, &ctx).await.unwrap_err();
    assert!(matches!(err, ConnectorError::PagingLoop { .. }), "{err}");
    assert!(err.to_string().contains("bG9vcA=="), "{err}");
    let pages = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/tables")
        .count();
    assert_eq!(pages, 2);
}

#[tokio::test]
async fn a_marquez_total_that_never_ends_is_refused() {
    let server = FakeServer::start(|seen| match seen.path.as_str() {
        "/api/v1/namespaces" => ok(&json!({"namespaces": [{"name": "food_delivery"}]})),
        "/api/v1/namespaces/food_delivery/datasets" => {
            ok(&json!({"totalCount": u64::MAX, "datasets": [fixture("marquez", "datasets.json")["datasets"][0]]}))
        }
        _ => status(404),
    })
    .await;
    let ctx = context(client(&server, bearer()), 1, &no_progress, &never);
    let err = pull(ServerKind::Marquez, &ctx).await.unwrap_err();
    assert!(err.to_string().contains("claims"), "{err}");
}

#[tokio::test]
async fn an_entropy_page_that_repeats_is_stopped() {
    let server = FakeServer::start(|seen| match seen.path.as_str() {
        // Every page says there is a next one and repeats the same products.
        "/api/dataproducts" => {
            let mut page = ok(&fixture("entropy", "dataproducts.json"));
            page.headers_mut().insert(
                "link",
                "</api/dataproducts?p=9>; rel=\"next\"".parse().unwrap(),
            );
            page
        }
        _ => status(404),
    })
    .await;
    let ctx = context(client(&server, bearer()), 100, &no_progress, &never);
    let err = pull(ServerKind::Entropy, &ctx).await.unwrap_err();
    assert!(matches!(err, ConnectorError::PagingLoop { .. }), "{err}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_datahub_scroll_id_that_repeats_is_stopped() {
    let server = FakeServer::start(|_| ok(&fixture("datahub", "scroll_page1.json"))).await;
    let ctx = context(client(&server, bearer()), 2, &no_progress, &never);
    let err = pull(ServerKind::DataHub, &ctx).await.unwrap_err();
    assert!(matches!(err, ConnectorError::PagingLoop { .. }), "{err}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn graphql_errors_are_reported_with_their_message() {
    let server = FakeServer::start(|_| {
        ok(&json!({"errors": [{"message": "Unauthorized to perform this action. Please contact your DataHub administrator."}], "data": null}))
    })
    .await;
    let ctx = context(client(&server, bearer()), 2, &no_progress, &never);
    let err = pull(ServerKind::DataHub, &ctx).await.unwrap_err();
    assert_clear(
        &err,
        ServerKind::DataHub,
        &["GraphQL errors", "Unauthorized to perform this action"],
    );
}

/// A pull that may read `max_bytes` of answers and `max_entities` entities.
fn budgeted<'a>(
    server: &FakeServer,
    max_bytes: u64,
    max_entities: u64,
) -> meshlens_connectors::PullContext<'a> {
    meshlens_connectors::PullContext {
        budget: PullBudget {
            max_bytes,
            max_entities,
        },
        ..context(client(server, bearer()), 100, &no_progress, &never)
    }
}

/// A first listing page of `kind` with 100 entities new on every call, and a next page always.
fn endless_page(kind: ServerKind, call: u32) -> Response {
    let ids = (0..100).map(|i| format!("e-{call}-{i}"));
    match kind {
        ServerKind::OpenMetadata => ok(&json!({
            "data": ids.map(|id| json!({"name": id, "fullyQualifiedName": id})).collect::<Vec<_>>(),
            "paging": {"after": format!("cursor-{call}"), "total": 1_000_000_000u64},
        })),
        ServerKind::DataHub => ok(&json!({"data": {"scrollAcrossEntities": {
            "nextScrollId": format!("scroll-{call}"),
            "searchResults": ids.map(|id| json!({"entity": {"urn": id}})).collect::<Vec<_>>(),
        }}})),
        ServerKind::Entropy => {
            let mut page = ok(&json!(ids.map(|id| json!({"id": id})).collect::<Vec<_>>()));
            page.headers_mut().insert(
                "link",
                "</api/dataproducts?p=1>; rel=\"next\"".parse().unwrap(),
            );
            page
        }
        ServerKind::Marquez => ok(&json!({
            "totalCount": 10_000_000u64,
            "namespaces": ids.map(|id| json!({"name": id})).collect::<Vec<_>>(),
        })),
        ServerKind::Amundsen => ok(
            &json!({"msg": "Success", "page_index": call, "results_per_page": 100,
            "results": {"table": {
                "results": ids.map(|id| json!({"key": id})).collect::<Vec<_>>(),
                "total_results": 1_000_000_000u64}},
            "status_code": 200}),
        ),
    }
}

#[tokio::test]
async fn a_catalog_that_pages_forever_ends_at_the_entity_budget() {
    for kind in KINDS {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = calls.clone();
        let server = FakeServer::start(move |seen| {
            if seen.path == first_path(kind) {
                endless_page(kind, counter.fetch_add(1, Ordering::SeqCst))
            } else {
                status(404)
            }
        })
        .await;
        let ctx = budgeted(&server, u64::MAX, 1_000);
        let started = Instant::now();
        let err = pull(kind, &ctx)
            .await
            .expect_err("the budget must end the pull");
        assert!(
            matches!(err, ConnectorError::OverBudget { .. }),
            "{kind:?}: {err}"
        );
        assert_clear(
            &err,
            kind,
            &[
                "1000 entities",
                "MESHLENS_MAX_PULL_ENTITIES",
                "last synced data",
            ],
        );
        // Ten pages of 100 reach the budget; Marquez's listing says at once that it is larger.
        let asked = calls.load(Ordering::SeqCst);
        assert!(asked <= 11, "{kind:?}: {asked} pages");
        assert!(started.elapsed() < Duration::from_secs(5), "{kind:?}");
    }
}

#[tokio::test]
async fn large_answers_end_at_the_byte_budget_while_they_are_read() {
    for kind in KINDS {
        // 20 MB streamed without Content-Length: under the 32 MB cap of one answer, over the
        // pull's 4 MiB budget, which stops the read in the middle of the answer.
        let (err, took) = {
            let server = FakeServer::start(move |seen| {
                if seen.path == first_path(kind) {
                    raw(
                        StatusCode::OK,
                        "application/json",
                        Body::from_stream(futures_stream(bytes_of(1024 * 1024), 20)),
                    )
                } else {
                    status(404)
                }
            })
            .await;
            let ctx = budgeted(&server, 4 * 1024 * 1024, u64::MAX);
            let started = Instant::now();
            let result = pull(kind, &ctx).await;
            (result.expect_err("over the budget"), started.elapsed())
        };
        assert!(
            matches!(err, ConnectorError::OverBudget { .. }),
            "{kind:?}: {err}"
        );
        assert_clear(&err, kind, &["4 MiB of answers", "MESHLENS_MAX_PULL_BYTES"]);
        assert!(took < Duration::from_secs(5), "{kind:?}: {took:?}");
    }
}

#[tokio::test]
async fn many_answers_together_end_at_the_byte_budget() {
    // Entropy Data pages of one product with a 1 MiB description each, new on every page: each
    // answer is small enough, together they pass the pull's 8 MiB.
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let server = FakeServer::start(move |seen| {
        if seen.path != "/api/dataproducts" {
            return status(404);
        }
        let call = counter.fetch_add(1, Ordering::SeqCst);
        let mut page =
            ok(&json!([{"id": format!("p-{call}"), "description": "x".repeat(1 << 20)}]));
        page.headers_mut().insert(
            "link",
            "</api/dataproducts?p=1>; rel=\"next\"".parse().unwrap(),
        );
        page
    })
    .await;
    let ctx = budgeted(&server, 8 * 1024 * 1024, u64::MAX);
    let err = pull(ServerKind::Entropy, &ctx).await.unwrap_err();
    assert_clear(&err, ServerKind::Entropy, &["8 MiB of answers"]);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        8,
        "the ninth page was not read"
    );
}
