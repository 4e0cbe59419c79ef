"""The scratch record one parse fills (`Fields`), the patterned tokens it applies (SxxExx,
1x02, dates, WxH, channels) and the frozen `ReleaseName` built from it at the end.
"""

from __future__ import annotations

import datetime as dt

from scenescope.names.episodes import MAX_EPISODES, cross_episode, resolution_of, season_episodes
from scenescope.names.record import ReleaseName, record_from_values
from scenescope.names.vocabulary import LOOKUP, Hit

_MULTI_FIELDS = frozenset({"hdr", "languages", "subtitles", "edition", "flags", "other"})
_FIRST_WINS = frozenset(
    {"resolution", "resolution_alias", "source", "video_codec", "streaming_service"}
)
_NON_VIDEO = frozenset({"ebook", "audiobook"})


def span_text(text: str, start: int, end: int) -> str | None:
    """Words of text[start:end] joined by single spaces; dots are separators only in names
    written without spaces (scene style), so `Kill Bill: Vol. 1` keeps its dot."""
    span = text[start:end].replace("_", " ")
    words = (span if " " in text else span.replace(".", " ")).split()
    joined = " ".join(words).strip(" -([{,+")
    return joined or None


class Fields:
    """Mutable scratch for one name; turned into the frozen ReleaseName once at the end."""

    __slots__ = (
        "absolute",
        "audio_channels",
        "audio_codec",
        "bit_depth",
        "container",
        "date",
        "episodes",
        "multi",
        "paren_year",
        "resolution",
        "resolution_alias",
        "saw_uhd",
        "season",
        "season_one",
        "season_pack",
        "source",
        "streaming_service",
        "sub_mode",
        "title_floor",
        "unparsed",
        "video_codec",
        "website",
        "year",
    )

    def __init__(self) -> None:
        self.audio_channels: str | None = None
        self.audio_codec: str | None = None
        self.bit_depth: int | None = None
        self.container: str | None = None
        self.date: dt.date | None = None
        self.episodes: tuple[int, ...] = ()
        self.multi: dict[str, list[str]] = {}
        self.resolution: str | None = None
        self.resolution_alias: str | None = None
        self.season: int | None = None
        self.season_pack = False
        self.season_one = False  # `E07-E08`, `Part.2`: a mini-series, season 1
        self.sub_mode = False  # after `SUB`, languages are subtitles (`SUB ITA ENG`)
        self.title_floor = 0  # 1 when the name starts with an article
        self.source: str | None = None
        self.streaming_service: str | None = None
        self.video_codec: str | None = None
        self.website: str | None = None
        self.year: int | None = None
        self.absolute = False
        self.paren_year = False
        self.saw_uhd = False
        self.unparsed: list[str] = []

    def apply(self, hit: Hit) -> None:
        for field, value in hit[1]:
            if field in _FIRST_WINS:
                if getattr(self, field) is None:
                    setattr(self, field, value)
            elif field in _MULTI_FIELDS:
                values = self.multi.setdefault(field, [])
                if value not in values:
                    values.append(value)
            elif field == "audio_codec":
                self._audio(value)
            elif field == "bit_depth":
                if self.bit_depth is None:
                    self.bit_depth = int(value)
            elif field == "season_pack":
                self.season_pack = True
            elif getattr(self, field) is None:
                setattr(self, field, value)

    def _audio(self, value: str) -> None:
        current = self.audio_codec
        if current is None or (current != value and value.startswith(current)):
            self.audio_codec = value
        elif value == "atmos":
            self._other("atmos")
        elif current == "atmos":
            self.audio_codec = value
            self._other("atmos")

    def _other(self, value: str) -> None:
        values = self.multi.setdefault("other", [])
        if value not in values:
            values.append(value)


