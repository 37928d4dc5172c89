//! The HTTP client every connector uses: rustls, connect/read time-outs, retries with exponential
//! backoff and jitter on 429 and 5xx (honouring `Retry-After`), a cap on response size, and errors
//! that name the source, the path, the status and a hint.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use rand::Rng;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::redirect;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::auth::Secret;
use crate::error::hint_for;
use crate::{ConnectorError, MAX_PULL_BYTES_ENV};

/// How requests are retried and bounded.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled for each further one, with jitter.
    pub base_delay: Duration,
    /// Upper bound of one backoff, and of a `Retry-After` the client is willing to wait.
    pub max_delay: Duration,
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response bytes.
    pub read_timeout: Duration,
    /// Larger responses are refused (a runaway page must not exhaust memory).
    pub max_response_bytes: u64,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            max_response_bytes: 32 * 1024 * 1024,
        }
    }
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    None,
    /// `Authorization: Bearer <token>` (OpenMetadata JWT, DataHub personal access token).
    Bearer(Secret),
    /// A named header carrying the key (Entropy Data's `x-api-key`).
    ApiKeyHeader(&'static str, Secret),
}

/// One source's HTTP endpoint.
#[derive(Debug, Clone)]
pub struct HttpClient {
    source_name: String,
    base: Url,
    credentials: Credentials,
    policy: HttpPolicy,
    client: reqwest::Client,
    /// The pull's byte budget, shared by the clones of a [`HttpClient::metered`] client.
    meter: Option<Arc<ByteMeter>>,
}

/// Response bytes read so far against a budget.
#[derive(Debug)]
struct ByteMeter {
    read: AtomicU64,
    limit: u64,
}

impl ByteMeter {
    /// Counts `len` more bytes; false once the total passes the limit.
    fn take(&self, len: usize) -> bool {
        let len = len as u64;
        self.read.fetch_add(len, Ordering::Relaxed) + len <= self.limit
    }
}

/// Parses a server's base URL and refuses what would expose a token: credentials written into the
/// URL (they would be stored, listed and shown with it) and, when the client sends a token, plain
/// `http://` to any host but this machine. Errors show the URL without its credentials.
pub fn server_base_url(
    source_name: &str,
    url: &str,
    carries_token: bool,
) -> Result<Url, ConnectorError> {
    let refuse = |reason: String| ConnectorError::InsecureUrl {
        source_name: source_name.to_string(),
        reason,
    };
    let shown = without_credentials(url);
    // A trailing slash makes relative joins keep the base path (https://host/catalog/ + api/v1/..).
    let with_slash = if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    };
    let base = Url::parse(&with_slash).map_err(|err| ConnectorError::Unexpected {
        source_name: source_name.to_string(),
        what: format!("'{shown}' is not a valid URL: {err}"),
    })?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err(ConnectorError::Unexpected {
            source_name: source_name.to_string(),
            what: format!("'{shown}' is not an http(s) URL"),
        });
    }
    if !base.username().is_empty() || base.password().is_some() {
        return Err(refuse(format!(
            "'{shown}' has credentials in it; give the server's URL alone and the token to `meshlens auth set {source_name}`"
        )));
    }
    if carries_token && base.scheme() == "http" && !is_loopback(&base) {
        return Err(refuse(format!(
            "refusing to send its token over plain http:// to '{shown}', where anyone on the way can read it; use https:// (plain http is accepted for localhost only)"
        )));
    }
    Ok(base)
}

