"""What the search index reads of the store and what it makes of it: its marks (how far it
has read each table), the SQL that finds what changed since and reads releases as documents,
and the documents' schema."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import tantivy

from scenescope.engine.rules import release_state_sql
from scenescope.store.queries import TOKENS_SQL

TABLES = ("releases", "pre_reports", "nuke_events")
# the columns DOCUMENTS_SQL gives, in order
DOCUMENT_COLUMNS = (
    "release_id",
    "pre_us",
    "name",
    "group_name",
    "group_key",
    "category",
    "status",
    "nuke_reason",
    "feeds",
    "tokens",
)

STATE = release_state_sql(
    "WHERE release_id BETWEEN $low AND $high AND release_id IN (SELECT release_id FROM ids)"
)
DOCUMENTS_SQL = f"""
    WITH ids AS MATERIALIZED (
        SELECT DISTINCT release_id FROM index_ids WHERE release_id BETWEEN $low AND $high
    ),
    {STATE.ctes}
    SELECT r.release_id, r.name, r.group_name, r.group_key, r.category,
           epoch_us(pre.pre_at) AS pre_us, {STATE.status} AS status,
           {STATE.nuke_reason} AS nuke_reason, coalesce(pre.feed_count, 0) AS feeds,
           array_to_string(list_distinct({TOKENS_SQL.format(name="r.name")}), ' ') AS tokens
    FROM releases r
    LEFT JOIN pre USING (release_id)
    LEFT JOIN history h USING (release_id)
    WHERE r.release_id BETWEEN $low AND $high AND r.release_id IN (SELECT release_id FROM ids)
"""


# the releases whose rows came between two marks, and those a write only updated
CHANGED_SQL = (
    " UNION ".join(
        f"SELECT release_id FROM {t} WHERE rowid >= ${t}_from AND rowid < ${t}_to" for t in TABLES
    )
    + " UNION SELECT release_id FROM index_extra ORDER BY release_id"
)


@dataclass(frozen=True, slots=True)
class Marks:
    """How far the index has read the store: the next rowid of each table, the migration."""

    releases: int
    pre_reports: int
    nuke_events: int
    migration: int

    @classmethod
    def of(cls, conn: duckdb.DuckDBPyConnection) -> Marks:
        row = conn.execute(
            "SELECT "
            + ", ".join(f"(SELECT coalesce(max(rowid) + 1, 0) FROM {t})" for t in TABLES)
            + ", (SELECT coalesce(max(version), 0) FROM schema_migrations)"
        ).fetchall()[0]
        return cls(*(int(v) for v in row))

    @classmethod
    def since(cls, conn: duckdb.DuckDBPyConnection, older: Marks) -> Marks:
        """The marks now, for a store known to have only grown since `older` (the rows past
        `older` are all a zone-map pruned scan reads)."""
        row = conn.execute(
            "SELECT "
            + ", ".join(
                f"(SELECT coalesce(max(rowid) + 1, {getattr(older, t)}) FROM {t} "
                f"WHERE rowid >= {getattr(older, t)})"
                for t in TABLES
            )
        ).fetchall()[0]
        releases, pre_reports, nuke_events = (int(v) for v in row)
        return cls(releases, pre_reports, nuke_events, older.migration)

    def until(self, now: Marks) -> dict[str, int]:
        """The rowid bounds of the rows between these marks and `now`, for CHANGED_SQL."""
        return {
            **{f"{t}_from": getattr(self, t) for t in TABLES},
            **{f"{t}_to": getattr(now, t) for t in TABLES},
        }

    def follows(self, older: Marks) -> bool:
        """Whether this store state can have grown from `older` by appends alone."""
        return self.migration == older.migration and all(
            getattr(self, t) >= getattr(older, t) for t in TABLES
        )


def document_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("release_id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("pre_at", stored=True, indexed=False, fast=True)
    for name in ("tokens", "group_key", "category_key"):
        builder.add_text_field(name, stored=False, tokenizer_name="raw", index_option="basic")
    for name in ("name", "group_name", "category", "nuke_reason", "status"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("feeds", stored=True, indexed=False, fast=False)
    return builder.build()
