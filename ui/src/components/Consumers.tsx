import type { Backend } from "../ipc/backend";
import type { Consumer } from "../ipc/commands";
import { useCommand } from "../useCommand";
import { ErrorState } from "./ErrorState";
import { Loading } from "./Loading";

/** How a consumer is known, in words. */
function evidence(consumer: Consumer): string {
  const port = consumer.port === null ? "" : ` on ${consumer.port}`;
  if (consumer.via === "input_port") return `declares an input port${port}`;
  if (consumer.via === "agreement") return `holds an approved agreement${port}${consumer.since === null ? "" : ` since ${consumer.since}`}`;
  const since = consumer.since === null ? "" : ` since ${consumer.since.slice(0, 10)}`;
  return `seen reading${port} in lineage${since}`;
}

/** Who consumes a product, each saying how it is known; a consumer lineage shows without an input port is flagged. */
export function Consumers({ backend, id, generation, onOpen }: { backend: Backend; id: string; generation: number; onOpen: (productId: string) => void }) {
  const consumers = useCommand(backend, "consumers", { id }, generation);
  return (
    <section aria-label="consumers">
      <h3>Consumers</h3>
      {consumers.state === "loading" && <Loading label="Loading consumers…" />}
      {consumers.state === "failed" && <ErrorState title="Cannot load the consumers" error={consumers.error} />}
      {consumers.state === "ready" && consumers.data.length === 0 && <p className="muted">No consumers known.</p>}
      {consumers.state === "ready" && (
        <ul className="plain">
          {consumers.data.map((consumer, i) => (
            <li key={`${consumer.consumer}-${consumer.via}-${consumer.port ?? ""}-${i}`}>
              <button
                type="button"
                className="link"
                onClick={() => {
                  onOpen(consumer.consumer);
                }}
              >
                {consumer.consumer}
              </button>{" "}
              <span className="muted">{evidence(consumer)}</span>
              {consumer.flag === "undeclared" && (
                <span className="badge badge-deprecated" title="Seen in lineage, but it declares no input port and holds no agreement on this product">
                  undeclared
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
