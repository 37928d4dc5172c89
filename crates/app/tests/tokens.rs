//! Tokens follow servers, not names: `source remove` deletes a source's token, so a source added
//! again under the same name (here with another URL) starts without one, and a token is never
//! set for, or sent over, plain http:// to another machine. The keyring is an in-process one.

use meshlens_app::{
    App, AppConfig, ErrorCode, NoEvents, RemoveSourceArgs, SetTokenArgs, SourceConfig, SourceKind,
};
use meshlens_connectors::{Secret, auth};

const TOKEN: &str = "token-for-the-first-server";

async fn open() -> (App, tempfile::TempDir) {
    auth::test_keyring::install();
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig {
        data_dir: dir.path().to_path_buf(),
    })
    .await
    .unwrap();
    (app, dir)
}

fn openmetadata(name: &str, url: &str) -> SourceConfig {
    SourceConfig {
        name: name.into(),
        kind: SourceKind::OpenMetadata { url: url.into() },
        scope: None,
    }
}

async fn set_token(app: &App, name: &str) -> Result<(), meshlens_app::AppError> {
    let args = SetTokenArgs {
        name: name.into(),
        token: TOKEN.into(),
    };
    app.set_token(args, &NoEvents).await.map(drop)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_source_takes_its_token_along() {
    let (app, _dir) = open().await;
    let (name, first, second) = (
        "tokens-om",
        "https://om.example.com",
        "https://elsewhere.example.com",
    );
    app.add_source(openmetadata(name, first), &NoEvents)
        .await
        .unwrap();
    set_token(&app, name).await.unwrap();
    assert_eq!(auth::lookup_token(name, first), Some(Secret::new(TOKEN)));

    let removed = RemoveSourceArgs {
        name: name.into(),
        forget_history: false,
    };
    app.remove_source(removed, &NoEvents).await.unwrap();
    assert_eq!(auth::lookup_token(name, first), None);

    // The same name at another server: no token of the first one reaches it.
    app.add_source(openmetadata(name, second), &NoEvents)
        .await
        .unwrap();
    assert_eq!(auth::lookup_token(name, second), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_another_machine_never_gets_a_token() {
    let (app, _dir) = open().await;
    // Kinds that always send a token are refused when added.
    let err = app
        .add_source(
            openmetadata("tokens-plain", "http://om.example.com"),
            &NoEvents,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgs);
    assert!(err.message.contains("https://"), "{}", err.message);
    // Marquez needs no token, so it may be added; a token is refused.
    let marquez = SourceConfig {
        name: "tokens-marquez".into(),
        kind: SourceKind::Marquez {
            url: "http://marquez.example.com:5000".into(),
        },
        scope: None,
    };
    app.add_source(marquez, &NoEvents).await.unwrap();
    let err = set_token(&app, "tokens-marquez").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgs);
    assert!(!err.message.contains(TOKEN), "{}", err.message);
    assert_eq!(
        auth::lookup_token("tokens-marquez", "http://marquez.example.com:5000"),
        None
    );
    // This machine is fine over http.
    app.add_source(
        openmetadata("tokens-local", "http://localhost:8585"),
        &NoEvents,
    )
    .await
    .unwrap();
    set_token(&app, "tokens-local").await.unwrap();
}
