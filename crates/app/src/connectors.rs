//! Facade commands for catalog server sources (OpenMetadata, DataHub, Marquez, Entropy Data,
//! Amundsen).

use meshlens_connectors::{Secret, auth, http};
use meshlens_store::SourceConfig;

use crate::{App, AppError, ErrorCode, EventSink, SetTokenArgs, TokenStored};

impl App {
    /// Stores the token of a catalog server source in the OS keyring, bound to the source's server
    /// (its origin). The token is not echoed, logged or written anywhere else; a keyring that
    /// cannot be used gives `E_AUTH` with the environment variable to use instead, and a source on
    /// plain `http://` to another machine gets no token at all.
    pub async fn set_token(
        &self,
        args: SetTokenArgs,
        _: &dyn EventSink,
    ) -> Result<TokenStored, AppError> {
        let source = self
            .store()
            .get_source(&args.name)
            .await?
            .ok_or_else(|| AppError::not_found(format!("source `{}`", args.name)))?;
        let Some(url) = source.config.kind.server_url().map(str::to_owned) else {
            return Err(AppError::new(
                ErrorCode::InvalidArgs,
                format!(
                    "source `{}` is a {} source; only catalog server sources (openmetadata, datahub, marquez, entropy, amundsen) use tokens",
                    args.name,
                    source.config.kind.as_str()
                ),
            ));
        };
        http::server_base_url(&args.name, &url, true)
            .map_err(|err| AppError::new(ErrorCode::InvalidArgs, err.to_string()))?;
        let token = Secret::new(args.token.trim());
        if args.token.trim().is_empty() {
            return Err(AppError::new(ErrorCode::InvalidArgs, "the token is empty"));
        }
        let name = args.name.clone();
        keyring_worker(move || auth::store_token(&name, &url, &token)).await??;
        self.inner.online_clients.forget(&args.name);
        Ok(TokenStored {
            name: args.name,
            stored_in: "keyring".into(),
            read_only: source.config.kind.read_only(),
        })
    }

    /// Deletes the keyring token of a removed catalog server source. The source is gone already,
    /// so a keyring that cannot be reached is logged, not an error (it holds no token then).
    pub(crate) async fn forget_token(&self, config: &SourceConfig) {
        self.inner.online_clients.forget(&config.name);
        let Some(url) = config.kind.server_url().map(str::to_owned) else {
            return;
        };
        let name = config.name.clone();
        let forgotten = keyring_worker(move || auth::forget_token(&name, &url))
            .await
            .and_then(|deleted| deleted.map_err(AppError::from));
        if let Err(err) = forgotten {
            tracing::warn!(source = %config.name, "token not deleted: {}", err.message);
        }
    }
}

/// Runs a keyring call off the async threads (it may block on D-Bus).
async fn keyring_worker<T: Send + 'static>(
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(call).await.map_err(|err| {
        AppError::new(
            ErrorCode::Internal,
            format!("the keyring worker stopped: {err}"),
        )
    })
}
