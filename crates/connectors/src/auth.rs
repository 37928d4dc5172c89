//! Tokens: the OS keyring (service `meshlens`, account `<source name>@<server origin>`), with the
//! environment variable `MESHLENS_TOKEN_<NAME>` as the fallback for CI and headless machines.
//! Tokens are kept in [`Secret`], whose `Debug` hides them, and are never written anywhere else.
//!
//! The account names the server's origin (scheme, host and port) as well as the source, so a
//! token goes only to the server it was set for: a source removed and added again under the same
//! name with another URL does not inherit it. Removing a source deletes its token
//! ([`forget_token`]).

use url::Url;

use crate::ConnectorError;

/// Keyring service under which every source's token is stored.
pub const KEYRING_SERVICE: &str = "meshlens";

/// A token. `Debug` prints a placeholder so it cannot leak into logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(token: impl Into<String>) -> Secret {
        Secret(token.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `MESHLENS_TOKEN_<NAME>`: the source name upper-cased, other characters than A-Z and 0-9 as `_`.
pub fn token_env_var(source_name: &str) -> String {
    let name: String = source_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("MESHLENS_TOKEN_{name}")
}

/// The keyring account of a source's token: its name and its server's origin
/// (`om@https://om.example.com:8443`; the default port is left out).
pub fn keyring_account(source_name: &str, server_url: &str) -> String {
    let origin = Url::parse(server_url)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_else(|_| server_url.to_string());
    format!("{source_name}@{origin}")
}

/// The token of the source `source_name` at `server_url`: the keyring entry for that server if
/// there is one, else the environment variable. `None` when neither has one. Blocking (the
/// keyring may talk to D-Bus).
pub fn lookup_token(source_name: &str, server_url: &str) -> Option<Secret> {
    let from_keyring =
        keyring::Entry::new(KEYRING_SERVICE, &keyring_account(source_name, server_url))
            .and_then(|entry| entry.get_password())
            .map_err(|err| {
                // No entry or no keyring: both fall back to the variable.
                tracing::debug!(source = source_name, %err, "no token in the OS keyring");
            })
            .ok();
    from_keyring
        .or_else(|| std::env::var(token_env_var(source_name)).ok())
        .filter(|token| !token.trim().is_empty())
        .map(|token| Secret::new(token.trim()))
}

/// Like [`lookup_token`], but a missing token is an error that says how to provide one.
pub fn require_token(source_name: &str, server_url: &str) -> Result<Secret, ConnectorError> {
    lookup_token(source_name, server_url).ok_or_else(|| ConnectorError::MissingToken {
        source_name: source_name.to_string(),
        env_var: token_env_var(source_name),
    })
}

/// Stores `token` in the OS keyring for the source at `server_url`. Blocking. A keyring that
/// cannot be used gives an error that names the environment variable to use instead.
pub fn store_token(
    source_name: &str,
    server_url: &str,
    token: &Secret,
) -> Result<(), ConnectorError> {
    keyring::Entry::new(KEYRING_SERVICE, &keyring_account(source_name, server_url))
        .and_then(|entry| entry.set_password(token.expose()))
        .map_err(|err| keyring_error(source_name, err))
}

/// Deletes the token of the source at `server_url` from the OS keyring, and the entry under the
/// bare source name that versions before origin binding wrote (it is never read any more).
/// Blocking. No entry is not an error.
pub fn forget_token(source_name: &str, server_url: &str) -> Result<(), ConnectorError> {
    for account in [
        keyring_account(source_name, server_url),
        source_name.to_string(),
    ] {
        match keyring::Entry::new(KEYRING_SERVICE, &account).and_then(|e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => {}
            Err(err) => return Err(keyring_error(source_name, err)),
        }
    }
    Ok(())
}

fn keyring_error(source_name: &str, err: keyring::Error) -> ConnectorError {
    ConnectorError::Keyring {
        reason: err.to_string(),
        env_var: token_env_var(source_name),
    }
}

/// A keyring kept in this process for tests (`cargo test`, or the `test-keyring` feature for other
/// crates' tests): unlike `keyring::mock`, an entry set through one `Entry::new` is there for the
/// next, as in the OS keyring.
#[cfg(any(test, feature = "test-keyring"))]
pub mod test_keyring {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, Once};

    use keyring::credential::{Credential, CredentialApi, CredentialBuilderApi};

    type Entries = Arc<Mutex<HashMap<String, Vec<u8>>>>;

    #[derive(Debug, Default)]
    struct MemoryKeyring(Entries);

    #[derive(Debug)]
    struct MemoryEntry {
        key: String,
        entries: Entries,
    }

    impl CredentialApi for MemoryEntry {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            let mut entries = self.entries.lock().unwrap();
            entries.insert(self.key.clone(), secret.to_vec());
            Ok(())
        }
        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            let entries = self.entries.lock().unwrap();
            entries
                .get(&self.key)
                .cloned()
                .ok_or(keyring::Error::NoEntry)
        }
        fn delete_credential(&self) -> keyring::Result<()> {
            let mut entries = self.entries.lock().unwrap();
            entries
                .remove(&self.key)
                .map(drop)
                .ok_or(keyring::Error::NoEntry)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    impl CredentialBuilderApi for MemoryKeyring {
        fn build(
            &self,
            _: Option<&str>,
            service: &str,
            user: &str,
        ) -> keyring::Result<Box<Credential>> {
            Ok(Box::new(MemoryEntry {
                key: format!("{service}/{user}"),
                entries: self.0.clone(),
            }))
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    /// Makes every keyring entry of this process a memory one, never the machine's.
    pub fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            keyring::set_default_credential_builder(Box::new(MemoryKeyring::default()))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(source: &str, url: &str) -> Option<String> {
        lookup_token(source, url).map(|secret| secret.expose().to_string())
    }

    #[test]
    fn a_token_goes_only_to_the_server_it_was_set_for() {
        test_keyring::install();
        let source = "auth-test-bound";
        store_token(
            source,
            "https://om.example.com/catalog",
            &Secret::new("old"),
        )
        .unwrap();
        // The same origin, whatever the path.
        assert_eq!(
            token(source, "https://om.example.com/").as_deref(),
            Some("old")
        );
        assert_eq!(
            token(source, "https://OM.example.com:443").as_deref(),
            Some("old")
        );
        // The same name at another server: removed and added again with another URL.
        for other in [
            "https://evil.example.com",
            "http://om.example.com",
            "https://om.example.com:8443",
        ] {
            assert_eq!(token(source, other), None, "{other}");
        }
    }

    #[test]
    fn forgetting_deletes_the_token_and_the_entry_under_the_bare_name() {
        test_keyring::install();
        let source = "auth-test-forget";
        let url = "https://dh.example.com";
        store_token(source, url, &Secret::new("bound")).unwrap();
        // What versions before origin binding stored: never read, removed with the source.
        let legacy = keyring::Entry::new(KEYRING_SERVICE, source).unwrap();
        legacy.set_password("legacy").unwrap();
        assert_eq!(token(source, "https://elsewhere.example.com"), None);

        forget_token(source, url).unwrap();
        assert_eq!(token(source, url), None);
        assert!(matches!(
            keyring::Entry::new(KEYRING_SERVICE, source)
                .unwrap()
                .get_password(),
            Err(keyring::Error::NoEntry)
        ));
        // Nothing left to delete is not an error.
        forget_token(source, url).unwrap();
    }

    #[test]
    fn the_account_names_source_and_origin() {
        assert_eq!(
            keyring_account("om", "https://om.example.com/catalog/"),
            "om@https://om.example.com"
        );
        assert_eq!(
            keyring_account("om", "http://localhost:8585"),
            "om@http://localhost:8585"
        );
    }

    #[test]
    fn env_var_is_upper_case_with_underscores() {
        assert_eq!(token_env_var("om-prod.eu"), "MESHLENS_TOKEN_OM_PROD_EU");
        assert_eq!(token_env_var("datahub"), "MESHLENS_TOKEN_DATAHUB");
    }

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("eyJhbGciOi.secret");
        let shown = format!("{secret:?}");
        assert!(!shown.contains("secret."), "{shown}");
    }

    #[test]
    fn missing_token_says_how_to_set_one() {
        test_keyring::install();
        let err = require_token("no-such-source-for-tests", "https://x.example").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("meshlens auth set no-such-source-for-tests"),
            "{text}"
        );
        assert!(
            text.contains("MESHLENS_TOKEN_NO_SUCH_SOURCE_FOR_TESTS"),
            "{text}"
        );
    }
}
