import { useState } from "react";

import type { Backend } from "../ipc/backend";
import type { Role, RoleHolder } from "../ipc/commands";
import { mailLink, safeLink } from "../ipc/links";
import { useCommand } from "../useCommand";
import { ErrorState } from "./ErrorState";
import { Loading } from "./Loading";

const ROLE_LABELS: Record<Role, string> = {
  business_owner: "Business owner",
  technical_owner: "Technical owner",
  steward: "Data steward",
  on_call: "On call",
  escalation: "Escalation",
  member: "Team member",
};

/** A button that hands a checked link to the system; upstream text that is no safe link stays text. `label` names the
 * action from the checked link (the full link is the button's title). */
function LinkButton({ backend, text, label, onFailed }: { backend: Backend; text: string; label: (link: string) => string; onFailed: (why: string) => void }) {
  const link = safeLink(text);
  if (link === null) return <code className="url">{text}</code>;
  return (
    <button
      type="button"
      className="link"
      title={link}
      onClick={() => {
        backend.openLink(link).catch((reason: unknown) => {
          onFailed(reason instanceof Error ? reason.message : String(reason));
        });
      }}
    >
      {label(link)}
    </button>
  );
}

/** "Open chat.example.com": the host says where a chat or ticket link goes; a mail link says whom it writes to. */
function openLabel(link: string): string {
  return link.startsWith("mailto:") ? `Mail ${link.slice("mailto:".length)}` : `Open ${new URL(link).host}`;
}

function Holder({ backend, holder, onFailed }: { backend: Backend; holder: RoleHolder; onFailed: (why: string) => void }) {
  const mail = holder.email === null ? null : mailLink(holder.email);
  const who = holder.name ?? holder.username ?? holder.email ?? holder.channel ?? "—";
  return (
    <li>
      <span className="muted">{ROLE_LABELS[holder.role]}</span> <strong>{who}</strong>
      {mail !== null && (
        <>
          {" "}
          <LinkButton backend={backend} text={mail} label={() => `Mail ${holder.email ?? ""}`} onFailed={onFailed} />
        </>
      )}
      {holder.channel !== null && holder.channel !== mail && (
        <>
          {" "}
          <LinkButton backend={backend} text={holder.channel} label={openLabel} onFailed={onFailed} />
        </>
      )}
    </li>
  );
}

/** Who to ask about a product: its role holders with mail and chat links, and the roles nobody holds. */
export function WhoToAsk({ backend, id, generation }: { backend: Backend; id: string; generation: number }) {
  const owners = useCommand(backend, "owners", { id }, generation);
  const [failure, setFailure] = useState<string | null>(null);
  return (
    <section aria-label="who to ask">
      <h3>Who to ask</h3>
      {owners.state === "loading" && <Loading label="Loading roles…" />}
      {owners.state === "failed" && <ErrorState title="Cannot load the roles" error={owners.error} />}
      {owners.state === "ready" && (
        <>
          {owners.data.roles.length === 0 && <p className="muted">Nobody is named for this product.</p>}
          <ul className="plain">
            {owners.data.roles.map((holder, i) => (
              <Holder key={`${holder.role}-${i}`} backend={backend} holder={holder} onFailed={setFailure} />
            ))}
          </ul>
          {owners.data.missing.length > 0 && (
            <p className="missing">Not named: {owners.data.missing.map((role) => ROLE_LABELS[role].toLowerCase()).join(", ")}</p>
          )}
        </>
      )}
      {failure !== null && (
        <p role="alert" className="missing">
          Cannot open the link: {failure}
        </p>
      )}
    </section>
  );
}
