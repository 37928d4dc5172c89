import { useMemo } from "react";

import type { LineageGraph } from "../ipc/commands";
import { edgeCurve } from "./draw";
import { NODE_HEIGHT, NODE_WIDTH } from "./layout";
import { useLayout } from "./useLayout";

/** A small SVG of a node's direct neighbourhood; clicking a node hands its id (and owning product) up. */
export function MiniGraph({ graph, onOpen }: { graph: LineageGraph; onOpen: (productId: string | null, nodeId: string) => void }) {
  const input = useMemo(() => ({ nodes: graph.nodes.map((n) => n.id), edges: graph.edges }), [graph]);
  const placed = useLayout(input);
  if (graph.nodes.length <= 1) return <p className="muted">No lineage recorded for this yet.</p>;
  if (placed === null) return <p className="muted">Laying out…</p>;
  const pad = 8;
  return (
    <svg
      className="mini-graph"
      role="img"
      aria-label={`lineage: ${graph.nodes.length} nodes`}
      viewBox={`${-pad} ${-pad} ${placed.width + 2 * pad} ${placed.height + 2 * pad}`}
      style={{ maxHeight: 320 }}
    >
      {graph.edges.map((edge) => {
        const a = placed.positions[edge.from];
        const b = placed.positions[edge.to];
        if (a === undefined || b === undefined) return null;
        const { x1, y1, x2, y2, mid } = edgeCurve(a, b);
        return <path key={`${edge.from}→${edge.to}`} className="edge" d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} />;
      })}
      {graph.nodes.map((node) => {
        const at = placed.positions[node.id];
        if (at === undefined) return null;
        return (
          <g
            key={node.id}
            className={node.id === graph.root ? "node root" : "node"}
            onClick={() => {
              onOpen(node.product, node.id);
            }}
          >
            <title>{node.id}</title>
            <rect x={at.x} y={at.y} width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />
            <rect className={`kind-bar kind-${node.kind}`} x={at.x} y={at.y + 4} width={4} height={NODE_HEIGHT - 8} />
            <text x={at.x + 12} y={at.y + NODE_HEIGHT / 2} dominantBaseline="middle">
              {node.name.length > 26 ? `${node.name.slice(0, 25)}…` : node.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
