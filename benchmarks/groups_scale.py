"""Profiles, race and families over a bulk-generated store (default 10 million releases).

Releases, pre reports and nukes are generated in SQL straight into a real store file (the
schema comes from the store's migrations); the group analyses then run on it. Prints rows,
each phase's time, the total, and the ratio to a peer measured in the same run: one full
scan of the store's own `release_state` view (the floor any analysis pays).

    .venv/bin/python benchmarks/groups_scale.py --rows 10000000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from scenescope.analysis.affiliation import infer_families
from scenescope.analysis.groups import build_group_releases, group_summaries
from scenescope.analysis.race import build_race_entries, group_race_records
from scenescope.store import Store

FORMATS = [  # resolution, source, codec, category
    ("1080p", "bluray", "h264", "X264-HD"),
    ("720p", "bluray", "h264", "X264-SD"),
    ("2160p", "bluray", "h265", "X265"),
    ("1080p", "web", "h264", "X264-HD"),
    ("720p", "web", "h264", "X264-SD"),
    ("2160p", "web", "h265", "X265"),
    ("720p", "hdtv", "h264", "TV-X264"),
    ("1080p", "hdtv", "h264", "TV-X264"),
    (None, "dvdrip", "xvid", "XVID"),
    (None, "cam", "xvid", "CAM"),
]


def generate(store: Store, rows: int, groups: int, *, days: int = 365) -> None:
    """Bulk rows: ~8 releases per title, titles spread over `days`, groups by hash."""
    con = store.connection
    con.execute(
        "CREATE TEMP TABLE fmt (f INTEGER, resolution VARCHAR, source VARCHAR, "
        "video_codec VARCHAR, category VARCHAR)"
    )
    con.executemany(
        "INSERT INTO fmt VALUES (?, ?, ?, ?, ?)", [[i, *f] for i, f in enumerate(FORMATS)]
    )
    titles = max(1, rows // 8)
    con.execute(
        f"""
        CREATE TEMP TABLE gen AS
        SELECT i + 1 AS release_id, i // 8 AS title_no,
               CAST(hash(i, 'g') % {groups} AS INTEGER) AS g,
               CAST(hash(i, 'f') % {len(FORMATS)} AS INTEGER) AS f,
               TIMESTAMPTZ '2020-01-01 00:00:00+00'
                 + to_seconds(CAST((i // 8) * ({days} * 86400.0 / {titles}) AS BIGINT)
                              + CAST(hash(i, 't') % 7200 AS BIGINT)) AS pre_at
        FROM range({rows}) t(i)
        """
    )
    con.execute(
        """
        INSERT INTO releases (release_id, name, group_name, group_key, title, year, kind,
                              resolution, source, video_codec, flags, languages, category,
                              size_kb, files, first_seen_at)
        SELECT release_id,
               'Title.' || title_no || '.2020.' || coalesce(resolution || '.', '') || source
                 || '.' || video_codec || '.r' || release_id || '-GRP' || g,
               'GRP' || g, 'grp' || g, 'Title ' || title_no, 2020, 'movie',
               resolution, source, video_codec,
               CASE WHEN hash(release_id, 'p') % 50 = 0 THEN ['proper'] ELSE [] END, [],
               category, 1000000, 50, pre_at
        FROM gen JOIN fmt USING (f)
        """
    )
    con.execute(
        "INSERT INTO pre_reports (release_id, feed, pre_at, seen_at, trusted) "
        "SELECT release_id, 'bench', pre_at, pre_at, true FROM gen"
    )
    con.execute(
        "INSERT INTO nuke_events (release_id, kind, reason, network, event_at, feed, seen_at) "
        "SELECT release_id, 'nuke', 'dupe', 'NET', pre_at + INTERVAL 1 HOUR, 'bench', "
        "pre_at + INTERVAL 1 HOUR FROM gen WHERE hash(release_id, 'n') % 30 = 0"
    )
    con.execute("DROP TABLE gen")


def timed(label: str, work: object) -> float:
    started = time.perf_counter()
    result = work() if callable(work) else None
    elapsed = time.perf_counter() - started
    size = f" ({len(result)} rows)" if isinstance(result, (list, tuple)) else ""
    print(f"  {label:<28} {elapsed:8.2f} s{size}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="Where to put the store file.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "scale.duckdb"
        with Store.open(path) as store:
            started = time.perf_counter()
            generate(store, args.rows, args.groups)
            print(f"generated {args.rows:,} releases in {time.perf_counter() - started:.1f} s")
        with Store.open(path, read_only=True) as store:
            con = store.connection
            print("peer:")
            peer = timed(
                "release_state full scan",
                lambda: con.execute(
                    "SELECT status, count(*) FROM release_state GROUP BY status"
                ).fetchall(),
            )
            print("group analyses:")
            phases = [
                timed("group_releases view", lambda: build_group_releases(con, force=True)),
                timed("profiles (all groups)", lambda: group_summaries(con)),
                timed("race entries", lambda: build_race_entries(con)),
                timed("race records", lambda: group_race_records(con)),
                timed("families", lambda: infer_families(con).families),
            ]
            total = sum(phases)
            rows = con.execute(f"SELECT count(*) FROM {build_group_releases(con)}").fetchone()
            print(f"rows analysed: {rows[0] if rows else 0:,}")
            print(f"total: {total:.1f} s (target < 60 s); ratio to peer scan: {total / peer:.1f}x")


if __name__ == "__main__":
    main()
