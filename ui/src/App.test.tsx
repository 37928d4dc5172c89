import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { App, SYNC_QUIET_MS } from "./App";
import type { SyncPhase } from "./ipc/bindings/SyncPhase";
import type { AppEvent, ProductDetail, ProductSummary } from "./ipc/commands";
import { BackendError } from "./ipc/errors";
import appInfoJson from "./test/fixtures/app-info.json";
import productJson from "./test/fixtures/product-sales-orders.json";
import productsJson from "./test/fixtures/products.json";
import { deferred, recordedBackend } from "./test/recordedBackend";

const appInfo = appInfoJson;
const products = productsJson as ProductSummary[];
const salesOrders = productJson as ProductDetail;

function progress(source: string, phase: SyncPhase, done: number, total: number): AppEvent {
  return { type: "syncProgress", source, phase, done, total };
}

/** The table row of a product (ids also show up as tags, so rows are found by their data attribute). */
async function findRow(id: string): Promise<HTMLElement> {
  const rows = await screen.findAllByRole("row");
  const row = rows.find((r) => r.dataset.productId === id);
  if (row === undefined) throw new Error(`no row for product ${id}`);
  return row;
}

function demoBackend() {
  return recordedBackend({
    app_info: () => appInfo,
    list_products: () => products,
    get_product: ({ id }) => {
      if (id === salesOrders.product.id) return salesOrders;
      throw new BackendError("E_NOT_FOUND", `product \`${id}\` was not found in the local cache`);
    },
  });
}

