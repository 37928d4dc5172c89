//! Tokens stay with their server: a redirect to another origin is not followed (so the other
//! server never sees the token), plain http:// with a token is refused except on this machine,
//! and no error shows a token.

mod common;

use axum::http::StatusCode;
use axum::response::Response;
use common::*;
use meshlens_connectors::{
    ConnectorError, Credentials, HttpClient, HttpPolicy, Secret, ServerKind,
};

fn redirect_to(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::TEMPORARY_REDIRECT)
        .header("location", location)
        .body(axum::body::Body::empty())
        .unwrap()
}

fn token_bearing() -> [Credentials; 2] {
    [
        bearer(),
        Credentials::ApiKeyHeader("x-api-key", Secret::new(TOKEN)),
    ]
}

fn carries_token(seen: &Seen) -> bool {
    seen.headers
        .values()
        .any(|value| value.to_str().unwrap_or_default().contains(TOKEN))
}

#[tokio::test]
async fn a_redirect_to_another_origin_never_receives_the_token() {
    // Another port on the same host is another origin.
    let elsewhere = FakeServer::start(|_| ok(&serde_json::json!({"data": []}))).await;
    let target = format!("{}/collect", elsewhere.url);
    let catalog = FakeServer::start(move |_| redirect_to(&target)).await;
    for credentials in token_bearing() {
        let http = client(&catalog, credentials);
        let err = http.get_json("api/v1/tables", &[]).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::Redirected { status: 307, .. }),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!("{}/collect", elsewhere.url)),
            "{text}"
        );
        assert!(text.contains("api/v1/tables"), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
    }
    assert!(
        !elsewhere.requests().iter().any(carries_token),
        "the other origin saw the token"
    );
    assert!(elsewhere.requests().is_empty());
    assert!(catalog.requests().iter().all(carries_token));
}

#[tokio::test]
async fn a_redirect_on_the_same_origin_is_followed() {
    let catalog = FakeServer::start(|seen| match seen.path.as_str() {
        "/old/api/dataproducts" => redirect_to("/new/api/dataproducts"),
        "/new/api/dataproducts" => ok(&serde_json::json!([{"id": "p"}])),
        _ => status(404),
    })
    .await;
    let http = HttpClient::new(
        "fake",
        &format!("{}/old", catalog.url),
        Credentials::ApiKeyHeader("x-api-key", Secret::new(TOKEN)),
        test_policy(),
    )
    .unwrap();
    let answer = http.get_json("api/dataproducts", &[]).await.unwrap();
    assert_eq!(answer[0]["id"], "p");
    assert!(catalog.requests().iter().all(carries_token));
}

#[test]
fn plain_http_with_a_token_is_refused_unless_the_host_is_this_machine() {
    for url in [
        "http://catalog.example.com",
        "http://10.1.2.3:8585/om",
        "http://localhost.example.com",
    ] {
        for credentials in token_bearing() {
            let err = HttpClient::new("om", url, credentials, test_policy()).unwrap_err();
            assert!(
                matches!(err, ConnectorError::InsecureUrl { .. }),
                "{url}: {err}"
            );
            let text = err.to_string();
            assert!(
                text.contains("https://") && text.contains("source 'om'"),
                "{text}"
            );
            assert!(!text.contains(TOKEN), "{text}");
        }
        // Without a token there is nothing to expose (Marquez is often run so).
        HttpClient::new("om", url, Credentials::None, test_policy()).unwrap();
        // When the source is added: kinds that always send a token are refused at once.
        assert!(meshlens_connectors::check_server_url(ServerKind::Entropy, "om", url).is_err());
        assert!(meshlens_connectors::check_server_url(ServerKind::Marquez, "om", url).is_ok());
    }
    for url in [
        "http://localhost:8585",
        "http://LOCALHOST",
        "http://127.0.0.1:9",
        "http://127.8.9.10",
        "http://[::1]:8080/api",
        "https://catalog.example.com",
    ] {
        HttpClient::new("om", url, bearer(), test_policy())
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        meshlens_connectors::check_server_url(ServerKind::OpenMetadata, "om", url).unwrap();
    }
}

#[test]
fn credentials_in_the_url_are_refused_and_never_shown() {
    for url in [
        format!("https://admin:{TOKEN}@catalog.example.com"),
        format!("https://{TOKEN}@catalog.example.com/api"),
        // Does not even parse: still masked.
        format!("https://admin:{TOKEN}@catalog.example.com:notaport"),
    ] {
        for credentials in [Credentials::None, bearer()] {
            let err = HttpClient::new("om", &url, credentials, test_policy()).unwrap_err();
            let text = err.to_string();
            assert!(!text.contains(TOKEN), "{text}");
            assert!(text.contains("catalog.example.com"), "{text}");
        }
        let err =
            meshlens_connectors::check_server_url(ServerKind::Marquez, "om", &url).unwrap_err();
        assert!(!err.to_string().contains(TOKEN), "{err}");
    }
}

#[tokio::test]
async fn network_errors_do_not_repeat_the_url_or_its_query() {
    // Nothing listens on the port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let http = HttpClient::new(
        "om",
        &format!("http://127.0.0.1:{port}"),
        bearer(),
        test_policy(),
    )
    .unwrap();
    let err = http
        .get_json(
            "api/v1/tables",
            &[("after", "cursor-from-the-server".into())],
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ConnectorError::Network { .. }), "{text}");
    assert!(!text.contains("cursor-from-the-server"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn an_amundsen_token_goes_to_its_search_service_only_on_the_same_origin() {
    let metadata = FakeServer::start(amundsen).await;
    let search = FakeServer::start(amundsen).await;
    // The keyring of the test machine has no entry for this source: the variable is used.
    unsafe { std::env::set_var("MESHLENS_TOKEN_AMUNDSEN_SPLIT", TOKEN) };
    let pull_all = |(http, search): (HttpClient, HttpClient)| async move {
        let ctx = meshlens_connectors::PullContext {
            search: Some(search),
            ..context(http, 2, &no_progress, &never)
        };
        meshlens_connectors::pull(ServerKind::Amundsen, &ctx)
            .await
            .unwrap();
    };
    // Another port is another origin: the search service never sees the token.
    let connect = |search_url| {
        meshlens_connectors::connect_amundsen(
            "amundsen-split",
            &metadata.url,
            search_url,
            HttpPolicy::default(),
        )
    };
    let clients = connect(Some(&search.url)).await.unwrap();
    pull_all(clients).await;
    assert!(metadata.requests().iter().all(carries_token));
    assert!(!search.requests().is_empty());
    assert!(!search.requests().iter().any(carries_token));
    // Without a search URL both are asked at the metadata URL (a gateway), with the token.
    let before = metadata.requests().len();
    let clients = connect(None).await.unwrap();
    pull_all(clients).await;
    let requests = metadata.requests();
    assert!(requests[before..].iter().any(|r| r.path == "/v2/search"));
    assert!(requests.iter().all(carries_token));
}
