"""Search latency over a big store: a group, a word, a word + group, nuked releases.

Builds a store of N releases (default 10,000,000; bulk-generated in SQL through the real
schema) with one pre report each and ~3% nuked, then times `Store.search` (median of 5 runs)
next to a full scan of the names for a word (what search cost without the token index) in the
same run. Target: < 1 s for a group or a word.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

WORDS = [
    "Dark",
    "Star",
    "City",
    "River",
    "Love",
    "War",
    "King",
    "Queen",
    "Secret",
    "House",
    "Fire",
    "Road",
    "Blue",
    "Red",
    "Black",
    "White",
    "Dead",
    "Life",
    "Time",
    "World",
    "Lost",
    "First",
    "Home",
    "Story",
    "Game",
    "Shadow",
    "Light",
    "Storm",
    "Iron",
    "Gold",
    "Silent",
    "Wild",
    "Broken",
    "Little",
    "Big",
    "New",
    "Old",
    "Great",
    "Deep",
    "High",
    "North",
    "South",
    "Ghost",
    "Hunter",
    "Dream",
    "Edge",
    "Zero",
    "Code",
    "Rise",
    "Fall",
    "Return",
    "Legacy",
    "Empire",
    "Kingdom",
    "Island",
    "Ocean",
    "Mountain",
    "Garden",
    "Night",
    "Last",
]
TAILS = (
    "1080p.BluRay.x264",
    "720p.HDTV.x264",
    "2160p.UHD.BluRay.x265",
    "1080p.WEB.H264",
    "DVDRip.x264",
    "1080p.AMZN.WEB-DL.DDP5.1.H.264",
)
CATS = ("X264", "TV-X264", "X265", "TV-HD", "WEB", "DVDR")


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def build(store_path: Path, releases: int) -> float:
    from scenescope.store import Store
    from scenescope.store.tokens import reindex_words

    def pick(values: tuple[str, ...] | list[str], seed: int) -> str:
        return f"{sql_list(values)}[1 + (hash(i, {seed}) % {len(values)})::BIGINT]"

    group = "((hash(i, 5) % 3000)::BIGINT)"
    started = time.perf_counter()
    with Store.open(store_path) as store:
        conn = store.connection
        conn.execute(
            f"""
            INSERT INTO releases (release_id, name, group_name, group_key, year, category,
                                  first_seen_at)
            SELECT i + 1,
                   {pick(WORDS, 1)} || '.' || {pick(WORDS, 2)}
                     || CASE WHEN i % 3 = 0 THEN '.' || {pick(WORDS, 3)} ELSE '' END
                     || '.' || (1950 + i % 75) || '.' || i || '.'
                     || {pick(TAILS, 4)} || '-GRP' || {group},
                   'GRP' || {group}, 'grp' || {group}, 1950 + i % 75, {pick(CATS, 6)},
                   TIMESTAMPTZ '2010-01-01 00:00:00+00' + to_seconds(i * 30)
            FROM range({releases}) t(i)
            """
        )
        reindex_words(conn)
        conn.execute(
            """
            INSERT INTO pre_reports (release_id, feed, pre_at, seen_at, trusted)
            SELECT release_id, 'bench', first_seen_at, first_seen_at, true FROM releases
            """
        )
        conn.execute(
            """
            INSERT INTO nuke_events (release_id, kind, reason, network, event_at, feed, seen_at)
            SELECT release_id, 'nuke', 'dupe', 'bench', first_seen_at + INTERVAL 1 HOUR, 'bench',
                   first_seen_at + INTERVAL 1 HOUR
            FROM releases WHERE hash(release_id, 7) % 33 = 0
            """
        )
        conn.execute("CHECKPOINT")
    return time.perf_counter() - started


def timed(run: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--releases", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, help="Reuse / keep this store file.")
    args = parser.parse_args()
    from scenescope.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "search.duckdb"
        if not path.exists():
            seconds = build(path, args.releases)
            print(f"built {args.releases:,} releases in {seconds:.0f} s")
        with Store.open(path, read_only=True) as store:
            total = store.connection.execute("SELECT count(*) FROM releases").fetchone()
            print(f"store: {total[0] if total else 0:,} releases")
            scan, _ = timed(
                lambda: store.connection.execute(
                    "SELECT count(*) FROM releases WHERE contains(lower(name), 'zzzz')"
                ).fetchall()
            )
            print(f"peer: full scan of names (no index) {scan * 1000:8.1f} ms")
            cases: list[tuple[str, Callable[[], object]]] = [
                ("--group grp42", lambda: store.search(group="grp42")),
                ("word 'ghost'", lambda: store.search("ghost")),
                ("rare word '123456'", lambda: store.search("123456")),
                ("'ghost' --group grp42", lambda: store.search("ghost", group="grp42")),
                ("--nuked --category X264", lambda: store.search(nuked=True, category="X264")),
            ]
            for label, run in cases:
                seconds, hits = timed(run)
                assert isinstance(hits, list)
                verdict = "ok" if seconds < 1 else "SLOW"
                print(
                    f"search {label:<26} {seconds * 1000:8.1f} ms  {len(hits):>3} hits  "
                    f"{seconds / scan:5.2f}x the scan  (target < 1000 ms: {verdict})"
                )


if __name__ == "__main__":
    main()
