import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { SearchArgs, SearchHit, SearchResults } from "../ipc/commands";
import { BackendError } from "../ipc/errors";
import type { Prefs } from "../prefs";
import { products, searchOrdrs, searchOrdrsCustomer, sources } from "../test/fixtures";
import { deferred, recordedBackend } from "../test/recordedBackend";
import { HomeScreen } from "./HomeScreen";

function prefs(overrides: Partial<Prefs> = {}): Prefs {
  return {
    recent: [],
    favourites: [],
    theme: "system",
    visited: vi.fn(),
    toggleFavourite: vi.fn(),
    isFavourite: () => false,
    setTheme: vi.fn(),
    ...overrides,
  };
}

function backendWith(search: (args: SearchArgs) => SearchResults | Promise<SearchResults>) {
  return recordedBackend({ list_products: () => products, list_sources: () => sources, search });
}

/** The home screen with "ordrs" typed and answered; every other query waits for `next`. */
async function afterOrdrs() {
  const user = userEvent.setup();
  const next = deferred<SearchResults>();
  const backend = backendWith((args) => (args.query === "ordrs" ? searchOrdrs : next.promise));
  render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={vi.fn()} />);
  const input = screen.getByRole("searchbox", { name: "search" });
  await user.type(input, "ordrs");
  expect(await screen.findAllByRole("option")).toHaveLength(searchOrdrs.hits.length);
  return { user, next, backend, input };
}

