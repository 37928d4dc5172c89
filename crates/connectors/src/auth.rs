//! Tokens: the OS keyring (service `meshlens`, account = source name), with the environment
//! variable `MESHLENS_TOKEN_<NAME>` as the fallback for CI and headless machines. Tokens are kept
//! in [`Secret`], whose `Debug` hides them, and are never written anywhere else.

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

/// The token of a source: the keyring entry if there is one, else the environment variable.
/// `None` when neither has one. Blocking (the keyring may talk to D-Bus).
pub fn lookup_token(source_name: &str) -> Option<Secret> {
    let from_keyring = keyring::Entry::new(KEYRING_SERVICE, source_name)
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
pub fn require_token(source_name: &str) -> Result<Secret, ConnectorError> {
    lookup_token(source_name).ok_or_else(|| ConnectorError::MissingToken {
        source_name: source_name.to_string(),
        env_var: token_env_var(source_name),
    })
}

/// Stores `token` in the OS keyring. Blocking. A keyring that cannot be used gives an error that
/// names the environment variable to use instead.
pub fn store_token(source_name: &str, token: &Secret) -> Result<(), ConnectorError> {
    let keyring_error = |err: keyring::Error| ConnectorError::Keyring {
        reason: err.to_string(),
        env_var: token_env_var(source_name),
    };
    let entry = keyring::Entry::new(KEYRING_SERVICE, source_name).map_err(keyring_error)?;
    entry.set_password(token.expose()).map_err(keyring_error)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let err = require_token("no-such-source-for-tests").unwrap_err();
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
