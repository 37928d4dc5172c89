//! What the facade's integration tests share: an app on a data directory, and commands called by name.

use std::path::Path;

use meshlens_app::{App, AppConfig, NoEvents};
use serde_json::Value;

/// The app on `data` (created if needed).
pub async fn open(data: &Path) -> App {
    App::open(AppConfig {
        data_dir: data.to_path_buf(),
    })
    .await
    .unwrap()
}

/// Runs a command of the command table as `meshlens call` would; a failure fails the test, naming the command.
pub async fn call(app: &App, command: &str, args: Value) -> Value {
    app.dispatch(command, args, &NoEvents)
        .await
        .unwrap_or_else(|err| panic!("{command}: {err:?}"))
}
