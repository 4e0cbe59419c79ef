"""The SQL of one write transaction: releases, word tokens, reports, nuke events, rejects.

Reads the batch's Arrow tables registered as `batch_releases` / `batch_reports` /
`batch_nukes` / `batch_rejects`. The store has one writer, so uniqueness comes from looking
names up (by name_hash) and anti-joining against the rows of the batch's known releases only:
the same events twice insert nothing, and a batch of new names skips every check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from scenescope.store.queries import NAME_HASH_SQL, TOKENS_SQL, name_tokens

# Up to this many known release ids are inlined as constants (the scan prunes row groups by
# them); more are joined from the batch table.
INLINE_IDS_MAX = 1000
# Batches with more new releases than this split names in SQL and group their tokens (one row
# per token per batch); smaller ones (live feeds) write a row per token and release.
GROUP_TOKENS_MIN = 200

_TRUST_SQL = """
    NOT (b.pre_at < TIMESTAMPTZ '1990-01-01 00:00:00+00'
         OR b.pre_at > b.seen_at + INTERVAL 1 DAY) AS trusted,
    CASE
        WHEN b.pre_at < TIMESTAMPTZ '1990-01-01 00:00:00+00' THEN 'pre time before 1990'
        WHEN b.pre_at > b.seen_at + INTERVAL 1 DAY
            THEN 'pre time more than a day after it was seen'
    END AS flag_reason"""

# The batch's reports, one per (release, feed, pre_at): repeats in the batch fill each other.
_BATCH_REPORTS_SQL = """
    SELECT r.release_id, r.is_new, b.feed, b.pre_at, min(coalesce(b.seen_at, $now)) AS seen_at,
           any_value(b.category) AS category, any_value(b.size_kb) AS size_kb,
           any_value(b.files) AS files, any_value(b.genre) AS genre
    FROM batch_reports b JOIN batch_releases r USING (name)
    GROUP BY r.release_id, r.is_new, b.feed, b.pre_at"""
# The same when `resolve_small` put the ids on the rows and found no repeat (a live batch).
_RESOLVED_REPORTS_SQL = """
    SELECT release_id, is_new, feed, pre_at, coalesce(seen_at, $now) AS seen_at,
           category, size_kb, files, genre
    FROM batch_reports"""

_BATCH_NUKES_SQL = """
    SELECT r.release_id, r.is_new, b.kind, b."at", b.feed, any_value(b.reason) AS reason,
           any_value(b.network) AS network, min(coalesce(b.seen_at, $now)) AS seen_at
    FROM batch_nukes b JOIN batch_releases r USING (name)
    GROUP BY r.release_id, r.is_new, b.kind, b."at", b.feed"""
_RESOLVED_NUKES_SQL = """
    SELECT release_id, is_new, kind, "at", feed, reason, network,
           coalesce(seen_at, $now) AS seen_at
    FROM batch_nukes"""
# At most this many names: ids and release details are put on the rows in Python, which saves
# the joins and groupings (a live write is a handful of events; each operator costs ~0.5 ms).
SMALL_BATCH_MAX = 200


def name_hash(name: str) -> int:
    """releases.name_hash in Python: md5_number_upper (first 8 md5 bytes, little-endian)."""
    return int.from_bytes(hashlib.md5(name.encode("utf-8")).digest()[:8], "little")


class KnownReleases:
    """The batch's names the store already had: their ids, as SQL that selects them."""

    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids

    def __bool__(self) -> bool:
        return bool(self.ids)

    def id_filter(self, column: str) -> str:
        """A condition keeping rows of known releases only (`column` holds the release_id)."""
        if len(self.ids) <= INLINE_IDS_MAX:
            return f"{column} IN ({', '.join(str(int(i)) for i in self.ids.values())})"
        return f"{column} IN (SELECT release_id FROM batch_releases WHERE NOT is_new)"


def look_up(
    conn: duckdb.DuckDBPyConnection, names: list[str], releases: pa.Table
) -> tuple[KnownReleases, int]:
    """The batch's names the store already has, with their ids, and the largest release_id.

    `releases` (the batch's, one row per name) is read through Arrow when the batch is big;
    a few names go in as hash constants (registering a table costs more than that).
    """
    if len(names) > INLINE_IDS_MAX:
        conn.register("batch_names", releases.select(["name"]))
        hashes = f"SELECT {NAME_HASH_SQL.format(name='name')} FROM batch_names"
    else:
        # constants: the name_hash index answers them without a join
        hashes = ", ".join(f"{name_hash(name)}::UBIGINT" for name in names)
    row = conn.execute(
        f"""
        SELECT (SELECT coalesce(max(release_id), 0) FROM releases),
               (SELECT list(release_id) FROM releases WHERE name_hash IN ({hashes}))
        """
    ).fetchall()[0]
    if len(names) > INLINE_IDS_MAX:
        conn.unregister("batch_names")
    largest, candidates = int(row[0]), row[1]
    if not candidates:
        return KnownReleases({}), largest
    # Same hash is almost always the same name; the names themselves decide.
    wanted = set(names)
    if len(candidates) <= INLINE_IDS_MAX:
        found = conn.execute(
            "SELECT name, release_id FROM releases WHERE release_id IN "
            f"({', '.join(str(int(i)) for i in candidates)})"
        ).fetchall()
    else:
        found = conn.execute(
            "SELECT name, release_id FROM releases "
            "WHERE release_id IN (SELECT unnest(?::BIGINT[]))",
            [candidates],
        ).fetchall()
    return KnownReleases({name: rid for name, rid in found if name in wanted}), largest