describe("search", () => {
  it("shows hits as you type, with highlights and facet counts", async () => {
    const user = userEvent.setup();
    const backend = backendWith(() => searchOrdrs);
    render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    await user.type(screen.getByRole("searchbox", { name: "search" }), "ordrs");
    const hits = await screen.findAllByRole("option");
    expect(hits).toHaveLength(searchOrdrs.hits.length);
    expect(within(hits[0] as HTMLElement).getByText("Orders", { selector: "mark" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("7 matches");
    const facets = screen.getByRole("complementary", { name: "facets" });
    expect(within(facets).getByRole("checkbox", { name: /sales\s*5/ })).toBeInTheDocument();
    // Asked as you type (no debounce to wait for); the last question is the whole word.
    const searches = backend.calls.filter((c) => c.command === "search");
    expect(searches.at(-1)?.args).toMatchObject({ query: "ordrs" });
  });

  it("shows each hit's trust and says that trust orders equal matches", async () => {
    const user = userEvent.setup();
    render(<HomeScreen backend={backendWith(() => searchOrdrs)} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    await user.type(screen.getByRole("searchbox", { name: "search" }), "ordrs");
    const hits = await screen.findAllByRole("option");
    expect(within(hits[0] as HTMLElement).getByText("trust 84")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("equally good matches ordered by trust");
  });

  it("filters by a facet", async () => {
    const user = userEvent.setup();
    const backend = backendWith((args) => (args.domain === "customer" ? searchOrdrsCustomer : searchOrdrs));
    render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    await user.type(screen.getByRole("searchbox", { name: "search" }), "ordrs");
    const domains = await screen.findByRole("group", { name: "Domain" });
    await user.click(within(domains).getByRole("checkbox", { name: /customer/ }));
    await waitFor(() => {
      expect(screen.getAllByRole("option")).toHaveLength(searchOrdrsCustomer.hits.length);
    });
    expect(backend.calls.at(-1)?.args).toMatchObject({ query: "ordrs", domain: "customer" });
  });

  it("filters by normalised sensitivity", async () => {
    const user = userEvent.setup();
    const backend = backendWith(() => searchOrdrs);
    render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    await user.type(screen.getByRole("searchbox", { name: "search" }), "ordrs");
    const levels = await screen.findByRole("group", { name: "Sensitivity" });
    await user.click(within(levels).getByRole("checkbox", { name: /restricted/ }));
    await waitFor(() => {
      expect(backend.calls.at(-1)?.args).toMatchObject({ query: "ordrs", sensitivity: "restricted" });
    });
  });

  it("drops an answer that arrives after a newer one", async () => {
    const user = userEvent.setup();
    const slow = deferred<SearchResults>();
    const backend = backendWith((args) => (args.query === "ord" ? slow.promise : searchOrdrs));
    render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    const input = screen.getByRole("searchbox", { name: "search" });
    await user.type(input, "ord");
    await waitFor(() => {
      expect(backend.calls.some((c) => c.command === "search" && (c.args as SearchArgs).query === "ord")).toBe(true);
    });
    await user.type(input, "rs");
    expect(await screen.findAllByRole("option")).toHaveLength(searchOrdrs.hits.length);
    await act(async () => {
      slow.resolve({ ...searchOrdrs, hits: [], total: 0 });
      await slow.promise;
    });
    expect(screen.getAllByRole("option")).toHaveLength(searchOrdrs.hits.length);
  });

  it("keeps the previous hits on screen, marked busy, while the next answer is on its way", async () => {
    const { user, next, backend, input } = await afterOrdrs();
    await user.type(input, " customer");
    await waitFor(() => {
      expect(backend.calls.at(-1)?.args).toMatchObject({ query: "ordrs customer" });
    });
    expect(screen.getAllByRole("option")).toHaveLength(searchOrdrs.hits.length);
    expect(screen.queryByText("Searching…")).not.toBeInTheDocument();
    const layout = screen.getByRole("listbox", { name: "hits" }).closest("[aria-busy]");
    expect(layout).toHaveAttribute("aria-busy", "true");
    // Dimmed once the answer is slow (after 200 ms; a quick one replaces the hits without a flash).
    await waitFor(() => {
      expect(layout).toHaveClass("stale");
    });
    await act(async () => {
      next.resolve(searchOrdrsCustomer);
      await next.promise;
    });
    expect(screen.getAllByRole("option")).toHaveLength(searchOrdrsCustomer.hits.length);
    expect(screen.getByRole("listbox", { name: "hits" }).closest("[aria-busy]")).toHaveAttribute("aria-busy", "false");
  });

  it("shows a page of hits and more on demand", async () => {
    const user = userEvent.setup();
    const hit = searchOrdrs.hits[0] as SearchHit;
    const page = (limit: number): SearchResults => ({
      ...searchOrdrs,
      total: 45,
      hits: Array.from({ length: Math.min(limit, 45) }, (_, i) => ({ ...hit, id: `${hit.id}-${i}` })),
    });
    const backend = backendWith((args) => page(args.limit ?? 0));
    render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    await user.type(screen.getByRole("searchbox", { name: "search" }), "ordrs");
    expect(await screen.findAllByRole("option")).toHaveLength(20);
    expect(screen.getByRole("status")).toHaveTextContent("45 matches (showing 20)");
    await user.click(screen.getByRole("button", { name: "show 20 more" }));
    await waitFor(() => {
      expect(screen.getAllByRole("option")).toHaveLength(40);
    });
    await user.click(screen.getByRole("button", { name: "show 5 more" }));
    await waitFor(() => {
      expect(screen.getAllByRole("option")).toHaveLength(45);
    });
    expect(screen.queryByRole("button", { name: /more/ })).not.toBeInTheDocument();
    // A new query starts from one page again.
    await user.type(screen.getByRole("searchbox", { name: "search" }), "x");
    await waitFor(() => {
      expect(backend.calls.at(-1)?.args).toMatchObject({ query: "ordrsx", limit: 20 });
    });
  });

  it("keeps the selection on a hit and forgets the hits once the box is cleared", async () => {
    const user = userEvent.setup();
    const navigate = vi.fn();
    const first = deferred<SearchResults>();
    render(<HomeScreen backend={backendWith(() => first.promise)} generation={0} prefs={prefs()} navigate={navigate} />);
    const input = screen.getByRole("searchbox", { name: "search" });
    await user.type(input, "ordrs");
    // Before any answer: nothing to select, nothing to open.
    await user.keyboard("{ArrowDown}{Enter}");
    expect(input).not.toHaveAttribute("aria-activedescendant");
    await act(async () => {
      first.resolve(searchOrdrs);
      await first.promise;
    });
    const hits = await screen.findAllByRole("option");
    expect(hits[0]).toHaveAttribute("aria-selected", "true");
    expect(input).toHaveAttribute("aria-activedescendant", hits[0]?.id);
    // Cleared: Enter opens nothing, not even the hit that was selected.
    await user.keyboard("{Escape}{Enter}");
    expect(screen.queryAllByRole("option")).toHaveLength(0);
    expect(navigate).not.toHaveBeenCalled();
  });

  it("moves with the arrow keys, opens with Enter and clears with Esc", async () => {
    const user = userEvent.setup();
    const navigate = vi.fn();
    render(<HomeScreen backend={backendWith(() => searchOrdrs)} generation={0} prefs={prefs()} navigate={navigate} />);
    const input = screen.getByRole("searchbox", { name: "search" });
    await user.type(input, "ordrs");
    await screen.findAllByRole("option");
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(screen.getAllByRole("option")[2]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Enter}");
    expect(navigate).toHaveBeenCalledWith({ screen: "dataset", product: "sales-orders", contract: "sales-orders-db", dataset: "orders" });
    await user.keyboard("{Escape}");
    expect(input).toHaveValue("");
    expect(await screen.findByRole("region", { name: "products" })).toBeInTheDocument();
  });

  it("keeps the product list until the first answer, and never shows an earlier query's hits", async () => {
    const { user, next: second, backend, input } = await afterOrdrs();
    await user.keyboard("{Escape}");
    expect(screen.getByRole("region", { name: "products" })).toBeInTheDocument();
    await user.type(input, "c");
    // Unanswered: the products stay, the old hits do not come back, no spinner yet.
    expect(screen.getByRole("region", { name: "products" })).toBeInTheDocument();
    expect(screen.queryAllByRole("option")).toHaveLength(0);
    expect(screen.queryByText("Searching…")).not.toBeInTheDocument();
    // A slow first answer: a spinner instead of the products.
    expect(await screen.findByText("Searching…")).toBeInTheDocument();
    expect(screen.queryByRole("region", { name: "products" })).not.toBeInTheDocument();
    await act(async () => {
      second.resolve(searchOrdrsCustomer);
      await second.promise;
    });
    expect(screen.getAllByRole("option")).toHaveLength(searchOrdrsCustomer.hits.length);
    // The product list was asked for once, however often the box was cleared.
    expect(backend.calls.filter((c) => c.command === "list_products")).toHaveLength(1);
  });

  it("shows a search error with its code", async () => {
    const user = userEvent.setup();
    const backend = backendWith(() => {
      throw new BackendError("E_SEARCH", "the search index is being rebuilt");
    });
    render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    await user.type(screen.getByRole("searchbox", { name: "search" }), "x");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("E_SEARCH");
    expect(alert).toHaveTextContent("the search index is being rebuilt");
  });
});

/** The cache's "ordrs" answer with one hit more that only a catalog's online search found, and its notes. */
function withCatalogHit(): SearchResults {
  const live: SearchHit = {
    id: "sample_data.ecommerce_db.shopify.dim_orders",
    kind: "contract",
    name: "dim_orders",
    domain: "Ecommerce",
    owner: null,
    status: null,
    score: 0,
    snippet: "",
    product_id: null,
    contract_id: null,
    parent_id: null,
    cached: false,
    upstream: {
      source: "om",
      upstream_id: "sample_data.ecommerce_db.shopify.dim_orders",
      url: "https://om.example.com/table/sample_data.ecommerce_db.shopify.dim_orders",
      tags: [],
      owners: [],
    },
  };
  return {
    ...searchOrdrs,
    hits: [...searchOrdrs.hits, live],
    online: {
      offline: false,
      sources: [
        { source: "om", status: "ok", hits: 1, ms: 40, error: null },
        { source: "hub", status: "failed", hits: 0, ms: 12, error: "source 'hub': api/graphql answered HTTP 502" },
      ],
    },
  };
}

describe("online search", () => {
  it("asks the catalogs once typing pauses, marks what the cache lacks and opens it in the catalog", async () => {
    const user = userEvent.setup();
    const navigate = vi.fn();
    const backend = backendWith((args) => (args.online === true ? withCatalogHit() : searchOrdrs));
    render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={navigate} />);
    await user.click(screen.getByRole("checkbox", { name: "Also search the catalogs (online)" }));
    await user.type(screen.getByRole("searchbox", { name: "search" }), "ordrs");
    // The cache answers as you type; the catalogs only for the settled word.
    const online = await screen.findByText("not cached");
    const searches = backend.calls.filter((c) => c.command === "search").map((c) => c.args as SearchArgs);
    expect(searches.filter((a) => a.online === true).map((a) => a.query)).toEqual(["ordrs"]);
    const row = online.closest("li") as HTMLElement;
    expect(within(row).getByText("Open in om")).toBeInTheDocument();
    expect(screen.getByLabelText("online search")).toHaveTextContent("hub: source 'hub': api/graphql answered HTTP 502");
    await user.pointer({ keys: "[MouseLeft>]", target: row });
    expect(backend.openedLinks).toEqual(["https://om.example.com/table/sample_data.ecommerce_db.shopify.dim_orders"]);
    expect(navigate).not.toHaveBeenCalled();
  });

  it("says when no catalog answered, with the cache's hits", async () => {
    const user = userEvent.setup();
    const offline: SearchResults = { ...searchOrdrs, online: { offline: true, sources: [{ source: "om", status: "unreachable", hits: 0, ms: 5000, error: "source 'om': no answer within 5 s" }] } };
    const backend = backendWith((args) => (args.online === true ? offline : searchOrdrs));
    render(<HomeScreen backend={backend} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    await user.click(screen.getByRole("checkbox", { name: "Also search the catalogs (online)" }));
    await user.type(screen.getByRole("searchbox", { name: "search" }), "ordrs");
    expect(await screen.findByText(/Offline: no catalog answered/)).toBeInTheDocument();
    expect(screen.getAllByRole("option")).toHaveLength(searchOrdrs.hits.length);
  });
});

describe("before a query", () => {
  it("lists a large mesh page by page", async () => {
    const user = userEvent.setup();
    const many = Array.from({ length: 250 }, (_, i) => ({ ...products[0], id: `p-${i}`, name: `Product ${i}` })) as typeof products;
    render(<HomeScreen backend={recordedBackend({ list_products: () => many, list_sources: () => sources })} generation={0} prefs={prefs()} navigate={vi.fn()} />);
    expect(await screen.findByText(/Showing 100 of 250 products/)).toBeInTheDocument();
    expect(screen.getAllByRole("row")).toHaveLength(101);
    await user.click(screen.getByRole("button", { name: "show 100 more" }));
    expect(screen.getAllByRole("row")).toHaveLength(201);
  });

  it("shows favourites, recent products and sync status", async () => {
    const user = userEvent.setup();
    const navigate = vi.fn();
    render(
      <HomeScreen
        backend={backendWith(() => searchOrdrs)}
        generation={0}
        prefs={prefs({ favourites: [{ id: "customer-360", name: "Customer 360" }], recent: [{ id: "sales-orders", name: "Sales Orders" }] })}
        navigate={navigate}
      />,
    );
    await user.click(within(screen.getByRole("region", { name: "favourites" })).getByRole("button", { name: "Customer 360" }));
    expect(navigate).toHaveBeenCalledWith({ screen: "product", id: "customer-360" });
    expect(within(screen.getByRole("region", { name: "recent" })).getByText("Sales Orders")).toBeInTheDocument();
    const status = screen.getByRole("region", { name: "sync status" });
    expect(await within(status).findByText(/20 products · ok/)).toBeInTheDocument();
  });
});
