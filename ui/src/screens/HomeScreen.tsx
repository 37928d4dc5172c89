import { type KeyboardEvent, memo, useCallback, useEffect, useRef, useState } from "react";

import { ErrorState } from "../components/ErrorState";
import { Highlight } from "../components/Highlight";
import { Loading } from "../components/Loading";
import { ProductTable } from "../components/ProductTable";
import type { Backend } from "../ipc/backend";
import type { Facets, OnlineReport, SearchHit, SearchResults } from "../ipc/commands";
import { markKeystroke, measureResultsVisible } from "../perf";
import type { Prefs } from "../prefs";
import type { Navigate, Route } from "../route";
import { type Resource, shownData, useCommand } from "../useCommand";
import { SyncStatus } from "./SyncStatus";

/**
 * A search still unanswered after this long dims the previous results (or, for the first keystroke, replaces the
 * product list with a spinner); a quick answer replaces them without a flash.
 */
const STALE_AFTER_MS = 200;
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
  { name: "sensitivity", label: "Sensitivity" },
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

/** Memoised: while the next answer is on its way, a keystroke re-renders the screen but not the unchanged facets. */
const FacetPanel = memo(function FacetPanel({
  facets,
  filters,
  onToggle,
}: {
  facets: Facets;
  filters: Filters;
  onToggle: (name: FacetName, value: string) => void;
}) {
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
});

/** Memoised: a new answer re-renders only the rows whose hit or selection changed. A hit only a catalog knows
 * (an online search's, not cached) has a badge and opens in the catalog. */
const HitRow = memo(function HitRow({ hit, index, active, onOpen }: { hit: SearchHit; index: number; active: boolean; onOpen: (hit: SearchHit) => void }) {
  const live = hit.cached ? undefined : hit.upstream;
  return (
    <li
      id={hitElementId(index)}
      role="option"
      aria-selected={active}
      data-hit-id={hit.id}
      className={active ? "hit active" : "hit"}
      onMouseDown={(event) => {
        event.preventDefault();
        onOpen(hit);
      }}
    >
      <div className="hit-head">
        <span className={`kind kind-${hit.kind}`}>{hit.kind}</span>
        <strong className="hit-name">{hit.name}</strong>
        <code className="muted">{hit.id}</code>
        {hit.domain !== null && <span className="muted"> · {hit.domain}</span>}
        {hit.owner !== null && <span className="muted"> · {hit.owner}</span>}
        {hit.trust !== undefined && (
          <span className="badge trust-badge" title="Trust score of the product (0–100); it orders equally good matches">
            trust {hit.trust}
          </span>
        )}
        {live !== undefined && (
          <>
            <span className="badge not-cached" title="Found by the catalog's own search; not in the cache yet">
              not cached
            </span>
            <span className="link open-live" title={live.url}>
              Open in {live.source}
            </span>
          </>
        )}
      </div>
      <p className="snippet">
        <Highlight snippet={hit.snippet} />
      </p>
    </li>
  );
});

/** Whether the catalogs answered: offline, or one note per catalog that failed. */
function OnlineNotes({ report }: { report: OnlineReport }) {
  const failed = report.sources.filter((s) => s.status === "failed" || s.status === "unreachable");
  return (
    <div className="online-notes muted" aria-label="online search">
      {report.offline && <p>Offline: no catalog answered; these are the cache's matches.</p>}
      {!report.offline &&
        failed.map((s) => (
          <p key={s.source}>
            {s.source}: {s.error ?? s.status}
          </p>
        ))}
    </div>
  );
}

function hitElementId(index: number): string {
  return `search-hit-${index}`;
}

/** A pause in typing before an online search asks the catalogs. */
const ONLINE_PAUSE_MS = 300;

/** `value` once it has stayed the same for `delayMs`. */
function useSettled(value: string, delayMs: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => {
      setSettled(value);
    }, delayMs);
    return () => {
      clearTimeout(timer);
    };
  }, [value, delayMs]);
  return settled;
}

