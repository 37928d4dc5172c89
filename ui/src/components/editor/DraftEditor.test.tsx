import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { Draft } from "../../ipc/bindings/Draft";
import type { DraftCheck } from "../../ipc/bindings/DraftCheck";
import type { OutboxItem } from "../../ipc/bindings/OutboxItem";
import type { SubmitOutcome } from "../../ipc/bindings/SubmitOutcome";
import { recordedBackend } from "../../test/recordedBackend";
import { DraftEditor } from "./DraftEditor";
import { EditorScreen } from "./EditorScreen";
// Recorded from the real CLI (`meshlens call draft_new/draft_edit/draft_check/...`) on the demo mesh.
import checkInheritedJson from "./fixtures/check-inherited.json";
import checkIntroducedJson from "./fixtures/check-introduced.json";
import checkInvalidJson from "./fixtures/check-invalid.json";
import checkReadyJson from "./fixtures/check-ready.json";
import diffJson from "./fixtures/diff.json";
import draftEditedJson from "./fixtures/draft-edited.json";
import draftInvalidJson from "./fixtures/draft-invalid.json";
import draftNewJson from "./fixtures/draft-new.json";
import draftsJson from "./fixtures/drafts.json";
import outboxJson from "./fixtures/outbox.json";
import submitJson from "./fixtures/submit.json";

const draftNew = draftNewJson as Draft;
const draftEdited = draftEditedJson as Draft;
const draftInvalid = draftInvalidJson as Draft;
const checkReady = checkReadyJson as DraftCheck;
const checkInvalid = checkInvalidJson as DraftCheck;
const checkInherited = checkInheritedJson as DraftCheck;
const checkIntroduced = checkIntroducedJson as DraftCheck;
const PURPOSE = "Every order line, edited in meshlens.";

function yamlArea(): HTMLTextAreaElement {
  return screen.getByRole("textbox", { name: "YAML" });
}

