//! Ingestion: the official OpenLineage examples and facet test cases, and bad input.

use std::path::{Path, PathBuf};

use meshlens_lineage::{
    Level, LineageRequest, NodeKind, impact, ingest_bytes, ingest_dir, ingest_file, latest_runs,
    lineage,
};
use meshlens_store::Store;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn ids(graph: &meshlens_lineage::LineageGraph) -> Vec<&str> {
    let mut ids: Vec<&str> = graph.nodes.iter().map(|n| n.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn edges(graph: &meshlens_lineage::LineageGraph) -> Vec<(String, String, String)> {
    let mut e: Vec<_> = graph
        .edges
        .iter()
        .map(|e| (e.from.clone(), e.to.clone(), e.kind.clone()))
        .collect();
    e.sort();
    e
}

fn req(id: &str, up: u32, down: u32, level: Level) -> LineageRequest {
    LineageRequest {
        id: id.into(),
        upstream: up,
        downstream: down,
        level,
    }
}

#[tokio::test]
async fn replays_the_official_examples() {
    let store = Store::open_in_memory().await.unwrap();
    let report = ingest_dir(&store, &fixtures().join("examples"))
        .await
        .unwrap();

    // The three upstream test matchers are not events: no usable eventTime / namespaces.
    let mut rejected: Vec<(String, u64)> = report
        .rejected
        .iter()
        .map(|r| {
            (
                Path::new(&r.file)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                r.line,
            )
        })
        .collect();
    rejected.sort();
    assert_eq!(
        rejected,
        [
            ("columnLineageJDBCComplete.json".into(), 1),
            ("expected_kafka.json".into(), 1),
            ("pysparkSymlinksComplete.json".into(), 1)
        ]
    );
    assert!(
        report
            .rejected
            .iter()
            .all(|r| r.message.contains("eventTime")),
        "{:?}",
        report.rejected
    );
    // 8 single events + the 8-event dbt array; example_full_event.json and event_full.json differ.
    assert_eq!(report.imported + report.skipped, 15);
    assert!(report.ignored_files.is_empty());

    // event_simple: two inputs → myjob → one output.
    let g = lineage(
        &store,
        &req(
            "my-datasource-namespace:instance.schema.output-1",
            3,
            3,
            Level::Dataset,
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        ids(&g),
        [
            "job:my-scheduler-namespace:myjob",
            "my-datasource-namespace:instance.schema.input-1",
            "my-datasource-namespace:instance.schema.input-2",
            "my-datasource-namespace:instance.schema.output-1"
        ]
    );
    assert_eq!(g.root, "my-datasource-namespace:instance.schema.output-1");
    assert_eq!(g.edges.len(), 3);

    // JobEvent lineage (serde_example_job_event): dataset_a → job → dataset_b.
    let g = lineage(&store, &req("openlineage:dataset_a", 0, 1, Level::Dataset))
        .await
        .unwrap();
    assert_eq!(
        ids(&g),
        [
            "job:openlineage:name",
            "openlineage:dataset_a",
            "openlineage:dataset_b"
        ]
    );

    // event_full reads and writes the same table: a cycle that must not loop.
    let g = lineage(
        &store,
        &req(
            "my-datasource-namespace:instance.schema.table",
            50,
            50,
            Level::Dataset,
        ),
    )
    .await
    .unwrap();
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(
        edges(&g),
        [
            (
                "job:my-scheduler-namespace:myjob.mytask".into(),
                "my-datasource-namespace:instance.schema.table".into(),
                "produces".into()
            ),
            (
                "my-datasource-namespace:instance.schema.table".into(),
                "job:my-scheduler-namespace:myjob.mytask".into(),
                "consumes".into()
            ),
        ]
    );

    // dbt source test: the tested table feeds the audit table through the test job.
    let report = impact(&store, "postgres://postgres:5432:postgres.public.dim_date")
        .await
        .unwrap();
    let downstream: Vec<_> = report
        .datasets
        .iter()
        .map(|d| (d.id.as_str(), d.depth))
        .collect();
    assert_eq!(
        downstream,
        [(
            "postgres://postgres:5432:postgres.public_dbt_test__audit.source_unique_jaffle_shop_dim_date_id",
            1
        )]
    );

    // The whole import is idempotent.
    let again = ingest_dir(&store, &fixtures().join("examples"))
        .await
        .unwrap();
    assert_eq!((again.imported, again.skipped), (0, 15));
}

/// Wraps a facet test case into the event kind that carries that facet.
fn event_for_facet(file: &str, facet: Value, n: usize) -> Value {
    let time = "2024-05-01T10:00:00Z";
    let dataset = json!({"namespace": "facet-tests", "name": format!("dataset-{n}"), "facets": facet.clone()});
    // The file name says where a facet goes (several test cases carry a copied `_schemaURL`).
    let lineage_job_facet =
        file.starts_with("LineageFacet") && file != "LineageFacet_dataset-to-dataset.json";
    if file.contains("JobFacet") || lineage_job_facet {
        json!({"eventTime": time, "producer": "meshlens-tests", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
               "job": {"namespace": "facet-tests", "name": format!("job-{n}"), "facets": facet}})
    } else if file.contains("RunFacet") {
        json!({"eventTime": time, "eventType": "COMPLETE", "producer": "meshlens-tests",
               "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
               "run": {"runId": format!("00000000-0000-4000-8000-{n:012}"), "facets": facet},
               "job": {"namespace": "facet-tests", "name": format!("job-{n}")}})
    } else if file.contains("InputDatasetFacet") || file.starts_with("BaseSubsetDatasetFacet") {
        json!({"eventTime": time, "eventType": "COMPLETE", "producer": "meshlens-tests",
               "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
               "run": {"runId": format!("00000000-0000-4000-8000-{n:012}")},
               "job": {"namespace": "facet-tests", "name": format!("job-{n}")},
               "inputs": [{"namespace": "facet-tests", "name": format!("dataset-{n}"), "inputFacets": facet}]})
    } else if file.contains("OutputDatasetFacet") {
        json!({"eventTime": time, "eventType": "COMPLETE", "producer": "meshlens-tests",
               "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
               "run": {"runId": format!("00000000-0000-4000-8000-{n:012}")},
               "job": {"namespace": "facet-tests", "name": format!("job-{n}")},
               "outputs": [{"namespace": "facet-tests", "name": format!("dataset-{n}"), "outputFacets": facet}]})
    } else {
        json!({"eventTime": time, "producer": "meshlens-tests", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
               "dataset": dataset})
    }
}

#[tokio::test]
async fn replays_every_facet_test_case_and_keeps_the_facets() {
    let store = Store::open_in_memory().await.unwrap();
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join("facets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 46);
    let mut ndjson = String::new();
    let mut by_name = Vec::new();
    for (n, path) in files.iter().enumerate() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let facet: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        ndjson.push_str(&event_for_facet(&name, facet, n).to_string());
        ndjson.push('\n');
        by_name.push(name);
    }
    let report = ingest_bytes(&store, "tests", "facets.ndjson", ndjson.as_bytes())
        .await
        .unwrap();
    assert_eq!(report.rejected, []);
    assert_eq!(report.imported, 46);

    // Every dataset facet is kept verbatim on its dataset, unknown to us or not.
    let n = by_name
        .iter()
        .position(|f| f == "HierarchyDatasetFacet_1.json")
        .unwrap();
    let facets: String =
        sqlx::query_scalar("SELECT facets FROM lineage_nodes WHERE kind = 'dataset' AND name = ?")
            .bind(format!("dataset-{n}"))
            .fetch_one(store.pool())
            .await
            .unwrap();
    let facets: Value = serde_json::from_str(&facets).unwrap();
    assert!(facets.get("hierarchy").is_some(), "{facets}");

    // ColumnLineageDatasetFacet/2: firstName ← first_name (DIRECT/IDENTITY).
    let n = by_name
        .iter()
        .position(|f| f == "ColumnLineageDatasetFacet_2.json")
        .unwrap();
    let g = lineage(
        &store,
        &req(
            &format!("facet-tests:dataset-{n}#firstName"),
            1,
            0,
            Level::Column,
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        edges(&g),
        [(
            "s3://test-bucket:/iceberg_warehouse/some-database/people#first_name".into(),
            format!("facet-tests:dataset-{n}#firstName"),
            "DIRECT/IDENTITY".into()
        )]
    );

    // SymlinksDatasetFacet: the alias resolves to the dataset carrying the facet.
    let n = by_name
        .iter()
        .position(|f| f == "SymlinksDatasetFacet_1.json")
        .unwrap();
    let g = lineage(
        &store,
        &req(
            "/tmp/alter_test:default.alter_table_test_new",
            1,
            1,
            Level::Dataset,
        ),
    )
    .await
    .unwrap();
    assert_eq!(g.root, format!("facet-tests:dataset-{n}"));

    // LineageFacet dataset-to-dataset: a derived edge from the declared input.
    let n = by_name
        .iter()
        .position(|f| f == "LineageFacet_dataset-to-dataset.json")
        .unwrap();
    let g = lineage(
        &store,
        &req(&format!("facet-tests:dataset-{n}"), 1, 0, Level::Dataset),
    )
    .await
    .unwrap();
    assert!(edges(&g).contains(&(
        "postgresql://warehouse:5432:public.customers".into(),
        format!("facet-tests:dataset-{n}"),
        "derived".into()
    )));
    let g = lineage(
        &store,
        &req(
            &format!("facet-tests:dataset-{n}#customer_id"),
            1,
            0,
            Level::Column,
        ),
    )
    .await
    .unwrap();
    assert_eq!(g.edges.len(), 1);
    assert_eq!(
        g.edges[0].from,
        "postgresql://warehouse:5432:public.customers#id"
    );

    // LineageFacet job-to-dataset: the declared producing job.
    let g = lineage(
        &store,
        &req(
            "postgresql://warehouse:5432:public.daily_summary",
            1,
            0,
            Level::Dataset,
        ),
    )
    .await
    .unwrap();
    assert!(
        g.nodes
            .iter()
            .any(|n| n.id == "job:airflow://production:daily.extract" && n.kind == NodeKind::Job),
        "{g:?}"
    );
}

const RUN: &str = r#"{"eventType":"TYPE","eventTime":"TIME","producer":"p","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{"runId":"RUN"},"job":{"namespace":"jobs","name":"JOB"},"inputs":[INPUTS],"outputs":[OUTPUTS]}"#;

fn run_line(
    kind: &str,
    time: &str,
    run: &str,
    job: &str,
    inputs: &[&str],
    outputs: &[&str],
) -> String {
    let ds = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!(r#"{{"namespace":"db","name":"{n}"}}"#))
            .collect::<Vec<_>>()
            .join(",")
    };
    RUN.replace("TYPE", kind)
        .replace("TIME", time)
        .replace("RUN", run)
        .replace("JOB", job)
        .replace("INPUTS", &ds(inputs))
        .replace("OUTPUTS", &ds(outputs))
}

#[tokio::test]
async fn bad_input_is_reported_and_loses_nothing_else() {
    let store = Store::open_in_memory().await.unwrap();
    let lines = [
        run_line("COMPLETE", "2026-01-01T10:05:00Z", "r1", "load", &["a"], &["b"]),
        "{not json".to_owned(),
        run_line("START", "2026-01-01T10:00:00Z", "r1", "load", &["a"], &["b"]),
        r#"{"eventType":"START","eventTime":"2026-01-01T10:00:00Z","run":{"runId":"r9"},"job":{"namespace":"jobs","name":"x"},"outputs":[{"name":"nameless"}]}"#.to_owned(),
        run_line("COMPLETE", "2026-01-01T10:05:00Z", "r1", "load", &["a"], &["b"]),
        String::new(),
        run_line("COMPLETE", "2026-01-01T11:00:00Z", "r2", "loop", &["c"], &["c"]),
        run_line("COMPLETE", "2026-01-01T12:00:00Z", "r3", "back", &["b"], &["a"]),
    ];
    let text = lines.join("\n");
    let report = ingest_bytes(&store, "src", "lineage/runs.ndjson", text.as_bytes())
        .await
        .unwrap();
    assert_eq!((report.imported, report.skipped), (4, 1));
    let rejected: Vec<_> = report
        .rejected
        .iter()
        .map(|r| (r.file.as_str(), r.line))
        .collect();
    assert_eq!(
        rejected,
        [("lineage/runs.ndjson", 2), ("lineage/runs.ndjson", 4)]
    );
    assert!(report.rejected[0].message.contains("not valid JSON"));
    assert!(report.rejected[1].message.contains("outputs[0].namespace"));

    // The COMPLETE that arrived before its START still wins: newest event time.
    let runs = latest_runs(&store).await.unwrap();
    let load = runs.iter().find(|r| r.name == "load").unwrap();
    assert_eq!(load.state.as_deref(), Some("COMPLETE"));
    assert_eq!(load.started_at.as_deref(), Some("2026-01-01T10:00:00Z"));
    assert_eq!(load.ended_at.as_deref(), Some("2026-01-01T10:05:00Z"));

    // a → load → b → back → a is a cycle, c → loop → c a self-loop: walks terminate.
    let g = lineage(&store, &req("db:a", 100, 100, Level::Dataset))
        .await
        .unwrap();
    assert_eq!(ids(&g), ["db:a", "db:b", "job:jobs:back", "job:jobs:load"]);
    assert_eq!(g.edges.len(), 4);
    let g = lineage(&store, &req("db:c", 5, 5, Level::Dataset))
        .await
        .unwrap();
    assert_eq!(ids(&g), ["db:c", "job:jobs:loop"]);
    let report = impact(&store, "db:a").await.unwrap();
    assert_eq!(
        report
            .datasets
            .iter()
            .map(|d| (d.id.as_str(), d.depth))
            .collect::<Vec<_>>(),
        [("db:b", 1)]
    );

    // Unknown ids are a clear error, not an empty answer.
    let err = lineage(&store, &LineageRequest::new("db:zzz"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("db:zzz"), "{err}");
    // A dataset with no product has no product-level lineage.
    let err = lineage(&store, &req("db:a", 1, 1, Level::Product))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no data product"), "{err}");
}

#[tokio::test]
async fn a_dataset_with_fifty_thousand_edges() {
    let store = Store::open_in_memory().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.ndjson");
    let mut text = String::new();
    for i in 0..25_000 {
        let (producer, consumer) = (format!("p{i}"), format!("c{i}"));
        text.push_str(&run_line(
            "COMPLETE",
            "2026-01-01T10:00:00Z",
            &format!("rp{i}"),
            &producer,
            &[&format!("src{i}")],
            &["hub"],
        ));
        text.push('\n');
        text.push_str(&run_line(
            "COMPLETE",
            "2026-01-01T11:00:00Z",
            &format!("rc{i}"),
            &consumer,
            &["hub"],
            &[&format!("dst{i}")],
        ));
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    let report = ingest_file(&store, &path).await.unwrap();
    assert_eq!((report.imported, report.rejected.len()), (50_000, 0));

    let g = lineage(&store, &req("db:hub", 1, 1, Level::Dataset))
        .await
        .unwrap();
    // hub + 25k producing jobs + 25k sources + 25k consuming jobs + 25k destinations.
    assert_eq!(g.nodes.len(), 100_001);
    assert_eq!(g.edges.len(), 100_000);
    let report = impact(&store, "db:hub").await.unwrap();
    assert_eq!(report.datasets.len(), 25_000);
    assert!(
        report
            .datasets
            .iter()
            .all(|d| d.depth == 1 && d.id.starts_with("db:dst"))
    );
}

#[tokio::test]
async fn folder_import_ignores_json_that_is_not_openlineage() {
    let store = Store::open_in_memory().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("run_results.json"),
        r#"{"metadata": {"dbt_schema_version": "x"}, "results": []}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("events.ndjson"),
        run_line("START", "2026-01-01T10:00:00Z", "r", "j", &["a"], &[]),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not read").unwrap();
    let report = ingest_dir(&store, dir.path()).await.unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(report.ignored_files.len(), 1);
    assert!(report.ignored_files[0].ends_with("run_results.json"));
}

#[tokio::test]
async fn forgetting_a_file_or_source_takes_its_events_and_what_they_implied() {
    let store = Store::open_in_memory().await.unwrap();
    let ingest = |source: &'static str, path: &'static str, text: String| {
        let store = store.clone();
        async move {
            ingest_bytes(&store, source, path, text.as_bytes())
                .await
                .unwrap()
        }
    };
    let load = run_line(
        "COMPLETE",
        "2026-01-01T10:05:00Z",
        "r1",
        "load",
        &["a"],
        &["b"],
    );
    let publish = run_line(
        "COMPLETE",
        "2026-01-01T11:00:00Z",
        "r2",
        "publish",
        &["b"],
        &["c"],
    );
    let report = run_line(
        "COMPLETE",
        "2026-01-01T12:00:00Z",
        "r3",
        "report",
        &["c"],
        &["d"],
    );
    ingest("one", "load.ndjson", load).await;
    ingest("one", "publish.ndjson", publish).await;
    ingest("two", "report.ndjson", report).await;
    let ids = |g: &meshlens_lineage::LineageGraph| -> Vec<String> {
        let mut ids: Vec<String> = g.nodes.iter().map(|n| n.id.clone()).collect();
        ids.sort();
        ids
    };
    // Warms the cached graph, which must follow the removals below.
    let before = lineage(&store, &LineageRequest::new("db:c")).await.unwrap();
    assert!(
        ids(&before).contains(&"db:a".to_owned()),
        "{:?}",
        ids(&before)
    );

    let removed = meshlens_lineage::forget_events(&store, "one", Some(&["load.ndjson".to_owned()]))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let after = lineage(&store, &LineageRequest::new("db:c")).await.unwrap();
    assert_eq!(
        ids(&after),
        [
            "db:b",
            "db:c",
            "db:d",
            "job:jobs:publish",
            "job:jobs:report"
        ]
    );
    assert!(lineage(&store, &LineageRequest::new("db:a")).await.is_err());
    let runs: Vec<String> = sqlx::query_scalar("SELECT run_id FROM lineage_runs ORDER BY run_id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(runs, ["r2", "r3"]);

    // A whole source; the other source's events and graph stay.
    assert_eq!(
        meshlens_lineage::forget_events(&store, "one", None)
            .await
            .unwrap(),
        1
    );
    let left = lineage(&store, &LineageRequest::new("db:c")).await.unwrap();
    assert_eq!(ids(&left), ["db:c", "db:d", "job:jobs:report"]);
    // Nothing of that source is left: a no-op.
    assert_eq!(
        meshlens_lineage::forget_events(&store, "one", None)
            .await
            .unwrap(),
        0
    );
}
