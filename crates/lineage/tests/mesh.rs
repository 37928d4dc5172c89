//! The bundled demo mesh, synced through the real sync engine (its descriptors, then its
//! OpenLineage history as result files); then contract links, product lineage, impact.

use meshlens_lineage::{
    Level, LineageGraph, LineageRequest, all_lineage_links, impact, latest_runs, lineage,
    lineage_consumers, path_between, refresh_consumers, to_dot,
};
use meshlens_store::{Store, SyncStatus};
use meshlens_test_support::synced_demo;

async fn demo_store() -> Store {
    let (store, report) = synced_demo().await;
    // 476 NDJSON lines + 5 events in static-metadata.json.
    assert_eq!(
        (report.lineage.imported, report.lineage.rejected),
        (481, 0),
        "{report:#?}"
    );
    store
}

fn node<'a>(g: &'a LineageGraph, id: &str) -> &'a meshlens_lineage::GraphNode {
    g.nodes
        .iter()
        .find(|n| n.id == id)
        .unwrap_or_else(|| panic!("{id} not in {:#?}", g.nodes))
}

fn sorted_ids(g: &LineageGraph) -> Vec<&str> {
    let mut ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

const FCT_ORDERS: &str = "snowflake://northwind-analytics:ANALYTICS.SALES.FCT_ORDERS";

#[tokio::test]
async fn contract_datasets_link_to_openlineage_datasets_and_products() {
    let store = demo_store().await;
    let g = lineage(
        &store,
        &LineageRequest {
            id: FCT_ORDERS.into(),
            upstream: 1,
            downstream: 0,
            level: Level::Dataset,
        },
    )
    .await
    .unwrap();
    let fct = node(&g, FCT_ORDERS);
    assert_eq!(fct.product.as_deref(), Some("sales-order-analytics"));
    assert_eq!(fct.domain.as_deref(), Some("sales"));
    let orders = node(
        &g,
        "postgres://orders-db.northwind.internal:5432:sales.public.orders",
    );
    assert_eq!(orders.product.as_deref(), Some("sales-orders"));
    let job = node(
        &g,
        "job:dbt-northwind-analytics:ANALYTICS.SALES.FCT_ORDERS.build.run",
    );
    assert_eq!(job.product.as_deref(), Some("sales-order-analytics"));

    // The Glue table is a symlink of the S3 dataset: both names lead to the same node.
    let glue = "arn:aws:glue:eu-west-1:418295621137:table/inventory_curated/stock_levels";
    let g = lineage(&store, &LineageRequest::new(glue)).await.unwrap();
    assert_eq!(g.root, "s3://nw-inventory-lake:curated/stock_levels");
    assert_eq!(
        node(&g, &g.root).product.as_deref(),
        Some("inventory-stock-levels")
    );

    // A source outside the mesh stays a dataset without product.
    let g = lineage(
        &store,
        &LineageRequest::new("https://www.ecb.europa.eu:/stats/eurofxref/eurofxref-daily.xml"),
    )
    .await
    .unwrap();
    assert_eq!(node(&g, &g.root).product, None);
    assert!(
        g.nodes
            .iter()
            .any(|n| n.product.as_deref() == Some("finance-fx-rates"))
    );
}

/// A depth of 0 in a direction returns nothing from that side, not even the jobs next to the
/// root (a job adds no depth of its own).
#[tokio::test]
async fn a_depth_of_zero_returns_nothing_in_that_direction() {
    let store = demo_store().await;
    let orders = "postgres://orders-db.northwind.internal:5432:sales.public.orders";
    let ask = |upstream, downstream| LineageRequest {
        id: orders.into(),
        upstream,
        downstream,
        level: Level::Dataset,
    };
    let from_root = |g: &LineageGraph| g.edges.iter().filter(|e| e.from == orders).count();
    let into_root = |g: &LineageGraph| g.edges.iter().filter(|e| e.to == orders).count();

    let both = lineage(&store, &ask(1, 1)).await.unwrap();
    assert!(from_root(&both) > 0, "orders has consumers: {both:#?}");

    let up_only = lineage(&store, &ask(1, 0)).await.unwrap();
    assert_eq!(from_root(&up_only), 0, "{up_only:#?}");
    assert_eq!(into_root(&up_only), into_root(&both));
    let down_only = lineage(&store, &ask(0, 1)).await.unwrap();
    assert_eq!(into_root(&down_only), 0, "{down_only:#?}");
    assert_eq!(from_root(&down_only), from_root(&both));

    let none = lineage(&store, &ask(0, 0)).await.unwrap();
    assert_eq!(sorted_ids(&none), [orders]);
    assert!(none.edges.is_empty());
}

#[tokio::test]
async fn product_lineage_from_ports_and_datasets() {
    let store = demo_store().await;
    let request = LineageRequest {
        id: "sales-order-analytics".into(),
        upstream: 1,
        downstream: 1,
        level: Level::Product,
    };
    let g = lineage(&store, &request).await.unwrap();
    assert_eq!(
        sorted_ids(&g),
        [
            "customer-360",
            "finance-fx-rates",
            "inventory-product-catalog",
            "inventory-replenishment-forecast",
            "marketing-campaign-performance",
            "sales-order-analytics",
            "sales-orders",
            "sales-returns",
            "sales-revenue-reporting",
        ]
    );
    assert!(
        g.edges
            .iter()
            .all(|e| ["port", "input_contract", "dataset"].contains(&e.kind.as_str()))
    );
    let kind = |from: &str| {
        g.edges
            .iter()
            .find(|e| e.from == from && e.to == "sales-order-analytics")
            .map(|e| e.kind.as_str())
    };
    assert_eq!(kind("sales-orders"), Some("port"));
    // FCT_ORDERS is built from fx_rates, which no input port declares: runtime lineage shows it.
    assert_eq!(kind("finance-fx-rates"), Some("dataset"));

    // Longest chain in the README: sales-orders → … → finance-revenue-kpis.
    let path = path_between(
        &store,
        "sales-orders",
        "finance-revenue-kpis",
        Level::Product,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(path.nodes.first().unwrap().id, "sales-orders");
    assert_eq!(path.nodes.last().unwrap().id, "finance-revenue-kpis");
    assert_eq!(path.edges.len(), path.nodes.len() - 1);
    // Asked the other way round, the same path comes back in data-flow order.
    let back = path_between(
        &store,
        "finance-revenue-kpis",
        "sales-orders",
        Level::Product,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(back.nodes, path.nodes);
    assert!(
        path_between(
            &store,
            "finance-revenue-kpis",
            "marketing-clickstream",
            Level::Product
        )
        .await
        .unwrap()
        .is_none()
    );

    let dot = to_dot(&g);
    assert!(dot.starts_with("digraph lineage {"));
    assert!(
        dot.contains("\"sales-orders\" -> \"sales-order-analytics\""),
        "{dot}"
    );
}

#[tokio::test]
async fn column_lineage_and_masking() {
    let store = demo_store().await;
    let id = format!("{FCT_ORDERS}#order_id");
    let g = lineage(
        &store,
        &LineageRequest {
            id: id.clone(),
            upstream: 1,
            downstream: 0,
            level: Level::Column,
        },
    )
    .await
    .unwrap();
    assert_eq!(g.root, id);
    assert!(
        g.edges.iter().any(|e| e.from
            == "postgres://orders-db.northwind.internal:5432:sales.public.orders#order_id"
            && e.to == id
            && e.kind == "DIRECT/IDENTITY"),
        "{g:#?}"
    );
    // Column level for a whole dataset starts from all its columns.
    let g = lineage(
        &store,
        &LineageRequest {
            id: FCT_ORDERS.into(),
            upstream: 0,
            downstream: 1,
            level: Level::Column,
        },
    )
    .await
    .unwrap();
    assert!(
        g.nodes
            .iter()
            .filter(|n| n.id.starts_with(FCT_ORDERS))
            .count()
            > 1
    );
    assert!(g.nodes.iter().any(|n| {
        n.id.starts_with("snowflake://northwind-analytics:ANALYTICS.REPORTING.DAILY_REVENUE#")
    }));
    let masked = lineage(
        &store,
        &LineageRequest {
            id: "snowflake://northwind-analytics:ANALYTICS.CUSTOMER.CUSTOMER_360".into(),
            upstream: 1,
            downstream: 0,
            level: Level::Column,
        },
    )
    .await
    .unwrap();
    assert!(
        masked
            .edges
            .iter()
            .any(|e| e.kind.contains("MASK") || e.kind.contains("masking")),
        "{:#?}",
        masked.edges
    );
}

#[tokio::test]
async fn impact_of_a_product_reaches_every_consumer_with_contacts() {
    let store = demo_store().await;
    let report = impact(&store, "sales-orders").await.unwrap();
    assert_eq!(report.root, "sales-orders");
    let depth = |id: &str| report.products.iter().find(|p| p.id == id).map(|p| p.depth);
    for direct in [
        "sales-returns",
        "sales-order-analytics",
        "logistics-delivery-performance",
        "logistics-shipments",
    ] {
        assert_eq!(depth(direct), Some(1), "{direct}: {:#?}", report.products);
    }
    assert!(depth("finance-revenue-kpis").is_some_and(|d| d >= 2));
    assert_eq!(depth("sales-orders"), None);
    assert_eq!(depth("marketing-clickstream"), None);
    let analytics = report
        .products
        .iter()
        .find(|p| p.id == "sales-order-analytics")
        .unwrap();
    assert!(analytics.owner_team.is_some());
    assert!(!analytics.contacts.is_empty());
    assert!(report.products.windows(2).all(|w| w[0].depth <= w[1].depth));
    // Datasets come grouped by product, unowned ones last.
    let fct = report.datasets.iter().find(|d| d.id == FCT_ORDERS).unwrap();
    assert_eq!(
        (fct.depth, fct.product.as_deref()),
        (1, Some("sales-order-analytics"))
    );
    let owners: Vec<_> = report.datasets.iter().map(|d| d.product.clone()).collect();
    let mut grouped = owners.clone();
    grouped.dedup();
    let mut unique = grouped.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        grouped.len(),
        unique.len(),
        "products interleave: {owners:?}"
    );

    // A port: the orders database contract and who consumes it.
    let port = impact(&store, "sales-orders/orders").await;
    let column = impact(
        &store,
        "postgres://orders-db.northwind.internal:5432:sales.public.orders#order_id",
    )
    .await
    .unwrap();
    assert!(
        column.datasets.iter().any(|d| d.id == FCT_ORDERS),
        "{column:#?}"
    );
    assert!(
        column
            .products
            .iter()
            .any(|p| p.id == "sales-order-analytics")
    );
    let port = port.unwrap();
    assert!(
        port.products
            .iter()
            .any(|p| p.id == "sales-returns" && p.depth == 1),
        "{port:#?}"
    );
}

#[tokio::test]
async fn runs_keep_their_latest_state_and_the_cache_follows_sync() {
    let store = demo_store().await;
    let runs = latest_runs(&store).await.unwrap();
    let fct = runs
        .iter()
        .find(|r| r.name == "ANALYTICS.SALES.FCT_ORDERS.build.run")
        .unwrap();
    assert_eq!(fct.state.as_deref(), Some("COMPLETE"));
    assert!(
        fct.started_at.as_deref().unwrap().starts_with("2026-11-22"),
        "{fct:?}"
    );
    let stock = runs
        .iter()
        .find(|r| r.name == "stock_snapshot_daily.write_stock_levels")
        .unwrap();
    assert!(stock.ended_at.is_some());

    let request = LineageRequest {
        id: "sales-order-analytics".into(),
        upstream: 0,
        downstream: 1,
        level: Level::Product,
    };
    assert!(
        lineage(&store, &request)
            .await
            .unwrap()
            .nodes
            .iter()
            .any(|n| n.id == "customer-360")
    );
    // Removing customer-360 in a later sync must show in the next query (cache invalidated).
    let mut tx = store.begin_sync("demo").await.unwrap();
    assert!(tx.delete("customer/customer-360.odps.yaml").await.unwrap());
    tx.commit(SyncStatus::Ok, None).await.unwrap();
    let after = lineage(&store, &request).await.unwrap();
    assert!(
        !after.nodes.iter().any(|n| n.id == "customer-360"),
        "{after:#?}"
    );
}

#[tokio::test]
async fn lineage_consumers_are_products_whose_runs_read_a_product_s_datasets() {
    let store = demo_store().await;
    let consumers = lineage_consumers(&store, "finance-fx-rates").await.unwrap();
    let found: Vec<(&str, &[String])> = consumers
        .iter()
        .map(|c| (c.product.as_str(), c.contracts.as_slice()))
        .collect();
    let fx = ["fx-rates-daily".to_owned()];
    assert_eq!(
        found,
        [
            ("finance-revenue-kpis", &fx[..]),
            ("sales-order-analytics", &fx[..]),
            ("sales-revenue-reporting", &fx[..]),
        ]
    );
    // The earliest run of a job linking them.
    assert!(consumers.iter().all(|c| {
        c.since
            .as_deref()
            .is_some_and(|s| s.starts_with("2026-11-09T"))
    }));
    // Nothing reads the retired export; a product lineage does not know has no consumers either.
    assert_eq!(
        lineage_consumers(&store, "marketing-email-engagement")
            .await
            .unwrap(),
        []
    );
    assert_eq!(
        lineage_consumers(&store, "no-such-product").await.unwrap(),
        []
    );
}

#[tokio::test]
async fn stored_consumers_answer_as_the_graph_does_until_the_lineage_changes() {
    let store = demo_store().await;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM products ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let mut walked = Vec::new();
    for id in &ids {
        walked.push(lineage_consumers(&store, id).await.unwrap());
    }
    assert!(
        walked.iter().filter(|c| !c.is_empty()).count() >= 2,
        "{walked:#?}"
    );

    // The whole mesh's pairs at once, walked and then stored, are the same pairs.
    let pairs: Vec<(String, String)> = ids
        .iter()
        .zip(&walked)
        .flat_map(|(id, found)| found.iter().map(|c| (id.clone(), c.product.clone())))
        .collect();
    assert_eq!(all_lineage_links(&store).await.unwrap(), pairs);

    assert!(refresh_consumers(&store).await.unwrap());
    assert!(!refresh_consumers(&store).await.unwrap(), "stored already");
    assert_eq!(all_lineage_links(&store).await.unwrap(), pairs);
    for (id, expected) in ids.iter().zip(&walked) {
        assert_eq!(
            &lineage_consumers(&store, id).await.unwrap(),
            expected,
            "{id}"
        );
    }

    // The stored rows are what answers: an edit of them shows...
    let tamper = "UPDATE lineage_consumers SET contracts = '[\"edited\"]' WHERE provider = 'finance-fx-rates'";
    sqlx::query(tamper).execute(store.pool()).await.unwrap();
    let stored = lineage_consumers(&store, "finance-fx-rates").await.unwrap();
    assert!(
        stored.iter().all(|c| c.contracts == ["edited"]),
        "{stored:#?}"
    );
    // ...until the lineage changes: rows of another generation are ignored, the graph answers again.
    sqlx::query("UPDATE lineage_meta SET generation = generation + 1")
        .execute(store.pool())
        .await
        .unwrap();
    let fx = ids.iter().position(|id| id == "finance-fx-rates").unwrap();
    assert_eq!(
        lineage_consumers(&store, "finance-fx-rates").await.unwrap(),
        walked[fx]
    );
}
