import { useMemo, useRef } from "react";

import { DomainAdoption } from "../components/DomainAdoption";
import { ErrorState } from "../components/ErrorState";
import { Loading } from "../components/Loading";
import { ProductLink } from "../components/ProductLink";
import { download } from "../download";
import type { Backend } from "../ipc/backend";
import type { MeshDomain } from "../ipc/commands";
import { edgeCurve } from "../lineage/draw";
import { type Layout, NODE_HEIGHT, NODE_WIDTH } from "../lineage/layout";
import { useLayout } from "../lineage/useLayout";
import { type DomainEdge, type DomainGraph, domainGraph, domainLabel, focusOn, health, kindsLabel } from "../mesh/domainGraph";
import type { Navigate } from "../route";
import { useCommand } from "../useCommand";

const PAD = 24;

/** The domain map: domains laid out in the lineage layout's worker, edges collapsed per pair of domains. */
function DomainMap({ graph, focus, onFocus, svgRef }: { graph: DomainGraph; focus: string | null; onFocus: (domain: string) => void; svgRef: React.RefObject<SVGSVGElement | null> }) {
  const input = useMemo(() => ({ nodes: graph.domains.map((d) => d.name), edges: graph.edges }), [graph]);
  const placed = useLayout(input);
  if (placed === null) return <Loading label="Laying out the mesh…" />;
  const most = Math.max(1, ...graph.domains.map((d) => d.products));
  return (
    <svg
      ref={svgRef}
      xmlns="http://www.w3.org/2000/svg"
      className="mesh-map"
      role="img"
      aria-label={`mesh map: ${graph.domains.length} domains, ${graph.edges.length} links`}
      viewBox={`${-PAD} ${-PAD} ${placed.width + 2 * PAD} ${placed.height + 2 * PAD}`}
    >
      {graph.edges.map((edge) => (
        <MapEdge key={`${edge.from}→${edge.to}`} edge={edge} placed={placed} />
      ))}
      {graph.domains.map((domain) => {
        const at = placed.positions[domain.name];
        if (at === undefined) return null;
        // Sized by products: the bar under the name grows with the domain's share of the largest domain.
        const bar = Math.max(4, (NODE_WIDTH - 12) * (domain.products / most));
        return (
          <g
            key={domain.name}
            role="button"
            aria-label={`domain ${domainLabel(domain.name)}`}
            tabIndex={0}
            className={`domain health-${health(domain)}${domain.name === focus ? " focused" : ""}`}
            onClick={() => {
              onFocus(domain.name);
            }}
            onKeyDown={(event) => {
              if (event.key === "Enter" || event.key === " ") {
                event.preventDefault();
                onFocus(domain.name);
              }
            }}
          >
            <title>{`${domainLabel(domain.name)}: ${domain.products} products, score ${domain.score}`}</title>
            <rect x={at.x} y={at.y} width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />
            <text x={at.x + 8} y={at.y + 14}>
              {`${domainLabel(domain.name)} · ${domain.products} · ${domain.score}`}
            </text>
            <rect className="size-bar" x={at.x + 6} y={at.y + NODE_HEIGHT - 9} width={bar} height={4} />
          </g>
        );
      })}
    </svg>
  );
}

function MapEdge({ edge, placed }: { edge: DomainEdge; placed: Layout }) {
  const a = placed.positions[edge.from];
  const b = placed.positions[edge.to];
  if (a === undefined || b === undefined) return null;
  const { x1, y1, x2, y2, mid } = edgeCurve(a, b);
  return (
    <g className="mesh-edge">
      <path d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} />
      <text x={mid} y={(y1 + y2) / 2 - 4} textAnchor="middle">
        {kindsLabel(edge)}
      </text>
    </g>
  );
}

