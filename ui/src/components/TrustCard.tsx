import type { Backend } from "../ipc/backend";
import { useCommand } from "../useCommand";
import { ErrorState } from "./ErrorState";
import { Loading } from "./Loading";

/** A product's trust score with every factor's value, weight and reason: no black box. */
export function TrustCard({ backend, id, generation }: { backend: Backend; id: string; generation: number }) {
  const trust = useCommand(backend, "trust", { id }, generation);
  return (
    <section aria-label="trust score">
      <h3>Trust score</h3>
      {trust.state === "loading" && <Loading label="Loading trust score…" />}
      {trust.state === "failed" && <ErrorState title="Cannot load the trust score" error={trust.error} />}
      {trust.state === "ready" && (
        <>
          <p>
            <strong className="trust-score">{trust.data.score}</strong>
            <span className="muted"> / 100</span>
          </p>
          <table className="trust-factors">
            <thead>
              <tr>
                <th>Factor and why</th>
                <th>Value</th>
                <th>Weight</th>
              </tr>
            </thead>
            <tbody>
              {/* The reason goes under its factor: the card sits in the page's narrow side column. */}
              {trust.data.factors.map((factor) => (
                <tr key={factor.name}>
                  <td>
                    {factor.name}
                    <span className="trust-reason muted">{factor.reason}</span>
                  </td>
                  <td>{Math.round(factor.value * 100)} %</td>
                  <td>{factor.weight}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
