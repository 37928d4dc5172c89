import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";

import { ErrorState } from "../components/ErrorState";
import { Loading } from "../components/Loading";
import { TextInput } from "../components/TextInput";
import type { Backend } from "../ipc/backend";
import type { GraphNode, Level, LineageGraph } from "../ipc/commands";
import { type BackendError, toBackendError } from "../ipc/errors";
import { download } from "../download";
import { edgeKey, type Highlights, paint, themePalette, toSvg } from "../lineage/draw";
import { collapse, expand, type Explored, find, merged } from "../lineage/graph";
import { type Layout, NODE_HEIGHT, NODE_WIDTH } from "../lineage/layout";
import { layoutOffThread } from "../lineage/layoutClient";
import { between, fitted, keepInPlace, MAX_SCALE, MIN_SCALE, reveal, sameView, type View } from "../lineage/viewport";
import { measureLineagePainted } from "../perf";
import type { Navigate } from "../route";

const LEVELS: Level[] = ["product", "dataset", "column"];
const MAX_DEPTH = 10;
const LIST_LIMIT = 200;
const START_MARK = "meshlens:lineage-start";

type Loaded = { state: "idle" } | { state: "loading" } | { state: "failed"; error: BackendError } | { state: "ready"; explored: Explored };

/** How long the view takes to ease over to the nodes an expansion brought in. */
const REVEAL_MS = 300;

/** The node being expanded or collapsed: where it was laid out, and what its expansion adds. */
interface Anchor {
  id: string;
  at: { x: number; y: number };
  added: string[];
}

/** How often a pending lineage request asks whether the backend is building its graph. */
const BUILD_POLL_MS = 500;

/**
 * While a lineage request is pending, whether the backend is building its lineage graph (after opening and
 * after each sync on a large mesh that takes seconds; the app builds it in the background, and a request
 * arriving meanwhile waits for that build).
 */