/// localhost, 127.0.0.0/8 and ::1: a token sent there never leaves the machine.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `url` with anything between `scheme://` and the last `@` masked, for messages about a URL
/// that may carry a password (and may not even parse).
fn without_credentials(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            format!("{}***{}", &url[..start + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// A client that sends a token follows redirects only within its server's origin (scheme, host
/// and port): the HTTP library drops `Authorization` when the host changes but not a custom
/// header such as `x-api-key`, and an https -> http hop would expose either. A redirect it does not
/// follow comes back as the 3xx answer and is reported with its `Location`.
fn redirect_policy(carries_token: bool) -> redirect::Policy {
    const MAX_HOPS: usize = 10;
    if !carries_token {
        return redirect::Policy::limited(MAX_HOPS);
    }
    redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > MAX_HOPS {
            attempt.error("too many redirects")
        } else if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// rustls is built without a default crypto provider (ring instead of aws-lc, which needs cmake);
/// it has to be installed once per process before the first client is built.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one already: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl HttpClient {
    pub fn new(
        source_name: &str,
        base_url: &str,
        credentials: Credentials,
        policy: HttpPolicy,
    ) -> Result<HttpClient, ConnectorError> {
        install_crypto_provider();
        let carries_token = !matches!(credentials, Credentials::None);
        let base = server_base_url(source_name, base_url, carries_token)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let client = reqwest::Client::builder()
            .user_agent(concat!("meshlens/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .redirect(redirect_policy(carries_token))
            .connect_timeout(policy.connect_timeout)
            .read_timeout(policy.read_timeout)
            .build()
            .map_err(|err| ConnectorError::Unexpected {
                source_name: source_name.to_string(),
                what: format!("cannot build the HTTP client: {err}"),
            })?;
        Ok(HttpClient {
            source_name: source_name.to_string(),
            base,
            credentials,
            policy,
            client,
            meter: None,
        })
    }

    /// This client with a fresh byte budget of `limit` shared by all its clones: once their
    /// responses add up past it, reading stops with [`ConnectorError::OverBudget`].
    pub(crate) fn metered(&self, limit: u64) -> HttpClient {
        HttpClient {
            meter: Some(Arc::new(ByteMeter {
                read: AtomicU64::new(0),
                limit,
            })),
            ..self.clone()
        }
    }

    /// This client counting its responses against the byte budget of `metered` (a
    /// [`HttpClient::metered`] client of the same pull).
    pub(crate) fn sharing_meter(&self, metered: &HttpClient) -> HttpClient {
        HttpClient {
            meter: metered.meter.clone(),
            ..self.clone()
        }
    }

    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The address of `segments` (each percent-encoded) under the server's base URL: where a
    /// catalog's own web page shows an entity (an online search hit opened live).
    pub fn page_url(&self, segments: &[&str]) -> String {
        let path: Vec<String> = segments
            .iter()
            .map(|segment| crate::marquez::encode_segment(segment))
            .collect();
        self.base
            .join(&path.join("/"))
            .map_or_else(|_| self.base.to_string(), String::from)
    }

    /// GET `path` (relative to the base URL) with query parameters, decoded as JSON.
    pub async fn get_json(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ConnectorError> {
        Ok(self.send(Method::GET, path, query, None).await?.0)
    }

    /// Like [`HttpClient::get_json`], also telling whether the response has an RFC 8288
    /// `Link: <...>; rel="next"` header (page-numbered APIs such as Entropy Data's).
    pub async fn get_json_page(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(Value, bool), ConnectorError> {
        let (body, headers) = self.send(Method::GET, path, query, None).await?;
        Ok((body, has_next_link(&headers)))
    }

    /// A request with a JSON body (POST, PUT, PATCH); `content_type` defaults to application/json.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        content_type: Option<&'static str>,
    ) -> Result<Value, ConnectorError> {
        let bytes = serde_json::to_vec(body).map_err(|err| ConnectorError::Unexpected {
            source_name: self.source_name.clone(),
            what: format!("cannot encode the request body: {err}"),
        })?;
        let content_type = content_type.unwrap_or("application/json");
        Ok(self
            .send(method, path, &[], Some((bytes, content_type)))
            .await?
            .0)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<(Vec<u8>, &'static str)>,
    ) -> Result<(Value, HeaderMap), ConnectorError> {
        let url = self
            .base
            .join(path)
            .map_err(|err| ConnectorError::Unexpected {
                source_name: self.source_name.clone(),
                what: format!("bad request path {path}: {err}"),
            })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .client
                .request(method.clone(), url.clone())
                .query(query);
            request = match &self.credentials {
                Credentials::None => request,
                Credentials::Bearer(token) => request.bearer_auth(token.expose()),
                Credentials::ApiKeyHeader(name, key) => request.header(*name, key.expose()),
            };
            if let Some((bytes, content_type)) = &body {
                request = request
                    .header(CONTENT_TYPE, *content_type)
                    .body(bytes.clone());
            }
            let retry_after = match request.send().await {
                Ok(response) if response.status().is_redirection() => {
                    return Err(self.redirect_error(&method, path, &response));
                }
                Ok(response) if response.status().is_success() => {
                    let headers = response.headers().clone();
                    match self.read_json(path, response).await {
                        Err(ReadError::Timeout) => None,
                        other => {
                            return other
                                .map(|body| (body, headers))
                                .map_err(|e| self.read_error(&method, path, e));
                        }
                    }
                }
                Ok(response) => {
                    let status = response.status();
                    if !retryable(status) || attempt >= self.policy.max_attempts {
                        return Err(self.status_error(&method, path, status));
                    }
                    let wait = retry_after(response.headers());
                    if wait.is_some_and(|w| w > self.policy.max_delay) {
                        // Waiting longer than the policy allows would look like a hang.
                        return Err(self.status_error(&method, path, status));
                    }
                    wait
                }
                Err(err) if err.is_timeout() || err.is_connect() || err.is_request() => {
                    if attempt >= self.policy.max_attempts {
                        return Err(if err.is_timeout() {
                            self.timeout_error(&method, path, attempt)
                        } else {
                            ConnectorError::Network {
                                source_name: self.source_name.clone(),
                                path: path.to_string(),
                                reason: describe(err),
                            }
                        });
                    }
                    None
                }
                Err(err) => {
                    return Err(ConnectorError::Network {
                        source_name: self.source_name.clone(),
                        path: path.to_string(),
                        reason: describe(err),
                    });
                }
            };
            if attempt >= self.policy.max_attempts {
                return Err(self.timeout_error(&method, path, attempt));
            }
            let delay = retry_after.unwrap_or_else(|| self.backoff(attempt));
            tracing::debug!(source = %self.source_name, path, attempt, delay_ms = delay.as_millis() as u64, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .policy
            .base_delay
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.policy.max_delay);
        let half = exp / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }

    async fn read_json(
        &self,
        path: &str,
        mut response: reqwest::Response,
    ) -> Result<Value, ReadError> {
        let limit = self.policy.max_response_bytes;
        let status = response.status().as_u16();
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(ReadError::TooLarge);
        }
        let is_html = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > limit {
                        return Err(ReadError::TooLarge);
                    }
                    if self.meter.as_ref().is_some_and(|m| !m.take(chunk.len())) {
                        return Err(ReadError::OverBudget);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(err) if err.is_timeout() => return Err(ReadError::Timeout),
                Err(err) => return Err(ReadError::Broken(describe(err))),
            }
        }
        if body.is_empty() {
            return Ok(Value::Null);
        }
        if is_html || body.trim_ascii_start().starts_with(b"<") {
            return Err(ReadError::NotJson(format!(
                "the server answered HTTP {status} with an HTML page (a login page or a proxy error?); check the URL"
            )));
        }
        if json_values(&body) > MAX_VALUES_PER_RESPONSE {
            return Err(ReadError::NotJson(format!(
                "the answer holds more than {MAX_VALUES_PER_RESPONSE} JSON values; refusing to parse it"
            )));
        }
        serde_json::from_slice(&body).map_err(|err| {
            let reason = if err.is_eof() {
                format!(
                    "the response ends early, after {} bytes (truncated)",
                    body.len()
                )
            } else {
                format!("invalid JSON: {err}")
            };
            tracing::debug!(source = %self.source_name, path, %reason, "bad JSON");
            ReadError::NotJson(reason)
        })
    }

    fn read_error(&self, method: &Method, path: &str, err: ReadError) -> ConnectorError {
        let source_name = self.source_name.clone();
        let path = path.to_string();
        match err {
            ReadError::TooLarge => ConnectorError::TooLarge {
                source_name,
                path,
                limit_mb: self.policy.max_response_bytes / (1024 * 1024),
            },
            ReadError::NotJson(reason) => ConnectorError::NotJson {
                source_name,
                path,
                reason,
            },
            ReadError::Broken(reason) => ConnectorError::Network {
                source_name,
                path,
                reason,
            },
            ReadError::Timeout => self.timeout_error(method, &path, 1),
            ReadError::OverBudget => ConnectorError::OverBudget {
                source_name,
                limit: shown_bytes(self.meter.as_ref().map_or(0, |m| m.limit)),
                env_var: MAX_PULL_BYTES_ENV,
            },
        }
    }

    fn status_error(&self, method: &Method, path: &str, status: StatusCode) -> ConnectorError {
        ConnectorError::Status {
            source_name: self.source_name.clone(),
            method: method.to_string(),
            path: path.to_string(),
            status: status.as_u16(),
            hint: hint_for(status.as_u16()).to_string(),
        }
    }

    /// A redirect the policy did not follow: where it pointed, as origin and path only (no
    /// credentials or query the server may have put in it).
    fn redirect_error(
        &self,
        method: &Method,
        path: &str,
        response: &reqwest::Response,
    ) -> ConnectorError {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| response.url().join(value).ok())
            .map(|to| format!("{}{}", to.origin().ascii_serialization(), to.path()))
            .unwrap_or_else(|| "an unreadable Location".into());
        ConnectorError::Redirected {
            source_name: self.source_name.clone(),
            method: method.to_string(),
            path: path.to_string(),
            status: response.status().as_u16(),
            location,
        }
    }

    fn timeout_error(&self, method: &Method, path: &str, attempts: u32) -> ConnectorError {
        ConnectorError::Timeout {
            source_name: self.source_name.clone(),
            method: method.to_string(),
            path: path.to_string(),
            seconds: self.policy.read_timeout.as_secs().max(1),
            attempts,
        }
    }
}

enum ReadError {
    TooLarge,
    /// The pull's byte budget ran out.
    OverBudget,
    NotJson(String),
    Broken(String),
    Timeout,
}

/// Most JSON values one answer may hold. A parsed value takes 32 bytes or more however short its
/// text (`0,` is two bytes), so a 32 MiB answer of tiny values would take over 500 MiB parsed; a
/// page of entities holds far fewer values than this.
const MAX_VALUES_PER_RESPONSE: usize = 1 << 20;

/// Roughly how many values `json` holds: its commas, brackets and braces outside strings.
fn json_values(json: &[u8]) -> usize {
    let (mut count, mut in_string, mut escaped) = (0, false, false);
    for &byte in json {
        match (in_string, escaped, byte) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b',' | b'[' | b'{') => count += 1,
            (false, _, _) => {}
        }
    }
    count
}

/// A byte count for a message: MiB from 1 MiB on.
fn shown_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{} MiB of answers", bytes / MIB)
    } else {
        format!("{bytes} bytes of answers")
    }
}

fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

fn has_next_link(headers: &HeaderMap) -> bool {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|link| {
            link.split(';').skip(1).any(|param| {
                matches!(
                    param.trim().replace(' ', "").as_str(),
                    "rel=\"next\"" | "rel=next"
                )
            })
        })
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and treated as absent).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The error chain without the URL (it is already in the message, as the path; its query is the
/// server's business).
fn describe(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = String::new();
    let mut current: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = current {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&e.to_string());
        current = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_capped() {
        let policy = HttpPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..HttpPolicy::default()
        };
        let client = HttpClient::new("s", "http://localhost:1", Credentials::None, policy).unwrap();
        for attempt in 1..20 {
            let delay = client.backoff(attempt);
            let ceiling = Duration::from_millis(100 * (1u64 << (attempt - 1).min(16)))
                .min(Duration::from_millis(1000));
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "attempt {attempt}: {delay:?}"
            );
        }
    }

    #[test]
    fn base_url_keeps_its_path() {
        let client = HttpClient::new(
            "s",
            "https://example.com/catalog",
            Credentials::None,
            HttpPolicy::default(),
        )
        .unwrap();
        assert_eq!(
            client.base.join("api/v1/tables").unwrap().as_str(),
            "https://example.com/catalog/api/v1/tables"
        );
        assert!(HttpClient::new("s", "ftp://x", Credentials::None, HttpPolicy::default()).is_err());
    }

    #[test]
    fn next_links() {
        let mut headers = HeaderMap::new();
        assert!(!has_next_link(&headers));
        headers.insert(
            reqwest::header::LINK,
            HeaderValue::from_static("<https://example.com/api/dataproducts?p=1>; rel=\"next\""),
        );
        assert!(has_next_link(&headers));
        headers.insert(
            reqwest::header::LINK,
            HeaderValue::from_static("</x?p=0>; rel=\"prev\""),
        );
        assert!(!has_next_link(&headers));
    }

    #[test]
    fn values_are_counted_outside_strings() {
        assert_eq!(json_values(br#"[1,2,{"a":"x,[{","b":[]}]"#), 6);
        assert_eq!(json_values(br#"["a\",", 1]"#), 2);
        assert_eq!(json_values(b"0"), 0);
    }

    #[test]
    fn retry_after_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
    }
}
