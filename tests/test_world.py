"""The simulated world's own properties, on a small world around the default operation:
calibration of the chill, leaks consistent with the files, determinism, names that parse
back to their true title and group."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from scenescope.world.config import ConfigError, load_config
from scenescope.world.simulate import simulate

SMALL = {"world": {"start": "2020-07-20", "end": "2020-09-12", "scale": 0.25, "seed": 7}}
WORLD_FILES = ("titles.csv", "release_dates.csv", "episodes.csv", "accounts.csv",
               "shipments.csv", "pres.csv", "nukes.csv", "ws_frames.jsonl", "sightings.csv",
               "truth_releases.csv", "truth.json")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    simulate(load_config(overrides=SMALL), out)
    return out


@pytest.fixture(scope="module")
def truth(world: Path) -> dict:
    return json.loads((world / "truth.json").read_text())


def _first_pres(world: Path) -> dict[str, dt.datetime]:
    """Each release's earliest reported pre time (what a store keeps), bogus dates aside."""
    first: dict[str, dt.datetime] = {}
    with (world / "pres.csv").open() as handle:
        for row in csv.DictReader(handle):
            at = dt.datetime.fromisoformat(row["pre_at"].replace("Z", "+00:00"))
            if not 1990 <= at.year <= 2030:
                continue
            if row["name"] not in first or at < first[row["name"]]:
                first[row["name"]] = at
    return first


def test_every_file_is_written_with_its_header(world: Path) -> None:
    for name in WORLD_FILES:
        assert (world / name).stat().st_size > 100, name
    with (world / "pres.csv").open() as handle:
        assert handle.readline().strip() == "name,pre_at,category,size_kb,files,feed"
    with (world / "nukes.csv").open() as handle:
        header = handle.readline().strip()
        kinds = {row.split(",")[1] for row in handle}
    assert header == "name,kind,reason,network,at"
    assert {"nuke", "unnuke", "modnuke", "delpre"} <= kinds
    frame = json.loads((world / "ws_frames.jsonl").open().readline())
    assert frame["action"] == "insert"
    assert set(frame["row"]) == {"id", "name", "team", "cat", "genre", "url", "size", "files",
                                 "preAt", "nuke"}


def test_weekly_volume_follows_the_configured_chill(world: Path, truth: dict) -> None:
    config = load_config(overrides=SMALL)
    per_day: Counter[dt.date] = Counter(at.date() for at in _first_pres(world).values())
    event = config.enforcement.date

    def week(first_day: dt.date) -> int:
        return sum(per_day[first_day + dt.timedelta(days=i)] for i in range(7))

    before = week(event - dt.timedelta(days=7))
    expected_before = config.volume.pres_per_day * 7 * config.world.scale
    assert abs(before / expected_before - 1.0) < 0.12
    anchors = dict(config.enforcement.week_ratios)
    for number in (1, 2):
        after = week(event + dt.timedelta(days=1 + 7 * (number - 1)))
        assert abs(after / before - anchors[number]) < 0.07, (number, after, before)
    one_day = per_day[event + dt.timedelta(days=1)] / per_day[event - dt.timedelta(days=6)]
    assert one_day < 0.25  # the day after the raids is nearly silent (168 vs 1,944)
    weeks = {w["week"]: w for w in truth["events"][0]["weeks"]}
    assert abs(weeks[1]["ratio"] - anchors[1]) < 0.07
    removed = truth["events"][0]["removed_groups"]
    assert all(weeks[1]["groups"].get(g, {"actual": 0})["actual"] == 0 for g in removed)
    noise_after = [n for n, at in _first_pres(world).items()
                   if at.date() == event + dt.timedelta(days=1) and "-WEB-" in n]
    noise_before = [n for n, at in _first_pres(world).items()
                    if at.date() == event - dt.timedelta(days=6) and "-WEB-" in n]
    assert len(noise_after) < 0.4 * len(noise_before)  # music goes quiet too: a chill


def test_every_truth_leak_is_consistent_with_the_files(world: Path, truth: dict) -> None:
    first = _first_pres(world)
    dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    with (world / "release_dates.csv").open() as handle:
        for row in csv.DictReader(handle):
            dates[(row["title_id"], row["window"])].append(dt.date.fromisoformat(row["date"]))
    shipments: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    with (world / "shipments.csv").open() as handle:
        for row in csv.DictReader(handle):
            shipments[(row["account_id"], row["title_id"])].append(
                dt.date.fromisoformat(row["shipped_at"]))
    fronts = {f["account_id"]: f["family_id"] for f in truth["fronts"]}
    leaks = truth["leaks"]
    assert len(leaks) > 50
    family_disc = 0
    for leak in leaks:
        pre_at = first[leak["release"]]
        official = dt.date.fromisoformat(leak["official_date"])
        official_start = dt.datetime.combine(official, dt.time(), tzinfo=dt.UTC)
        assert pre_at < official_start, leak
        assert abs((official_start - pre_at).total_seconds() / 86400 - leak["lead_days"]) < 1e-3
        if leak["title_id"].startswith("M"):
            assert official == min(dates[(leak["title_id"], leak["window"])]), leak
        if leak["source_class"] == "retail-disc" and leak["family"]:
            family_disc += 1
            assert fronts[leak["account_id"]] == leak["family"]
            shipped = shipments[(leak["account_id"], leak["title_id"])]
            # the disc reached the front (shipped_at is a date: its start) before the pre
            assert shipped and dt.datetime.combine(min(shipped), dt.time(),
                                                   tzinfo=dt.UTC) < pre_at, leak
    assert family_disc > 20
    sources = Counter(leak["source_class"] for leak in leaks)
    assert sources["retail-disc"] > sources["web"] > 0


