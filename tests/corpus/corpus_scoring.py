"""The labeled release-name corpus: loading with validation, and field-by-field scoring.

Shared by tests/test_corpus.py (the accuracy gate) and benchmarks/accuracy.py (the peer
comparison), so both read the same cases and count a hit the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).parent
DEFAULT_FILES = (CORPUS_DIR / "handwritten.jsonl", CORPUS_DIR / "generated.jsonl")

LIST_FIELDS = frozenset({"episodes", "hdr", "languages", "subtitles", "edition", "flags"})
BOOL_FIELDS = frozenset({"season_pack", "absolute_episode"})
INT_FIELDS = frozenset({"year", "season", "bit_depth"})
TEXT_FIELDS = frozenset({"title", "episode_title", "group"})
# Fields a case may assert; "languages_contains" is a subset check on `languages`.
KNOWN_FIELDS = frozenset(
    {
        "title", "year", "kind", "season", "episodes", "absolute_episode", "season_pack",
        "date", "episode_title", "resolution", "source", "streaming_service", "video_codec",
        "audio_codec", "audio_channels", "hdr", "bit_depth", "languages", "languages_contains",
        "subtitles", "edition", "flags", "group", "container", "website",
    }
)

VOCABULARY: dict[str, frozenset[str]] = {
    "kind": frozenset({"movie", "episode", "other"}),
    "source": frozenset(
        {"bluray", "uhd-bluray", "hddvd", "dvd", "web", "webrip", "hdtv", "cam", "telesync",
         "telecine", "screener", "workprint", "ppv", "vhs", "vod"}
    ),
    "video_codec": frozenset({"h264", "h265", "av1", "vp9", "xvid", "divx", "mpeg2", "vc1"}),
    "audio_codec": frozenset(
        {"aac", "ac3", "eac3", "truehd", "atmos", "dts", "dts-hd", "dtsx", "flac", "opus",
         "mp3", "pcm"}
    ),
    "audio_channels": frozenset({"1.0", "2.0", "2.1", "5.1", "6.1", "7.1"}),
    "hdr": frozenset({"hdr10", "hdr10+", "dv", "hlg"}),
    "edition": frozenset(
        {"extended", "unrated", "directors-cut", "theatrical", "imax", "remastered",
         "criterion", "uncut", "uncensored", "special-edition", "collectors-edition",
         "anniversary", "final-cut", "open-matte"}
    ),
    "flags": frozenset(
        {"proper", "repack", "rerip", "real", "internal", "limited", "festival", "stv",
         "dubbed", "subbed", "read-nfo", "dirfix", "nfofix", "samplefix", "syncfix", "proof"}
    ),
}
PATTERNS: dict[str, re.Pattern[str]] = {
    "resolution": re.compile(r"\d{3,4}[pi]"),
    "streaming_service": re.compile(r"[A-Z0-9+]{2,6}"),
    "languages": re.compile(r"[a-z]{2}|multi"),
    "languages_contains": re.compile(r"[a-z]{2}"),
    "subtitles": re.compile(r"[a-z]{2}|multi"),
    "container": re.compile(r"[a-z0-9]{2,4}"),
    "website": re.compile(r"[a-z0-9.\-]+"),
}
# Tag categories the corpus must cover (each with a minimum number of cases).
REQUIRED_TAGS: dict[str, int] = {
    "movie": 300, "episode": 300, "daily": 40, "season-pack": 40, "anime": 60,
    "non-english": 100, "p2p": 300, "scene": 300, "other": 60, "title-digits": 30,
    "no-group": 30, "odd-group": 100, "flags": 100, "edition": 40, "site-tag": 40,
    "pre-release": 30, "remake": 15, "path": 5, "container": 40, "handwritten": 400,
    "generated": 800,
}


class CorpusError(ValueError):
    """A malformed corpus line: the message names the file, the line and the field."""


@dataclass(frozen=True, slots=True)
class Case:
    """One labeled name: what a careful human says about the fields it asserts."""

    name: str
    expected: Mapping[str, Any]
    tags: tuple[str, ...]
    where: str  # "file:line", for error messages and miss reports


@dataclass(frozen=True, slots=True)
class Miss:
    case: Case
    field: str
    expected: Any
    actual: Any


@dataclass
class FieldScore:
    asserted: int = 0
    right: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.asserted if self.asserted else 1.0


@dataclass
class Scorecard:
    """Per-field counts for one parser over one corpus, plus the misses to show."""

    fields: dict[str, FieldScore] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    cases: int = 0

    @property
    def fully_right(self) -> float:
        """Share of names with every asserted field right."""
        missed = len({miss.case.where for miss in self.misses})
        return (self.cases - missed) / self.cases if self.cases else 1.0

    @property
    def asserted(self) -> int:
        return sum(score.asserted for score in self.fields.values())

    @property
    def right(self) -> int:
        return sum(score.right for score in self.fields.values())

    @property
    def accuracy(self) -> float:
        return self.right / self.asserted if self.asserted else 1.0


def _check_value(key: str, value: Any, where: str) -> None:
    def bad(why: str) -> CorpusError:
        return CorpusError(f"{where}: field {key!r}: {why} (got {value!r})")

    if value is None:
        if key in LIST_FIELDS or key in BOOL_FIELDS or key == "languages_contains":
            raise bad("use [] or false, not null, for an absent list or flag")
        return
    if key in LIST_FIELDS or key == "languages_contains":
        if not isinstance(value, list):
            raise bad("expected a list")
        if key == "episodes":
            if not all(isinstance(item, int) and item >= 0 for item in value):
                raise bad("episodes are non-negative integers")
            return
        for item in value:
            _check_scalar(key, item, bad)
        return
    if key in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise bad("expected true or false")
        return
    if key in INT_FIELDS:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise bad("expected a non-negative integer")
        if key == "year" and not 1870 <= value <= 2100:
            raise bad("year out of range")
        return
    if not isinstance(value, str) or not value or value != value.strip():
        raise bad("expected a non-empty string without outer spaces")
    if key == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise bad("expected YYYY-MM-DD") from None
        return
    if key in TEXT_FIELDS:
        if key != "group" and "  " in value:
            raise bad("words are separated by single spaces")
        return
    _check_scalar(key, value, bad)


def _check_scalar(key: str, item: Any, bad: Callable[[str], CorpusError]) -> None:
    if not isinstance(item, str):
        raise bad("expected strings")
    allowed = VOCABULARY.get(key)
    if allowed is not None and item not in allowed:
        raise bad(f"{item!r} is not in the vocabulary")
    pattern = PATTERNS.get(key)
    if pattern is not None and not pattern.fullmatch(item):
        raise bad(f"{item!r} does not match {pattern.pattern}")


def parse_line(line: str, where: str) -> Case:
    """One JSON Lines record → Case, or CorpusError naming where and what is wrong."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: not valid JSON: {exc.msg}") from None
    if not isinstance(record, dict) or set(record) - {"name", "expected", "tags"}:
        raise CorpusError(f"{where}: expected an object with name, expected, tags")
    name, expected, tags = record.get("name"), record.get("expected"), record.get("tags", [])
    if not isinstance(name, str) or not name.strip():
        raise CorpusError(f"{where}: field 'name': expected a non-empty string")
    if not isinstance(expected, dict) or not expected:
        raise CorpusError(f"{where}: field 'expected': expected a non-empty object")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise CorpusError(f"{where}: field 'tags': expected a list of strings")
    for key, value in expected.items():
        if key not in KNOWN_FIELDS:
            raise CorpusError(f"{where}: field {key!r}: unknown field")
        _check_value(key, value, where)
    return Case(name=name, expected=expected, tags=tuple(tags), where=where)


