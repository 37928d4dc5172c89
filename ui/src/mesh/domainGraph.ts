import type { Mesh, MeshDomain, MeshEdge } from "../ipc/commands";

/** The product edges from one domain to another, collapsed into one edge with a count per kind. */
export interface DomainEdge {
  from: string;
  to: string;
  /** Product edges by kind (lineage, input_port, agreement). */
  kinds: Partial<Record<MeshEdge["kind"], number>>;
  edges: MeshEdge[];
}

/** What the map draws: domains and the collapsed edges between them. */
export interface DomainGraph {
  domains: MeshDomain[];
  edges: DomainEdge[];
}

/** Collapses product edges into one edge per pair of domains (a fan-out becomes a count). */
export function domainGraph(mesh: Mesh): DomainGraph {
  const byPair = new Map<string, DomainEdge>();
  for (const edge of mesh.edges) {
    const key = `${edge.from_domain}→${edge.to_domain}`;
    let pair = byPair.get(key);
    if (pair === undefined) {
      pair = { from: edge.from_domain, to: edge.to_domain, kinds: {}, edges: [] };
      byPair.set(key, pair);
    }
    pair.kinds[edge.kind] = (pair.kinds[edge.kind] ?? 0) + 1;
    pair.edges.push(edge);
  }
  return { domains: mesh.domains, edges: [...byPair.values()] };
}

/** The focused domain and its neighbours (the domains it feeds and depends on), with the edges touching it. */
export function focusOn(graph: DomainGraph, domain: string): DomainGraph {
  const edges = graph.edges.filter((e) => e.from === domain || e.to === domain);
  const shown = new Set([domain, ...edges.flatMap((e) => [e.from, e.to])]);
  return { domains: graph.domains.filter((d) => shown.has(d.name)), edges };
}

/** "lineage 3 · input_port 2": an edge's label. */
export function kindsLabel(edge: DomainEdge): string {
  return (["lineage", "input_port", "agreement"] as const)
    .filter((kind) => (edge.kinds[kind] ?? 0) > 0)
    .map((kind) => `${kind} ${edge.kinds[kind] ?? 0}`)
    .join(" · ");
}

/** Health from the domain score: good (75+), fair (50+) or poor. */
export function health(domain: MeshDomain): "good" | "fair" | "poor" {
  if (domain.score >= 75) return "good";
  return domain.score >= 50 ? "fair" : "poor";
}

/** A domain's name as shown: products without a domain form the domain "". */
export function domainLabel(name: string): string {
  return name === "" ? "(no domain)" : name;
}
