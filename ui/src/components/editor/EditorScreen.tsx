import { useEffect, useState } from "react";

import type { Backend } from "../../ipc/backend";
import type { Draft } from "../../ipc/bindings/Draft";
import type { DraftNewArgs } from "../../ipc/bindings/DraftNewArgs";
import { type BackendError, toBackendError } from "../../ipc/errors";
import { useCommand } from "../../useCommand";
import { ErrorState } from "../ErrorState";
import { Loading } from "../Loading";
import { DraftEditor } from "./DraftEditor";
import { OutboxList } from "./OutboxList";
import "./editor.css";

/**
 * Drafts and the outbox: open a draft, start one from the selected product or a template. `draftId` opens that
 * draft at once (an upgrade made it).
 */
export function EditorScreen({ backend, productId, draftId }: { backend: Backend; productId: string | null; draftId?: number }) {
  const [generation, setGeneration] = useState(0);
  const drafts = useCommand(backend, "draft_list", {}, generation);
  const outbox = useCommand(backend, "outbox", {}, generation);
  const [open, setOpen] = useState<Draft | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  useEffect(() => {
    if (draftId === undefined) return;
    backend.call("draft_get", { draft: draftId }).then(setOpen, (reason: unknown) => {
      setError(toBackendError(reason));
    });
  }, [backend, draftId]);

  const start = async (args: DraftNewArgs) => {
    try {
      setError(null);
      setOpen(await backend.call("draft_new", args));
      setGeneration((g) => g + 1);
    } catch (reason) {
      setError(toBackendError(reason));
    }
  };

  if (open !== null) {
    return (
      <section className="editor-screen" aria-label="editor">
        <button
          type="button"
          onClick={() => {
            setOpen(null);
            setGeneration((g) => g + 1);
          }}
        >
          ← All drafts
        </button>
        <DraftEditor key={open.id} backend={backend} draft={open} />
      </section>
    );
  }
  return (
    <section className="editor-screen" aria-label="drafts">
      <div className="draft-actions">
        {productId !== null && (
          <button type="button" onClick={() => void start({ from: productId })}>
            Edit {productId}
          </button>
        )}
        <button type="button" onClick={() => void start({ template: "product" })}>
          New product
        </button>
        <button type="button" onClick={() => void start({ template: "contract" })}>
          New contract
        </button>
      </div>
      {error !== null && <ErrorState title="Cannot start a draft" error={error} />}
      {drafts.state === "loading" && <Loading label="Loading drafts…" />}
      {drafts.state === "failed" && <ErrorState title="Cannot list drafts" error={drafts.error} />}
      {drafts.state === "ready" && (
        <ul className="draft-list" aria-label="draft list">
          {drafts.data.map((d) => (
            <li key={d.id}>
              <button
                type="button"
                className="link"
                onClick={() => {
                  setOpen(d);
                }}
              >
                Draft {d.id}: {d.kind} {d.entity_id}
              </button>{" "}
              <span className="muted">
                {d.state} · {d.updated_at}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h3>Outbox</h3>
      {outbox.state === "ready" && <OutboxList items={outbox.data} />}
      {outbox.state === "failed" && <ErrorState title="Cannot read the outbox" error={outbox.error} />}
    </section>
  );
}
