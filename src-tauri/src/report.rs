//! Steward report windows. The UI writes a report with the `report` command into `<data dir>/reports/` and
//! asks the shell to show it (`open_report`), which opens a window labelled `report-…` on
//! `meshlens-report://localhost/<file>.html`. Such a window
//! - is served only `.html` files of that one folder, by name (no paths, no other folders, no links),
//! - gets a Content-Security-Policy that allows no scripts, no frames and no loads except inline styles and
//!   `data:` images (the report is self-contained),
//! - has no capability, so Tauri refuses it every command (the app's `call` included),
//! - may not navigate anywhere but the report scheme, nor open windows (see `navigation.rs`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use meshlens_app::{AppError, ErrorCode, is_report_file_name};
use tauri::http::{Request, Response, StatusCode, header};
use tauri::{AppHandle, State, Url, WebviewUrl, WebviewWindowBuilder};

use crate::Backend;

pub const REPORT_SCHEME: &str = "meshlens-report";
/// Report windows are labelled `report-<n>`; the navigation rules know them by it.
pub const REPORT_WINDOW_PREFIX: &str = "report-";

const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The file a report URL names, if it names one: a plain `*.html` file name directly in `reports_dir`.
pub fn report_file(reports_dir: &Path, url_path: &str) -> Option<PathBuf> {
    let name = url_path.strip_prefix('/')?;
    is_report_file_name(name).then(|| reports_dir.join(name))
}

/// A report file that is there to show: a regular file, not a link to one elsewhere.
fn is_plain_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file())
}

/// Shows `<data dir>/reports/<file>` in a new window of its own (a new one per opening, like a browser
/// tab: the report may have been rewritten since). The shell opens it, so the page needs no permission
/// to create windows.
#[tauri::command]
pub async fn open_report(
    file: String,
    handle: AppHandle,
    backend: State<'_, Backend>,
) -> Result<(), AppError> {
    static OPENED: AtomicU64 = AtomicU64::new(0);
    let reports_dir = backend.paths()?.reports_dir();
    let path = report_file(&reports_dir, &format!("/{file}")).ok_or_else(|| {
        AppError::new(
            ErrorCode::InvalidArgs,
            format!("not a report file name: {file}"),
        )
    })?;
    if !is_plain_file(&path) {
        return Err(AppError::not_found(format!("the report {file}")));
    }
    let url = Url::parse(&format!("{REPORT_SCHEME}://localhost/{file}"))
        .map_err(|err| AppError::new(ErrorCode::Internal, format!("bad report URL: {err}")))?;
    let label = format!(
        "{REPORT_WINDOW_PREFIX}{}",
        OPENED.fetch_add(1, Ordering::Relaxed)
    );
    let builder = WebviewWindowBuilder::new(&handle, label, WebviewUrl::CustomProtocol(url))
        .title(format!("meshlens — {file}"))
        .inner_size(1100.0, 800.0);
    crate::navigation::no_new_windows(builder)
        .build()
        .map_err(|err| {
            AppError::new(
                ErrorCode::Internal,
                format!("cannot open a report window: {err}"),
            )
        })?;
    Ok(())
}

/// Answers one request of a report window.
pub fn respond(
    reports_dir: Option<&Path>,
    request: &Request<Vec<u8>>,
) -> Response<Cow<'static, [u8]>> {
    let file = reports_dir.and_then(|dir| report_file(dir, request.uri().path()));
    let Some(file) = file.filter(|f| is_plain_file(f)) else {
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
    fn a_link_in_the_reports_folder_is_not_served() {
        let root = tempfile::tempdir().unwrap();
        let reports = root.path().join("reports");
        std::fs::create_dir(&reports).unwrap();
        std::fs::write(root.path().join("secret.html"), "secret").unwrap();
        std::os::unix::fs::symlink(root.path().join("secret.html"), reports.join("r.html"))
            .unwrap();
        let request = Request::get("meshlens-report://localhost/r.html")
            .body(Vec::new())
            .unwrap();
        let answer = respond(Some(&reports), &request);
        assert_eq!(answer.status(), StatusCode::NOT_FOUND);
        assert!(!answer.body().as_ref().starts_with(b"secret"));
    }
}
