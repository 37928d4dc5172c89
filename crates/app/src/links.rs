//! Links built from upstream text (support channels, role holders' e-mail addresses and channels) that the
//! desktop shell may hand to the operating system. Anyone who can write to a source writes that text, so
//! only two kinds pass: `mailto:` one plain address, optionally with a `subject` and a `body` (an access
//! request prepared as an e-mail, [`mailto`]; the mail program shows both before anything is sent, but
//! no `cc`, `bcc` or `to` adds a recipient), and `https:` URLs with a host and no credentials. Slack and Teams channels are `https:` links their apps
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
    let is_mail = text
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("mailto:"));
    if text.len()
        > if is_mail {
            MAX_MAIL_LINK_LEN
        } else {
            MAX_LINK_LEN
        }
    {
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
        "mailto" if is_mail_rest(rest) => Ok(format!("mailto:{rest}")),
        "mailto" => Err(refuse(
            "not one plain e-mail address (with at most a subject and a body)",
        )),
        "https" if is_https_rest(rest) => Ok(format!("https:{rest}")),
        "https" => Err(refuse(
            "an https: link needs a host and no user name or password",
        )),
        _ => Err(refuse(&format!("the `{scheme}:` scheme"))),
    }
}

/// A mail link: the longest an access request prepared as an e-mail may be (mail programs take
/// about this much on every platform).
const MAX_MAIL_LINK_LEN: usize = 8192;

/// `mailto:` `address` with a subject and a body, every byte but the unreserved ones percent-encoded
/// (line breaks as `%0D%0A`, RFC 6068); None when the address is not a plain one or the link is too
/// long to open.
pub fn mailto(address: &str, subject: &str, body: &str) -> Option<String> {
    let encode = |text: &str| {
        let mut out = String::with_capacity(text.len() * 3);
        for byte in text.replace("\r\n", "\n").replace('\n', "\r\n").bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                out.push(byte as char);
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    };
    let link = format!(
        "mailto:{address}?subject={}&body={}",
        encode(subject),
        encode(body)
    );
    (is_plain_address(address) && link.len() <= MAX_MAIL_LINK_LEN).then_some(link)
}

/// One plain address, then at most `subject=` and `body=`, each once.
fn is_mail_rest(rest: &str) -> bool {
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut keys = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').map_or(pair, |(key, _)| key));
    let mut seen = Vec::new();
    let keys_ok = keys.all(|key| {
        let key = key.to_ascii_lowercase();
        let ok = (key == "subject" || key == "body") && !seen.contains(&key);
        seen.push(key);
        ok
    });
    is_plain_address(address) && keys_ok
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
            "mailto:a@x.com?subject=hi&bcc=boss@x.com",
            "mailto:a@x.com?body=a&body=b",
            "mailto:a@x.com?to=b@x.com",
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
        assert!(external_link(&format!("mailto:a@x.com?body={}", "a".repeat(9000))).is_err());
    }

    #[test]
    fn a_prepared_mail_carries_its_text_encoded_and_opens() {
        let link = mailto(
            "owner@x.io",
            "Access: sales & co",
            "Purpose: churn model\nColumns: a,b?cc=evil@x.io",
        )
        .unwrap();
        assert_eq!(
            link,
            "mailto:owner@x.io?subject=Access%3A%20sales%20%26%20co\
             &body=Purpose%3A%20churn%20model%0D%0AColumns%3A%20a%2Cb%3Fcc%3Devil%40x.io"
        );
        assert_eq!(external_link(&link).unwrap(), link);
        assert_eq!(mailto("not an address", "s", "b"), None);
        assert_eq!(
            mailto("a@x.io", "s", &"é".repeat(3000)),
            None,
            "too long to open"
        );
    }
}
