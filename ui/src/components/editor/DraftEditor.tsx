import { useCallback, useEffect, useState } from "react";

import type { Backend } from "../../ipc/backend";
import type { Draft } from "../../ipc/bindings/Draft";
import type { DraftCheck } from "../../ipc/bindings/DraftCheck";
import type { DraftDiff } from "../../ipc/bindings/DraftDiff";
import type { OutboxItem } from "../../ipc/bindings/OutboxItem";
import type { Take } from "../../ipc/bindings/Take";
import { type BackendError, toBackendError } from "../../ipc/errors";
import { ErrorState } from "../ErrorState";
import { assignment, fieldText, FORM_FIELDS, LIST_FIELDS } from "./fields";
import { ListEditor } from "./ListEditor";
import { OutboxList } from "./OutboxList";
import { YamlEditor } from "./YamlEditor";

/** Typing pauses this long before the draft is saved (and checked). */
export const SAVE_DEBOUNCE_MS = 400;

/**
 * Edits one draft: a form for the common fields and the YAML text, kept in sync through the backend (a
 * form change is a `draft_edit --set`, whose answer is the new text; a text change is saved as typed and
 * its parsed document refills the form). Every save is followed by a check: schema problems at their
 * line, governance policies, the impact preview. Then diff, submit, and the outbox status.
 */