/** A domain's page: products, teams, score and its parts, health, and the domains it feeds and depends on. */
function DomainPage({ backend, generation, domain, edges, navigate }: { backend: Backend; generation: number; domain: MeshDomain; edges: DomainEdge[]; navigate: Navigate }) {
  const percent = (value: number | null) => (value === null ? "–" : `${Math.round(value * 100)} %`);
  return (
    <section className="domain-page" aria-label={`domain ${domainLabel(domain.name)}`}>
      <h3>{domainLabel(domain.name)}</h3>
      <p>
        <strong className="trust-score">{domain.score}</strong>
        <span className="muted"> / 100 · {domain.products} products · {domain.consumers} consumers outside it</span>
      </p>
      <dl className="facts">
        <dt>Owner teams</dt>
        <dd>{domain.teams.join(", ") || "–"}</dd>
        <dt>Checks passing</dt>
        <dd>{percent(domain.pass_rate)}</dd>
        <dt>SLA breaches</dt>
        <dd>{domain.sla_breaches}</dd>
        <dt>Policy violations</dt>
        <dd>{domain.policy_violations}</dd>
        {domain.score_factors.map((f) => (
          <FactorFact key={f.name} name={f.name} value={f.value} reason={f.reason} />
        ))}
        <dt>Feeds</dt>
        <dd>{domain.feeds.map(domainLabel).join(", ") || "–"}</dd>
        <dt>Depends on</dt>
        <dd>{domain.depends_on.map(domainLabel).join(", ") || "–"}</dd>
      </dl>
      <h4>Links</h4>
      {edges.length === 0 && <p className="muted">No product of another domain is known to consume or feed it.</p>}
      {edges.map((edge) => (
        <details key={`${edge.from}→${edge.to}`}>
          <summary>
            {domainLabel(edge.from)} → {domainLabel(edge.to)}: {edge.edges.length} product link(s) ({kindsLabel(edge)})
          </summary>
          <ul className="plain">
            {edge.edges.map((e) => (
              <li key={`${e.from}→${e.to}:${e.kind}`}>
                <ProductLink id={e.from} navigate={navigate} /> → <ProductLink id={e.to} navigate={navigate} /> <span className="muted">{e.kind}</span>
              </li>
            ))}
          </ul>
        </details>
      ))}
      <DomainAdoption backend={backend} generation={generation} domain={domain.name} navigate={navigate} />
    </section>
  );
}

function FactorFact({ name, value, reason }: { name: string; value: number; reason: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd title={reason}>{Math.round(value * 100)} %</dd>
    </>
  );
}

/** Draws the exported SVG on a canvas and saves it as PNG. */
function exportPng(svg: SVGSVGElement, name: string) {
  const box = svg.viewBox.baseVal;
  const image = new Image();
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = box.width;
    canvas.height = box.height;
    canvas.getContext("2d")?.drawImage(image, 0, 0);
    canvas.toBlob((blob) => {
      if (blob !== null) download(name, blob);
    });
  };
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
}

/** The mesh at a glance: the domain map (focus a domain to see its neighbours and its page) with SVG and PNG export. */
export function MeshScreen({ backend, generation, focus, navigate }: { backend: Backend; generation: number; focus: string | null; navigate: Navigate }) {
  const mesh = useCommand(backend, "mesh", {}, generation);
  const svgRef = useRef<SVGSVGElement | null>(null);
  const full = useMemo(() => (mesh.state === "ready" ? domainGraph(mesh.data) : null), [mesh]);
  const shown = useMemo(() => (full !== null && focus !== null ? focusOn(full, focus) : full), [full, focus]);
  const focused = full?.domains.find((d) => d.name === focus);
  const onFocus = (domain: string) => {
    navigate({ screen: "mesh", focus: domain });
  };
  return (
    <article className="page" aria-label="mesh map">
      <div className="detail-title">
        <h2>Mesh map</h2>
        {focus !== null && (
          <button
            type="button"
            onClick={() => {
              navigate({ screen: "mesh", focus: null });
            }}
          >
            Whole mesh
          </button>
        )}
        <button
          type="button"
          disabled={shown === null}
          onClick={() => {
            if (svgRef.current !== null) download("mesh.svg", new Blob([new XMLSerializer().serializeToString(svgRef.current)], { type: "image/svg+xml" }));
          }}
        >
          Export SVG
        </button>
        <button
          type="button"
          disabled={shown === null}
          onClick={() => {
            if (svgRef.current !== null) exportPng(svgRef.current, "mesh.png");
          }}
        >
          Export PNG
        </button>
      </div>
      <p className="muted">Each box is a domain (name · products · score), coloured by health; links count product edges by kind. Click a domain to focus on it.</p>
      {mesh.state === "loading" && <Loading label="Loading the mesh…" />}
      {mesh.state === "failed" && <ErrorState title="Cannot load the mesh" error={mesh.error} />}
      {shown !== null && <DomainMap graph={shown} focus={focus} onFocus={onFocus} svgRef={svgRef} />}
      {focused !== undefined && shown !== null && <DomainPage backend={backend} generation={generation} domain={focused} edges={shown.edges} navigate={navigate} />}
    </article>
  );
}
