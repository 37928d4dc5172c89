import { type KeyboardEvent, useEffect, useRef, useState } from "react";

import { ErrorState } from "../components/ErrorState";
import { Highlight } from "../components/Highlight";
import { Loading } from "../components/Loading";
import { ProductTable } from "../components/ProductTable";
import type { Backend } from "../ipc/backend";
import type { Facets, SearchArgs, SearchHit } from "../ipc/commands";
import { markKeystroke, measureResultsVisible } from "../perf";
import type { Prefs } from "../prefs";
import type { Navigate, Route } from "../route";
import { useCommand } from "../useCommand";
import { useDebounced } from "../useDebounced";
import { SyncStatus } from "./SyncStatus";

/** Short enough to stay under the 50 ms "results visible" budget, long enough to skip most of a fast typist's keys. */
export const SEARCH_DEBOUNCE_MS = 15;
/** Hits per page: a screenful and some; every hit more is DOM to build on each keystroke. */
const PAGE = 20;
const BROWSE_ROWS = 100;

type FacetName = keyof Facets;
type Filters = Partial<Record<FacetName, string>>;
const FACETS: { name: FacetName; label: string }[] = [
  { name: "kind", label: "Kind" },
  { name: "domain", label: "Domain" },
  { name: "status", label: "Status" },
  { name: "classification", label: "Classification" },
  { name: "owner", label: "Owner" },
  { name: "tag", label: "Tag" },
];

/** Where a hit leads: products to their page, contracts to their product, datasets and columns to the dataset. */
export function routeOfHit(hit: SearchHit): Route | null {
  if (hit.kind === "product") return { screen: "product", id: hit.id };
  if (hit.product_id === null) return null;
  if (hit.kind === "contract") return { screen: "product", id: hit.product_id };
  const datasetId = hit.kind === "dataset" ? hit.id : hit.parent_id;
  if (hit.contract_id === null || datasetId === null) return { screen: "product", id: hit.product_id };
  return {
    screen: "dataset",
    product: hit.product_id,
    contract: hit.contract_id,
    dataset: datasetId.slice(hit.contract_id.length + 1),
  };
}

function FacetPanel({ facets, filters, onToggle }: { facets: Facets; filters: Filters; onToggle: (name: FacetName, value: string) => void }) {
  return (
    <aside className="facets" aria-label="facets">
      {FACETS.map(({ name, label }) => {
        const values = Object.entries(facets[name])
          .filter((entry): entry is [string, number] => entry[1] !== undefined)
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, 12);
        if (values.length === 0) return null;
        return (
          <fieldset key={name} className="facet">
            <legend>{label}</legend>
            {values.map(([value, count]) => (
              <label key={value} className="facet-value">
                <input
                  type="checkbox"
                  checked={filters[name] === value}
                  onChange={() => {
                    onToggle(name, value);
                  }}
                />
                <span className="facet-label">{value}</span>
                <span className="count">{count}</span>
              </label>
            ))}
          </fieldset>
        );
      })}
    </aside>
  );
}

function HitRow({ hit, active, onOpen }: { hit: SearchHit; active: boolean; onOpen: () => void }) {
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (active) ref.current?.scrollIntoView({ block: "nearest" });
  }, [active]);
  return (
    <li
      ref={ref}
      role="option"
      aria-selected={active}
      data-hit-id={hit.id}
      className={active ? "hit active" : "hit"}
      onMouseDown={(event) => {
        event.preventDefault();
        onOpen();
      }}
    >
      <div className="hit-head">
        <span className={`kind kind-${hit.kind}`}>{hit.kind}</span>
        <strong className="hit-name">{hit.name}</strong>
        <code className="muted">{hit.id}</code>
        {hit.domain !== null && <span className="muted"> · {hit.domain}</span>}
        {hit.owner !== null && <span className="muted"> · {hit.owner}</span>}
      </div>
      <p className="snippet">
        <Highlight snippet={hit.snippet} />
      </p>
    </li>
  );
}

interface ResultsProps {
  backend: Backend;
  args: SearchArgs;
  generation: number;
  filters: Filters;
  active: number;
  onToggle: (name: FacetName, value: string) => void;
  onHits: (hits: SearchHit[]) => void;
  onOpen: (hit: SearchHit) => void;
  onMore: () => void;
}

function Results({ backend, args, generation, filters, active, onToggle, onHits, onOpen, onMore }: ResultsProps) {
  const results = useCommand(backend, "search", args, generation);
  const hits = results.state === "ready" ? results.data.hits : null;
  useEffect(() => {
    if (hits === null) return;
    onHits(hits);
    measureResultsVisible();
  }, [hits, onHits]);
  // While the answer to the next keystroke is on its way the previous one stays on screen (dimmed):
  // the list is updated in place instead of blinking to a spinner and being built again.
  const shown = results.state === "ready" ? results.data : results.state === "loading" ? (results.previous ?? null) : null;

  if (results.state === "failed") return <ErrorState title="Search failed" error={results.error} />;
  if (shown === null) return <Loading label="Searching…" />;
  const { total, facets } = shown;
  const stale = results.state === "loading";
  return (
    <div className={stale ? "results-layout stale" : "results-layout"} aria-busy={stale}>
      <FacetPanel facets={facets} filters={filters} onToggle={onToggle} />
      <section className="results" aria-label="search results">
        <p className="muted results-count" role="status">
          {total === 0 ? "No matches" : `${total} ${total === 1 ? "match" : "matches"}`}
          {total > shown.hits.length && ` (showing ${shown.hits.length})`}
        </p>
        {total === 0 && !stale && (
          <p className="state muted">Nothing matches “{args.query}”. Check the spelling of rare words or remove a filter.</p>
        )}
        <ul className="hits" role="listbox" id="search-hits" aria-label="hits">
          {shown.hits.map((hit, index) => (
            <HitRow
              key={`${hit.kind}:${hit.id}`}
              hit={hit}
              active={index === active}
              onOpen={() => {
                onOpen(hit);
              }}
            />
          ))}
        </ul>
        {total > shown.hits.length && (
          <button type="button" className="link" onClick={onMore}>
            show {Math.min(PAGE, total - shown.hits.length)} more
          </button>
        )}
      </section>
    </div>
  );
}

