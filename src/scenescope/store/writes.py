"""The SQL of one write transaction: releases, word tokens, reports, nuke events, rejects.

Reads the batch's Arrow tables registered as `batch_releases` / `batch_reports` /
`batch_nukes` / `batch_rejects`. Uniqueness comes from anti-joins restricted to the batch's
known releases (the store has one writer), so the same events twice insert nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from scenescope.store.queries import NAME_HASH_SQL, WORDS_SQL

_TRUST_SQL = """
    NOT (b.pre_at < TIMESTAMPTZ '1990-01-01 00:00:00+00'
         OR b.pre_at > b.seen_at + INTERVAL 1 DAY) AS trusted,
    CASE
        WHEN b.pre_at < TIMESTAMPTZ '1990-01-01 00:00:00+00' THEN 'pre time before 1990'
        WHEN b.pre_at > b.seen_at + INTERVAL 1 DAY
            THEN 'pre time more than a day after it was seen'
    END AS flag_reason"""

# The batch's reports, one per (name, feed, pre_at): a repeat in the batch fills empty fields.
_BATCH_REPORTS_SQL = """
    SELECT name, feed, pre_at, min(coalesce(seen_at, $now)) AS seen_at,
           any_value(category) AS category, any_value(size_kb) AS size_kb,
           any_value(files) AS files, any_value(genre) AS genre
    FROM batch_reports GROUP BY name, feed, pre_at"""


def insert_releases(conn: duckdb.DuckDBPyConnection, columns: Sequence[str]) -> tuple[int, int]:
    """Resolve every batch name to a release_id (new names get one) into temp `batch_ids`.

    Inserts the new releases and their word tokens; returns (new, already known) counts.
    """
    hashed = NAME_HASH_SQL.format(name="name")
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE batch_ids AS
        WITH b AS MATERIALIZED (SELECT name, {hashed} AS name_hash FROM batch_releases)
        SELECT b.name, b.name_hash, r.release_id IS NULL AS is_new,
               CASE WHEN r.release_id IS NULL THEN nextval('release_id_seq') ELSE r.release_id END
                   AS release_id,
               CASE WHEN r.release_id IS NULL THEN {WORDS_SQL.format(name="b.name")} END AS words
        FROM b
        LEFT JOIN (SELECT release_id, name, name_hash FROM releases
                   WHERE name_hash IN (SELECT name_hash FROM b)) r
            ON r.name_hash = b.name_hash AND r.name = b.name
        """
    )
    row = conn.execute("SELECT count(*) FILTER (WHERE is_new), count(*) FROM batch_ids").fetchone()
    new, total = (int(row[0]), int(row[1])) if row else (0, 0)
    if new:
        names = ", ".join(f"b.{c}" for c in columns)
        conn.execute(
            f"""
            INSERT INTO releases (release_id, name_hash, name_key, {", ".join(columns)})
            SELECT i.release_id, i.name_hash, ' ' || i.words || ' ', {names}
            FROM batch_releases b JOIN batch_ids i USING (name)
            WHERE i.is_new
            """
        )
        conn.execute(
            """
            INSERT INTO release_tokens
            SELECT token, list(release_id)
            FROM (SELECT release_id, unnest(list_distinct(string_split(words, ' '))) AS token
                  FROM batch_ids WHERE is_new)
            WHERE token <> ''
            GROUP BY token
            """
        )
    return new, total - new


