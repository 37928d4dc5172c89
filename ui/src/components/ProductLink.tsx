import type { Navigate } from "../route";

/** A product id that opens its page; a dash for none. */
export function ProductLink({ id, navigate }: { id: string | null; navigate: Navigate }) {
  if (id === null) return <span className="muted">—</span>;
  return (
    <button
      type="button"
      className="link"
      onClick={() => {
        navigate({ screen: "product", id });
      }}
    >
      {id}
    </button>
  );
}
