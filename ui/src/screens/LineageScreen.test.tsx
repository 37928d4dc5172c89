import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { BackendError } from "../ipc/errors";
import { lineageFctOrders, lineagePath, lineageSalesOrders2 } from "../test/fixtures";
import { recordedBackend } from "../test/recordedBackend";
import { LineageScreen } from "./LineageScreen";

function setup() {
  const backend = recordedBackend({
    lineage: ({ id }) => {
      if (id === "sales-orders") return lineageSalesOrders2;
      if (id === "finance-revenue-kpis") return lineageFctOrders;
      throw new BackendError("E_NOT_FOUND", `nothing in the lineage graph is called '${id}'`);
    },
    lineage_path: () => lineagePath,
  });
  render(<LineageScreen backend={backend} initialId="sales-orders" initialLevel="product" navigate={vi.fn()} />);
  return backend;
}

const nodeCount = () => Number(screen.getByLabelText(/^lineage graph of/).dataset.nodes);

describe("lineage explorer", () => {
  it("lays out the graph and lists its nodes", async () => {
    setup();
    const canvas = await screen.findByLabelText(/^lineage graph of sales-orders/);
    await waitFor(() => {
      expect(canvas).toHaveAttribute("data-laid-out", "true");
    });
    expect(nodeCount()).toBe(lineageSalesOrders2.nodes.length);
    const list = within(screen.getByRole("complementary", { name: "lineage nodes" }));
    expect(list.getByRole("button", { name: /Finance Revenue KPIs/ })).toBeInTheDocument();
  });

  it("expands and collapses a node", async () => {
    const user = userEvent.setup();
    const backend = setup();
    await user.click(await screen.findByRole("button", { name: /Finance Revenue KPIs/ }));
    await user.click(screen.getByRole("button", { name: "Expand" }));
    await waitFor(() => {
      expect(nodeCount()).toBeGreaterThan(lineageSalesOrders2.nodes.length);
    });
    expect(backend.calls.at(-1)).toEqual({ command: "lineage", args: { id: "finance-revenue-kpis", level: "product", upstream: 1, downstream: 1 } });
    await user.click(screen.getByRole("button", { name: "Collapse" }));
    expect(nodeCount()).toBe(lineageSalesOrders2.nodes.length);
  });

  it("highlights the path between two nodes", async () => {
    const user = userEvent.setup();
    const backend = setup();
    await user.click(await screen.findByRole("button", { name: /^product Sales Orders/ }));
    await user.click(screen.getByRole("button", { name: "Path from here" }));
    await user.click(screen.getByRole("button", { name: /Finance Revenue KPIs/ }));
    await user.click(screen.getByRole("button", { name: "Path to here" }));
    expect(await screen.findByText(`Path of ${lineagePath.nodes.length} nodes highlighted.`, { exact: false })).toBeInTheDocument();
    expect(backend.calls.at(-1)).toEqual({ command: "lineage_path", args: { from: "sales-orders", to: "finance-revenue-kpis", level: "product" } });
  });

  it("finds nodes and changes depth", async () => {
    const user = userEvent.setup();
    const backend = setup();
    await screen.findByLabelText(/^lineage graph of/);
    await user.type(screen.getByRole("searchbox", { name: "find in graph" }), "revenue");
    expect(screen.getByText("2 found")).toBeInTheDocument();
    const depth = screen.getByRole("spinbutton", { name: "downstream depth" });
    await user.clear(depth);
    await user.type(depth, "4");
    await waitFor(() => {
      expect(backend.calls.at(-1)).toEqual({ command: "lineage", args: { id: "sales-orders", level: "product", upstream: 2, downstream: 4 } });
    });
  });

  it("shows the error code when the start node is unknown", async () => {
    const user = userEvent.setup();
    setup();
    const start = screen.getByRole("textbox", { name: "lineage start" });
    await user.clear(start);
    await user.type(start, "nope{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("E_NOT_FOUND");
    expect(alert).toHaveTextContent("nothing in the lineage graph is called 'nope'");
  });
});
