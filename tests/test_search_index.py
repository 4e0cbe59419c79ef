"""The search index beside the store: the same answers as the SQL search, kept current by the
writes of the process that holds it and caught up after writes by others, used by the CLI and
the workbench's API."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_support import run
from scenescope.feeds.events import FeedEvent, NukeEvent, PreReport
from scenescope.store import Store, search_query
from scenescope.store import search_index as module
from scenescope.store.queries import search as sql_search
from scenescope.store.search_index import SearchIndex, index_path
from scenescope.web.app import WebOptions
from scenescope.web.tokens import create_token
from web_support import running_server

T0 = dt.datetime(2021, 3, 1, 20, 0, tzinfo=dt.UTC)
WORDS = ("Night", "River", "Queen", "Ghost", "Black", "Iron")
TAILS = ("1080p.BluRay.x264", "720p.HDTV.x264", "2160p.WEB.H265", "German.DL.1080p.WEB.h264")
GROUPS = ("SPARKS", "GECKOS", "DRONES", "FLUX", "Ntb")
CATEGORIES = ("X264", "TV-X264", "x265", None)
KINDS = ("nuke", "unnuke", "modnuke", "delpre", "undelpre")


def release_names(rng: random.Random, count: int) -> list[str]:
    names = set()
    while len(names) < count:
        words = ".".join(rng.sample(WORDS, rng.randint(1, 3)))
        episode = f".S0{rng.randint(1, 3)}E0{rng.randint(1, 9)}" if rng.random() < 0.4 else ""
        year = f".{rng.randint(1995, 2021)}" if not episode else ""
        names.add(f"{words}{year}{episode}.{rng.choice(TAILS)}-{rng.choice(GROUPS)}")
    return sorted(names)


def history(seed: int, count: int = 120) -> list[FeedEvent]:
    """Pres as feeds report them: several feeds, repeats that fill a missing section, pre times
    shared by several releases (to the second, as IRC announces give them), reports too early
    or too late to trust, and nukes, unnukes and deletions in any order."""
    rng = random.Random(seed)
    events: list[FeedEvent] = []
    shared = [T0 + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 90)) for _ in range(8)]
    for name in release_names(rng, count):
        if rng.random() < 0.25:
            at = rng.choice(shared)
        else:
            at = T0 + dt.timedelta(seconds=rng.randrange(0, 86_400 * 90))
        if rng.random() < 0.05:
            at = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # never trusted: no pre time
        category = rng.choice(CATEGORIES)
        events.append(PreReport(name, at, rng.choice(("irc:a", "predb.ovh")), category=category))
        if rng.random() < 0.3:
            events.append(PreReport(name, at, "file:x", category=category or "X264"))
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            kind = rng.choice(KINDS)
            when = at + dt.timedelta(minutes=rng.randrange(1, 5000))
            events.append(NukeEvent(name, kind, when, "predb.ovh", reason=f"{kind}.reason"))
    rng.shuffle(events)
    return events


def queries(seed: int, count: int = 60) -> list[tuple[str, dict[str, object]]]:
    rng = random.Random(seed)
    out: list[tuple[str, dict[str, object]]] = [("", {}), ("", {"limit": 500})]
    for _ in range(count):
        words = " ".join(w.lower() for w in rng.sample(WORDS, rng.choice((0, 1, 1, 2))))
        options: dict[str, object] = {"limit": rng.choice((1, 3, 10, 50))}
        if rng.random() < 0.3:
            options["group"] = rng.choice(GROUPS).lower()
        if rng.random() < 0.2:
            options["category"] = rng.choice(("x264", "TV-X264", "X265"))
        if rng.random() < 0.2:
            options["nuked"] = True
        if rng.random() < 0.3:
            options["since"] = T0 + dt.timedelta(days=rng.randrange(0, 90))
        if rng.random() < 0.3:
            options["until"] = T0 + dt.timedelta(days=rng.randrange(0, 90))
        out.append((words, options))
    return out


def assert_same_answers(store: Store, index: SearchIndex, seed: int) -> None:
    for words, options in queries(seed):
        expected = sql_search(store.connection, words, **options)  # type: ignore[arg-type]
        assert index.search(words, **options) == expected, (words, options)  # type: ignore[arg-type]


@pytest.fixture
def rare_terms_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every term counts as common, so the window search (latest weeks first) is exercised on
    a small store too."""
    monkeypatch.setattr(search_query, "RARE_TERM", 0)


