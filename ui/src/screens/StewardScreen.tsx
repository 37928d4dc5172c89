import { useState } from "react";

import { ErrorState } from "../components/ErrorState";
import { ProductLink } from "../components/ProductLink";
import { Loading } from "../components/Loading";
import { QualityChart } from "../components/QualityChart";
import type { Backend } from "../ipc/backend";
import type { Scorecard } from "../ipc/commands";
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
        <input
          className="wide"
          aria-label="report path"
          value={path}
          onChange={(event) => {
            setOut(event.target.value);
          }}
        />
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
                <table className="schema">
                  <thead>
                    <tr>
                      <th scope="col">Check</th>
                      <th scope="col">Product</th>
                      <th scope="col">Dataset</th>
                      <th scope="col">Observed</th>
                      <th scope="col">When</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.slice(0, ROW_LIMIT).map((r) => (
                      <tr key={`${r.check}|${r.dataset}|${r.column ?? ""}`} className="failing-check">
                        <td>
                          <span className={`badge outcome-${r.status}`}>{r.status}</span> <code>{r.check}</code>
                        </td>
                        <td>
                          <ProductLink id={r.product} navigate={navigate} />
                        </td>
                        <td>
                          <code>{r.dataset}</code>
                          {r.column !== null && <span className="muted"> · {r.column}</span>}
                        </td>
                        <td>
                          {r.observed ?? "—"}
                          {r.expected !== null && <span className="muted"> (expected {r.expected})</span>}
                        </td>
                        <td>{new Date(r.at).toLocaleString()}</td>
                      </tr>
                    ))}
                  </tbody>
                  <caption className="caption-bottom">
                    <MoreRows total={rows.length} />
                  </caption>
                </table>
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
              <table className="schema">
                <thead>
                  <tr>
                    <th scope="col">Product</th>
                    <th scope="col">Domain</th>
                    <th scope="col">Passing</th>
                    <th scope="col">Failing</th>
                    <th scope="col">SLA breaches</th>
                    <th scope="col">Policy violations</th>
                  </tr>
                </thead>
                <tbody>
                  {[...cards]
                    .sort((a, b) => b.failing + b.sla_breaches - (a.failing + a.sla_breaches) || a.id.localeCompare(b.id))
                    .slice(0, ROW_LIMIT)
                    .map((c) => (
                      <tr key={c.id}>
                        <td>
                          <ProductLink id={c.id} navigate={navigate} />
                        </td>
                        <td>{c.domain ?? "—"}</td>
                        <td>{percent(c.pass_rate)}</td>
                        <td className={c.failing > 0 ? "bad" : undefined}>{c.failing}</td>
                        <td className={c.sla_breaches > 0 ? "bad" : undefined}>{c.sla_breaches}</td>
                        <td className={c.policy_violations > 0 ? "warn" : undefined}>{c.policy_violations}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
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
                  <table className="schema">
                    <thead>
                      <tr>
                        <th scope="col">Severity</th>
                        <th scope="col">Product</th>
                        <th scope="col">Policy</th>
                        <th scope="col">Where</th>
                        <th scope="col">Problem</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.slice(0, ROW_LIMIT).map((v, i) => (
                        <tr key={`${v.policy}-${v.product ?? ""}-${v.path}-${i}`}>
                          <td>
                            <span className={`badge severity-${v.severity}`}>{v.severity}</span>
                          </td>
                          <td>
                            <ProductLink id={v.product} navigate={navigate} />
                          </td>
                          <td>
                            <code>{v.policy}</code>
                          </td>
                          <td>
                            <code>{v.path}</code>
                          </td>
                          <td>{v.message}</td>
                        </tr>
                      ))}
                    </tbody>
                    <caption className="caption-bottom">
                      <MoreRows total={rows.length} />
                    </caption>
                  </table>
                );
              })()}
            </>
          )}
        </section>
      </div>
    </div>
  );
}
