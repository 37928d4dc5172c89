//! A catalog source's scope through the facade (`add_source`, `set_source_scope`, as the CLI and
//! the desktop call them): kept with the source, replaced, cleared, and refused where the
//! connector cannot apply it or the source is no catalog server.

use meshlens_app::{
    App, AppConfig, CatalogScope, ErrorCode, NoArgs, NoEvents, SourceConfig, SourceKind,
    SourceScopeArgs,
};
use serde_json::json;

async fn open() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = AppConfig {
        data_dir: dir.path().to_path_buf(),
    };
    (App::open(config).await.unwrap(), dir)
}

fn domains(names: &[&str], neighbours: u32) -> CatalogScope {
    CatalogScope {
        domains: names.iter().map(|n| n.to_string()).collect(),
        neighbours,
        ..CatalogScope::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scope_is_added_replaced_and_cleared() {
    let (app, _dir) = open().await;
    let kind = SourceKind::OpenMetadata {
        url: "https://om.example.com".into(),
    };
    let mut config = SourceConfig::new("om", kind);
    config.scope = Some(domains(&["sales", "hr"], 1));
    let record = app.add_source(config.clone(), &NoEvents).await.unwrap();
    assert_eq!(record.config, config);

    // The desktop sends JSON: the same command by name.
    let args = json!({"name": "om", "scope": {"tags": ["PII.Sensitive"]}});
    let record = app
        .dispatch("set_source_scope", args, &NoEvents)
        .await
        .unwrap();
    assert_eq!(record["config"]["scope"]["tags"], json!(["PII.Sensitive"]));
    assert_eq!(record["config"]["scope"]["neighbours"], 0);

    // Added to in one step (an online hit's domain): kept names stay, a name already there is not repeated.
    let add = SourceScopeArgs {
        name: "om".into(),
        scope: Some(CatalogScope {
            tags: vec!["pii.sensitive".into()],
            ..domains(&["marketing"], 2)
        }),
        add: true,
    };
    let record = app.set_source_scope(add, &NoEvents).await.unwrap();
    let scope = record.config.scope.unwrap();
    assert_eq!(scope.domains, ["marketing"]);
    assert_eq!(scope.tags, ["PII.Sensitive"]);
    assert_eq!(scope.neighbours, 2);

    let clear = SourceScopeArgs {
        name: "om".into(),
        scope: None,
        add: false,
    };
    let record = app.set_source_scope(clear, &NoEvents).await.unwrap();
    assert_eq!(record.config.scope, None);
    let listed = app
        .list_sources(NoArgs::default(), &NoEvents)
        .await
        .unwrap();
    assert!(
        serde_json::to_value(&listed[0].config)
            .unwrap()
            .get("scope")
            .is_none()
    );

    let unknown = SourceScopeArgs {
        name: "nope".into(),
        scope: None,
        add: false,
    };
    let err = app.set_source_scope(unknown, &NoEvents).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scope_the_source_cannot_apply_is_refused() {
    let (app, dir) = open().await;
    let mut marquez = SourceConfig::new(
        "lineage",
        SourceKind::Marquez {
            url: "http://localhost:5000".into(),
        },
    );
    marquez.scope = Some(domains(&["sales"], 0));
    let err = app.add_source(marquez, &NoEvents).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgs);
    assert!(err.message.contains("'lineage'"), "{}", err.message);
    assert!(err.message.contains("marquez"), "{}", err.message);

    let folder = SourceConfig::new(
        "files",
        SourceKind::Folder {
            path: dir.path().to_path_buf(),
        },
    );
    app.add_source(folder, &NoEvents).await.unwrap();
    let args = SourceScopeArgs {
        name: "files".into(),
        scope: Some(domains(&["sales"], 0)),
        add: false,
    };
    let err = app.set_source_scope(args, &NoEvents).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgs);
    assert!(
        err.message.contains("only catalog servers"),
        "{}",
        err.message
    );
    let listed = app
        .list_sources(NoArgs::default(), &NoEvents)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].config.scope, None);
}