def apply_pattern(kind: str, word: str, out: Fields) -> None:
    if kind == "sxe":
        season, episodes, last_season = season_episodes(word)
        if out.season is None:
            out.season = season
            out.episodes = episodes
            if last_season is not None:
                out.season_pack = True
    elif kind == "nxn":
        season, crossed = cross_episode(word)
        episode = crossed[-1]
        if out.season is None:
            out.season, out.episodes = season, crossed
        elif out.season == season and out.episodes:  # `1x01-1x02`: a range of episodes
            previous = out.episodes[-1]
            if previous < episode <= previous + MAX_EPISODES:
                out.episodes = out.episodes + tuple(range(previous + 1, episode + 1))
    elif kind == "ep":
        episode_digits = word.lstrip("EePp")
        number = int(episode_digits)
        if not out.episodes:
            out.episodes = (number,)
            out.season_one = out.season is None and len(episode_digits) <= 2
        elif out.season_one and out.episodes[-1] < number <= out.episodes[-1] + MAX_EPISODES:
            out.episodes = out.episodes + tuple(range(out.episodes[-1] + 1, number + 1))
        elif number == out.episodes[-1] + 1 and len(out.episodes) < MAX_EPISODES:
            out.episodes = (*out.episodes, number)  # `S03E01.E02`
    elif kind == "erange":
        first, _, last = word.partition("-")
        low_number, high_number = int(first), int(last)
        if not out.episodes and low_number < high_number <= low_number + MAX_EPISODES:
            out.episodes = tuple(range(low_number, high_number + 1))
            out.absolute = out.season is None
    elif kind == "anv":
        if not out.episodes:
            out.episodes = (int(word[:-2]),)
            out.absolute = out.season is None
    elif kind == "date" or kind == "dmy" or kind == "ydm":
        digits = [int(part) for part in _split_date(word)]
        if kind == "date":
            year, month, day = digits
        elif kind == "ydm":
            year, day, month = digits
        else:
            day, month, year = digits
        try:
            out.date = out.date or dt.date(year, month, day)
        except ValueError:
            out.unparsed.append(word)
    elif kind == "wxh":
        if out.resolution is None:
            out.resolution = resolution_of(word)
    elif kind == "ach":
        prefix = word[:-3].lower()
        hit = LOOKUP.get(prefix)
        if hit is not None:
            out.apply(hit)
        if out.audio_channels is None:
            out.audio_channels = word[-3:]
    elif kind == "ch":
        if out.audio_channels is None:
            out.audio_channels = word
    elif kind == "hdot" and out.video_codec is None:
        out.video_codec = "h264" if word.endswith("4") else "h265"


def _music_layout(text: str, year: int | None) -> bool:
    """Scene music and music-video names: fields joined by dashes, words by underscores, no
    dots or spaces (`Artist-Title-DDC-1080p-x264-2024-GRP`, `Artist-Show-SAT-02-01-2024-GRP`)."""
    return (
        year is not None
        and "." not in text
        and " " not in text
        and text.count("-") >= 4
        and f"-{year}-" in text
    )


def _split_date(word: str) -> list[str]:
    return (
        [word[:4], word[5:7], word[8:10]]
        if word[4] in "._ -"
        else [word[:2], word[3:5], word[6:10]]
    )


def build_record(
    name: str,
    out: Fields,
    title: str | None,
    episode_title: list[int],
    text: str,
    group: str | None,
    certain: bool = False,
) -> ReleaseName:
    multi = out.multi
    empty: tuple[str, ...] = ()
    other = tuple(multi["other"]) if "other" in multi else empty
    source = out.source
    if source == "bluray" and out.saw_uhd:
        source = "uhd-bluray"
    if source is None and out.streaming_service is not None:
        source = "web"
    elif source is None and "remux" in other:
        source = "uhd-bluray" if out.saw_uhd else "bluray"  # `Remux-1080p`: a disc remux
    resolution = out.resolution or out.resolution_alias
    episodes = out.episodes
    season = out.season
    if season is None and out.season_one and episodes:
        season = 1
    season_pack = out.season_pack or (out.season is not None and not episodes)
    if (other and not _NON_VIDEO.isdisjoint(other)) or _music_layout(
        text, out.year or (out.date.year if out.date else None)
    ):
        kind = "other"
    elif season is not None or episodes or out.date is not None or season_pack:
        kind = "episode"
    elif (
        resolution is not None
        or out.video_codec is not None
        or out.streaming_service is not None
        or "hdr" in multi
        or (source is not None and source != "web")  # a bare WEB tag is also music's
        or "remux" in other
    ):
        kind = "movie"
    elif (out.paren_year or out.container is not None) and out.audio_codec is None and not other:
        kind = "movie"  # `Dune (2021)`, `The.Matrix.1999.mkv`: a film with nothing else said
    else:
        kind = "other"
        if out.year is not None and not out.multi and out.source is None:
            certain = False  # `The.Matrix.1999`: a title and a year could be anything
    # one value per ReleaseName field, in declaration order (record.FIELD_NAMES)
    return record_from_values(
        (
            name,
            title,
            out.year,
            kind,
            season,
            episodes,
            out.absolute and bool(episodes),
            season_pack,
            out.date,
            span_text(text, episode_title[0], episode_title[1]) if episode_title else None,
            resolution,
            source,
            out.streaming_service,
            out.video_codec,
            out.audio_codec,
            out.audio_channels,
            tuple(multi["hdr"]) if "hdr" in multi else empty,
            out.bit_depth,
            tuple(multi["languages"]) if "languages" in multi else empty,
            tuple(multi["subtitles"]) if "subtitles" in multi else empty,
            tuple(multi["edition"]) if "edition" in multi else empty,
            tuple(multi["flags"]) if "flags" in multi else empty,
            other,
            group,
            out.container,
            out.website,
            tuple(out.unparsed) if out.unparsed else empty,
            certain,
        )
    )
