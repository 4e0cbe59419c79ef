"""The store: migrations, single writer, idempotent apply, derived pre time and status."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from scenescope.feeds.events import NukeEvent, PreReport, Reject
from scenescope.store import Store, StoreError, StoreLockedError, StoreTooNewError
from scenescope.store.db import known_migrations

T0 = dt.datetime(2020, 8, 19, 12, 0, tzinfo=dt.UTC)
MOVIE = "Some.Movie.2020.1080p.BluRay.x264-SPARKS"
EPISODE = "Other.Show.S01E02.720p.HDTV.x264-GECKOS"


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "s.duckdb") as opened:
        yield opened


def state(store: Store, name: str) -> dict:
    cursor = store.connection.execute("SELECT * FROM release_state WHERE name = ?", [name])
    columns = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None, f"{name} not in release_state"
    return dict(zip(columns, row, strict=True))


def count(store: Store, table: str) -> int:
    return store.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_fresh_store_records_every_known_migration(tmp_path: Path) -> None:
    with Store.open(tmp_path / "new.duckdb") as store:
        versions = [
            r[0]
            for r in store.connection.execute("SELECT version FROM schema_migrations").fetchall()
        ]
    assert versions == sorted(m.version for m in known_migrations())
    assert versions[0] == 1


def test_older_store_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    core = known_migrations()[0]
    conn = duckdb.connect(str(path))
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    conn.execute(core.sql)
    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (1, 'core')")
    conn.execute(
        "INSERT INTO releases (release_id, name, first_seen_at) "
        "VALUES (nextval('release_id_seq'), 'Old.Release-GRP', now())"
    )
    conn.close()
    with Store.open(path, read_only=True) as store:  # a reader migrates it first
        versions = store.connection.execute(
            "SELECT list(version ORDER BY version) FROM schema_migrations"
        ).fetchone()[0]
        assert count(store, "releases") == 1
    assert versions == [m.version for m in known_migrations()]


def test_newer_store_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "newer.duckdb"
    with Store.open(path) as store:
        store.connection.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'x')")
    newest = max(m.version for m in known_migrations())
    with pytest.raises(StoreTooNewError, match=rf"newer scenescope \(schema 9999 > {newest}\)"):
        Store.open(path)
    with pytest.raises(StoreTooNewError, match="upgrade scenescope"):
        Store.open(path, read_only=True)


def test_second_writer_gets_a_clear_message_and_the_file_survives(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    with Store.open(path) as store:
        store.apply([PreReport(MOVIE, T0, "a")])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from scenescope.store import Store\n"
            f"s = Store.open({str(path)!r})\nprint('ready', flush=True)\nsys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError, match=rf"open for writing by another.*{holder.pid}"):
            Store.open(path)
        with pytest.raises(StoreLockedError):
            Store.open(path, read_only=True)
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    with Store.open(path, read_only=True) as store:
        assert count(store, "releases") == 1


def test_read_only_store_refuses_writes_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        Store.open(tmp_path / "missing.duckdb", read_only=True)
    Store.open(tmp_path / "ro.duckdb").close()
    with (
        Store.open(tmp_path / "ro.duckdb", read_only=True) as store,
        pytest.raises(StoreError, match="read-only"),
    ):
        store.apply([PreReport(MOVIE, T0, "a")])


def test_same_input_twice_changes_nothing(store: Store) -> None:
    events = [
        PreReport(MOVIE, T0, "a", category="X264", size_kb=4.5e6, files=90),
        NukeEvent(MOVIE, "nuke", at(60), "a", reason="dupe", network="LinkNET"),
        Reject("f.csv", "bad date", raw="x,y", line=3),
    ]
    first = store.apply(events)
    tables = ("releases", "pre_reports", "nuke_events", "quarantine")
    before = {t: count(store, t) for t in tables}
    second = store.apply(events)
    assert (first.releases_new, first.reports_new, first.nukes_new) == (1, 1, 1)
    assert (second.releases_new, second.reports_new, second.nukes_new) == (0, 0, 0)
    assert second.duplicates == 2
    assert (
        {t: count(store, t) for t in tables}
        == before
        == {"releases": 1, "pre_reports": 1, "nuke_events": 1, "quarantine": 1}
    )


def test_three_feeds_make_one_release_with_three_reports(store: Store) -> None:
    summary = store.apply(
        [
            PreReport(MOVIE, at(0.5), "predb.ovh"),
            PreReport(MOVIE, at(0), "irc:net/#pre"),
            PreReport(MOVIE, at(2), "file:pres.csv"),
        ]
    )
    assert (summary.releases_new, summary.reports_new) == (1, 3)
    row = state(store, MOVIE)
    assert (row["report_count"], row["feed_count"]) == (3, 3)
    assert row["pre_at"] == at(0)  # conflicting times → the earliest trusted


def test_release_columns_hold_parsed_fields_and_group(store: Store) -> None:
    store.apply([PreReport(EPISODE, T0, "a", category="TV-X264")])
    name, group_name, group_key, category, first_seen = store.connection.execute(
        "SELECT name, group_name, group_key, category, first_seen_at FROM releases"
    ).fetchone()
    assert (name, group_name, group_key, category) == (EPISODE, "GECKOS", "geckos", "TV-X264")
    assert first_seen.tzinfo is not None


def test_untrusted_reports_are_flagged_and_not_used_for_pre_time(store: Store) -> None:
    seen = at(0)
    store.apply(
        [
            PreReport(MOVIE, dt.datetime(1985, 1, 1, tzinfo=dt.UTC), "backfill", seen_at=seen),
            PreReport(MOVIE, seen + dt.timedelta(days=3), "future", seen_at=seen),
            PreReport(MOVIE, at(-30), "good", seen_at=seen),
        ]
    )
    flags = dict(
        store.connection.execute(
            "SELECT feed, flag_reason FROM pre_reports WHERE NOT trusted"
        ).fetchall()
    )
    assert flags == {
        "backfill": "pre time before 1990",
        "future": "pre time more than a day after it was seen",
    }
    assert state(store, MOVIE)["pre_at"] == at(-30)


def test_only_untrusted_reports_leave_pre_time_unknown(store: Store) -> None:
    store.apply([PreReport(MOVIE, dt.datetime(1970, 1, 2, tzinfo=dt.UTC), "old", seen_at=T0)])
    assert state(store, MOVIE)["pre_at"] is None


@pytest.mark.parametrize(
    ("history", "status", "reason"),
    [
        ([("nuke", 10, "dupe")], "nuked", "dupe"),
        ([("unnuke", 20, "fixed"), ("nuke", 10, "dupe")], "live", None),  # arrives out of order
        (
            [("nuke", 30, "bad.ivtc"), ("unnuke", 20, None), ("nuke", 10, "dupe")],
            "nuked",
            "bad.ivtc",
        ),
        ([("modnuke", 20, "get.proper"), ("nuke", 10, "dupe")], "nuked", "get.proper"),
        ([("delpre", 40, None), ("nuke", 10, "dupe")], "deleted", "dupe"),
        ([("undelpre", 50, None), ("delpre", 40, None)], "live", None),
        ([("delpre", 50, None), ("undelpre", 40, None)], "deleted", None),
    ],
)
def test_status_replays_history_in_event_time_order(
    store: Store, history: list[tuple[str, int, str | None]], status: str, reason: str | None
) -> None:
    store.apply([PreReport(MOVIE, T0, "a")])
    for kind, minutes, why in history:  # one apply per event: arrival order is the list order
        store.apply([NukeEvent(MOVIE, kind, at(minutes), "a", reason=why)])
    row = state(store, MOVIE)
    assert (row["status"], row["nuke_reason"]) == (status, reason)
    hits = store.search(group="sparks")
    assert [(h.status, h.nuke_reason) for h in hits] == [(status, reason)]


def test_nuke_for_an_unknown_release_creates_it(store: Store) -> None:
    summary = store.apply([NukeEvent(EPISODE, "nuke", T0, "irc", reason="mislabeled")])
    assert (summary.releases_new, summary.nukes_new) == (1, 1)
    row = state(store, EPISODE)
    assert (row["status"], row["pre_at"], row["report_count"]) == ("nuked", None, 0)


def test_bad_events_are_quarantined_and_good_ones_kept(store: Store) -> None:
    summary = store.apply(
        [
            PreReport("", T0, "a"),
            PreReport("X" * 100_000, T0, "a"),
            PreReport("Bad\udcffName-GRP", T0, "a"),
            NukeEvent(MOVIE, "explode", T0, "a"),
            PreReport(MOVIE, T0, "a"),
        ]
    )
    assert (summary.rejects, summary.reports_new) == (4, 1)
    reasons = sorted(
        r[0] for r in store.connection.execute("SELECT reason FROM quarantine").fetchall()
    )
    assert reasons == [
        "empty release name",
        "release name is 100000 characters (limit 512)",
        "release name is not valid UTF-8",
        "unknown nuke kind 'explode'",
    ]


def test_batches_across_one_apply_stay_consistent(store: Store) -> None:
    # The same new name in consecutive batches must become one release (pipelined writer).
    events = [
        PreReport(f"Title.{i % 7}.2020.720p.WEB.H264-GRP{i % 3}", at(i), f"f{i % 2}")
        for i in range(100)
    ]
    batches: list[int] = []
    summary = store.apply(events, batch_size=9, on_batch=lambda s: batches.append(s.events))
    assert sum(batches) == 100 and len(batches) == 12
    assert summary.releases_new == count(store, "releases") == 21
    assert summary.reports_new == count(store, "pre_reports") == 100


def test_search_filters(store: Store) -> None:
    store.apply(
        [
            PreReport(MOVIE, at(0), "a", category="X264"),
            PreReport(EPISODE, at(60 * 24 * 3), "a", category="TV-X264"),
            PreReport("The.Other.Movie.2019.DVDRip.x264-DRONES", at(-60 * 24 * 400), "a"),
            NukeEvent(EPISODE, "nuke", at(60 * 24 * 4), "a", reason="dupe"),
        ]
    )
    names = lambda hits: [h.name for h in hits]  # noqa: E731
    assert names(store.search("movie")) == [MOVIE, "The.Other.Movie.2019.DVDRip.x264-DRONES"]
    assert names(store.search("some movie")) == [MOVIE]
    assert names(store.search("the")) == ["The.Other.Movie.2019.DVDRip.x264-DRONES"]
    assert names(store.search("mov")) == []  # whole tokens, not substrings
    assert names(store.search(group="GECKOS")) == [EPISODE]
    assert names(store.search(category="tv-x264")) == [EPISODE]
    assert names(store.search(nuked=True)) == [EPISODE]
    assert names(store.search(since=at(-10), until=at(60))) == [MOVIE]
    assert names(store.search(limit=1)) == [EPISODE]
    assert store.search(group="sparks")[0].to_dict()["pre_at"] == "2020-08-19T12:00:00+00:00"


def test_stats_counts(store: Store) -> None:
    store.apply(
        [
            PreReport(MOVIE, at(0), "a", category="X264"),
            PreReport(MOVIE, at(1), "b"),
            PreReport(EPISODE, at(60 * 24), "a", category="TV-X264"),
            NukeEvent(EPISODE, "nuke", at(60 * 25), "a"),
            Reject("f", "bad"),
        ]
    )
    stats = store.stats()
    assert (stats.releases, stats.pre_reports, stats.nuke_events, stats.quarantined) == (2, 3, 1, 1)
    assert stats.statuses == {"live": 1, "nuked": 1}
    assert stats.last_pre_at == at(60 * 24)
    assert [(f["feed"], f["reports"]) for f in stats.feeds] == [("a", 2), ("b", 1)]
    assert [(d["day"].isoformat(), d["releases"]) for d in stats.per_day] == [
        ("2020-08-19", 1),
        ("2020-08-20", 1),
    ]
    assert {g["group"]: g["releases"] for g in stats.per_group} == {"SPARKS": 1, "GECKOS": 1}


def test_repeated_report_fills_empty_fields_and_is_idempotent(store: Store) -> None:
    # An IRC [PRE] line without size, then its [INFO] line re-sent as the same report.
    store.apply([PreReport(MOVIE, T0, "irc:net/#pre", category="X264")])
    info = PreReport(
        MOVIE, T0, "irc:net/#pre", category="OTHER", size_kb=4.5e6, files=90, genre="Drama"
    )
    first = store.apply([info])
    assert (first.reports_new, first.duplicates) == (0, 1)
    report = store.connection.execute(
        "SELECT category, size_kb, files, genre FROM pre_reports"
    ).fetchall()
    assert report == [("X264", 4.5e6, 90, "Drama")]  # gaps filled, category kept
    release = store.connection.execute("SELECT category, size_kb, files FROM releases").fetchall()
    assert release == [("X264", 4.5e6, 90)]
    store.apply([info])  # the same repeat again changes nothing
    assert (
        store.connection.execute(
            "SELECT category, size_kb, files, genre FROM pre_reports"
        ).fetchall()
        == report
    )
    assert count(store, "pre_reports") == 1


def test_pre_and_info_in_one_batch_make_one_full_report(store: Store) -> None:
    store.apply(
        [
            PreReport(MOVIE, T0, "irc", category="X264"),
            PreReport(MOVIE, T0, "irc", category="X264", size_kb=10.0, files=2),
        ]
    )
    assert store.connection.execute(
        "SELECT category, size_kb, files FROM pre_reports"
    ).fetchall() == [("X264", 10.0, 2)]


def test_bulk_and_live_batches_agree(tmp_path: Path) -> None:
    # Big batches take other paths (Arrow lookups, SQL tokens, joined id filters): a re-run
    # of 3,000 known names in one batch must still insert nothing, and words find both kinds.
    names = [f"Title{i % 50}.Word{i}.2020.1080p.WEB.H264-GRP{i % 7}" for i in range(3000)]
    events = [PreReport(n, at(i), "bulk") for i, n in enumerate(names)]
    with Store.open(tmp_path / "b.duckdb") as store:
        first = store.apply(events, batch_size=5000)
        again = store.apply([*events, NukeEvent(names[0], "nuke", at(1), "bulk")], batch_size=5000)
        live = store.apply([PreReport("Live.Word1.2021.WEB.H264-GRP1", at(5000), "live")])
        assert (first.releases_new, first.reports_new) == (3000, 3000)
        assert (again.releases_new, again.reports_new, again.nukes_new) == (0, 0, 1)
        assert live.releases_new == 1
        assert count(store, "releases") == 3001 and count(store, "pre_reports") == 3001
        hits = store.search("word1")
        assert [h.name for h in hits] == ["Live.Word1.2021.WEB.H264-GRP1", names[1]]
        assert [h.name for h in store.search("title3 grp3")] == [
            n for n in reversed(names) if n.startswith("Title3.") and n.endswith("-GRP3")
        ][:50]
        ids = store.connection.execute("SELECT release_id FROM releases").fetchall()
        assert len(set(ids)) == 3001


def test_store_from_before_the_token_index_is_searchable(tmp_path: Path) -> None:
    # A store at schema 0003 (unique indexes, name_key) migrates to the lean schema, keeps its
    # rows and their uniqueness, and its old names are found by word.
    path = tmp_path / "v3.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    for migration in known_migrations():
        if migration.version <= 3:
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
    conn.execute(
        "INSERT INTO releases (release_id, name, group_key, first_seen_at, name_key) "
        f"VALUES (nextval('release_id_seq'), '{MOVIE}', 'sparks', now(), 'x')"
    )
    conn.execute(
        f"INSERT INTO pre_reports VALUES (1, 'a', '{T0.isoformat()}', now(), true,"
        " NULL, NULL, NULL, NULL, NULL)"
    )
    conn.close()
    with Store.open(path) as store:
        assert [h.name for h in store.search("some movie")] == [MOVIE]
        again = store.apply([PreReport(MOVIE, T0, "a"), PreReport(EPISODE, T0, "a")])
        assert (again.releases_new, again.reports_new) == (1, 1)
        ids = [
            r[0]
            for r in store.connection.execute(
                "SELECT release_id FROM releases ORDER BY 1"
            ).fetchall()
        ]
        assert ids == [1, 2]
        assert [h.name for h in store.search("show")] == [EPISODE]


def test_release_details_come_from_the_first_report_in_the_batch(store: Store) -> None:
    store.apply(
        [
            NukeEvent(EPISODE, "nuke", T0, "irc"),
            PreReport(MOVIE, T0, "a", category="X264", size_kb=1.0),
            PreReport(MOVIE, at(1), "b", category="OTHER", size_kb=2.0, files=3),
        ]
    )
    rows = store.connection.execute(
        "SELECT name, category, size_kb, files FROM releases ORDER BY name"
    ).fetchall()
    # each field from the first report that has it: later reports only fill gaps
    assert rows == [(EPISODE, None, None, None), (MOVIE, "X264", 1.0, 3)]


def test_python_name_hash_matches_the_stored_one(store: Store) -> None:
    from scenescope.store.writes import name_hash

    names = [MOVIE, "Émission.Spéciale.2020.FRENCH.WEB.x264-GRP", "名前.2020-GRP", "x"]
    store.apply([PreReport(n, T0, "a") for n in names])
    stored = dict(store.connection.execute("SELECT name, name_hash FROM releases").fetchall())
    assert stored == {n: name_hash(n) for n in names}


def test_reindex_words_covers_releases_inserted_by_hand(store: Store) -> None:
    from scenescope.store.tokens import reindex_words

    store.apply([PreReport(MOVIE, T0, "a")])
    store.connection.execute(
        "INSERT INTO releases (release_id, name, first_seen_at) "
        "VALUES (100, 'Hand.Made.2020.WEB-GRP', now())"
    )
    assert store.search("hand") == []  # not in the word index yet
    rows = reindex_words(store.connection, chunk=50)
    assert [h.name for h in store.search("hand made")] == ["Hand.Made.2020.WEB-GRP"]
    assert [h.name for h in store.search("movie")] == [MOVIE]
    assert rows == store.connection.execute("SELECT count(*) FROM release_tokens").fetchone()[0]
