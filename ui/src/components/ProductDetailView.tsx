import type { ProductDetail } from "../ipc/commands";
import { ContractCard } from "./ContractCard";
import { StatusBadge } from "./StatusBadge";
import { Tags } from "./Tags";

function Fact({ label, value }: { label: string; value: string | null }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value ?? <span className="muted">—</span>}</dd>
    </>
  );
}

function Text({ title, text }: { title: string; text: string | null }) {
  if (text === null) return null;
  return (
    <section>
      <h3>{title}</h3>
      <p className="prose">{text}</p>
    </section>
  );
}

/** Everything the cache knows about one product. */
export function ProductDetailView({ detail }: { detail: ProductDetail }) {
  const { product } = detail;
  return (
    <div className="detail-body">
      <div className="detail-title">
        <h2>{product.name ?? product.id}</h2>
        <StatusBadge status={product.status} />
      </div>
      <p className="muted">
        <code>{product.id}</code>
        {product.version !== null && ` · v${product.version}`}
      </p>
      <Tags tags={product.tags} />
      <Text title="Purpose" text={product.description} />
      <Text title="Limitations" text={product.limitations} />
      <Text title="Usage" text={product.usage} />
      <section>
        <h3>Facts</h3>
        <dl className="facts">
          <Fact label="Domain" value={product.domain} />
          <Fact label="Owner team" value={product.owner_team} />
          <Fact label="Owner" value={product.owner} />
          <Fact label="Classification" value={product.classification} />
          <Fact label="Retention" value={product.retention} />
          <Fact label="Source" value={`${detail.source}: ${detail.path}`} />
          <Fact label="Format" value={`${detail.kind.toUpperCase()} ${detail.declared_version}`} />
        </dl>
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
        {detail.contracts.map((entry) => (
          <ContractCard key={`${entry.port.direction}-${entry.port.port}-${entry.contract.id}`} entry={entry} />
        ))}
        {detail.missing_contracts.map((port) => (
          <p key={`missing-${port.direction}-${port.port}`} className="missing">
            Port <strong>{port.port}</strong> names contract <code>{port.contract_id}</code>, which is not in the cache.
          </p>
        ))}
        {detail.contracts.length + detail.missing_contracts.length === 0 && (
          <p className="muted">No contracts on this product&apos;s ports.</p>
        )}
      </section>
    </div>
  );
}