export function DraftEditor({ backend, draft: initial }: { backend: Backend; draft: Draft }) {
  const [draft, setDraft] = useState(initial);
  const [text, setText] = useState(initial.text);
  const [check, setCheck] = useState<DraftCheck | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<BackendError | null>(null);
  const [diff, setDiff] = useState<DraftDiff | null>(null);
  const [outbox, setOutbox] = useState<OutboxItem[] | null>(null);

  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | null> => {
    try {
      setError(null);
      return await action();
    } catch (reason) {
      setError(toBackendError(reason));
      return null;
    }
  }, []);

  const refreshCheck = useCallback(async () => {
    const result = await run(() => backend.call("draft_check", { draft: draft.id }));
    if (result !== null) setCheck(result);
  }, [backend, draft.id, run]);

  const accept = useCallback((next: Draft) => {
    setDraft(next);
    setText(next.text);
    setDiff(null);
  }, []);

  useEffect(() => {
    let current = true;
    backend.call("draft_check", { draft: initial.id }).then(
      (result) => {
        if (current) setCheck(result);
      },
      (reason: unknown) => {
        if (current) setError(toBackendError(reason));
      },
    );
    return () => {
      current = false;
    };
  }, [backend, initial.id]);

  // Saved as typed: a pause in typing saves and re-checks; a kill loses at most the last pause.
  // `draft.text` is what the backend holds, so a differing `text` is unsaved.
  useEffect(() => {
    if (text === draft.text) return;
    const timer = setTimeout(() => {
      setSaving(true);
      void run(() => backend.call("draft_edit", { draft: draft.id, text })).then(async (next) => {
        setSaving(false);
        if (next === null) return;
        setDraft(next);
        setDiff(null);
        await refreshCheck();
      });
    }, SAVE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [backend, draft.id, draft.text, text, run, refreshCheck]);

  const setField = async (set: string) => {
    const next = await run(() => backend.call("draft_edit", { draft: draft.id, set: [set] }));
    if (next === null) return;
    accept(next);
    await refreshCheck();
  };

  const showDiff = async () => {
    const result = await run(() => backend.call("draft_diff", { draft: draft.id }));
    if (result !== null) setDiff(result);
  };

  const submit = async () => {
    const outcome = await run(() => backend.call("submit", { draft: draft.id }));
    if (outcome !== null) setDraft(outcome.draft);
    const items = await run(() => backend.call("outbox", {}));
    if (items !== null) setOutbox(items);
  };

  const resolve = async (take: Take, field: string) => {
    const result = await run(() => backend.call("conflict_resolve", { draft: draft.id, take, field }));
    if (result === null) return;
    accept(result.draft);
    await refreshCheck();
  };

  const issues = check?.schema.errors ?? [];
  const document = check?.document ?? null;
  return (
    <div className="draft-editor">
      <header className="draft-editor-header">
        <h2>
          Draft {draft.id}: {draft.kind} <code>{draft.entity_id}</code>
        </h2>
        <p className="muted">
          {draft.path ?? "new document"} · {draft.state} · {saving ? "saving…" : "saved"}
        </p>
      </header>

      {error !== null && <ErrorState title="The last action failed" error={error} />}

      <form
        className="draft-form"
        aria-label="common fields"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        {FORM_FIELDS[draft.kind].map((field) => {
          const value = fieldText(document, field);
          const commit = (next: string) => {
            if (next !== value) void setField(assignment(field, next));
          };
          // Re-created when the document changes, so the form always shows the saved value.
          const key = `${field.path}=${value}`;
          const props = {
            id: `field-${field.path}`,
            defaultValue: value,
            disabled: document === null,
          };
          return (
            <label key={field.path} htmlFor={props.id}>
              <span>{field.label}</span>
              {field.multiline === true ? (
                <textarea
                  key={key}
                  {...props}
                  rows={3}
                  onBlur={(e) => {
                    commit(e.target.value);
                  }}
                />
              ) : (
                <input
                  key={key}
                  {...props}
                  onBlur={(e) => {
                    commit(e.target.value);
                  }}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") commit(e.currentTarget.value);
                  }}
                />
              )}
            </label>
          );
        })}
      </form>

      {document !== null &&
        LIST_FIELDS[draft.kind].map((field) => (
          <ListEditor
            key={field.path}
            field={field}
            document={document}
            onCommit={(set) => {
              void setField(set);
            }}
          />
        ))}

      <YamlEditor text={text} issues={issues} onChange={setText} />

      {draft.state === "conflict" && (
        <section className="draft-conflicts" aria-label="conflicts">
          <h3>Upstream changed the same fields</h3>
          <table>
            <thead>
              <tr>
                <th>Field</th>
                <th>Mine</th>
                <th>Theirs</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {draft.conflicts.map((c) => (
                <tr key={c.path}>
                  <td>
                    <code>{c.path}</code>
                  </td>
                  <td>{JSON.stringify(c.mine)}</td>
                  <td>{JSON.stringify(c.theirs)}</td>
                  <td>
                    <button type="button" onClick={() => void resolve("mine", c.path)}>
                      Keep mine
                    </button>{" "}
                    <button type="button" onClick={() => void resolve("theirs", c.path)}>
                      Take theirs
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      {check !== null && (
        <section className="draft-check" aria-label="checks">
          <h3>Checks</h3>
          <p>{issues.length === 0 ? "Schema: valid" : `Schema: ${issues.length} problem(s)`}</p>
          {check.policies.length > 0 && (
            <ul aria-label="policies">
              {check.policies.map((v, i) => (
                <li key={i} className={`issue-${v.inherited ? "warning" : v.severity}`}>
                  {v.inherited ? "warning" : v.severity}: {v.message} <code>{v.path}</code>
                  {v.inherited && (
                    <span className="muted">
                      {" "}
                      (already upstream, not blocking; owned by {v.owner ?? "nobody named"})
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
          <h4>Impact</h4>
          <ul aria-label="impact">
            {check.impact.changes.map((c, i) => (
              <li key={i} className={c.breaking ? "breaking" : "compatible"}>
                {c.breaking ? "Breaking" : "Compatible"}: {c.reason}
              </li>
            ))}
          </ul>
          {check.impact.affected.length > 0 && (
            <p className="muted">
              Downstream products that read this data ({check.impact.affected.length}), with their owners and
              contacts:
            </p>
          )}
          {check.impact.affected.length > 0 && (
            <ul aria-label="affected products">
              {check.impact.affected.map((p) => (
                <li key={p.id}>
                  {p.name} ({p.owner_team ?? "no owner"}){" "}
                  {p.contacts.map((c) => c.channel).join(", ")}
                </li>
              ))}
            </ul>
          )}
          {check.blocked.length > 0 && (
            <ul className="blocked" aria-label="cannot be submitted">
              {check.blocked.map((reason, i) => (
                <li key={i}>{reason}</li>
              ))}
            </ul>
          )}
        </section>
      )}

      <div className="draft-actions">
        <button type="button" onClick={() => void showDiff()}>
          Show diff
        </button>
        <button
          type="button"
          disabled={saving || text !== draft.text || check === null || check.blocked.length > 0}
          onClick={() => void submit()}
        >
          Submit
        </button>
      </div>

      {diff !== null && (
        <section aria-label="diff">
          <ul>
            {diff.fields.map((f) => (
              <li key={f.path}>
                {f.op} <code>{f.path}</code>
              </li>
            ))}
          </ul>
          <pre className="text-diff">{diff.text}</pre>
        </section>
      )}

      {outbox !== null && <OutboxList items={outbox} />}
    </div>
  );
}
