import { useState } from "react";

import { DataTable, type TableColumn } from "../components/DataTable";
import { ErrorState } from "../components/ErrorState";
import { ProductLink } from "../components/ProductLink";
import { Loading } from "../components/Loading";
import { QualityChart } from "../components/QualityChart";
import { TextInput } from "../components/TextInput";
import type { Backend } from "../ipc/backend";
import type { QualityResult, Scorecard, Violation } from "../ipc/commands";
import { type BackendError, toBackendError } from "../ipc/errors";
import type { Navigate } from "../route";
import { useCommand } from "../useCommand";
import { percent } from "./ProductScreen";

/** Tables stop here on a large mesh (10,000 products): the worst rows first, the rest counted. */
const ROW_LIMIT = 100;

function MoreRows({ total }: { total: number }) {
  if (total <= ROW_LIMIT) return null;
  return <p className="muted">…and {total - ROW_LIMIT} more; pick a domain, or save the HTML report for every row.</p>;
}



function failingColumns(navigate: Navigate): TableColumn<QualityResult>[] {
  return [
    {
      header: "Check",
      cell: (r) => (
        <>
          <span className={`badge outcome-${r.status}`}>{r.status}</span> <code>{r.check}</code>
        </>
      ),
    },
    { header: "Product", cell: (r) => <ProductLink id={r.product} navigate={navigate} /> },
    {
      header: "Dataset",
      cell: (r) => (
        <>
          <code>{r.dataset}</code>
          {r.column !== null && <span className="muted"> · {r.column}</span>}
        </>
      ),
    },
    {
      header: "Observed",
      cell: (r) => (
        <>
          {r.observed ?? "—"}
          {r.expected !== null && <span className="muted"> (expected {r.expected})</span>}
        </>
      ),
    },
    { header: "When", cell: (r) => new Date(r.at).toLocaleString() },
  ];
}

function scorecardColumns(navigate: Navigate): TableColumn<Scorecard>[] {
  const flag = (count: number, tone: string) => (count > 0 ? tone : undefined);
  return [
    { header: "Product", cell: (c) => <ProductLink id={c.id} navigate={navigate} /> },
    { header: "Domain", cell: (c) => c.domain ?? "—" },
    { header: "Passing", cell: (c) => percent(c.pass_rate) },
    { header: "Failing", cell: (c) => c.failing, cellClass: (c) => flag(c.failing, "bad") },
    { header: "SLA breaches", cell: (c) => c.sla_breaches, cellClass: (c) => flag(c.sla_breaches, "bad") },
    { header: "Policy violations", cell: (c) => c.policy_violations, cellClass: (c) => flag(c.policy_violations, "warn") },
  ];
}

function violationColumns(navigate: Navigate): TableColumn<Violation>[] {
  return [
    { header: "Severity", cell: (v) => <span className={`badge severity-${v.severity}`}>{v.severity}</span> },
    { header: "Product", cell: (v) => <ProductLink id={v.product} navigate={navigate} /> },
    { header: "Policy", cell: (v) => <code>{v.policy}</code> },
    { header: "Where", cell: (v) => <code>{v.path}</code> },
    { header: "Problem", cell: (v) => v.message },
  ];
}

/**
 * The report's file name, one per domain. Domains are upstream text (`x/../../out/evil`), so everything but
 * letters, digits, `.`, `_` and `-` becomes `_`: the name stays one plain file name.
 */
export function reportFileName(domain: string): string {
  const safe = domain.replace(/[^A-Za-z0-9._-]/g, "_");
  return `steward-report${safe === "" ? "" : `-${safe}`}.html`;
}

/** Where the desktop writes reports unless the user picks another place: the data directory's `reports/`. */
export function defaultReportPath(dataDir: string, domain: string): string {
  return `${dataDir}/reports/${reportFileName(domain)}`;
}

