//! Facade commands for catalog server sources (OpenMetadata, DataHub, Marquez, Entropy Data).

use meshlens_connectors::{Secret, auth};

use crate::{App, AppError, ErrorCode, EventSink, SetTokenArgs, TokenStored};

impl App {
    /// Stores the token of a catalog server source in the OS keyring. The token is not echoed,
    /// logged or written anywhere else; a keyring that cannot be used gives `E_AUTH` with the
    /// environment variable to use instead.
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
        if source.config.kind.server_url().is_none() {
            return Err(AppError::new(
                ErrorCode::InvalidArgs,
                format!(
                    "source `{}` is a {} source; only catalog server sources (openmetadata, datahub, marquez, entropy) use tokens",
                    args.name,
                    source.config.kind.as_str()
                ),
            ));
        }
        let token = Secret::new(args.token.trim());
        if args.token.trim().is_empty() {
            return Err(AppError::new(ErrorCode::InvalidArgs, "the token is empty"));
        }
        let name = args.name.clone();
        tokio::task::spawn_blocking(move || auth::store_token(&name, &token))
            .await
            .map_err(|err| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("the keyring worker stopped: {err}"),
                )
            })??;
        Ok(TokenStored {
            name: args.name,
            stored_in: "keyring".into(),
            read_only: source.config.kind.read_only(),
        })
    }
}
