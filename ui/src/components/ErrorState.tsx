import type { BackendError } from "../ipc/errors";

/** A failed call: what we tried, the app's error code, and its sentence. */
export function ErrorState({ title, error }: { title: string; error: BackendError }) {
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title}</p>
      <p>
        <code className="error-code">{error.code}</code> {error.message}
      </p>
    </div>
  );
}
