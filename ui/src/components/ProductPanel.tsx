import type { Backend } from "../ipc/backend";
import { useCommand } from "../useCommand";
import { ErrorState } from "./ErrorState";
import { Loading } from "./Loading";
import { ProductDetailView } from "./ProductDetailView";

interface Props {
  backend: Backend;
  id: string;
  generation: number;
  onClose: () => void;
}

/** The side panel for the selected product: loads `get_product` and shows it. */
export function ProductPanel({ backend, id, generation, onClose }: Props) {
  const detail = useCommand(backend, "get_product", { id }, generation);
  return (
    <aside className="detail" aria-label="product detail">
      <button type="button" className="close" onClick={onClose} aria-label="Close detail">
        ×
      </button>
      {detail.state === "loading" && <Loading label="Loading product…" />}
      {detail.state === "failed" && <ErrorState title={`Cannot show product ${id}`} error={detail.error} />}
      {detail.state === "ready" && <ProductDetailView detail={detail.data} />}
    </aside>
  );
}
