import { type ReactNode, useEffect, useState } from "react";

import { Consumers } from "../components/Consumers";
import { ContractCard } from "../components/ContractCard";
import { ErrorState } from "../components/ErrorState";
import { FollowButton } from "../components/FollowButton";
import { RateProduct } from "../components/RateProduct";
import { Loading } from "../components/Loading";
import { Markdown } from "../components/Markdown";
import { RequestAccess } from "../components/RequestAccess";
import { retentionText, SensitivityBadge } from "../components/SensitivityBadge";
import { StatusBadge } from "../components/StatusBadge";
import { Tags } from "../components/Tags";
import { UpgradeAction } from "../components/UpgradeAction";
import { VersionHistory } from "../components/VersionHistory";
import { TrustCard } from "../components/TrustCard";
import { WhoToAsk } from "../components/WhoToAsk";
import type { Backend } from "../ipc/backend";
import type { EntityProvenance, ProductDetail, Scorecard } from "../ipc/commands";
import { MiniGraph } from "../lineage/MiniGraph";
import type { Prefs } from "../prefs";
import type { Navigate } from "../route";
import { useCommand } from "../useCommand";

function Fact({ label, value }: { label: string; value: string | null }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value ?? <span className="muted">—</span>}</dd>
    </>
  );
}

/** Where a document came from upstream: one entry per catalog source holding it (none for files). */
export function Origins({ origins }: { origins: EntityProvenance[] }) {
  if (origins.length === 0) return null;
  return (
    <section aria-label="upstream origins">
      <h3>Upstream</h3>
      <ul className="origins">
        {origins.map((origin) => (
          <li key={`${origin.source}\u001f${origin.path}`}>
            <code>{origin.upstream_id}</code>
            <span className="muted">
              {" "}
              in {origin.source}
              {origin.upstream_version !== null && `, version ${origin.upstream_version}`}
              {origin.upstream_updated_at !== null && `, updated ${origin.upstream_updated_at}`}, fetched{" "}
              {origin.fetched_at}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Text({ title, text }: { title: string; text: string | null }) {
  if (text === null) return null;
  return (
    <section>
      <h3>{title}</h3>
      <Markdown text={text} />
    </section>
  );
}

export function percent(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 1000) / 10}%`;
}

/** One figure of the scorecard: its value over what it counts, tinted when it should stand out. */
function Tile({ value, label, tone, small }: { value: ReactNode; label: string; tone?: "bad" | "warn" | false; small?: boolean }) {
  return (
    <div className={tone ? `tile tile-${tone}` : "tile"}>
      <span className={small === true ? "tile-value small" : "tile-value"}>{value}</span>
      <span className="muted">{label}</span>
    </div>
  );
}

export function ScorecardTiles({ card }: { card: Scorecard }) {
  return (
    <div className="tiles" aria-label="scorecard">
      <Tile value={percent(card.pass_rate)} label="checks passing" />
      <Tile value={card.failing} label="failing checks" tone={card.failing > 0 && "bad"} />
      <Tile value={card.sla_breaches} label="SLA breaches" tone={card.sla_breaches > 0 && "bad"} />
      <Tile value={card.policy_violations} label="policy violations" tone={card.policy_violations > 0 && "warn"} />
      <Tile value={card.last_run === null ? "never" : new Date(card.last_run).toLocaleDateString()} label="last check run" small />
    </div>
  );
}

function Team({ detail }: { detail: ProductDetail }) {
  const { product } = detail;
  return (
    <section aria-label="team and support">
      <h3>Owner team</h3>
      <p>
        <strong>{product.owner_team ?? "No team declared"}</strong>
        {product.owner !== null && <span className="muted"> · owner {product.owner}</span>}
      </p>
      {product.team_members.length > 0 && (
        <ul className="plain">
          {product.team_members.map((m, i) => (
            <li key={`${m.username ?? m.name ?? ""}-${i}`}>
              {m.name ?? m.username} {m.role !== null && <span className="muted">· {m.role}</span>}
            </li>
          ))}
        </ul>
      )}
      <h3>Support</h3>
      {product.support.length === 0 && <p className="muted">No support channels declared.</p>}
      <ul className="plain">
        {product.support.map((s, i) => (
          <li key={`${s.channel}-${i}`}>
            <strong>{s.channel}</strong>
            {s.tool !== null && <span className="muted"> · {s.tool}</span>}
            {s.scope !== null && <span className="muted"> · {s.scope}</span>}
            {s.url !== null && (
              <>
                {" "}
                <code className="url">{s.url}</code>{" "}
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    void navigator.clipboard.writeText(s.url ?? "");
                  }}
                >
                  copy
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

interface Props {
  backend: Backend;
  id: string;
  generation: number;
  prefs: Prefs;
  navigate: Navigate;
}

/** Whose versions the History tab offers: the product, then each contract its output ports publish. */
function historyIds(id: string, ports: { contract_id: string | null }[]): string[] {
  const contracts = ports.flatMap((p) => (p.contract_id === null ? [] : [p.contract_id]));
  return [id, ...new Set(contracts)];
}

/** Everything about one product: overview, team, ports, contracts, quality, lineage, the raw file. */
export function ProductScreen({ backend, id, generation, prefs, navigate }: Props) {
  const detail = useCommand(backend, "get_product", { id }, generation);
  const domain = detail.state === "ready" ? (detail.data.product.domain ?? undefined) : undefined;
  const scorecards = useCommand(backend, "scorecard", domain === undefined ? {} : { domain }, generation);
  const lineage = useCommand(backend, "lineage", { id, level: "product", upstream: 1, downstream: 1 }, generation);
  const name = detail.state === "ready" ? detail.data.product.name : null;
  const [tab, setTab] = useState<"overview" | "history">("overview");
  const { visited } = prefs;
  const openDraft = (draft: number) => {
    navigate({ screen: "drafts", productId: id, draftId: draft });
  };
  useEffect(() => {
    if (detail.state === "ready") visited({ id, name });
  }, [detail.state, id, name, visited]);

  if (detail.state === "loading") return <Loading label="Loading product…" />;
  if (detail.state === "failed") return <ErrorState title={`Cannot show product ${id}`} error={detail.error} />;
  const { product } = detail.data;
  const card = scorecards.state === "ready" ? scorecards.data.find((c) => c.id === id) : undefined;
  const favourite = prefs.isFavourite(id);

  return (
    <article className="page" aria-label="product detail">
      <div className="detail-title">
        <h2>{product.name ?? product.id}</h2>
        <StatusBadge status={product.status} />
        <button
          type="button"
          className="icon-button star"
          aria-pressed={favourite}
          aria-label={favourite ? "Remove from favourites" : "Add to favourites"}
          onClick={() => {
            prefs.toggleFavourite({ id, name: product.name });
          }}
        >
          {favourite ? "★" : "☆"}
        </button>
        <button
          type="button"
          onClick={() => {
            navigate({ screen: "lineage", id, level: "product" });
          }}
        >
          Open lineage
        </button>
        <button
          type="button"
          onClick={() => {
            navigate({ screen: "drafts", productId: id });
          }}
        >
          Edit
        </button>
        <FollowButton backend={backend} id={id} generation={generation} />
      </div>
      <p className="muted">
        <code>{product.id}</code>
        {product.version !== null && ` · v${product.version}`}
        {product.domain !== null && ` · ${product.domain}`}
      </p>
      <Tags tags={product.tags} />
      <div className="tabs" role="tablist" aria-label="product views">
        {(["overview", "history"] as const).map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            className={tab === name ? "nav-item current" : "nav-item"}
            onClick={() => {
              setTab(name);
            }}
          >
            {name === "overview" ? "Overview" : "History"}
          </button>
        ))}
      </div>
      {tab === "history" && <VersionHistory backend={backend} ids={historyIds(product.id, product.output_ports)} generation={generation} />}
      <div className="page-grid" hidden={tab !== "overview"}>
        <div className="page-main">
          <Text title="Purpose" text={product.description} />
          <Text title="Limitations" text={product.limitations} />
          <Text title="Usage" text={product.usage} />
          <section>
            <h3>Quality scorecard</h3>
            {scorecards.state === "loading" && <Loading label="Loading scorecard…" />}
            {scorecards.state === "failed" && <ErrorState title="Cannot load the scorecard" error={scorecards.error} />}
            {scorecards.state === "ready" && card === undefined && <p className="muted">No scorecard for this product yet.</p>}
            {card !== undefined && <ScorecardTiles card={card} />}
          </section>
          <section>
            <h3>Lineage</h3>
            {lineage.state === "loading" && <Loading label="Loading lineage…" />}
            {lineage.state === "failed" && <ErrorState title="Cannot load lineage" error={lineage.error} />}
            {lineage.state === "ready" && (
              <MiniGraph
                graph={lineage.data}
                onOpen={(productId) => {
                  if (productId !== null && productId !== id) navigate({ screen: "product", id: productId });
                }}
              />
            )}
          </section>
          <section>
            <h3>Ports</h3>
            <ul className="ports">
              {product.output_ports.map((port) => (
                <li key={`out-${port.name}`}>
                  <span className="port-dir port-out">out</span> <strong>{port.name}</strong>
                  {port.port_type !== null && <span className="muted"> · {port.port_type}</span>}
                  {port.contract_id !== null && <code> {port.contract_id}</code>}
                  {port.description !== null && <p className="muted port-description">{port.description}</p>}
                  <RequestAccess backend={backend} product={id} port={port.name} />
                </li>
              ))}
              {product.input_ports.map((port) => (
                <li key={`in-${port.name}`}>
                  <span className="port-dir port-in">in</span> <strong>{port.name}</strong>
                  {port.contract_id !== null && <code> {port.contract_id}</code>}
                </li>
              ))}
            </ul>
            {product.output_ports.length + product.input_ports.length === 0 && <p className="muted">No ports declared.</p>}
          </section>
          <section>
            <h3>Contracts</h3>
            {detail.data.contracts.map((entry) => (
              <ContractCard
                key={`${entry.port.direction}-${entry.port.port}-${entry.contract.id}`}
                entry={entry}
                onOpenDataset={(contract, dataset) => {
                  navigate({ screen: "dataset", product: entry.producer ?? id, contract, dataset });
                }}
                format={
                  <UpgradeAction
                    backend={backend}
                    id={entry.contract.id}
                    kind={entry.kind}
                    declaredVersion={entry.declared_version}
                    onDraft={openDraft}
                  />
                }
              />
            ))}
            {detail.data.missing_contracts.map((port) => (
              <p key={`missing-${port.direction}-${port.port}`} className="missing">
                Port <strong>{port.port}</strong> names contract <code>{port.contract_id}</code>, which is not in the cache.
              </p>
            ))}
            {detail.data.contracts.length + detail.data.missing_contracts.length === 0 && (
              <p className="muted">No contracts on this product&apos;s ports.</p>
            )}
          </section>
          <details className="raw">
            <summary>
              Raw {detail.data.kind.toUpperCase()} file <code>{detail.data.path}</code>
            </summary>
            <pre>{detail.data.raw}</pre>
          </details>
        </div>
        <div className="page-side">
          <section>
            <h3>Facts</h3>
            <dl className="facts">
              <Fact label="Domain" value={product.domain} />
              <Fact label="Owner team" value={product.owner_team} />
              <dt>Sensitivity</dt>
              <dd>
                <SensitivityBadge level={detail.data.sensitivity} />
              </dd>
              <Fact label="Retention" value={detail.data.retention_days === null ? product.retention : retentionText(detail.data.retention_days)} />
              <Fact label="Classification" value={product.classification} />
              <Fact label="Source" value={`${detail.data.source}: ${detail.data.path}`} />
              <dt>Format</dt>
              <dd>
                <UpgradeAction
                  backend={backend}
                  id={id}
                  kind={detail.data.kind}
                  declaredVersion={detail.data.declared_version}
                  onDraft={openDraft}
                />
              </dd>
            </dl>
          </section>
          <TrustCard backend={backend} id={id} generation={generation} />
          <RateProduct backend={backend} id={id} generation={generation} />
          <Origins origins={detail.data.origins} />
          <WhoToAsk backend={backend} id={id} generation={generation} />
          <Consumers
            backend={backend}
            id={id}
            generation={generation}
            onOpen={(productId) => {
              navigate({ screen: "product", id: productId });
            }}
          />
          <Team detail={detail.data} />
        </div>
      </div>
    </article>
  );
}
