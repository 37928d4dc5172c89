//! Steward report windows. The UI writes a report with the `report` command into `<data dir>/reports/` and
//! opens a window labelled `report-…` on `meshlens-report://localhost/<file>.html`. Such a window
//! - is served only `.html` files of that one folder, by name (no paths, no other folders),
//! - gets a Content-Security-Policy that allows no scripts, no frames and no loads except inline styles and
//!   `data:` images (the report is self-contained),
//! - has no capability, so Tauri refuses it every command (the app's `call` included),
//! - may not navigate anywhere but the report scheme (see `webview.rs`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use tauri::Url;
use tauri::http::{Request, Response, StatusCode, header};

/// Must match `REPORT_SCHEME` in ui/src/ipc/backend.ts.
pub const REPORT_SCHEME: &str = "meshlens-report";
/// Must match `REPORT_WINDOW_PREFIX` in ui/src/ipc/backend.ts.
pub const REPORT_WINDOW_PREFIX: &str = "report-";
/// The folder of the data directory that report windows may show.
pub const REPORTS_DIR: &str = "reports";

const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The file a report URL names, if it names one: a plain `*.html` file name directly in `reports_dir`.
pub fn report_file(reports_dir: &Path, url_path: &str) -> Option<PathBuf> {
    let name = url_path.strip_prefix('/')?;
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !name.starts_with('.')
        && name.ends_with(".html");
    plain.then(|| reports_dir.join(name))
}

/// Answers one request of a report window.
pub fn respond(
    reports_dir: Option<&Path>,
    request: &Request<Vec<u8>>,
) -> Response<Cow<'static, [u8]>> {
    let file = reports_dir.and_then(|dir| report_file(dir, request.uri().path()));
    let Some(file) = file else {
        return plain(StatusCode::NOT_FOUND, "not a meshlens report");
    };
    match std::fs::read(&file) {
        Ok(html) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CONTENT_SECURITY_POLICY, REPORT_CSP)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(header::CACHE_CONTROL, "no-store")
            .body(Cow::Owned(html))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot answer")),
        Err(err) => {
            tracing::warn!("cannot read the report {}: {err}", file.display());
            plain(StatusCode::NOT_FOUND, "this report was not written yet")
        }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Cow<'static, [u8]>> {
    let mut response = Response::new(Cow::Borrowed(text.as_bytes()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(REPORT_CSP),
    );
    response
}

/// Whether a webview may load `url`: report windows only their own scheme; other windows are not concerned.
pub fn navigation_allowed(label: &str, url: &Url) -> bool {
    !label.starts_with(REPORT_WINDOW_PREFIX) || url.scheme() == REPORT_SCHEME
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_html_names_in_the_reports_folder_are_served() {
        let dir = Path::new("/data/reports");
        assert_eq!(
            report_file(dir, "/steward-report-sales.html"),
            Some(dir.join("steward-report-sales.html"))
        );
        for bad in [
            "/../meshlens.db",
            "/..%2Fmeshlens.db",
            "/a/b.html",
            "/.hidden.html",
            "/report.htm",
            "/",
            "",
            "steward-report.html",
            "/x.html%00.txt",
        ] {
            assert_eq!(report_file(dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn a_report_is_served_with_a_policy_that_allows_no_scripts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.html"), "<html><body>ok</body></html>").unwrap();
        let get = |uri: &str| {
            respond(
                Some(dir.path()),
                &Request::get(uri).body(Vec::new()).unwrap(),
            )
        };
        let ok = get("meshlens-report://localhost/r.html");
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.body().as_ref(), b"<html><body>ok</body></html>");
        let csp = ok.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.starts_with("default-src 'none'") && !csp.contains("script-src"));
        assert_eq!(
            get("meshlens-report://localhost/missing.html").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get("meshlens-report://localhost/../r.html").status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            respond(
                None,
                &Request::get("meshlens-report://localhost/r.html")
                    .body(Vec::new())
                    .unwrap()
            )
            .status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn report_windows_stay_on_the_report_scheme() {
        let report = Url::parse("meshlens-report://localhost/r.html").unwrap();
        let web = Url::parse("https://example.com/").unwrap();
        let app = Url::parse("tauri://localhost/").unwrap();
        assert!(navigation_allowed("report-1-0", &report));
        assert!(!navigation_allowed("report-1-0", &web));
        assert!(!navigation_allowed("report-1-0", &app));
        assert!(navigation_allowed("main", &web));
    }
}