type ReportState =
  | { state: "idle" }
  | { state: "writing" }
  | { state: "written"; out: string; bytes: number }
  | { state: "opened"; file: string; bytes: number }
  | { state: "failed"; error: BackendError };

function ReportForm({ backend, domain, dataDir }: { backend: Backend; domain: string; dataDir: string | null }) {
  const [out, setOut] = useState<string | null>(null);
  const [state, setState] = useState<ReportState>({ state: "idle" });
  const path = out ?? (dataDir === null ? "" : defaultReportPath(dataDir, domain));
  const failed = (reason: unknown) => {
    setState({ state: "failed", error: toBackendError(reason) });
  };
  const openReport = () => {
    if (dataDir === null) return;
    const file = reportFileName(domain);
    setState({ state: "writing" });
    const args = { out: defaultReportPath(dataDir, domain) };
    backend
      .call("report", domain === "" ? args : { domain, ...args })
      .then(async (written) => {
        await backend.openReport(file);
        setState({ state: "opened", file, bytes: written.bytes });
      })
      .catch(failed);
  };
  // The desktop writes only into `reports/` or where the user chose in the native dialog.
  const choosePath = () => {
    backend.chooseReportPath(reportFileName(domain)).then((chosen) => {
      if (chosen !== null) setOut(chosen);
    }, failed);
  };
  return (
    <form
      className="toolbar"
      aria-label="steward report"
      onSubmit={(event) => {
        event.preventDefault();
        setState({ state: "writing" });
        backend.call("report", domain === "" ? { out: path } : { domain, out: path }).then(
          (written) => {
            setState({ state: "written", ...written });
          },
          failed,
        );
      }}
    >
      <label>
        HTML report{" "}
        <TextInput className="wide" aria-label="report path" value={path} onValue={setOut} />
      </label>
      <button type="button" disabled={state.state === "writing"} onClick={choosePath}>
        Choose…
      </button>
      <button type="submit" disabled={path === "" || state.state === "writing"}>
        {state.state === "writing" ? "Writing…" : "Save report"}
      </button>
      <button type="button" disabled={dataDir === null || state.state === "writing"} onClick={openReport}>
        Open report
      </button>
      {state.state === "written" && (
        <span role="status">
          Saved {Math.round(state.bytes / 1024)} KiB to <code>{state.out}</code> — open it in any browser; it is self-contained.
        </span>
      )}
      {state.state === "opened" && (
        <span role="status">
          Opened {state.file} ({Math.round(state.bytes / 1024)} KiB) in a new window.
        </span>
      )}
      {state.state === "failed" && (
        <span role="alert" className="error-text">
          <code className="error-code">{state.error.code}</code> {state.error.message}
        </span>
      )}
    </form>
  );
}

