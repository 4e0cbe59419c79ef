"""Hostile input: parse never raises on any str, and work per name stays bounded.

Time is compared as a ratio to normal names measured in the same test (CPU time, best of
several runs, with a wide margin), never against a wall-clock constant.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenescope import ReleaseName, parse, parse_many
from scenescope.names.vocabulary import TERMS

ANY_CHAR = st.characters(codec=None, categories=None)  # includes lone surrogates, controls
SPELLINGS = sorted({s for term in TERMS for s in term.spellings})
PIECES = st.one_of(
    st.sampled_from(SPELLINGS),
    st.sampled_from(["S01E02", "s1e1-e3", "S01-S03", "1x02", "2020.08.25", "25.08.2020", "5.1",
                     "DDP5.1", "H.264", "1920x1080", "12v2", "E07", "2019", "[ettv]", "(2019)"]),
    st.text(ANY_CHAR, max_size=8),
)
SEPARATORS = st.sampled_from([".", " ", "_", "-", " - ", "[", "]", "(", ")", "/", "\u200f", "\x00"])


@st.composite
def release_like(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(PIECES, max_size=25))
    out = []
    for piece in pieces:
        out.append(piece)
        out.append(draw(SEPARATORS))
    return "".join(out)


def _check(name: str) -> ReleaseName:
    record = parse(name)
    assert record.name == name
    assert record.group is None or record.group in name
    json.dumps(record.to_dict(), default=str)  # always serialisable
    assert hash(record) == hash(parse(name))
    return record


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(ANY_CHAR, max_size=300))
def test_parse_never_raises_on_any_text(name: str) -> None:
    _check(name)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(release_like())
def test_parse_never_raises_on_release_like_text(name: str) -> None:
    record = _check(name)
    assert record.kind in (None, "movie", "episode", "other")
    if not name.strip():
        assert record == ReleaseName(name=name)


@given(st.lists(release_like(), max_size=8))
@settings(max_examples=50, deadline=None)
def test_parse_many_equals_parse(names: list[str]) -> None:
    assert parse_many(names) == [parse(n) for n in names]


def _cpu_seconds(work: Callable[[], object], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return max(best, 1e-6)


NORMAL = [
    "Some.Movie.2019.1080p.BluRay.x264-GRP",
    "Show.Name.S01E02.Episode.Title.720p.HDTV.x264-GROUP",
    "[SubGroup] Show Name - 12 [1080p][ABCD1234].mkv",
    "Movie Name (2019) [1080p] [YTS.MX]",
] * 250  # 1,000 normal names

HOSTILE = [
    "a" * 100_000,
    "1" * 100_000,
    "-" * 100_000,
    "[" * 50_000 + "]" * 50_000,
    "S01E" * 25_000,
    "2020.08." * 12_500,
    "1080p." * 16_000 + "x264-GRP",
    "www." * 25_000,
    ("\u200f\x00\ud800" + "DD5.1-") * 12_000,
    " - 12" * 20_000,
    "(" * 100_000,
]


def test_hostile_names_cost_less_than_a_thousand_normal_ones() -> None:
    normal = _cpu_seconds(lambda: [parse(n) for n in NORMAL])
    for name in HOSTILE:
        hostile = _cpu_seconds(lambda name=name: parse(name))  # type: ignore[misc]
        # A 100,000-character name must not cost more than 1,000 normal names (it reads
        # at most MAX_CHARS, so in practice it costs about 20 of them).
        assert hostile < normal, (name[:20], hostile, normal)
        _check(name)
