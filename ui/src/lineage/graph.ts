import type { GraphEdge, GraphNode, LineageGraph } from "../ipc/commands";
import { edgeKey } from "./draw";

/** A lineage graph the explorer grows and shrinks: the base answer plus what each expanded node brought in. */
export interface Explored {
  root: string;
  base: LineageGraph;
  /** Per expanded node, the answer of its own lineage call. */
  expansions: Map<string, LineageGraph>;
}

/** Base and expansions merged, without duplicate nodes or edges. */
export function merged(explored: Explored): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  for (const graph of [explored.base, ...explored.expansions.values()]) {
    for (const node of graph.nodes) if (!nodes.has(node.id)) nodes.set(node.id, node);
    for (const edge of graph.edges) edges.set(edgeKey(edge), edge);
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

export function expand(explored: Explored, id: string, answer: LineageGraph): Explored {
  return { ...explored, expansions: new Map(explored.expansions).set(id, answer) };
}

/** Drops what expanding `id` added; nodes also reached from the base or another expansion stay. */
export function collapse(explored: Explored, id: string): Explored {
  const expansions = new Map(explored.expansions);
  expansions.delete(id);
  return { ...explored, expansions };
}

/** Nodes whose id or name contains every word of `query` (any case). */
export function find(nodes: GraphNode[], query: string): GraphNode[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  return nodes.filter((n) => {
    const text = `${n.name} ${n.id}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}