function ProductShortcuts({ title, items, navigate, empty }: { title: string; items: Prefs["recent"]; navigate: Navigate; empty: string }) {
  return (
    <section className="shortcuts" aria-label={title.toLowerCase()}>
      <h3>{title}</h3>
      {items.length === 0 && <p className="muted">{empty}</p>}
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <button
              type="button"
              className="link"
              onClick={() => {
                navigate({ screen: "product", id: item.id });
              }}
            >
              {item.name ?? item.id}
            </button>{" "}
            <code className="muted">{item.id}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface Props {
  backend: Backend;
  generation: number;
  prefs: Prefs;
  navigate: Navigate;
}

export function HomeScreen({ backend, generation, prefs, navigate }: Props) {
  const [query, setQuery] = useState("");
  const [filters, setFilters] = useState<Filters>({});
  const [active, setActive] = useState(0);
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [pages, setPages] = useState(1);
  const debounced = useDebounced(query.trim(), SEARCH_DEBOUNCE_MS);
  const searching = debounced !== "";

  const open = (hit: SearchHit) => {
    const route = routeOfHit(hit);
    if (route !== null) navigate(route);
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setActive((a) => Math.min(a + 1, hits.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (event.key === "Enter") {
      const hit = hits[active];
      if (hit !== undefined) open(hit);
    } else if (event.key === "Escape") {
      setQuery("");
      setFilters({});
      setPages(1);
    }
  };
  const toggle = (name: FacetName, value: string) => {
    setFilters((f) => ({ ...f, [name]: f[name] === value ? undefined : value }));
    setActive(0);
    setPages(1);
  };

  return (
    <div className="home">
      <div className="search-bar">
        <input
          type="search"
          className="search-input"
          placeholder="Search products, contracts, datasets, columns…"
          aria-label="search"
          aria-controls="search-hits"
          aria-activedescendant={undefined}
          autoFocus
          value={query}
          onChange={(event) => {
            markKeystroke();
            setQuery(event.target.value);
            setActive(0);
            setPages(1);
          }}
          onKeyDown={onKey}
        />
        <span className="muted hint">↑↓ to move · Enter to open · Esc to clear · Ctrl+K for commands</span>
      </div>
      {searching ? (
        <Results
          backend={backend}
          args={{ query: debounced, ...filters, limit: PAGE * pages }}
          generation={generation}
          filters={filters}
          active={active}
          onToggle={toggle}
          onHits={setHits}
          onOpen={open}
          onMore={() => {
            setPages((p) => p + 1);
          }}
        />
      ) : (
        <Browse backend={backend} generation={generation} prefs={prefs} navigate={navigate} />
      )}
    </div>
  );
}

/** The home screen before a query: favourites, recent products, sync status and every product. */
function Browse({ backend, generation, prefs, navigate }: Props) {
  const products = useCommand(backend, "list_products", {}, generation);
  // A mesh can hold 10,000 products: rendering them all would make the window sluggish; search narrows instead.
  const [shown, setShown] = useState(BROWSE_ROWS);
  return (
    <div className="browse">
      <div className="browse-side">
        <ProductShortcuts title="Favourites" items={prefs.favourites} navigate={navigate} empty="Star a product (☆ on its page) to pin it here." />
        <ProductShortcuts title="Recent" items={prefs.recent} navigate={navigate} empty="Products you open appear here." />
        <SyncStatus backend={backend} generation={generation} navigate={navigate} />
      </div>
      <section className="list" aria-label="products">
        <h3>All products</h3>
        {products.state === "loading" && <Loading label="Loading products…" />}
        {products.state === "failed" && <ErrorState title="Cannot list products" error={products.error} />}
        {products.state === "ready" && products.data.length === 0 && (
          <div className="state">
            <p className="state-title">No products in the cache yet</p>
            <p className="muted">
              Add a source under <strong>Sources &amp; settings</strong> and sync it, or start with the demo:{" "}
              <code>meshlens demo</code>.
            </p>
          </div>
        )}
        {products.state === "ready" && products.data.length > 0 && (
          <>
            <ProductTable
              products={products.data.slice(0, shown)}
              selectedId={null}
              onSelect={(id) => {
                navigate({ screen: "product", id });
              }}
            />
            {products.data.length > shown && (
              <p className="muted">
                Showing {shown} of {products.data.length} products; search to narrow them down, or{" "}
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    setShown(shown + BROWSE_ROWS);
                  }}
                >
                  show {Math.min(BROWSE_ROWS, products.data.length - shown)} more
                </button>
                .
              </p>
            )}
          </>
        )}
      </section>
    </div>
  );
}
