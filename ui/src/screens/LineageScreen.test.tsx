import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { LineageGraph } from "../ipc/commands";
import { BackendError } from "../ipc/errors";
import { merged } from "../lineage/graph";
import { layout, NODE_HEIGHT, NODE_WIDTH } from "../lineage/layout";
import { lineageFctOrders, lineagePath, lineageSalesOrders2 } from "../test/fixtures";
import { deferred, recordedBackend } from "../test/recordedBackend";
import { LineageScreen } from "./LineageScreen";

function setup() {
  const backend = recordedBackend({
    lineage_status: () => ({ ready: true, building: false }),
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

/** The last call of one command (the screen also polls `lineage_status` while a walk is pending). */
const lastCall = (backend: { calls: { command: string; args: unknown }[] }, command: string) => backend.calls.filter((c) => c.command === command).at(-1);

const nodeCount = () => Number(screen.getByLabelText(/^lineage graph of/).dataset.nodes);

/** The canvas's pan and zoom, as the screen publishes it. */
function currentView() {
  const [x = Number.NaN, y = Number.NaN, scale = Number.NaN] = (screen.getByLabelText(/^lineage graph of/).dataset.view ?? "").split(",").map(Number);
  return { x, y, scale };
}

/** Where a node's box sits on the 800×500 canvas (jsdom has no ResizeObserver, so the default size holds). */
function screenBox(graphs: LineageGraph[], id: string) {
  const [base, ...more] = graphs;
  if (base === undefined) throw new Error("no graph");
  const graph = merged({ root: base.root, base, expansions: new Map(more.map((g) => [g.root, g])) });
  const at = layout({ nodes: graph.nodes.map((n) => n.id), edges: graph.edges }).positions[id];
  if (at === undefined) throw new Error(`${id} is not laid out`);
  const v = currentView();
  return { x: at.x * v.scale + v.x, y: at.y * v.scale + v.y, right: (at.x + NODE_WIDTH) * v.scale + v.x, bottom: (at.y + NODE_HEIGHT) * v.scale + v.y };
}


const inCanvas = (box: { x: number; y: number; right: number; bottom: number }) => box.x >= 0 && box.y >= 0 && box.right <= 800 && box.bottom <= 500;

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
    expect(lastCall(backend, "lineage")).toEqual({ command: "lineage", args: { id: "finance-revenue-kpis", level: "product", upstream: 1, downstream: 1 } });
    await user.click(screen.getByRole("button", { name: "Collapse" }));
    expect(nodeCount()).toBe(lineageSalesOrders2.nodes.length);
  });

  it("keeps an expanded node in view and brings what it added into view, then collapses in place", async () => {
    const user = userEvent.setup();
    setup();
    const canvas = await screen.findByLabelText(/^lineage graph of sales-orders/);
    await waitFor(() => {
      expect(canvas).toHaveAttribute("data-laid-out", "true");
    });
    const fittedScale = currentView().scale;
    await user.click(screen.getByRole("button", { name: /Finance Revenue KPIs/ }));
    // Selecting from the list centres on the node: wait for that easing to land.
    await waitFor(() => {
      const box = screenBox([lineageSalesOrders2], "finance-revenue-kpis");
      expect(Math.abs((box.x + box.right) / 2 - 400)).toBeLessThan(1);
    });
    await user.click(screen.getByRole("button", { name: "Expand" }));
    await waitFor(() => {
      expect(nodeCount()).toBeGreaterThan(lineageSalesOrders2.nodes.length);
    });
    const grown = [lineageSalesOrders2, { ...lineageFctOrders, root: "finance-revenue-kpis" }];
    await waitFor(() => {
      for (const node of lineageFctOrders.nodes) expect(inCanvas(screenBox(grown, node.id)), node.id).toBe(true);
    });
    expect(currentView().scale).toBeLessThanOrEqual(fittedScale);
    // Where the easing lands (the view no longer moves between two looks).
    let lastView: string | null = null;
    await waitFor(() => {
      const view = canvas.getAttribute("data-view");
      const settled = view === lastView;
      lastView = view;
      expect(settled).toBe(true);
    });

    const before = screenBox(grown, "finance-revenue-kpis");
    await user.click(screen.getByRole("button", { name: "Collapse" }));
    await waitFor(() => {
      expect(nodeCount()).toBe(lineageSalesOrders2.nodes.length);
    });
    await waitFor(() => {
      const after = screenBox([lineageSalesOrders2], "finance-revenue-kpis");
      expect(after.x).toBeCloseTo(before.x, 0);
      expect(after.y).toBeCloseTo(before.y, 0);
    });
  });

  it("highlights the path between two nodes", async () => {
    const user = userEvent.setup();
    const backend = setup();
    await user.click(await screen.findByRole("button", { name: /^product Sales Orders/ }));
    await user.click(screen.getByRole("button", { name: "Path from here" }));
    await user.click(screen.getByRole("button", { name: /Finance Revenue KPIs/ }));
    await user.click(screen.getByRole("button", { name: "Path to here" }));
    expect(await screen.findByText(`Path of ${lineagePath.nodes.length} nodes highlighted.`, { exact: false })).toBeInTheDocument();
    expect(lastCall(backend, "lineage_path")).toEqual({ command: "lineage_path", args: { from: "sales-orders", to: "finance-revenue-kpis", level: "product" } });
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
      expect(lastCall(backend, "lineage")).toEqual({ command: "lineage", args: { id: "sales-orders", level: "product", upstream: 2, downstream: 4 } });
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

  it("says the lineage graph is being built while the first request waits for it", async () => {
    const answer = deferred<LineageGraph>();
    let status = { ready: false, building: true };
    const backend = recordedBackend({
      lineage: () => answer.promise,
      lineage_status: () => status,
    });
    render(<LineageScreen backend={backend} initialId="sales-orders" initialLevel="product" navigate={vi.fn()} />);
    expect(await screen.findByRole("status")).toHaveTextContent("Building the lineage graph…");
    status = { ready: true, building: false };
    answer.resolve(lineageSalesOrders2);
    expect(await screen.findByLabelText(/^lineage graph of sales-orders/)).toBeInTheDocument();
    expect(screen.queryByText(/Building the lineage graph/)).not.toBeInTheDocument();
    // Nothing keeps asking once the graph is shown.
    const asked = backend.calls.filter((c) => c.command === "lineage_status").length;
    await new Promise((r) => setTimeout(r, 700));
    expect(backend.calls.filter((c) => c.command === "lineage_status")).toHaveLength(asked);
  });

  it("just walks when the graph is built", async () => {
    const answer = deferred<LineageGraph>();
    const backend = recordedBackend({
      lineage: () => answer.promise,
      lineage_status: () => ({ ready: true, building: false }),
    });
    render(<LineageScreen backend={backend} initialId="sales-orders" initialLevel="product" navigate={vi.fn()} />);
    await waitFor(() => {
      expect(backend.calls.some((c) => c.command === "lineage_status")).toBe(true);
    });
    expect(screen.getByRole("status")).toHaveTextContent("Walking the lineage graph…");
    answer.resolve(lineageSalesOrders2);
    expect(await screen.findByLabelText(/^lineage graph of sales-orders/)).toBeInTheDocument();
  });
});
