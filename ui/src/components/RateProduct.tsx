import { useState } from "react";

import type { Backend } from "../ipc/backend";
import { type BackendError, toBackendError } from "../ipc/errors";
import { useCommand } from "../useCommand";
import { ErrorState } from "./ErrorState";

/** Rate a product from 1 to 5 with an optional comment; shows the ratings given so far and where they stay. */
export function RateProduct({ backend, id, generation }: { backend: Backend; id: string; generation: number }) {
  const [given, setGiven] = useState(0);
  const [rating, setRating] = useState<number | null>(null);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<BackendError | null>(null);
  const list = useCommand(backend, "feedback_list", { id }, generation + given);
  const submit = () => {
    if (rating === null) return;
    const args = comment.trim() === "" ? { id, rating } : { id, rating, comment };
    backend.call("feedback", args).then(
      () => {
        setGiven((g) => g + 1);
        setRating(null);
        setComment("");
        setError(null);
      },
      (reason: unknown) => {
        setError(toBackendError(reason));
      },
    );
  };
  const summary =
    list.state === "ready" && list.data.average !== null
      ? `${list.data.average.toFixed(1)}/5 from ${list.data.count} rating(s)`
      : "No ratings yet.";
  const newest = list.state === "ready" ? list.data.feedback[0] : undefined;
  const votes = list.state === "ready" ? list.data.upstream_votes : null;
  const comments = list.state === "ready" ? list.data.upstream_comments : null;
  const upstream = [
    votes === null ? null : `${votes.up} up-vote(s), ${votes.down} down-vote(s)`,
    comments === null ? null : `${comments} conversation thread(s)`,
  ].filter((part) => part !== null);
  return (
    <section aria-label="rate this product">
      <h3>Ratings</h3>
      <p className="muted">{summary}</p>
      {upstream.length > 0 && <p className="muted">In its catalog: {upstream.join(", ")} (as of the last sync).</p>}
      <div role="radiogroup" aria-label="rating">
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            type="button"
            role="radio"
            aria-checked={rating === n}
            aria-label={`${n} of 5`}
            className={rating !== null && n <= rating ? "rating-star rating-star-on" : "rating-star"}
            onClick={() => {
              setRating(n);
            }}
          >
            ★
          </button>
        ))}
      </div>
      <label>
        Comment (optional)
        <textarea
          value={comment}
          maxLength={4000}
          onChange={(e) => {
            setComment(e.target.value);
          }}
        />
      </label>
      <button type="button" disabled={rating === null} onClick={submit}>
        Rate
      </button>
      {newest?.private === true && <p className="muted">Kept on this machine only (private): this product&apos;s catalog takes no feedback.</p>}
      {newest?.private === false && (
        <p className="muted">
          Sent to {newest.target} (vote and comment thread): {newest.delivery ?? "queued"}.
        </p>
      )}
      {error !== null && <ErrorState title="Cannot save the rating" error={error} />}
    </section>
  );
}
