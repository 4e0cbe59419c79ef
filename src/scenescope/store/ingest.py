"""Idempotent ingest: feed events applied to the store in batches, one transaction per batch.

Each batch's names are looked up; only names never seen before are parsed (`parse_many`) and
inserted. Reports and nuke events go in with INSERT … SELECT from Arrow tables, skipping what
the store already holds, so the same input twice (or a re-run after a crash) changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from scenescope.feeds.events import NUKE_KINDS, FeedEvent, NukeEvent, PreReport, Reject
from scenescope.names import ReleaseName, parse, parse_many

DEFAULT_BATCH_SIZE = 50_000
MAX_NAME_CHARS = 512
_TRAILING_GROUP = re.compile(r"-([A-Za-z0-9_]+)$")
_NUKE_KINDS = frozenset(NUKE_KINDS)
_UTC_TS = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.string())

# releases column → Arrow type; every ReleaseName field has a column (`group` → group_name).
RELEASE_FIELD_TYPES: dict[str, pa.DataType] = {
    "title": pa.string(),
    "year": pa.int32(),
    "kind": pa.string(),
    "season": pa.int32(),
    "episodes": pa.list_(pa.int32()),
    "absolute_episode": pa.bool_(),
    "season_pack": pa.bool_(),
    "date": pa.date32(),
    "episode_title": pa.string(),
    "resolution": pa.string(),
    "source": pa.string(),
    "streaming_service": pa.string(),
    "video_codec": pa.string(),
    "audio_codec": pa.string(),
    "audio_channels": pa.string(),
    "hdr": _STRINGS,
    "bit_depth": pa.int32(),
    "languages": _STRINGS,
    "subtitles": _STRINGS,
    "edition": _STRINGS,
    "flags": _STRINGS,
    "other": _STRINGS,
    "container": pa.string(),
    "website": pa.string(),
    "unparsed": _STRINGS,
}


@dataclasses.dataclass(frozen=True, slots=True)
class IngestSummary:
    """What an `apply` did; `duplicates` are events the store already held (or repeated)."""

    events: int = 0
    releases_new: int = 0
    reports_new: int = 0
    nukes_new: int = 0
    rejects: int = 0
    duplicates: int = 0

    def __add__(self, other: IngestSummary) -> IngestSummary:
        return IngestSummary(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self))
        )

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def group_of(parsed: ReleaseName) -> str | None:
    """The group as written: the parser's, else the `-GROUP` suffix scene names end with."""
    if parsed.group:
        return parsed.group
    match = _TRAILING_GROUP.search(parsed.name)
    return match[1] if match else None


def _parse_safely(names: Sequence[str]) -> list[ReleaseName]:
    # A parser bug on one name must not lose the batch: fall back name by name.
    try:
        parsed = parse_many(names)
        if len(parsed) == len(names):
            return list(parsed)
    except Exception:
        pass
    out: list[ReleaseName] = []
    for name in names:
        try:
            out.append(parse(name))
        except Exception:
            out.append(ReleaseName(name=name))
    return out


