import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { BackendError } from "../ipc/errors";
import type { Prefs } from "../prefs";
import { consumersSalesOrders, lineageSalesOrders, ownersSalesOrders, salesOrders, scorecards } from "../test/fixtures";
import feedbackSalesOrders from "../test/fixtures/feedback-list-sales-orders.json";
import trustSalesOrders from "../test/fixtures/trust-sales-orders.json";
import { recordedBackend } from "../test/recordedBackend";
import { ProductScreen } from "./ProductScreen";

function prefs(): Prefs {
  return { recent: [], favourites: [], theme: "system", visited: vi.fn(), toggleFavourite: vi.fn(), isFavourite: () => false, setTheme: vi.fn() };
}

const backend = () =>
  recordedBackend({
    get_product: () => salesOrders,
    scorecard: () => scorecards,
    lineage: () => lineageSalesOrders,
    owners: () => ownersSalesOrders,
    consumers: () => consumersSalesOrders,
    trust: () => trustSalesOrders,
    feedback_list: () => feedbackSalesOrders,
  });

describe("product page", () => {
  it("shows overview, team, support, ports, contracts with schema, SLAs and quality rules, scorecard, lineage, raw file", async () => {
    const p = prefs();
    render(<ProductScreen backend={backend()} id="sales-orders" generation={0} prefs={p} navigate={vi.fn()} />);
    const page = await screen.findByRole("article", { name: "product detail" });
    expect(within(page).getByRole("heading", { name: "Sales Orders" })).toBeInTheDocument();
    // Recorded by an effect after the page renders: on a loaded machine it may land a tick later.
    await waitFor(() => {
      expect(p.visited).toHaveBeenCalledWith({ id: "sales-orders", name: "Sales Orders" });
    });

    const facts = within(page.querySelector("dl.facts") as HTMLElement);
    expect(facts.getByText("restricted")).toBeInTheDocument();
    expect(facts.getByText("3650 days")).toBeInTheDocument();
    expect(await screen.findByRole("region", { name: "who to ask" })).toBeInTheDocument();
    const trust = within(await screen.findByRole("region", { name: "trust score" }));
    expect(await trust.findByText(String(trustSalesOrders.score))).toBeInTheDocument();
    const ratings = within(screen.getByRole("region", { name: "rate this product" }));
    expect(await ratings.findByText("4.0/5 from 1 rating(s)")).toBeInTheDocument();
    const consumers = within(await screen.findByRole("region", { name: "consumers" }));
    expect((await consumers.findAllByRole("button", { name: "sales-returns" })).length).toBe(2);

    const team = within(screen.getByRole("region", { name: "team and support" }));
    expect(team.getByText("Checkout & Orders")).toBeInTheDocument();
    // Each output port offers a request for access.
    const ports = within(page.querySelector("ul.ports") as HTMLElement);
    expect(ports.getAllByRole("button", { name: "Request access" })).toHaveLength(salesOrders.product.output_ports.length);
    expect(team.getByText("Maria Keller")).toBeInTheDocument();
    expect(team.getByText("https://northwind-outfitters.slack.com/archives/C04SALESORD")).toBeInTheDocument();

    const card = within(screen.getByRole("article", { name: "contract sales-orders-db" }));
    expect(card.getAllByText("order_id").length).toBeGreaterThan(0);
    expect(card.getAllByText("restricted").length).toBeGreaterThan(0); // customer_email's classification
    const slas = within(card.getByRole("region", { name: "SLAs" }));
    expect(slas.getByText("latency")).toBeInTheDocument();
    expect(slas.getByText("5 m")).toBeInTheDocument();
    const rules = within(card.getByRole("region", { name: "quality rules" }));
    expect(rules.getByText("orders_not_in_future")).toBeInTheDocument();
    expect(rules.getByText('{"mustBeGreaterThan":1000}')).toBeInTheDocument();

    const tiles = within(await screen.findByLabelText("scorecard"));
    expect(tiles.getByText("SLA breaches").previousSibling).toHaveTextContent("2");
    expect(await screen.findByRole("img", { name: `lineage: ${lineageSalesOrders.nodes.length} nodes` })).toBeInTheDocument();
    expect(screen.getByText(/Raw ODPS file/)).toBeInTheDocument();
    expect(page.querySelector("details.raw pre")?.textContent).toBe(salesOrders.raw);
  });

  it("stars the product and opens its lineage and datasets", async () => {
    const user = userEvent.setup();
    const p = prefs();
    const navigate = vi.fn();
    render(<ProductScreen backend={backend()} id="sales-orders" generation={0} prefs={p} navigate={navigate} />);
    await user.click(await screen.findByRole("button", { name: "Add to favourites" }));
    expect(p.toggleFavourite).toHaveBeenCalledWith({ id: "sales-orders", name: "Sales Orders" });
    await user.click(screen.getByRole("button", { name: "Open lineage" }));
    expect(navigate).toHaveBeenCalledWith({ screen: "lineage", id: "sales-orders", level: "product" });
    await user.click(screen.getByRole("button", { name: "orders" }));
    expect(navigate).toHaveBeenCalledWith({ screen: "dataset", product: "sales-orders", contract: "sales-orders-db", dataset: "orders" });
  });

  it("shows why the product cannot be shown", async () => {
    const failing = recordedBackend({
      get_product: () => {
        throw new BackendError("E_NOT_FOUND", "product `gone` was not found in the local cache");
      },
    });
    render(<ProductScreen backend={failing} id="gone" generation={0} prefs={prefs()} navigate={vi.fn()} />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("E_NOT_FOUND");
    expect(alert).toHaveTextContent("product `gone` was not found in the local cache");
  });

  it("names the catalog sources a product came from", async () => {
    const origin = {
      source: "om",
      path: "products/sales.odps.json",
      upstream_id: "Sales.Orders",
      upstream_version: "0.3",
      upstream_updated_at: "2026-11-20T08:00:00Z",
      fetched_at: "2026-11-23T09:30:00Z",
    };
    const fromCatalogs = { ...salesOrders, origins: [origin, { ...origin, source: "entropy", upstream_version: null }] };
    const catalogBackend = recordedBackend({
      get_product: () => fromCatalogs,
      scorecard: () => scorecards,
      lineage: () => lineageSalesOrders,
    });
    render(<ProductScreen backend={catalogBackend} id="sales-orders" generation={0} prefs={prefs()} navigate={vi.fn()} />);
    const origins = within(await screen.findByRole("region", { name: "upstream origins" }));
    const items = origins.getAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("Sales.Orders in om, version 0.3, updated 2026-11-20T08:00:00Z, fetched 2026-11-23T09:30:00Z");
    expect(items[1]).toHaveTextContent("Sales.Orders in entropy, updated 2026-11-20T08:00:00Z, fetched");
  });

  it("shows no upstream section for a product read from a file", async () => {
    render(<ProductScreen backend={backend()} id="sales-orders" generation={0} prefs={prefs()} navigate={vi.fn()} />);
    await screen.findByRole("article", { name: "product detail" });
    expect(screen.queryByRole("region", { name: "upstream origins" })).toBeNull();
  });
});
