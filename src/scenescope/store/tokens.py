"""The word index, `release_tokens`: rebuilt here for releases written outside `Store.apply`.

Ingest keeps it current (store/writes.py); a store filled by hand (benchmarks, bulk SQL) calls
`reindex_words` afterwards so word search finds those releases too.
"""

from __future__ import annotations

import duckdb

from scenescope.store.queries import TOKENS_SQL

REINDEX_CHUNK = 1_000_000


def reindex_words(conn: duckdb.DuckDBPyConnection, *, chunk: int = REINDEX_CHUNK) -> int:
    """Rebuild release_tokens from every release name, `chunk` releases per statement.

    Returns the number of index rows (one per token per chunk); runs in one transaction.
    """
    bounds = conn.execute("SELECT min(release_id), max(release_id) FROM releases").fetchall()[0]
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute("DELETE FROM release_tokens")
        if bounds[0] is not None:
            for low in range(int(bounds[0]), int(bounds[1]) + 1, chunk):
                conn.execute(
                    f"""
                    INSERT INTO release_tokens
                    SELECT token, list(release_id)
                    FROM (SELECT release_id, unnest({TOKENS_SQL.format(name="name")}) AS token
                          FROM releases WHERE release_id >= ? AND release_id < ?)
                    WHERE token <> ''
                    GROUP BY token
                    """,
                    [low, low + chunk],
                )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(conn.execute("SELECT count(*) FROM release_tokens").fetchall()[0][0])