def test_family_members_land_within_minutes_of_each_other(world: Path, truth: dict) -> None:
    family = next(f for f in truth["families"] if len(f["members"]) == 5)
    by_title: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    first = _first_pres(world)
    with (world / "truth_releases.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["family"] == family["family_id"] and row["source_class"] == "retail-disc":
                by_title[row["title_id"]].append((first[row["name"]], row["group"]))
    assert len(by_title) > 10
    spreads = [(max(t for t, _ in rows) - min(t for t, _ in rows)).total_seconds()
               for rows in by_title.values()]
    assert max(spreads) <= 20 * 60
    assert max(len({g for _, g in rows}) for rows in by_title.values()) >= 4


def test_same_seed_repeats_byte_for_byte_and_seeds_differ(world: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    simulate(load_config(overrides=SMALL), again)
    for name in WORLD_FILES:
        assert filecmp.cmp(world / name, again / name, shallow=False), name
    other = tmp_path / "other"
    simulate(load_config(overrides={"world": {**SMALL["world"], "seed": 8}}), other)
    assert not filecmp.cmp(world / "pres.csv", other / "pres.csv", shallow=False)
    assert not filecmp.cmp(world / "titles.csv", other / "titles.csv", shallow=False)


def test_names_parse_back_to_their_true_title_and_group(world: Path) -> None:
    from scenescope.names import parse

    titles: dict[str, set[str]] = {}
    with (world / "titles.csv").open() as handle:
        for row in csv.DictReader(handle):
            names = {row["title"], row["original_title"], *filter(None, row["aliases"].split("|"))}
            titles[row["title_id"]] = {_norm(n) for n in names}
    checked = title_ok = group_ok = 0
    with (world / "truth_releases.csv").open() as handle:
        for row in csv.DictReader(handle):
            if not row["title_id"]:
                continue
            checked += 1
            parsed = parse(row["name"])
            group_ok += (parsed.group or "").lower() == row["group"].lower()
            title_ok += _norm(parsed.title or "") in titles[row["title_id"]]
    assert checked > 1000
    assert group_ok / checked > 0.97
    assert title_ok / checked > 0.85


def _norm(text: str) -> str:
    from anyascii import anyascii

    plain = anyascii(text.replace("&", " and ")).replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.lower()).split())


def test_p2p_sightings_include_renamed_names_and_lag_the_pre(world: Path) -> None:
    first = _first_pres(world)
    renamed = lagged = 0
    with (world / "sightings.csv").open() as handle:
        for row in csv.DictReader(handle):
            seen = dt.datetime.fromisoformat(row["seen_at"].replace("Z", "+00:00"))
            if row["name"] in first:
                assert seen > first[row["name"]]
                lagged += 1
            elif row["tier"] == "p2p":
                renamed += 1
    assert renamed > 50 and lagged > 500


def test_unknown_config_key_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "world.toml"
    bad.write_text("[pres]\nnuke_probability = 0.1\n")
    with pytest.raises(ConfigError, match=r"unknown key 'pres\.nuke_probability'"):
        load_config(bad)
    bad.write_text("[world]\nstart = 'yesterday'\n")
    with pytest.raises(ConfigError, match=r"world\.start"):
        load_config(bad)


def test_release_names_are_unique_and_leaks_listed_once(world: Path, truth: dict) -> None:
    # a predb keys releases by name: two releases under one name would merge into one
    with (world / "truth_releases.csv").open() as handle:
        names = Counter(row["name"] for row in csv.DictReader(handle))
    assert len(names) > 10000
    assert [name for name, count in names.items() if count > 1] == []
    leak_names = Counter(leak["release"] for leak in truth["leaks"])
    assert [name for name, count in leak_names.items() if count > 1] == []


def test_titles_differing_only_in_punctuation_or_accents_are_one_name_key(world: Path) -> None:
    from scenescope.world.naming import name_key

    keys: Counter[str] = Counter()
    with (world / "titles.csv").open() as handle:
        for row in csv.DictReader(handle):
            names = {row["title"], row["original_title"], *filter(None, row["aliases"].split("|"))}
            year = row["year"] if row["kind"] == "movie" else ""  # series names carry none
            keys.update(f"{row['kind']}:{name_key(name)}:{year}" for name in names)
    # the same name form twice (movies: in one year) would write one name for two titles
    assert [key for key, count in keys.items() if count > 1] == []