@pytest.mark.parametrize("windows", [False, True])
def test_the_index_answers_what_the_sql_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows: bool
) -> None:
    if windows:
        monkeypatch.setattr(search_query, "RARE_TERM", 0)
    with Store.open(tmp_path / "s.duckdb") as store:
        store.apply(history(1, 400))
        index = store.use_search_index(create=True)
        assert index is not None and store.search_index is index
        assert index.documents == 400
        assert_same_answers(store, index, seed=2)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000))
def test_the_same_answers_on_any_history(
    tmp_path_factory: pytest.TempPathFactory, rare_terms_none: None, seed: int
) -> None:
    folder = tmp_path_factory.mktemp("any")
    with Store.open(folder / "s.duckdb") as store:
        store.apply(history(seed, 60))
        index = store.use_search_index(create=True)
        assert index is not None
        assert_same_answers(store, index, seed=seed + 1)


def test_writes_through_the_store_are_followed(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb") as store:
        store.apply(history(3, 100))
        index = store.use_search_index(create=True)
        assert index is not None
        old = store.search("ghost", limit=1)[0]
        new = "Ghost.Iron.2021.1080p.WEB.H264-NEWGRP"
        # a new release; a nuke of an old one; a repeat that only fills the missing section
        store.apply([PreReport(new, T0 + dt.timedelta(days=200), "irc:a")])
        store.apply([NukeEvent(old.name, "nuke", T0 + dt.timedelta(days=201), "x", reason="dupe")])
        store.apply([PreReport(new, T0 + dt.timedelta(days=200), "irc:a", category="X264")])
        started = time.monotonic()  # the follower indexes the writes by itself
        while not index.search(category="x264", limit=1) or (
            index.search(category="x264", limit=1)[0].name != new
        ):
            assert time.monotonic() - started < 10, "the follower did not index the writes"
            time.sleep(0.05)
        index.flush()  # and the rest, now
        hits = index.search("ghost iron", limit=2)
        assert hits[0].name == new and hits[0].category == "X264"
        assert index.search(category="x264", limit=1)[0].name == new
        nuked = [h for h in index.search(nuked=True, limit=500) if h.name == old.name]
        assert nuked and nuked[0].nuke_reason == "dupe"
        assert_same_answers(store, index, seed=4)


def test_writes_by_another_process_are_caught_up(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    events = history(5, 150)
    with Store.open(path) as store:
        store.apply(events[:100])
        assert store.use_search_index(create=True) is not None
    with Store.open(path) as store:  # no index attached: the index does not see these
        store.apply(events[100:])
    with Store.open(path, read_only=True) as store:
        index = SearchIndex.open(path)
        assert not index.is_current(store.connection)
        written = index.catch_up(store.connection)
        assert 0 < written < 150 and index.is_current(store.connection)
        assert_same_answers(store, index, seed=6)
        index.close()


def test_a_new_store_at_the_same_path_is_indexed_anew(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        store.apply(history(7, 80))
        assert store.use_search_index(create=True) is not None
    path.unlink()
    with Store.open(path) as store:
        store.apply(history(8, 30))
        index = store.use_search_index()
        assert index is not None and index.documents == 30
        assert_same_answers(store, index, seed=9)


def test_an_index_of_another_format_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        store.apply(history(10, 40))
        assert store.use_search_index(create=True) is not None
    meta = index_path(path) / "scenescope.json"
    saved = json.loads(meta.read_text())
    meta.write_text(json.dumps({**saved, "format": -1}))
    with Store.open(path) as store:
        index = store.use_search_index()
        assert index is not None and index.last_written == 40 and index.documents == 40


def test_cli_index_and_search(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        store.apply(history(11, 90))
        expected = [h.name for h in store.search("night", limit=5)]
    before = run("search", "night", "--limit", "5", "--db", str(path), "--json")
    assert before.code == 0 and not index_path(path).exists()
    built = run("index", "--db", str(path), "--json")
    assert built.code == 0, built.err
    line = json.loads(built.out)
    assert line["documents"] == 90 and line["releases_indexed"] == 90
    after = run("search", "night", "--limit", "5", "--db", str(path), "--json")
    names = [json.loads(x)["name"] for x in after.out.splitlines()]
    assert names == expected == [json.loads(x)["name"] for x in before.out.splitlines()]
    again = json.loads(run("index", "--db", str(path), "--json").out)
    assert again["releases_indexed"] == 0  # nothing new to read
    rebuilt = json.loads(run("index", "--rebuild", "--db", str(path), "--json").out)
    assert rebuilt["releases_indexed"] == 90


def test_the_api_searches_with_the_index_once_it_is_built(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.duckdb")
    try:
        store.apply(history(12, 200))
        token = create_token(store.connection, "analyst").token
        with running_server(store, WebOptions(rate_per_second=1000, rate_burst=1000)) as url:
            for _ in range(200):
                if store.search_index is not None:
                    break
                time.sleep(0.05)
            assert store.search_index is not None, "the search index was not built while serving"
            headers = {"Authorization": f"Bearer {token}"}
            cursor = store.connection.cursor()  # the server's threads use the store's own
            with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
                state = http.get("/api/v1/search-index").json()
                assert state == {"ready": True, "documents": 200}
                for words, options in queries(13, 20):
                    if "since" in options or "until" in options or options.get("nuked"):
                        continue
                    options = {"limit": 50, **options}
                    params = {"q": words, "per_page": options["limit"]}
                    params |= {k: v for k, v in options.items() if k in ("group", "category")}
                    got = http.get("/api/v1/releases", params=params).json()["items"]
                    sql = sql_search(cursor, words, **options)  # type: ignore[arg-type]
                    assert got == [h.to_dict() for h in sql], params
                # a pre written while serving is found by the index within FOLLOW_SECONDS
                live = "Queen.River.2021.1080p.WEB.H264-LIVE"
                store.apply([PreReport(live, T0, "irc:a")])
                started = time.monotonic()
                while time.monotonic() - started < 5:
                    found = http.get("/api/v1/releases", params={"q": "queen river live"})
                    if found.json()["items"]:
                        break
                    time.sleep(0.05)
                assert [i["name"] for i in found.json()["items"]] == [live]
                assert time.monotonic() - started < 2 * module.FOLLOW_SECONDS + 1
    finally:
        store.close()


def test_kept_pages_give_way_to_the_writes_that_change_them(
    tmp_path: Path, rare_terms_none: None
) -> None:
    """Pages are kept across commits (a live feed commits every half second) until a write
    could change them: after each write, every search asked before answers as the SQL does."""
    events = history(14, 240)
    with Store.open(tmp_path / "s.duckdb") as store:
        store.apply(events[:120])
        index = store.use_search_index(create=True)
        assert index is not None
        assert_same_answers(store, index, seed=15)  # every page now kept
        for start in range(120, 240, 30):
            store.apply(events[start : start + 30])
            index.flush()
            assert_same_answers(store, index, seed=15)
        # a release with other words leaves a kept page alone
        kept = index.search("night")
        key = ((("tokens", "night"),), module.NO_PRE, None, 50)
        assert index._answers.get(key) == kept
        store.apply([PreReport("Other.Words.Only.2021.1080p.WEB.H264-ZZZ", T0, "irc:a")])
        index.flush()
        assert index._answers.get(key) == kept == sql_search(store.connection, "night")
        store.apply([PreReport("Night.Words.2021.1080p.WEB.H264-ZZZ", T0, "irc:a")])
        index.flush()
        assert index._answers.get(key) is None  # one with the word: recomputed when asked
        assert index.search("night") == sql_search(store.connection, "night")
