//! Links built from upstream text (support channels, role holders' e-mail addresses and channels) that the
//! desktop shell may hand to the operating system. Anyone who can write to a source writes that text, so
//! only two kinds pass: `mailto:` one plain address (no `?cc=`/`&body=` a sender did not see), and
//! `https:` URLs with a host and no credentials. Slack and Teams channels are `https:` links their apps
//! answer, so no app-specific scheme (`slack:`, `msteams:`) is needed; `javascript:`, `file:`, `data:` and
//! the rest never open.

use crate::{AppError, ErrorCode};

/// Longer links are refused: no real address or channel link comes near it.
const MAX_LINK_LEN: usize = 2048;

/// The link as the shell may open it, or why not (`E_INVALID_ARGS`).
pub fn external_link(text: &str) -> Result<String, AppError> {
    let refuse = |why: &str| {
        AppError::new(
            ErrorCode::InvalidArgs,
            format!("not opened: {why} (only mailto: addresses and https: links open)"),
        )
    };
    if text.len() > MAX_LINK_LEN {
        return Err(refuse("the link is too long"));
    }
    // Printable ASCII only: no spaces, controls or bidirectional overrides that make a link read as
    // another (a real non-ASCII link is written percent-encoded).
    if !text.chars().all(|c| c.is_ascii_graphic()) {
        return Err(refuse(
            "the link has spaces, control or non-ASCII characters",
        ));
    }
    let (scheme, rest) = text.split_once(':').ok_or_else(|| refuse("no scheme"))?;
    match scheme.to_ascii_lowercase().as_str() {
        "mailto" if is_plain_address(rest) => Ok(format!("mailto:{rest}")),
        "mailto" => Err(refuse("not one plain e-mail address")),
        "https" if is_https_rest(rest) => Ok(format!("https:{rest}")),
        "https" => Err(refuse(
            "an https: link needs a host and no user name or password",
        )),
        _ => Err(refuse(&format!("the `{scheme}:` scheme"))),
    }
}

/// `local@domain` with the characters of a dot-atom on both sides (RFC 5322, no quoting, no comments).
fn is_plain_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%'*+/=^_`{|}~.-".contains(c));
    let domain_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// `//host[:port][/…]` with a host and no `user:password@`.
fn is_https_rest(rest: &str) -> bool {
    let Some(after) = rest.strip_prefix("//") else {
        return false;
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.split(':').next().unwrap_or_default();
    !authority.contains('@')
        && !authority.contains('\\')
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_and_https_links_open() {
        for (given, opened) in [
            (
                "mailto:maria.keller@northwind-outfitters.com",
                "mailto:maria.keller@northwind-outfitters.com",
            ),
            ("MAILTO:a+b@x.io", "mailto:a+b@x.io"),
            (
                "https://northwind.slack.com/archives/C04SALESORD",
                "https://northwind.slack.com/archives/C04SALESORD",
            ),
            (
                "https://teams.microsoft.com/l/channel/19%3a1?groupId=2",
                "https://teams.microsoft.com/l/channel/19%3a1?groupId=2",
            ),
            (
                "https://jira.example.com:8443/servicedesk",
                "https://jira.example.com:8443/servicedesk",
            ),
        ] {
            assert_eq!(external_link(given).unwrap(), opened, "{given}");
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for refused in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "file:///etc/passwd",
            "http://plain.example.com",
            "slack://channel?id=1",
            "https:evil.example.com",
            "https://user:pw@example.com/",
            "https://example.com@evil.example/",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/\u{202e}txt",
            "https://example.com\\@evil.example",
            "mailto:a@x.com?cc=boss@x.com",
            "mailto:a@x.com,b@x.com",
            "mailto:<a@x.com>",
            "mailto:nobody",
            "mailto:a@localhost",
            "#sales-orders-data",
            "",
        ] {
            let err = external_link(refused).expect_err(refused);
            assert_eq!(err.code, ErrorCode::InvalidArgs, "{refused}");
        }
        assert!(external_link(&format!("https://x.com/{}", "a".repeat(3000))).is_err());
    }
}