describe("product list", () => {
  it("lists every product from the cache with its columns", async () => {
    render(<App backend={demoBackend()} />);
    expect(screen.getByText("Loading products…")).toBeInTheDocument();

    const rows = await screen.findAllByRole("row");
    expect(rows).toHaveLength(products.length + 1); // plus the header row
    const first = products[0];
    if (first === undefined) throw new Error("the products fixture is empty");
    const row = within(rows[1] as HTMLElement);
    expect(row.getByText(first.name ?? first.id)).toBeInTheDocument();
    expect(row.getByText(first.id, { selector: "code" })).toBeInTheDocument();
    for (const tag of first.tags) expect(row.getByText(tag, { selector: "li" })).toBeInTheDocument();
  });

  it("shows the cache counts and the data directory in the header", async () => {
    render(<App backend={demoBackend()} />);
    const counts = await screen.findByLabelText("cache counts");
    expect(counts).toHaveTextContent(`${appInfo.products} products`);
    expect(counts).toHaveTextContent(`${appInfo.contracts} contracts`);
    expect(screen.getByText(appInfo.dataDir)).toBeInTheDocument();
  });

  it("explains how to fill an empty cache", async () => {
    render(<App backend={recordedBackend({ app_info: () => ({ ...appInfo, products: 0 }), list_products: () => [] })} />);
    expect(await screen.findByText("No products in the cache yet")).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("shows the error code and sentence when the cache cannot be read", async () => {
    const backend = recordedBackend({
      app_info: () => appInfo,
      list_products: () => {
        throw new BackendError("E_STORE", "the cache database is locked by another process");
      },
    });
    render(<App backend={backend} />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Cannot list products");
    expect(alert).toHaveTextContent("E_STORE");
    expect(alert).toHaveTextContent("the cache database is locked by another process");
  });

  it("shows sync progress and reloads the list when the sync is done", async () => {
    let answer = products.slice(0, 1);
    const backend = recordedBackend({ app_info: () => appInfo, list_products: () => answer });
    render(<App backend={backend} />);
    expect(await screen.findAllByRole("row")).toHaveLength(2);

    answer = products;
    act(() => {
      backend.emit(progress("demo", "parsing", 3, 20));
    });
    expect(screen.getByRole("status")).toHaveTextContent("Syncing demo: parsing 3/20");
    expect(screen.getAllByRole("row")).toHaveLength(2);

    act(() => {
      backend.emit(progress("demo", "done", 20, 20));
    });
    await waitFor(() => {
      expect(screen.getAllByRole("row")).toHaveLength(products.length + 1);
    });
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });

  it("clears the sync indicator when a sync goes quiet without finishing", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const backend = demoBackend();
      render(<App backend={backend} />);
      await screen.findAllByRole("row");
      const listCalls = () => backend.calls.filter((c) => c.command === "list_products").length;
      const before = listCalls();
      act(() => {
        backend.emit(progress("broken", "scanning", 0, 0));
      });
      expect(screen.getByRole("status")).toHaveTextContent("Syncing broken: scanning");
      await act(async () => {
        await vi.advanceTimersByTimeAsync(SYNC_QUIET_MS + 10);
      });
      expect(screen.queryByRole("status")).not.toBeInTheDocument();
      expect(listCalls()).toBe(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("product detail", () => {
  it("opens the clicked product with its description, ports and contract columns", async () => {
    const user = userEvent.setup();
    render(<App backend={demoBackend()} />);
    await user.click(await findRow(salesOrders.product.id));

    const panel = await screen.findByRole("complementary", { name: "product detail" });
    const detail = within(panel);
    expect(await detail.findByRole("heading", { name: salesOrders.product.name ?? salesOrders.product.id })).toBeInTheDocument();
    const purpose = salesOrders.product.description;
    if (purpose === null) throw new Error("the fixture product has no description");
    expect(detail.getByText(purpose)).toBeInTheDocument();
    for (const port of salesOrders.product.output_ports) expect(detail.getAllByText(port.name).length).toBeGreaterThan(0);

    const contract = salesOrders.contracts[0];
    if (contract === undefined) throw new Error("the fixture product has no contract");
    const card = within(detail.getByRole("article", { name: `contract ${contract.contract.id}` }));
    for (const dataset of contract.contract.datasets) {
      for (const column of dataset.columns) expect(card.getAllByText(column.name).length).toBeGreaterThan(0);
    }
    expect(await findRow(salesOrders.product.id)).toHaveAttribute("aria-selected", "true");
  });

  it("shows why a product cannot be shown and closes", async () => {
    const user = userEvent.setup();
    const other = products.find((p) => p.id !== salesOrders.product.id);
    if (other === undefined) throw new Error("the products fixture needs two products");
    render(<App backend={demoBackend()} />);
    await user.click(await findRow(other.id));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("E_NOT_FOUND");
    await user.click(screen.getByRole("button", { name: "Close detail" }));
    expect(screen.queryByRole("complementary")).not.toBeInTheDocument();
  });

  it("shows the product picked last even when an earlier answer arrives after it", async () => {
    const user = userEvent.setup();
    const slow = deferred<ProductDetail>();
    const other = products.find((p) => p.id !== salesOrders.product.id);
    if (other === undefined) throw new Error("the products fixture needs two products");
    const backend = recordedBackend({
      app_info: () => appInfo,
      list_products: () => products,
      get_product: ({ id }) => (id === other.id ? slow.promise : salesOrders),
    });
    render(<App backend={backend} />);
    await user.click(await findRow(other.id));
    await user.click(await findRow(salesOrders.product.id));
    const panel = within(await screen.findByRole("complementary"));
    expect(await panel.findByRole("heading", { name: salesOrders.product.name ?? "" })).toBeInTheDocument();

    await act(async () => {
      slow.resolve({ ...salesOrders, product: { ...salesOrders.product, id: other.id, name: "stale answer" } });
      await slow.promise;
    });
    expect(panel.queryByText("stale answer")).not.toBeInTheDocument();
  });

  it("opens a product from the keyboard", async () => {
    const user = userEvent.setup();
    render(<App backend={demoBackend()} />);
    const row = await findRow(salesOrders.product.id);
    row.focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("complementary", { name: "product detail" })).toBeInTheDocument();
  });
});
