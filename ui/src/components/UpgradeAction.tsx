import { useState } from "react";

import type { Backend } from "../ipc/backend";
import type { DocKind } from "../ipc/bindings/DocKind";
import { type BackendError, toBackendError } from "../ipc/errors";
import { ErrorState } from "./ErrorState";

/** The standard and version `meshlens upgrade` writes for a document of `kind`. */
export function upgradeTarget(kind: DocKind): string {
  return kind === "odcs" || kind === "dcs" ? "ODCS v3.1.0" : "ODPS v1.1.0";
}

/**
 * True when a file declares a standard or version that `meshlens upgrade` replaces: DCS (deprecated), ODCS before
 * v3.1.0, DPS, ODPS v0.9.0. ODPS v1.0.0 is current, so products in it are left alone.
 */
export function isOutdated(kind: DocKind, declaredVersion: string): boolean {
  switch (kind) {
    case "dcs":
    case "dps":
      return true;
    case "odcs":
      return declaredVersion !== "v3.1.0";
    case "odps":
      return declaredVersion === "v0.9.0";
  }
}

/**
 * The declared standard and version of a product's or contract's file and, when it is outdated, an "Upgrade to …"
 * action: the upgraded document becomes a draft of that file, which `onDraft` opens for review and submit.
 */
export function UpgradeAction({
  backend,
  id,
  kind,
  declaredVersion,
  onDraft,
}: {
  backend: Backend;
  id: string;
  kind: DocKind;
  declaredVersion: string;
  onDraft: (draft: number) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<BackendError | string | null>(null);
  const target = upgradeTarget(kind);

  const upgrade = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const [report] = await backend.call("upgrade", { ids: [id], draft: true });
      if (report?.draft !== undefined) {
        onDraft(report.draft);
        return;
      }
      const firstError = report?.errors[0];
      setFailure(report?.error ?? (firstError !== undefined ? `the upgraded file is not valid: ${firstError.message}` : "nothing was upgraded"));
    } catch (reason) {
      setFailure(toBackendError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="declared-version">
      <span>
        {kind.toUpperCase()} {declaredVersion}
      </span>
      {isOutdated(kind, declaredVersion) && (
        <button type="button" disabled={busy} onClick={() => void upgrade()}>
          Upgrade to {target}
        </button>
      )}
      {typeof failure === "string" && (
        <span role="alert" className="missing">
          Cannot upgrade {id}: {failure}
        </span>
      )}
      {failure !== null && typeof failure !== "string" && <ErrorState title={`Cannot upgrade ${id}`} error={failure} />}
    </span>
  );
}