def load_corpus(paths: Iterable[Path] = DEFAULT_FILES) -> list[Case]:
    """Every case of every file, in order; a duplicate name is an error naming both lines."""
    cases: list[Case] = []
    first_seen: dict[str, str] = {}
    for path in paths:
        with Path(path).open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                case = parse_line(line, where)
                if case.name in first_seen:
                    raise CorpusError(
                        f"{where}: field 'name': duplicate of {first_seen[case.name]}"
                    )
                first_seen[case.name] = where
                cases.append(case)
    return cases


def _norm_text(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def _norm_site(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    site = value.strip().lower()
    return site[4:] if site.startswith("www.") else site


def field_matches(key: str, expected: Any, actual: Mapping[str, Any]) -> bool:
    """Whether a parser's output (our vocabulary, as `ReleaseName.to_dict()`) gets `key` right."""
    if key == "languages_contains":
        return set(expected) <= set(actual.get("languages") or ())
    got = actual.get(key)
    if key in LIST_FIELDS:
        return set(expected) == set(got or ())
    if key in BOOL_FIELDS:
        return bool(got) == expected
    if expected is None:
        return got in (None, "", (), [])
    if key in TEXT_FIELDS:
        return _norm_text(got) == _norm_text(expected)
    if key == "website":
        return _norm_site(got) == _norm_site(expected)
    if key == "date" and isinstance(got, dt.date):
        got = got.isoformat()
    return bool(got == expected)


def score(cases: Iterable[Case], outputs: Iterable[Mapping[str, Any]]) -> Scorecard:
    """Field-by-field tally of `outputs` (one per case, same order) against the labels."""
    card = Scorecard()
    for case, actual in zip(cases, outputs, strict=True):
        card.cases += 1
        for key, expected in case.expected.items():
            tally = card.fields.setdefault(key, FieldScore())
            tally.asserted += 1
            if field_matches(key, expected, actual):
                tally.right += 1
            else:
                shown = actual.get("languages" if key == "languages_contains" else key)
                card.misses.append(Miss(case, key, expected, shown))
    return card


def coverage(cases: Iterable[Case]) -> dict[str, int]:
    """Cases per tag, most common first (docs/corpus.md quotes this)."""
    counts: dict[str, int] = {}
    for case in cases:
        for tag in case.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


if __name__ == "__main__":  # print the corpus's size and coverage
    loaded = load_corpus()
    asserted = sum(len(case.expected) for case in loaded)
    print(f"{len(loaded)} cases, {asserted} asserted fields")
    for tag, count in coverage(loaded).items():
        print(f"{tag:14} {count:5}")
    per_field: dict[str, int] = {}
    for case in loaded:
        for key in case.expected:
            per_field[key] = per_field.get(key, 0) + 1
    for key, count in sorted(per_field.items(), key=lambda item: -item[1]):
        print(f"field {key:20} {count:5}")