def with_ids(releases: pa.Table, known: KnownReleases, largest: int) -> pa.Table:
    """The batch's releases with `release_id` (known, or new after `largest`) and `is_new`."""
    count = releases.num_rows
    if not known:
        ids = pa.array(np.arange(largest + 1, largest + 1 + count, dtype=np.int64))
        is_new = pa.repeat(pa.scalar(True), count)
    else:
        next_id = largest + 1
        id_list: list[int] = []
        new_list: list[bool] = []
        for name in releases.column("name").to_pylist():
            rid = known.ids.get(name)
            if rid is None:
                rid, next_id = next_id, next_id + 1
            id_list.append(rid)
            new_list.append(rid > largest)
        ids, is_new = pa.array(id_list, pa.int64()), pa.array(new_list, pa.bool_())
    return releases.append_column("release_id", ids).append_column("is_new", is_new)


def resolve_small(
    releases: pa.Table, reports: pa.Table | None, nukes: pa.Table | None
) -> tuple[pa.Table, pa.Table | None, pa.Table | None] | None:
    """For a small batch: release details, and ids on the report and nuke rows.

    Returns None when a report or nuke event repeats in the batch (SQL merges those).
    """
    names = releases.column("name").to_pylist()
    ids = dict(zip(names, releases.column("release_id").to_pylist(), strict=True))
    new = dict(zip(names, releases.column("is_new").to_pylist(), strict=True))
    details: dict[str, list[Any]] = {}
    if reports is not None:
        rows = reports.select(
            ["name", "feed", "pre_at", "category", "size_kb", "files"]
        ).to_pylist()
        if len({(r["name"], r["feed"], r["pre_at"]) for r in rows}) < len(rows):
            return None
        for row in rows:  # each detail from the first report that has it
            found = details.setdefault(row["name"], [None, None, None])
            for i, key in enumerate(("category", "size_kb", "files")):
                if found[i] is None:
                    found[i] = row[key]
        reports = _with_release(reports, ids, new)
    if nukes is not None:
        keys = nukes.select(["name", "kind", "at", "feed"]).to_pylist()
        if len({tuple(k.values()) for k in keys}) < len(keys):
            return None
        nukes = _with_release(nukes, ids, new)
    picked = [details.get(n, [None, None, None]) for n in names]
    for i, (column, arrow_type) in enumerate(
        (("category", pa.string()), ("size_kb", pa.float64()), ("files", pa.int32()))
    ):
        releases = releases.append_column(column, pa.array([d[i] for d in picked], arrow_type))
    return releases, reports, nukes


def _with_release(table: pa.Table, ids: dict[str, int], new: dict[str, bool]) -> pa.Table:
    names = table.column("name").to_pylist()
    table = table.append_column("release_id", pa.array([ids[n] for n in names], pa.int64()))
    return table.append_column("is_new", pa.array([new[n] for n in names], pa.bool_()))


def insert_releases(
    conn: duckdb.DuckDBPyConnection, releases: pa.Table, new_count: int, *, has_reports: bool
) -> None:
    """Insert the batch's new releases and their word tokens (one row per token)."""
    columns = [c for c in releases.column_names if c not in ("release_id", "is_new")]
    details = ""
    if "category" not in columns:
        columns += ["category", "size_kb", "files"]
        # category, size and file count: each from the batch's first report of the name that
        # has it (arg_min skips NULLs), as later reports would fill them anyway
        details = (
            """
            LEFT JOIN (
                SELECT name, arg_min(category, seq) AS category, arg_min(size_kb, seq) AS size_kb,
                       arg_min(files, seq) AS files
                FROM (SELECT name, category, size_kb, files, row_number() OVER () AS seq
                      FROM batch_reports)
                GROUP BY name) d USING (name)"""
            if has_reports
            else ", (SELECT NULL AS category, NULL AS size_kb, NULL AS files) d"
        )
    source = {"category": "d.category", "size_kb": "d.size_kb", "files": "d.files"}
    values = [source[c] if details and c in source else f"b.{c}" for c in columns]
    conn.execute(
        f"""
        INSERT INTO releases (release_id, name_hash, {", ".join(columns)})
        SELECT b.release_id, {NAME_HASH_SQL.format(name="b.name")}, {", ".join(values)}
        FROM batch_releases b {details}
        WHERE b.is_new
        """
    )
    if new_count > GROUP_TOKENS_MIN:
        # A bulk batch: split in SQL, one row per token holding every id (far fewer rows); a
        # token twice in one name lists its id twice, which word search ignores.
        conn.execute(
            f"""
            INSERT INTO release_tokens
            SELECT token, list(release_id)
            FROM (SELECT release_id,
                         unnest({TOKENS_SQL.format(name="name")}) AS token
                  FROM batch_releases WHERE is_new)
            WHERE token <> ''
            GROUP BY token
            """
        )
        return
    # A few names (a live feed): split here; compiling the SQL's Unicode regex costs more.
    tokens: list[str] = []
    ids: list[int] = []
    names, release_ids, is_new = (
        releases.column(c).to_pylist() for c in ("name", "release_id", "is_new")
    )
    for name, release_id, new in zip(names, release_ids, is_new, strict=True):
        if not new:
            continue
        for token in name_tokens(name):
            tokens.append(token)
            ids.append(release_id)
    if tokens:
        conn.execute(
            "INSERT INTO release_tokens SELECT t, [i] "
            "FROM (SELECT unnest($t) AS t, unnest($i) AS i)",
            {"t": tokens, "i": ids},
        )


