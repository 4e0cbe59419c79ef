-- Resumable backfill cursors: how far a `scenescope backfill` of one source, query and date
-- range has committed its rows to this store, so an interrupted run continues from there.
CREATE TABLE feed_cursors (
    cursor_key VARCHAR PRIMARY KEY,   -- source URL + query + range (feeds/cursor.py)
    source VARCHAR NOT NULL,
    query VARCHAR NOT NULL,
    since TIMESTAMPTZ,
    until TIMESTAMPTZ,
    last_page INTEGER NOT NULL,       -- last page whose rows are committed (0 = none yet)
    rows_committed BIGINT NOT NULL,
    done BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
