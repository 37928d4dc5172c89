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

/** A failed action in one line above or below what it concerns (nothing when `error` is null). */
export function ErrorBanner({ error }: { error: BackendError | null }) {
  if (error === null) return null;
  return (
    <p className="banner banner-error" role="alert">
      <code className="error-code">{error.code}</code> {error.message}
    </p>
  );
}