/** Quality, SLAs and policies across the mesh, for the people who look after it. */
export function StewardScreen({ backend, generation, navigate }: { backend: Backend; generation: number; navigate: Navigate }) {
  const [domain, setDomain] = useState("");
  const info = useCommand(backend, "app_info", {}, generation);
  const allCards = useCommand(backend, "scorecard", {}, generation);
  const failing = useCommand(backend, "quality", { failing: true }, generation);
  const history = useCommand(backend, "quality", {}, generation);
  const policies = useCommand(backend, "check", {}, generation);

  const domainOf = new Map<string, string | null>(allCards.state === "ready" ? allCards.data.map((c) => [c.id, c.domain]) : []);
  const inDomain = (product: string | null) => domain === "" || (product !== null && domainOf.get(product) === domain);
  const domains = [...new Set(allCards.state === "ready" ? allCards.data.map((c) => c.domain).filter((d): d is string => d !== null) : [])].sort();
  const cards: Scorecard[] = allCards.state === "ready" ? allCards.data.filter((c) => inDomain(c.id)) : [];
  const breaches = cards.filter((c) => c.sla_breaches > 0);

  return (
    <div className="page steward" aria-label="steward dashboard">
      <div className="detail-title">
        <h2>Steward dashboard</h2>
        <label>
          Domain{" "}
          <select
            aria-label="domain"
            value={domain}
            onChange={(event) => {
              setDomain(event.target.value);
            }}
          >
            <option value="">all domains</option>
            {domains.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
      </div>
      <ReportForm backend={backend} domain={domain} dataDir={info.state === "ready" ? info.data.dataDir : null} />
      <div className="steward-grid">
        <section aria-label="failing checks">
          <h3>Failing checks</h3>
          {failing.state === "loading" && <Loading label="Loading checks…" />}
          {failing.state === "failed" && <ErrorState title="Cannot load quality results" error={failing.error} />}
          {failing.state === "ready" &&
            (() => {
              const rows = failing.data.results.filter((r) => inDomain(r.product));
              if (rows.length === 0) return <p className="muted">No failing checks{domain === "" ? "" : ` in ${domain}`}. 🎉</p>;
              return (
                <DataTable
                  rows={rows.slice(0, ROW_LIMIT)}
                  columns={failingColumns(navigate)}
                  rowKey={(r) => `${r.check}|${r.dataset}|${r.column ?? ""}`}
                  rowClass="failing-check"
                  caption={<MoreRows total={rows.length} />}
                />
              );
            })()}
        </section>
        <section aria-label="quality trend">
          <h3>Quality trend</h3>
          {history.state === "loading" && <Loading label="Loading history…" />}
          {history.state === "failed" && <ErrorState title="Cannot load quality history" error={history.error} />}
          {history.state === "ready" && (
            <QualityChart results={history.data.results.filter((r) => inDomain(r.product))} label={`quality trend${domain === "" ? "" : ` of ${domain}`}`} />
          )}
        </section>
        <section aria-label="scorecards">
          <h3>Scorecards</h3>
          {allCards.state === "loading" && <Loading label="Loading scorecards…" />}
          {allCards.state === "failed" && <ErrorState title="Cannot load scorecards" error={allCards.error} />}
          {allCards.state === "ready" && (
            <>
              <p>
                {breaches.length === 0 ? "No SLA breaches." : `${breaches.length} products breach an SLA: `}
                {breaches.slice(0, 20).map((c) => (
                  <span key={c.id} className="sla-breach">
                    <ProductLink id={c.id} navigate={navigate} /> ({c.sla_breaches}){" "}
                  </span>
                ))}
                {breaches.length > 20 && `and ${breaches.length - 20} more.`}
              </p>
              <DataTable
                rows={[...cards]
                  .sort((a, b) => b.failing + b.sla_breaches - (a.failing + a.sla_breaches) || a.id.localeCompare(b.id))
                  .slice(0, ROW_LIMIT)}
                columns={scorecardColumns(navigate)}
                rowKey={(c) => c.id}
              />
              <MoreRows total={cards.length} />
            </>
          )}
        </section>
        <section aria-label="policy violations">
          <h3>Policy violations</h3>
          {policies.state === "loading" && <Loading label="Checking policies…" />}
          {policies.state === "failed" && <ErrorState title="Cannot check policies" error={policies.error} />}
          {policies.state === "ready" && (
            <>
              {policies.data.policy_errors.map((e, i) => (
                <p key={i} className="error-text">
                  Policy file <code>{e.file}</code> not applied: {e.message}
                </p>
              ))}
              {(() => {
                const rows = policies.data.violations.filter((v) => inDomain(v.product));
                if (rows.length === 0) return <p className="muted">No policy violations.</p>;
                return (
                  <DataTable
                    rows={rows.slice(0, ROW_LIMIT)}
                    columns={violationColumns(navigate)}
                    rowKey={(v, i) => `${v.policy}-${v.product ?? ""}-${v.path}-${i}`}
                    caption={<MoreRows total={rows.length} />}
                  />
                );
              })()}
            </>
          )}
        </section>
      </div>
    </div>
  );
}