/** Whether the wait named `waiting` (null: nothing awaited) has lasted `delayMs`. */
function useLongWait(waiting: string | null, delayMs: number): boolean {
  const [long, setLong] = useState<string | null>(null);
  useEffect(() => {
    if (waiting === null) return;
    const timer = setTimeout(() => {
      setLong(waiting);
    }, delayMs);
    return () => {
      clearTimeout(timer);
      // Over: the same request asked again later waits afresh.
      setLong(null);
    };
  }, [waiting, delayMs]);
  return waiting !== null && long === waiting;
}

interface ResultsProps {
  results: Resource<SearchResults>;
  /** What was asked, as text: names the wait for an answer. */
  request: string;
  query: string;
  filters: Filters;
  active: number;
  onToggle: (name: FacetName, value: string) => void;
  onOpen: (hit: SearchHit) => void;
  onMore: () => void;
}

function Results({ results, request, query, filters, active, onToggle, onOpen, onMore }: ResultsProps) {
  const hits = results.state === "ready" ? results.data.hits : null;
  useEffect(() => {
    if (hits !== null) measureResultsVisible();
  }, [hits]);
  // While the answer to the next keystroke is on its way the previous one stays on screen (dimmed if it takes
  // long): the list is updated in place instead of blinking to a spinner and being built again.
  const shown = shownData(results) ?? null;
  const stale = useLongWait(results.state === "loading" ? request : null, STALE_AFTER_MS);

  if (results.state === "failed") return <ErrorState title="Search failed" error={results.error} />;
  if (shown === null) return <Loading label="Searching…" />;
  const { total, facets } = shown;
  return (
    <div className={stale ? "results-layout stale" : "results-layout"} aria-busy={results.state === "loading"}>
      <FacetPanel facets={facets} filters={filters} onToggle={onToggle} />
      <section className="results" aria-label="search results">
        <p className="muted results-count" role="status">
          {total === 0 ? "No matches" : `${total} ${total === 1 ? "match" : "matches"}`}
          {total > shown.hits.length && ` (showing ${shown.hits.length})`}
          {shown.tie_break === "trust" && total > 1 && (
            <span className="tie-break" title="A trust score of 100 adds 1% to a match's score: enough to order equally good matches, never to lift a weaker match over a clearly better one. The product page explains each score.">
              {" "}· equally good matches ordered by trust
            </span>
          )}
        </p>
        {shown.online !== undefined && <OnlineNotes report={shown.online} />}
        {total === 0 && results.state === "ready" && (
          <p className="state muted">Nothing matches “{query}”. Check the spelling of rare words or remove a filter.</p>
        )}
        <ul className="hits" role="listbox" id="search-hits" aria-label="hits">
          {shown.hits.map((hit, index) => (
            <HitRow key={`${hit.kind}:${hit.id}`} hit={hit} index={index} active={index === active} onOpen={onOpen} />
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
  const [pages, setPages] = useState(1);
  const [online, setOnline] = useState(false);
  // Asked on every keystroke, no debounce: the backend answers in a few milliseconds, and an answer overtaken
  // by a newer keystroke is dropped (useCommand). The call starts from the input event itself. Online, the
  // catalogs are asked too once typing pauses (the cache alone answers meanwhile).
  const trimmed = query.trim();
  const settled = useSettled(trimmed, ONLINE_PAUSE_MS);
  const askCatalogs = online && settled === trimmed;
  const searching = trimmed !== "";
  const args = searching ? { query: trimmed, ...filters, limit: PAGE * pages, ...(askCatalogs ? { online: true } : {}) } : null;
  const results = useCommand(backend, "search", args, generation);
  // What the list shows (the previous answer while the next is on its way); nothing once the box is cleared.
  const shown = searching ? shownData(results) : undefined;
  const hits = shown?.hits ?? [];
  // The first keystroke into an empty box leaves the product list on screen until its answer arrives (a spinner
  // only if that takes long): one new screen per answer instead of a spinner frame and then the hits.
  const firstWaitIsLong = useLongWait(searching && shown === undefined ? "first answer" : null, STALE_AFTER_MS);
  const showResults = searching && (shown !== undefined || results.state === "failed" || firstWaitIsLong);
  // Answers can be shorter than the one the selection moved through.
  const selected = Math.max(0, Math.min(active, hits.length - 1));
  // Arrow keys scroll the selection into view; a new answer does not scroll.
  const followSelection = useRef(false);
  useEffect(() => {
    if (!followSelection.current) return;
    followSelection.current = false;
    document.getElementById(hitElementId(selected))?.scrollIntoView({ block: "nearest" });
  }, [selected]);

  const open = useCallback(
    (hit: SearchHit) => {
      if (!hit.cached && hit.upstream !== undefined) {
        // The shell checks the link again (only https: opens).
        backend.openLink(hit.upstream.url).catch(() => undefined);
        return;
      }
      const route = routeOfHit(hit);
      if (route !== null) navigate(route);
    },
    [backend, navigate],
  );
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    const moveTo = (next: number) => {
      // Only a move scrolls: the flag must not linger into the next answer.
      followSelection.current = next !== selected;
      setActive(next);
    };
    if (event.key === "ArrowDown") {
      event.preventDefault();
      moveTo(Math.max(0, Math.min(selected + 1, hits.length - 1)));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      moveTo(Math.max(selected - 1, 0));
    } else if (event.key === "Enter") {
      const hit = hits[selected];
      if (hit !== undefined) open(hit);
    } else if (event.key === "Escape") {
      setQuery("");
      setFilters({});
      setPages(1);
    }
  };
  const toggle = useCallback((name: FacetName, value: string) => {
    setFilters((f) => ({ ...f, [name]: f[name] === value ? undefined : value }));
    setActive(0);
    setPages(1);
  }, []);
  const more = useCallback(() => {
    setPages((p) => p + 1);
  }, []);

  return (
    <div className="home">
      <div className="search-bar">
        <input
          type="search"
          className="search-input"
          placeholder="Search products, contracts, datasets, columns…"
          aria-label="search"
          aria-controls="search-hits"
          aria-activedescendant={hits.length > 0 ? hitElementId(selected) : undefined}
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
        <label className="online-toggle">
          <input
            type="checkbox"
            checked={online}
            onChange={(event) => {
              setOnline(event.target.checked);
              setPages(1);
            }}
          />
          Also search the catalogs (online)
        </label>
        <span className="muted hint">↑↓ to move · Enter to open · Esc to clear · Ctrl+K for commands</span>
      </div>
      {showResults && (
        <Results
          results={results}
          request={`${JSON.stringify(args)}\n${generation}`}
          query={trimmed}
          filters={filters}
          active={selected}
          onToggle={toggle}
          onOpen={open}
          onMore={more}
        />
      )}
      {/* Kept while searching, hidden: clearing the box shows it again at once, without asking for every product. */}
      <div hidden={showResults}>
        <Browse backend={backend} generation={generation} prefs={prefs} navigate={navigate} />
      </div>
    </div>
  );
}

/** The home screen before a query: favourites, recent products, sync status and every product. Memoised: a keystroke
 * re-renders the home screen, not this list. */
const Browse = memo(function Browse({ backend, generation, prefs, navigate }: Props) {
  const products = useCommand(backend, "list_products", {}, generation);
  // A mesh can hold 10,000 products: rendering them all would make the window sluggish; search narrows instead.
  const [shown, setShown] = useState(BROWSE_ROWS);
  return (
    <div className="browse">
      <div className="browse-side">
        <ProductShortcuts title="Favourites" items={prefs.favourites} navigate={navigate} empty="Star a product (☆ on its page) to pin it here." />
        <ProductShortcuts title="Recent" items={prefs.recent} navigate={navigate} empty="Products you open appear here." />
        <SyncStatus backend={backend} generation={generation} navigate={navigate} />
        <section aria-label="mesh at a glance">
          <h3>The mesh at a glance</h3>
          <button
            type="button"
            className="link"
            onClick={() => {
              navigate({ screen: "mesh", focus: null });
            }}
          >
            Mesh map: domains and the links between them
          </button>
        </section>
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
});