def insert_reports(
    conn: duckdb.DuckDBPyConnection, now: dt.datetime, known: KnownReleases, *, resolved: bool
) -> int:
    """Insert the reports the store lacks; a repeat of a stored report fills its gaps."""
    if not known:
        row = conn.execute(
            f"""
            INSERT INTO pre_reports
            SELECT b.release_id, b.feed, b.pre_at, b.seen_at, {_TRUST_SQL},
                   b.category, b.size_kb, b.files, b.genre
            FROM ({_RESOLVED_REPORTS_SQL if resolved else _BATCH_REPORTS_SQL}) b
            """,
            {"now": now},
        ).fetchall()
        return int(row[0][0])
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE batch_report_rows AS "
        + (_RESOLVED_REPORTS_SQL if resolved else _BATCH_REPORTS_SQL),
        {"now": now},
    )
    row = conn.execute(
        f"""
        INSERT INTO pre_reports
        SELECT b.release_id, b.feed, b.pre_at, b.seen_at, {_TRUST_SQL},
               b.category, b.size_kb, b.files, b.genre
        FROM batch_report_rows b
        LEFT JOIN (SELECT release_id, feed, pre_at FROM pre_reports
                   WHERE {known.id_filter("release_id")}) p
            ON p.release_id = b.release_id AND p.feed = b.feed AND p.pre_at = b.pre_at
        WHERE p.release_id IS NULL
        """
    ).fetchall()
    _fill_gaps(conn, known)
    return int(row[0][0])


def _fill_gaps(conn: duckdb.DuckDBPyConnection, known: KnownReleases) -> None:
    """A repeated report (an `[INFO]` line, a predb update) fills what the stored one lacked."""
    report_gaps = " OR ".join(
        f"(p.{c} IS NULL AND b.{c} IS NOT NULL)" for c in ("category", "size_kb", "files", "genre")
    )
    conn.execute(
        f"""
        UPDATE pre_reports p
        SET category = coalesce(p.category, b.category), size_kb = coalesce(p.size_kb, b.size_kb),
            files = coalesce(p.files, b.files), genre = coalesce(p.genre, b.genre)
        FROM batch_report_rows b
        WHERE {known.id_filter("p.release_id")} AND NOT b.is_new
          AND p.release_id = b.release_id AND p.feed = b.feed AND p.pre_at = b.pre_at
          AND ({report_gaps})
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
        WHERE {known.id_filter("r.release_id")} AND r.release_id = b.release_id
          AND ({release_gaps})
        """
    )


def insert_nukes(
    conn: duckdb.DuckDBPyConnection, now: dt.datetime, known: KnownReleases, *, resolved: bool
) -> int:
    """Insert the nuke events the store lacks (one per release, kind, time and feed)."""
    select = 'SELECT b.release_id, b.kind, b.reason, b.network, b."at", b.feed, b.seen_at'
    nukes_sql = _RESOLVED_NUKES_SQL if resolved else _BATCH_NUKES_SQL
    if not known:
        sql = f"INSERT INTO nuke_events {select} FROM ({nukes_sql}) b"
    else:
        sql = f"""
            INSERT INTO nuke_events {select}
            FROM ({nukes_sql}) b
            LEFT JOIN (SELECT release_id, kind, event_at, feed FROM nuke_events
                       WHERE {known.id_filter("release_id")}) n
                ON n.release_id = b.release_id AND n.kind = b.kind AND n.event_at = b."at"
                   AND n.feed = b.feed
            WHERE n.release_id IS NULL
            """
    return int(conn.execute(sql, {"now": now}).fetchall()[0][0])


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
