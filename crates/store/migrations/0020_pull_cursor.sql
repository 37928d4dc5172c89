-- Where the next pull of a catalog source may start: the server's own time (epoch milliseconds) of the newest
-- change the last good sync saw. Written in the sync's transaction, so a failed sync leaves the last good one;
-- cleared when the source's scope changes (a cursor holds for the scope it was read with). NULL: pull in full.
ALTER TABLE sources ADD COLUMN pull_cursor INTEGER;