function useGraphBuilding(backend: Backend, waiting: boolean): boolean {
  const [building, setBuilding] = useState(false);
  useEffect(() => {
    if (!waiting) return;
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = () => {
      backend.call("lineage_status", {}).then(
        (status) => {
          if (!current) return;
          setBuilding(status.building || !status.ready);
          timer = setTimeout(ask, BUILD_POLL_MS);
        },
        () => {
          // The lineage request itself reports what went wrong.
        },
      );
    };
    ask();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [backend, waiting]);
  return waiting && building;
}

/** The graph's nodes beside the canvas. Memoised: panning and zooming re-render the screen every frame, not this list. */
const NodeList = memo(function NodeList({
  nodes,
  selected,
  expanded,
  onPick,
}: {
  nodes: GraphNode[];
  selected: string | null;
  expanded: ReadonlyMap<string, unknown>;
  onPick: (nodeId: string) => void;
}) {
  return (
    <>
      <ul className="node-list">
        {nodes.slice(0, LIST_LIMIT).map((node) => (
          <li key={node.id}>
            <button
              type="button"
              className={node.id === selected ? "node-item current" : "node-item"}
              data-node-id={node.id}
              onClick={() => {
                onPick(node.id);
              }}
            >
              <span className={`kind kind-${node.kind}`}>{node.kind}</span> {node.name}
              {expanded.has(node.id) && <span className="muted"> (expanded)</span>}
            </button>
          </li>
        ))}
      </ul>
      {nodes.length > LIST_LIMIT && <p className="muted">{nodes.length - LIST_LIMIT} more: narrow with Find.</p>}
    </>
  );
});

interface Props {
  backend: Backend;
  initialId: string;
  initialLevel: Level;
  navigate: Navigate;
}

export function LineageScreen({ backend, initialId, initialLevel, navigate }: Props) {
  const [draftId, setDraftId] = useState(initialId);
  const [id, setId] = useState(initialId);
  const [level, setLevel] = useState<Level>(initialLevel);
  const [upstream, setUpstream] = useState(2);
  const [downstream, setDownstream] = useState(2);
  const requestKey = JSON.stringify([id, level, upstream, downstream]);
  const [answer, setAnswer] = useState<{ key: string; loaded: Loaded } | null>(null);
  const loaded: Loaded = useMemo(
    () => (id === "" ? { state: "idle" } : answer?.key === requestKey ? answer.loaded : { state: "loading" }),
    [id, answer, requestKey],
  );
  const setLoaded = (update: (l: Loaded) => Loaded) => {
    setAnswer((a) => (a === null ? a : { key: a.key, loaded: update(a.loaded) }));
  };
  const [selected, setSelected] = useState<string | null>(null);
  const [pathEnds, setPathEnds] = useState<{ from: string | null; to: string | null }>({ from: null, to: null });
  const [path, setPath] = useState<LineageGraph | null>(null);
  const [pathNote, setPathNote] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [placedFor, setPlacedFor] = useState<{ graph: unknown; layout: Layout } | null>(null);
  const [view, setViewState] = useState<View>({ x: 20, y: 20, scale: 1 });
  // The view on screen, for the layout effect (which must not re-run on every pan).
  const viewRef = useRef(view);
  useEffect(() => {
    viewRef.current = view;
  }, [view]);
  const easing = useRef<number | null>(null);
  const stopEasing = () => {
    if (easing.current !== null) cancelAnimationFrame(easing.current);
    easing.current = null;
  };
  /** Every view change by the user goes through here; it stops an easing still under way. */
  const setView = (update: View | ((v: View) => View)) => {
    stopEasing();
    setViewState(update);
  };
  const easeTo = (from: View, to: View) => {
    stopEasing();
    setViewState(from);
    if (sameView(from, to)) return;
    const started = performance.now();
    const step = () => {
      // Not the frame's timestamp: its clock is not `performance.now()`'s everywhere (jsdom).
      const t = Math.min(1, (performance.now() - started) / REVEAL_MS);
      setViewState(between(from, to, t));
      easing.current = t < 1 ? requestAnimationFrame(step) : null;
    };
    easing.current = requestAnimationFrame(step);
  };
  useEffect(() => stopEasing, []);
  const anchor = useRef<Anchor | null>(null);
  const [actionError, setActionError] = useState<BackendError | null>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 800, height: 500 });

  useEffect(() => {
    if (id === "") return;
    let current = true;
    const key = JSON.stringify([id, level, upstream, downstream]);
    // Measured from the request to the painted graph: fetch, layout and paint (docs/benchmarks.md).
    performance.mark(START_MARK);
    backend.call("lineage", { id, level, upstream, downstream }).then(
      (graph) => {
        if (!current) return;
        setAnswer({ key, loaded: { state: "ready", explored: { root: graph.root, base: graph, expansions: new Map() } } });
      },
      (reason: unknown) => {
        if (current) setAnswer({ key, loaded: { state: "failed", error: toBackendError(reason) } });
      },
    );
    return () => {
      current = false;
    };
  }, [backend, id, level, upstream, downstream]);

  const building = useGraphBuilding(backend, loaded.state === "loading");
  const graph = useMemo(() => (loaded.state === "ready" ? merged(loaded.explored) : null), [loaded]);
  // Only the layout of the graph on screen counts: a stale one must not be painted (or measured).
  const placed = placedFor !== null && placedFor.graph === graph ? placedFor.layout : null;

  // A new walk is fitted to the window once laid out. Expanding or collapsing re-lays the graph out: the node
  // acted on stays where it was on screen, then the view eases out just enough to show what the expansion added.
  const fittedBase = useRef<LineageGraph | null>(null);
  useEffect(() => {
    if (graph === null) return;
    let current = true;
    const base = loaded.state === "ready" ? loaded.explored.base : null;
    void layoutOffThread({ nodes: graph.nodes.map((n) => n.id), edges: graph.edges }).then((result) => {
      if (!current) return;
      setPlacedFor({ graph, layout: result });
      const acted = anchor.current;
      anchor.current = null;
      if (base !== fittedBase.current) {
        fittedBase.current = base;
        setView(fitted(result, size));
        return;
      }
      const now = acted === null ? undefined : result.positions[acted.id];
      if (acted === null || now === undefined) return;
      const held = keepInPlace(viewRef.current, acted.at, now);
      easeTo(held, reveal(held, result, [acted.id, ...acted.added], size, acted.id));
    });
    return () => {
      current = false;
    };
    // `size` and `loaded` are read for the fit only; a resize must not re-run the layout.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph]);

  useEffect(() => {
    const wrap = wrapRef.current;
    if (wrap === null || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      setSize({ width: wrap.clientWidth, height: wrap.clientHeight });
    });
    observer.observe(wrap);
    return () => {
      observer.disconnect();
    };
  }, [loaded.state]);

  const found = useMemo(() => (graph === null ? [] : find(graph.nodes, query)), [graph, query]);
  const marks: Highlights = useMemo(
    () => ({
      root: loaded.state === "ready" ? loaded.explored.root : "",
      selected,
      pathNodes: new Set(path?.nodes.map((n) => n.id) ?? []),
      pathEdges: new Set(path?.edges.map(edgeKey) ?? []),
      found: new Set(found.map((n) => n.id)),
    }),
    [loaded, selected, path, found],
  );

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext("2d");
    if (canvas == null || ctx == null || graph === null || placed === null) return;
    const ratio = window.devicePixelRatio || 1;
    // Setting a canvas's size, even to the same value, allocates a new bitmap: only when the size changed.
    const width = Math.round(size.width * ratio);
    const height = Math.round(size.height * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    paint(ctx, { ...view, ...size }, graph.nodes, graph.edges, placed, marks, themePalette(canvas));
    if (performance.getEntriesByName(START_MARK).length > 0) {
      requestAnimationFrame(() => {
        measureLineagePainted(START_MARK);
        performance.clearMarks(START_MARK);
      });
    }
  }, [graph, placed, view, size, marks]);

  const centreOn = (nodeId: string) => {
    const at = placed?.positions[nodeId];
    if (at === undefined) return;
    const v = viewRef.current;
    easeTo(v, { ...v, x: size.width / 2 - (at.x + NODE_WIDTH / 2) * v.scale, y: size.height / 2 - (at.y + NODE_HEIGHT / 2) * v.scale });
  };

  const nodeAt = (clientX: number, clientY: number): string | null => {
    const canvas = canvasRef.current;
    if (canvas === null || placed === null || graph === null) return null;
    const rect = canvas.getBoundingClientRect();
    const x = (clientX - rect.left - view.x) / view.scale;
    const y = (clientY - rect.top - view.y) / view.scale;
    const hit = graph.nodes.find((n) => {
      const at = placed.positions[n.id];
      return at !== undefined && x >= at.x && x <= at.x + NODE_WIDTH && y >= at.y && y <= at.y + NODE_HEIGHT;
    });
    return hit?.id ?? null;
  };

  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  // The node list's click handler stays the same function (the list is memoised) and centres with the latest view.
  const centreOnLatest = useRef(centreOn);
  useEffect(() => {
    centreOnLatest.current = centreOn;
  });
  const pick = useCallback((nodeId: string) => {
    setSelected(nodeId);
    centreOnLatest.current(nodeId);
  }, []);

  /**
   * Remembers where `nodeId` is laid out now, so the next layout keeps it in place and shows `added`. The view
   * stops where the user sees it: an easing still under way would move the node before the new layout lands.
   */
  const hold = (nodeId: string, added: string[]) => {
    stopEasing();
    const at = placed?.positions[nodeId];
    anchor.current = at === undefined ? null : { id: nodeId, at, added };
  };

  const onExpand = (nodeId: string) => {
    if (loaded.state !== "ready") return;
    setActionError(null);
    backend.call("lineage", { id: nodeId, level, upstream: 1, downstream: 1 }).then(
      (answer) => {
        hold(nodeId, answer.nodes.map((n) => n.id));
        setLoaded((l) => (l.state === "ready" ? { state: "ready", explored: expand(l.explored, nodeId, answer) } : l));
      },
      (reason: unknown) => {
        setActionError(toBackendError(reason));
      },
    );
  };

  const findPath = (from: string, to: string) => {
    setActionError(null);
    setPathNote(null);
    backend.call("lineage_path", { from, to, level }).then(
      (answer) => {
        setPath(answer);
        setPathNote(answer === null ? "No data flows between these two nodes." : `Path of ${answer.nodes.length} nodes highlighted.`);
      },
      (reason: unknown) => {
        setActionError(toBackendError(reason));
      },
    );
  };

  const selectedNode: GraphNode | undefined = graph?.nodes.find((n) => n.id === selected);
  const explored = loaded.state === "ready" ? loaded.explored : null;
  const listed = query === "" ? (graph?.nodes ?? []) : found;

  return (
    <div className="lineage-screen">
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setId(draftId.trim());
          setSelected(null);
          setPath(null);
          setPathNote(null);
        }}
      >
        <label>
          Start at{" "}
          <TextInput
            className="wide"
            aria-label="lineage start"
            placeholder="product id, product/port, namespace:name or namespace:name#column"
            value={draftId}
            onValue={setDraftId}
          />
        </label>
        <label>
          Level{" "}
          <select
            aria-label="level"
            value={level}
            onChange={(event) => {
              setLevel(event.target.value as Level);
            }}
          >
            {LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Upstream{" "}
          <input type="number" aria-label="upstream depth" min={0} max={MAX_DEPTH} value={upstream} onChange={(event) => { setUpstream(Number(event.target.value)); }} />
        </label>
        <label>
          Downstream{" "}
          <input type="number" aria-label="downstream depth" min={0} max={MAX_DEPTH} value={downstream} onChange={(event) => { setDownstream(Number(event.target.value)); }} />
        </label>
        <button type="submit">Show</button>
      </form>
      {loaded.state === "idle" && (
        <div className="state">
          <p className="state-title">Pick where to start</p>
          <p className="muted">Type a product id (e.g. one from the search screen) or a dataset <code>namespace:name</code>, then Show.</p>
        </div>
      )}
      {loaded.state === "loading" &&
        (building ? (
          <Loading label="Building the lineage graph… This happens once after opening and after each sync; the view opens as soon as it is ready." />
        ) : (
          <Loading label="Walking the lineage graph…" />
        ))}
      {loaded.state === "failed" && <ErrorState title={`Cannot show the lineage of ${id}`} error={loaded.error} />}
      {actionError !== null && <ErrorState title="That did not work" error={actionError} />}
      {graph !== null && explored !== null && (
        <div className="lineage-body">
          <div className="lineage-canvas" ref={wrapRef}>
            <canvas
              ref={canvasRef}
              aria-label={`lineage graph of ${explored.root}: ${graph.nodes.length} nodes, ${graph.edges.length} edges`}
              data-nodes={graph.nodes.length}
              data-laid-out={placed !== null}
              data-view={`${view.x.toFixed(1)},${view.y.toFixed(1)},${view.scale.toFixed(4)}`}
              style={{ width: size.width, height: size.height }}
              onMouseDown={(event) => {
                drag.current = { x: event.clientX, y: event.clientY, moved: false };
              }}
              onMouseMove={(event) => {
                const start = drag.current;
                if (start === null) return;
                const dx = event.clientX - start.x;
                const dy = event.clientY - start.y;
                if (Math.abs(dx) + Math.abs(dy) > 2) start.moved = true;
                drag.current = { ...start, x: event.clientX, y: event.clientY };
                setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
              }}
              onMouseUp={(event) => {
                if (drag.current?.moved === false) setSelected(nodeAt(event.clientX, event.clientY));
                drag.current = null;
              }}
              onMouseLeave={() => {
                drag.current = null;
              }}
              onWheel={(event) => {
                const rect = event.currentTarget.getBoundingClientRect();
                const px = event.clientX - rect.left;
                const py = event.clientY - rect.top;
                setView((v) => {
                  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * (event.deltaY < 0 ? 1.15 : 1 / 1.15)));
                  return { scale, x: px - ((px - v.x) * scale) / v.scale, y: py - ((py - v.y) * scale) / v.scale };
                });
              }}
            />
            <div className="canvas-tools">
              <button type="button" onClick={() => { setView((v) => ({ ...v, scale: Math.min(MAX_SCALE, v.scale * 1.25) })); }} aria-label="Zoom in">+</button>
              <button type="button" onClick={() => { setView((v) => ({ ...v, scale: Math.max(MIN_SCALE, v.scale / 1.25) })); }} aria-label="Zoom out">−</button>
              <button
                type="button"
                onClick={() => {
                  if (placed !== null) setView(fitted(placed, size));
                }}
              >
                Fit
              </button>
              <button
                type="button"
                onClick={() => {
                  if (placed === null || canvasRef.current === null) return;
                  download(`lineage-${explored.root}.svg`, new Blob([toSvg(graph.nodes, graph.edges, placed, marks, themePalette(canvasRef.current))], { type: "image/svg+xml" }));
                }}
              >
                Export SVG
              </button>
              <button
                type="button"
                onClick={() => {
                  canvasRef.current?.toBlob((blob) => {
                    if (blob !== null) download(`lineage-${explored.root}.png`, blob);
                  });
                }}
              >
                Export PNG
              </button>
            </div>
          </div>
          <aside className="lineage-side" aria-label="lineage nodes">
            <p className="muted">
              {graph.nodes.length} nodes · {graph.edges.length} edges{placed === null && " · laying out…"}
            </p>
            <TextInput
              type="search"
              aria-label="find in graph"
              placeholder="Find in graph…"
              value={query}
              onValue={setQuery}
              onKeyDown={(event) => {
                if (event.key === "Enter" && found[0] !== undefined) {
                  setSelected(found[0].id);
                  centreOn(found[0].id);
                }
              }}
            />
            {query !== "" && <p className="muted">{found.length} found</p>}
            {selectedNode !== undefined && (
              <section className="node-detail" aria-label="selected node">
                <h4>
                  <span className={`kind kind-${selectedNode.kind}`}>{selectedNode.kind}</span> {selectedNode.name}
                </h4>
                <p className="muted break">{selectedNode.id}</p>
                <div className="button-row">
                  {explored.expansions.has(selectedNode.id) ? (
                    <button
                      type="button"
                      onClick={() => {
                        hold(selectedNode.id, []);
                        setLoaded((l) => (l.state === "ready" ? { state: "ready", explored: collapse(l.explored, selectedNode.id) } : l));
                      }}
                    >
                      Collapse
                    </button>
                  ) : (
                    <button type="button" onClick={() => { onExpand(selectedNode.id); }}>
                      Expand
                    </button>
                  )}
                  <button type="button" onClick={() => { setPathEnds((p) => ({ ...p, from: selectedNode.id })); }}>Path from here</button>
                  <button
                    type="button"
                    disabled={pathEnds.from === null}
                    onClick={() => {
                      if (pathEnds.from === null) return;
                      setPathEnds((p) => ({ ...p, to: selectedNode.id }));
                      findPath(pathEnds.from, selectedNode.id);
                    }}
                  >
                    Path to here
                  </button>
                  {selectedNode.product !== null && (
                    <button type="button" onClick={() => { if (selectedNode.product !== null) navigate({ screen: "product", id: selectedNode.product }); }}>
                      Open product
                    </button>
                  )}
                </div>
              </section>
            )}
            {(pathEnds.from !== null || path !== null) && (
              <p className="path-note" role="status">
                {pathEnds.from !== null && `From ${pathEnds.from}. `}
                {pathNote}{" "}
                <button type="button" className="link" onClick={() => { setPath(null); setPathNote(null); setPathEnds({ from: null, to: null }); }}>
                  Clear path
                </button>
              </p>
            )}
            <NodeList nodes={listed} selected={selected} expanded={explored.expansions} onPick={pick} />
          </aside>
        </div>
      )}
    </div>
  );
}
