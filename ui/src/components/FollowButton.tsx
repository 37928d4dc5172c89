import { useState } from "react";

import type { Backend } from "../ipc/backend";
import { type BackendError, toBackendError } from "../ipc/errors";
import { useCommand } from "../useCommand";

/** Follow or stop following a product: its changes (and its contracts') then pass the inbox's "Only what I follow". */
export function FollowButton({ backend, id, generation }: { backend: Backend; id: string; generation: number }) {
  const [changes, setChanges] = useState(0);
  const [error, setError] = useState<BackendError | null>(null);
  const following = useCommand(backend, "following", {}, generation + changes);
  if (following.state !== "ready") return null;
  const followed = following.data.some((f) => f.id === id);
  const toggle = () => {
    const done = () => {
      setChanges((c) => c + 1);
    };
    const failed = (reason: unknown) => {
      setError(toBackendError(reason));
    };
    if (followed) backend.call("unfollow", { id }).then(done, failed);
    else backend.call("follow", { id }).then(done, failed);
  };
  return (
    <button type="button" aria-pressed={followed} onClick={toggle} title={error === null ? undefined : `${error.code}: ${error.message}`}>
      {followed ? "Following" : "Follow"}
    </button>
  );
}