def _bad_name(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return "empty release name"
    if len(name) > MAX_NAME_CHARS:
        return f"release name is {len(name)} characters (limit {MAX_NAME_CHARS})"
    if not name.isascii():
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            return "release name is not valid UTF-8"
    return None


def _release_table(
    names: list[str], info: dict[str, tuple[Any, Any, Any]], now: dt.datetime
) -> pa.Table:
    parsed = _parse_safely(names)
    groups = [group_of(p) for p in parsed]
    columns: dict[str, pa.Array] = {
        "name": pa.array(names, pa.string()),
        "group_name": pa.array(groups, pa.string()),
        "group_key": pa.array([g.lower() if g else None for g in groups], pa.string()),
    }
    for field, arrow_type in RELEASE_FIELD_TYPES.items():
        values = [getattr(p, field, None) for p in parsed]
        if pa.types.is_list(arrow_type):
            values = [list(v) if v else [] for v in values]
        columns[field] = pa.array(values, arrow_type)
    details = [info.get(n, (None, None, None)) for n in names]
    columns["category"] = pa.array([d[0] for d in details], pa.string())
    columns["size_kb"] = pa.array([d[1] for d in details], pa.float64())
    columns["files"] = pa.array([d[2] for d in details], pa.int32())
    columns["first_seen_at"] = pa.array([now] * len(names), _UTC_TS)
    return pa.table(columns)


class BatchWriter:
    """Writes batches of events to one open connection (the store's single writer)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn

    def apply(
        self,
        events: Iterable[FeedEvent],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_batch: Callable[[IngestSummary], None] | None = None,
    ) -> IngestSummary:
        total = IngestSummary()
        pres: list[PreReport] = []
        nukes: list[NukeEvent] = []
        rejects: list[Reject] = []
        for event in events:
            if isinstance(event, PreReport):
                pres.append(event)
            elif isinstance(event, NukeEvent):
                nukes.append(event)
            elif isinstance(event, Reject):
                rejects.append(event)
            else:
                raise TypeError(f"not a feed event: {type(event).__name__}")
            if len(pres) + len(nukes) + len(rejects) >= batch_size:
                done = self.write_batch(pres, nukes, rejects)
                total += done
                pres, nukes, rejects = [], [], []
                if on_batch:
                    on_batch(done)
        if pres or nukes or rejects:
            done = self.write_batch(pres, nukes, rejects)
            total += done
            if on_batch:
                on_batch(done)
        return total

    def write_batch(
        self, pres: list[PreReport], nukes: list[NukeEvent], rejects: list[Reject]
    ) -> IngestSummary:
        """One transaction: new releases, then reports, nuke events and rejects."""
        now = dt.datetime.now(dt.UTC)
        events = len(pres) + len(nukes) + len(rejects)
        pres, nukes, rejects = self._screen(pres, nukes, list(rejects), now)
        conn = self.conn
        conn.execute("BEGIN TRANSACTION")
        try:
            releases_new = self._insert_releases(pres, nukes, now)
            reports_new = self._insert_reports(pres, now)
            nukes_new = self._insert_nukes(nukes, now)
            self._insert_rejects(rejects, now)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return IngestSummary(
            events=events,
            releases_new=releases_new,
            reports_new=reports_new,
            nukes_new=nukes_new,
            rejects=len(rejects),
            duplicates=len(pres) - reports_new + len(nukes) - nukes_new,
        )

    @staticmethod
    def _screen(
        pres: list[PreReport], nukes: list[NukeEvent], rejects: list[Reject], now: dt.datetime
    ) -> tuple[list[PreReport], list[NukeEvent], list[Reject]]:
        # Connectors validate, but the store guards its own invariants too.
        good_pres: list[PreReport] = []
        for report in pres:
            problem = _bad_name(report.name)
            if problem is None and not isinstance(report.pre_at, dt.datetime):
                problem = "pre time is not a datetime"
            if problem:
                rejects.append(Reject(report.feed, problem, raw=str(report)[:4096], seen_at=now))
            else:
                good_pres.append(report)
        good_nukes: list[NukeEvent] = []
        for nuke in nukes:
            problem = _bad_name(nuke.name)
            if problem is None and nuke.kind not in _NUKE_KINDS:
                problem = f"unknown nuke kind {nuke.kind!r}"
            if problem is None and not isinstance(nuke.at, dt.datetime):
                problem = "nuke time is not a datetime"
            if problem:
                rejects.append(Reject(nuke.feed, problem, raw=str(nuke)[:4096], seen_at=now))
            else:
                good_nukes.append(nuke)
        return good_pres, good_nukes, rejects

    def _insert_releases(
        self, pres: list[PreReport], nukes: list[NukeEvent], now: dt.datetime
    ) -> int:
        names = list(dict.fromkeys([p.name for p in pres] + [n.name for n in nukes]))
        if not names:
            return 0
        batch_names = pa.table({"idx": pa.array(range(len(names)), pa.int64()), "name": names})
        self.conn.register("batch_names", batch_names)
        try:
            rows = self.conn.execute(
                "SELECT b.name FROM batch_names b ANTI JOIN releases r USING (name) ORDER BY b.idx"
            ).fetchall()
        finally:
            self.conn.unregister("batch_names")
        new_names = [row[0] for row in rows]
        if not new_names:
            return 0
        wanted = set(new_names)
        info: dict[str, tuple[Any, Any, Any]] = {}
        for report in pres:
            if report.name in wanted and report.name not in info:
                info[report.name] = (report.category, report.size_kb, report.files)
        table = _release_table(new_names, info, now)
        columns = ", ".join(table.column_names)
        self.conn.register("batch_releases", table)
        try:
            self.conn.execute(
                f"INSERT INTO releases (release_id, {columns}) "
                f"SELECT nextval('release_id_seq'), {columns} FROM batch_releases"
            )
        finally:
            self.conn.unregister("batch_releases")
        return len(new_names)

    def _insert_reports(self, pres: list[PreReport], now: dt.datetime) -> int:
        if not pres:
            return 0
        table = pa.table(
            {
                "name": pa.array([p.name for p in pres], pa.string()),
                "feed": pa.array([p.feed for p in pres], pa.string()),
                "pre_at": pa.array([p.pre_at for p in pres], _UTC_TS),
                "seen_at": pa.array([p.seen_at or now for p in pres], _UTC_TS),
                "category": pa.array([p.category for p in pres], pa.string()),
                "size_kb": pa.array([p.size_kb for p in pres], pa.float64()),
                "files": pa.array([p.files for p in pres], pa.int32()),
                "genre": pa.array([p.genre for p in pres], pa.string()),
            }
        )
        self.conn.register("batch_reports", table)
        try:
            row = self.conn.execute(
                """
                INSERT INTO pre_reports
                SELECT r.release_id, b.feed, b.pre_at, b.seen_at,
                       NOT (b.pre_at < TIMESTAMPTZ '1990-01-01 00:00:00+00'
                            OR b.pre_at > b.seen_at + INTERVAL 1 DAY) AS trusted,
                       CASE
                         WHEN b.pre_at < TIMESTAMPTZ '1990-01-01 00:00:00+00'
                           THEN 'pre time before 1990'
                         WHEN b.pre_at > b.seen_at + INTERVAL 1 DAY
                           THEN 'pre time more than a day after it was seen'
                       END AS flag_reason,
                       b.category, b.size_kb, b.files, b.genre
                FROM (SELECT DISTINCT ON (name, feed, pre_at) * FROM batch_reports) b
                JOIN releases r USING (name)
                ON CONFLICT DO NOTHING
                """
            ).fetchone()
        finally:
            self.conn.unregister("batch_reports")
        return int(row[0]) if row else 0

    def _insert_nukes(self, nukes: list[NukeEvent], now: dt.datetime) -> int:
        if not nukes:
            return 0
        table = pa.table(
            {
                "name": pa.array([n.name for n in nukes], pa.string()),
                "kind": pa.array([n.kind for n in nukes], pa.string()),
                "reason": pa.array([n.reason for n in nukes], pa.string()),
                "network": pa.array([n.network for n in nukes], pa.string()),
                "event_at": pa.array([n.at for n in nukes], _UTC_TS),
                "feed": pa.array([n.feed for n in nukes], pa.string()),
                "seen_at": pa.array([n.seen_at or now for n in nukes], _UTC_TS),
            }
        )
        self.conn.register("batch_nukes", table)
        try:
            row = self.conn.execute(
                """
                INSERT INTO nuke_events
                SELECT r.release_id, b.kind, b.reason, b.network, b.event_at, b.feed, b.seen_at
                FROM (SELECT DISTINCT ON (name, kind, event_at, feed) * FROM batch_nukes) b
                JOIN releases r USING (name)
                ON CONFLICT DO NOTHING
                """
            ).fetchone()
        finally:
            self.conn.unregister("batch_nukes")
        return int(row[0]) if row else 0

    def _insert_rejects(self, rejects: list[Reject], now: dt.datetime) -> None:
        if not rejects:
            return
        table = pa.table(
            {
                "source": pa.array([r.source for r in rejects], pa.string()),
                "line": pa.array([r.line for r in rejects], pa.int64()),
                "reason": pa.array([r.reason for r in rejects], pa.string()),
                "raw": pa.array([_valid_text(r.raw) for r in rejects], pa.string()),
                "seen_at": pa.array([r.seen_at or now for r in rejects], _UTC_TS),
            }
        )
        self.conn.register("batch_rejects", table)
        try:
            # The same bad line seen again (a re-run) is kept once.
            self.conn.execute(
                """
                INSERT INTO quarantine
                SELECT b.* FROM (SELECT DISTINCT ON (source, line, reason, raw) *
                                 FROM batch_rejects) b
                WHERE NOT EXISTS (
                    SELECT 1 FROM quarantine q
                    WHERE q.source = b.source AND q.line IS NOT DISTINCT FROM b.line
                      AND q.reason = b.reason AND q.raw IS NOT DISTINCT FROM b.raw)
                """
            )
        finally:
            self.conn.unregister("batch_rejects")


def _valid_text(text: str | None) -> str | None:
    # Raw input may carry undecodable bytes (surrogate escapes): keep them visible, not fatal.
    if text is None or text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