describe("draft editor", () => {
  it("edits a description in the form, keeps the YAML in sync and submits to the folder source", async () => {
    const user = userEvent.setup();
    // The recorded check is of the edited draft; before the edit the purpose is the original one.
    const document = checkReady.document as Record<string, unknown>;
    const before = { ...checkReady, document: { ...document, description: { purpose: "Before." } } };
    let edited = false;
    const backend = recordedBackend({
      draft_check: () => (edited ? checkReady : before),
      draft_edit: () => {
        edited = true;
        return draftEdited;
      },
      draft_diff: () => diffJson,
      submit: () => submitJson as SubmitOutcome,
      outbox: () => outboxJson as OutboxItem[],
    });
    render(<DraftEditor backend={backend} draft={draftNew} />);
    // The form fills in (and enables) once the first check brings the parsed document.
    await waitFor(() => {
      expect(screen.getByLabelText("Purpose")).not.toBeDisabled();
    });
    const purpose = screen.getByLabelText("Purpose");
    await user.clear(purpose);
    await user.type(purpose, PURPOSE);
    await user.tab();
    await waitFor(() => {
      expect(yamlArea().value).toBe(draftEdited.text);
    });
    expect(backend.calls).toContainEqual({
      command: "draft_edit",
      args: { draft: draftNew.id, set: [`description.purpose=${PURPOSE}`] },
    });
    expect(screen.getByLabelText("Purpose")).toHaveValue(PURPOSE);
    // Lists of mappings are tables whose cells commit `path.N.column=value`.
    const port = screen.getByLabelText("outputPorts.0.version");
    expect(port).toHaveValue("2.1.0");
    await user.clear(port);
    await user.type(port, "3.0.0{Enter}");
    expect(backend.calls).toContainEqual({
      command: "draft_edit",
      args: { draft: draftNew.id, set: ["outputPorts.0.version=3.0.0"] },
    });

    await user.click(screen.getByRole("button", { name: "Show diff" }));
    const diff = await screen.findByRole("region", { name: "diff" });
    expect(within(diff).getByText("description.purpose")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Submit" }));
    const outbox = await screen.findByRole("table", { name: "outbox" });
    const row = within(outbox).getAllByRole("row")[1] as HTMLElement;
    expect(row.dataset.status).toBe("submitted");
    expect(row).toHaveTextContent("sales/sales-orders.odps.yaml");
  });

  it("saves typed YAML and shows schema problems at their line, blocking submit", async () => {
    const user = userEvent.setup();
    let saved: Draft = draftNew;
    const backend = recordedBackend({
      draft_check: () => (saved === draftNew ? checkReady : checkInvalid),
      draft_edit: ({ text }) => {
        expect(text).toBe(draftInvalid.text);
        saved = draftInvalid;
        return draftInvalid;
      },
    });
    render(<DraftEditor backend={backend} draft={draftNew} />);
    await screen.findByText("Schema: valid");
    const area = yamlArea();
    // Typing the whole file key by key is slow in jsdom; paste the recorded invalid text instead.
    await user.clear(area);
    area.focus();
    await user.paste(draftInvalid.text);
    const problems = await screen.findByRole("list", { name: "schema problems" });
    expect(problems).toHaveTextContent("line 6:1 `status` must be a string");
    expect(document.querySelector(".yaml-gutter li:nth-child(6)")).toHaveClass("gutter-error");
    expect(screen.getByRole("list", { name: "cannot be submitted" })).toHaveTextContent("line 6, column 1");
    expect(screen.getByRole("button", { name: "Submit" })).toBeDisabled();
  });

  it("shows inherited policy errors as warnings with their owner, and blocks on introduced ones", async () => {
    let check = checkInherited;
    const backend = recordedBackend({ draft_check: () => check });
    const { unmount } = render(<DraftEditor backend={backend} draft={draftNew} />);
    const policies = await screen.findByRole("list", { name: "policies" });
    const encryption = within(policies).getByText(/without declared encryption/);
    expect(encryption).toHaveClass("issue-warning");
    expect(encryption).toHaveTextContent("warning: restricted data without declared encryption");
    expect(encryption).toHaveTextContent("already upstream, not blocking; owned by Checkout & Orders");
    expect(screen.queryByRole("list", { name: "cannot be submitted" })).toBeNull();
    expect(screen.getByRole("button", { name: "Submit" })).toBeEnabled();
    unmount();

    check = checkIntroduced;
    render(<DraftEditor backend={backend} draft={draftNew} />);
    const blocked = await screen.findByRole("list", { name: "cannot be submitted" });
    expect(blocked).toHaveTextContent("policy support-channel");
    expect(blocked).not.toHaveTextContent("encryption");
    const support = within(screen.getByRole("list", { name: "policies" })).getByText(/no support channel/);
    expect(support).toHaveClass("issue-error");
    expect(screen.getByRole("button", { name: "Submit" })).toBeDisabled();
  });

  it("lists drafts and the outbox, and opens a draft", async () => {
    const user = userEvent.setup();
    const backend = recordedBackend({
      draft_list: () => draftsJson as Draft[],
      outbox: () => outboxJson as OutboxItem[],
      draft_check: () => checkReady,
    });
    render(<EditorScreen backend={backend} productId="sales-orders" />);
    const list = await screen.findByRole("list", { name: "draft list" });
    expect(within(list).getAllByRole("listitem")).toHaveLength((draftsJson as Draft[]).length);
    expect(await screen.findByRole("table", { name: "outbox" })).toHaveTextContent("submitted");
    expect(screen.getByRole("button", { name: "Edit sales-orders" })).toBeInTheDocument();
    await user.click(within(list).getByRole("button", { name: "Draft 1: product sales-orders" }));
    expect(await screen.findByRole("heading", { name: /Draft 1: product/ })).toBeInTheDocument();
  });
});
