import { render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { lineageAnalyticsDataset, lineageFctOrders, orderAnalytics, qualityFctOrders } from "../test/fixtures";
import { recordedBackend } from "../test/recordedBackend";
import { DatasetScreen } from "./DatasetScreen";

const route = { screen: "dataset", product: "sales-order-analytics", contract: "sales-order-facts", dataset: "fct_orders" } as const;

describe("dataset page", () => {
  it("shows columns with classification, the dataset's lineage and its quality history", async () => {
    const backend = recordedBackend({
      get_product: () => orderAnalytics,
      lineage: ({ id }) => (id === "sales-order-analytics" ? lineageAnalyticsDataset : lineageFctOrders),
      quality: () => qualityFctOrders,
    });
    render(<DatasetScreen backend={backend} route={route} generation={0} navigate={vi.fn()} />);
    expect(await screen.findByRole("heading", { name: "fct_orders" })).toBeInTheDocument();
    const columns = within(screen.getByRole("table", { name: "columns" }));
    expect(columns.getByText("order_id")).toBeInTheDocument();
    expect(columns.getAllByText(/internal|confidential|restricted|public/).length).toBeGreaterThan(0);

    // The contract's FCT_ORDERS is OpenLineage's snowflake://…:ANALYTICS.SALES.FCT_ORDERS.
    expect(await screen.findByText("snowflake://northwind-analytics:ANALYTICS.SALES.FCT_ORDERS")).toBeInTheDocument();
    expect(backend.calls).toContainEqual({
      command: "lineage",
      args: { id: "snowflake://northwind-analytics:ANALYTICS.SALES.FCT_ORDERS", level: "dataset", upstream: 2, downstream: 2 },
    });
    expect(await screen.findByRole("img", { name: /^lineage: \d+ nodes$/ })).toBeInTheDocument();

    const chart = await screen.findByRole("img", { name: "quality history of fct_orders" });
    expect(chart.querySelectorAll("g[data-day]").length).toBeGreaterThan(0);
    const latest = within(screen.getByRole("table", { name: "latest check outcomes" }));
    expect(latest.getByText("unique_fct_orders_order_id")).toBeInTheDocument();
    expect(latest.getAllByText("fail").length).toBeGreaterThan(0);
  });

  it("says so when the contract no longer has the dataset", async () => {
    const backend = recordedBackend({ get_product: () => orderAnalytics });
    render(<DatasetScreen backend={backend} route={{ ...route, dataset: "dropped" }} generation={0} navigate={vi.fn()} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Dataset dropped of contract sales-order-facts is not in the cache");
  });
});