def insert_reports(conn: duckdb.DuckDBPyConnection, now: dt.datetime, *, fill: bool) -> int:
    """Insert reports the store lacks; with `fill`, repeats fill the stored reports' gaps."""
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE batch_report_rows AS
        SELECT i.release_id, i.is_new, b.*
        FROM ({_BATCH_REPORTS_SQL}) b JOIN batch_ids i USING (name)
        """,
        {"now": now},
    )
    row = conn.execute(
        f"""
        INSERT INTO pre_reports
        SELECT b.release_id, b.feed, b.pre_at, b.seen_at, {_TRUST_SQL},
               b.category, b.size_kb, b.files, b.genre
        FROM batch_report_rows b
        LEFT JOIN (SELECT release_id, feed, pre_at FROM pre_reports
                   WHERE release_id IN (SELECT release_id FROM batch_ids WHERE NOT is_new)) p
            ON p.release_id = b.release_id AND p.feed = b.feed AND p.pre_at = b.pre_at
        WHERE p.release_id IS NULL
        """
        if fill
        else f"""
        INSERT INTO pre_reports
        SELECT b.release_id, b.feed, b.pre_at, b.seen_at, {_TRUST_SQL},
               b.category, b.size_kb, b.files, b.genre
        FROM batch_report_rows b
        """
    ).fetchone()
    inserted = int(row[0]) if row else 0
    if fill:
        _fill_known(conn)
    return inserted


def _fill_known(conn: duckdb.DuckDBPyConnection) -> None:
    """A repeated report (an `[INFO]` line, a later predb update) fills what was empty."""
    gaps = " OR ".join(
        f"(p.{c} IS NULL AND b.{c} IS NOT NULL)" for c in ("category", "size_kb", "files", "genre")
    )
    conn.execute(
        f"""
        UPDATE pre_reports p
        SET category = coalesce(p.category, b.category), size_kb = coalesce(p.size_kb, b.size_kb),
            files = coalesce(p.files, b.files), genre = coalesce(p.genre, b.genre)
        FROM batch_report_rows b
        WHERE NOT b.is_new
          AND p.release_id IN (SELECT release_id FROM batch_ids WHERE NOT is_new)
          AND p.release_id = b.release_id AND p.feed = b.feed
          AND p.pre_at = b.pre_at AND ({gaps})
        """
    )
    release_gaps = " OR ".join(
        f"(r.{c} IS NULL AND b.{c} IS NOT NULL)" for c in ("category", "size_kb", "files")
    )
    conn.execute(
        f"""
        UPDATE releases r
        SET category = coalesce(r.category, b.category), size_kb = coalesce(r.size_kb, b.size_kb),
            files = coalesce(r.files, b.files)
        FROM (SELECT release_id, any_value(category) AS category, any_value(size_kb) AS size_kb,
                     any_value(files) AS files
              FROM batch_report_rows WHERE NOT is_new GROUP BY release_id) b
        WHERE r.release_id = b.release_id AND ({release_gaps})
        """
    )


def insert_nukes(conn: duckdb.DuckDBPyConnection, now: dt.datetime) -> int:
    """Insert the nuke events the store lacks (one per release, kind, time and feed)."""
    row = conn.execute(
        """
        INSERT INTO nuke_events
        SELECT i.release_id, b.kind, b.reason, b.network, b."at", b.feed, b.seen_at
        FROM (SELECT name, kind, "at", feed, any_value(reason) AS reason,
                     any_value(network) AS network, min(coalesce(seen_at, $now)) AS seen_at
              FROM batch_nukes GROUP BY name, kind, "at", feed) b
        JOIN batch_ids i USING (name)
        LEFT JOIN (SELECT release_id, kind, event_at, feed FROM nuke_events
                   WHERE release_id IN (SELECT release_id FROM batch_ids WHERE NOT is_new)) n
            ON n.release_id = i.release_id AND n.kind = b.kind AND n.event_at = b."at"
               AND n.feed = b.feed
        WHERE n.release_id IS NULL
        """,
        {"now": now},
    ).fetchone()
    return int(row[0]) if row else 0


def insert_rejects(conn: duckdb.DuckDBPyConnection, now: dt.datetime) -> None:
    """Quarantine the batch's rejects; the same bad line seen again (a re-run) is kept once."""
    conn.execute(
        """
        INSERT INTO quarantine
        SELECT b.source, b.line, b.reason, b.raw, coalesce(b.seen_at, $now)
        FROM (SELECT DISTINCT ON (source, line, reason, raw) * FROM batch_rejects) b
        WHERE NOT EXISTS (
            SELECT 1 FROM quarantine q
            WHERE q.source = b.source AND q.line IS NOT DISTINCT FROM b.line
              AND q.reason = b.reason AND q.raw IS NOT DISTINCT FROM b.raw)
        """,
        {"now": now},
    )
