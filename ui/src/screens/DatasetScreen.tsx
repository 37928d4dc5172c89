import { DataTable, Missing, orMissing, type TableColumn } from "../components/DataTable";
import { ErrorState } from "../components/ErrorState";
import { Loading } from "../components/Loading";
import { Markdown } from "../components/Markdown";
import { QualityChart } from "../components/QualityChart";
import type { Backend } from "../ipc/backend";
import type { Column, Dataset, GraphNode, QualityResult } from "../ipc/commands";
import { MiniGraph } from "../lineage/MiniGraph";
import type { Navigate, Route } from "../route";
import { useCommand } from "../useCommand";

type DatasetRoute = Extract<Route, { screen: "dataset" }>;

/**
 * The lineage node of a contract's dataset: OpenLineage names it `namespace:db.schema.TABLE` while the contract
 * says `fct_orders` / physical `FCT_ORDERS`, so match the product's dataset nodes on the last name segment.
 */
export function lineageNodeOf(nodes: GraphNode[], product: string, dataset: Dataset): GraphNode | undefined {
  const wanted = new Set([dataset.name, dataset.physical_name].filter((n): n is string => n !== null).map((n) => n.toLowerCase()));
  return nodes.find((node) => {
    if (node.kind !== "dataset" || node.product !== product) return false;
    const last = node.name.split(/[./]/).pop()?.toLowerCase() ?? "";
    return wanted.has(last) || wanted.has(node.name.toLowerCase());
  });
}

function DatasetLineage({ backend, route, dataset, generation, navigate }: { backend: Backend; route: DatasetRoute; dataset: Dataset; generation: number; navigate: Navigate }) {
  const around = useCommand(backend, "lineage", { id: route.product, level: "dataset", upstream: 1, downstream: 1 }, generation);
  if (around.state === "loading") return <Loading label="Loading lineage…" />;
  if (around.state === "failed") return <ErrorState title="Cannot load lineage" error={around.error} />;
  const node = lineageNodeOf(around.data.nodes, route.product, dataset);
  if (node === undefined) return <p className="muted">No lineage events mention this dataset yet.</p>;
  return <NodeLineage backend={backend} nodeId={node.id} generation={generation} navigate={navigate} />;
}

function NodeLineage({ backend, nodeId, generation, navigate }: { backend: Backend; nodeId: string; generation: number; navigate: Navigate }) {
  const graph = useCommand(backend, "lineage", { id: nodeId, level: "dataset", upstream: 2, downstream: 2 }, generation);
  if (graph.state === "loading") return <Loading label="Loading lineage…" />;
  if (graph.state === "failed") return <ErrorState title="Cannot load lineage" error={graph.error} />;
  return (
    <>
      <p className="muted">
        <code>{nodeId}</code>{" "}
        <button
          type="button"
          className="link"
          onClick={() => {
            navigate({ screen: "lineage", id: nodeId, level: "dataset" });
          }}
        >
          Open in the lineage explorer
        </button>
      </p>
      <MiniGraph
        graph={graph.data}
        onOpen={(_product, id) => {
          navigate({ screen: "lineage", id, level: "dataset" });
        }}
      />
    </>
  );
}

const OUTCOME_COLUMNS: TableColumn<QualityResult>[] = [
  { header: "Check", cell: (r) => <code>{r.check}</code> },
  { header: "Column", cell: (r) => orMissing(r.column) },
  { header: "Status", cell: (r) => <span className={`badge outcome-${r.status}`}>{r.status}</span> },
  { header: "Observed", cell: (r) => orMissing(r.observed) },
  { header: "When", cell: (r) => new Date(r.at).toLocaleString() },
];

const COLUMN_COLUMNS: TableColumn<Column>[] = [
  { header: "Column", cell: (c) => <code>{c.name}</code> },
  { header: "Type", cell: (c) => c.physical_type ?? c.logical_type ?? "—" },
  {
    header: "Classification",
    cell: (c) => (c.classification !== null ? <span className={`badge class-${c.classification}`}>{c.classification}</span> : <Missing />),
  },
  { header: "Constraints", cell: (c) => [c.primary_key && "PK", c.required && "required", c.unique && "unique"].filter(Boolean).join(", ") || "—" },
  { header: "Tags", cell: (c) => c.tags.join(", ") || "—" },
  { header: "Description", cell: (c) => orMissing(c.description) },
];

function QualityHistory({ backend, route, generation }: { backend: Backend; route: DatasetRoute; generation: number }) {
  const quality = useCommand(backend, "quality", { id: route.dataset }, generation);
  if (quality.state === "loading") return <Loading label="Loading quality history…" />;
  if (quality.state === "failed") return <ErrorState title="Cannot load quality results" error={quality.error} />;
  // A dataset name can repeat across products: keep this product's outcomes.
  const results: QualityResult[] = quality.data.results.filter((r) => r.product === null || r.product === route.product);
  const latest = new Map<string, QualityResult>();
  for (const r of results) {
    const key = `${r.check}|${r.column ?? ""}`;
    const seen = latest.get(key);
    if (seen === undefined || seen.at < r.at) latest.set(key, r);
  }
  return (
    <>
      <QualityChart results={results} label={`quality history of ${route.dataset}`} />
      {latest.size > 0 && (
        <DataTable
          label="latest check outcomes"
          rows={[...latest.values()]}
          columns={OUTCOME_COLUMNS}
          rowKey={(r) => `${r.check}|${r.column ?? ""}`}
        />
      )}
    </>
  );
}

/** One dataset of a contract: its columns and classification, its lineage and its quality over time. */
export function DatasetScreen({ backend, route, generation, navigate }: { backend: Backend; route: DatasetRoute; generation: number; navigate: Navigate }) {
  const detail = useCommand(backend, "get_product", { id: route.product }, generation);
  if (detail.state === "loading") return <Loading label="Loading dataset…" />;
  if (detail.state === "failed") return <ErrorState title={`Cannot show dataset ${route.dataset}`} error={detail.error} />;
  const contract = detail.data.contracts.find((c) => c.contract.id === route.contract)?.contract;
  const dataset = contract?.datasets.find((d) => d.name === route.dataset);
  if (contract === undefined || dataset === undefined) {
    return (
      <div className="state state-error" role="alert">
        <p className="state-title">
          Dataset {route.dataset} of contract {route.contract} is not in the cache
        </p>
        <p>The product {route.product} no longer declares it; sync again or go back.</p>
      </div>
    );
  }
  return (
    <article className="page" aria-label="dataset detail">
      <div className="detail-title">
        <h2>{dataset.name}</h2>
        {dataset.classification !== null && <span className="badge">{dataset.classification}</span>}
      </div>
      <p className="muted">
        {dataset.physical_type ?? "dataset"} {dataset.physical_name !== null && <code>{dataset.physical_name}</code>} · contract{" "}
        <code>{contract.id}</code> · product{" "}
        <button
          type="button"
          className="link"
          onClick={() => {
            navigate({ screen: "product", id: route.product });
          }}
        >
          {detail.data.product.name ?? route.product}
        </button>
      </p>
      {dataset.description !== null && <Markdown text={dataset.description} />}
      <section>
        <h3>Columns</h3>
        <DataTable label="columns" rows={dataset.columns} columns={COLUMN_COLUMNS} rowKey={(c) => c.name} />
      </section>
      <section>
        <h3>Lineage</h3>
        <DatasetLineage backend={backend} route={route} dataset={dataset} generation={generation} navigate={navigate} />
      </section>
      <section>
        <h3>Quality history</h3>
        <QualityHistory backend={backend} route={route} generation={generation} />
      </section>
    </article>
  );
}
