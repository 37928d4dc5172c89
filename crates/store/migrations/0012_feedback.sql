-- Ratings (1-5) and comments users give data products (issue #23). User data, not derived: kept when the
-- product's source is removed, salvaged by `doctor --repair`. `target` says where the feedback went:
-- `local` (kept on this machine only, private: the product's catalog takes no feedback) or the catalog
-- server it is sent to through the outbox (`outbox_id`).
CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    product_id  TEXT NOT NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     TEXT,
    author      TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    target      TEXT NOT NULL,
    outbox_id   INTEGER
);
CREATE INDEX feedback_product ON feedback(product_id, id);
