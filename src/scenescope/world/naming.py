"""Writes release names the way groups do: scene names per format and P2P renames.

The simulator's own writer, built from the naming rules in shared/DESIGN.md (it never uses
the project's parser): `Title.Year[.Edition][.FLAGS].Format-GROUP`, TV `Show.S01E02...`,
daily shows by date, foreign tags, and the P2P habits (spaces, brackets, site tags, paths).
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
from dataclasses import dataclass

from anyascii import anyascii

from scenescope.world.draw import below, pick_one


@dataclass(frozen=True, slots=True)
class Format:
    """One release format: its source class, the name tokens, and the predb sections."""

    key: str
    source_class: str  # retail-disc / web / cam / screener / hdtv
    tokens: str  # what follows title/year/flags, before -GROUP
    movie_category: str
    tv_category: str
    size_mb: float  # typical size of a movie in this format (TV episodes: a fifth)
    language: str = ""  # "", "fr", "de": where the release's own window is measured


def _f(key: str, cls: str, tokens: str, movie: str, tv: str, size: float, lang: str = "") -> Format:
    return Format(key, cls, tokens, movie, tv, size, lang)


FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        _f("1080p.bluray.x264", "retail-disc", "1080p.BluRay.x264", "X264-HD", "TV-HD", 9000),
        _f("720p.bluray.x264", "retail-disc", "720p.BluRay.x264", "X264-HD", "TV-HD", 5000),
        _f("2160p.uhd.x265", "retail-disc", "2160p.UHD.BluRay.x265", "X265", "TV-UHD", 22000),
        _f("1080p.bluray.x265", "retail-disc", "1080p.BluRay.x265", "X265", "TV-HD", 6000),
        _f("bdrip", "retail-disc", "BDRip.x264", "X264-SD", "TV-SD", 1100),
        _f("dvdrip", "retail-disc", "DVDRip.x264", "X264-SD", "TV-SD", 900),
        _f("dvdr", "retail-disc", "NTSC.DVDR", "DVDR", "DVDR", 7600),
        _f("complete.bluray", "retail-disc", "COMPLETE.BLURAY", "BLURAY", "BLURAY", 42000),
        _f(
            "complete.uhd.bluray",
            "retail-disc",
            "2160p.COMPLETE.UHD.BLURAY",
            "BLURAY",
            "BLURAY",
            60000,
        ),
        _f("1080p.web.h264", "web", "1080p.WEB.H264", "X264-HD", "TV-HD", 5500),
        _f("720p.web.h264", "web", "720p.WEB.H264", "X264-HD", "TV-HD", 3000),
        _f("2160p.web.h265", "web", "2160p.WEB.H265", "X265", "TV-UHD", 15000),
        _f("web.h264.sd", "web", "WEB.H264", "X264-SD", "TV-SD", 800),
        _f("1080p.webrip.x264", "web", "1080p.WEBRip.x264", "X264-HD", "TV-HD", 4000),
        _f("720p.webrip.x264", "web", "720p.WEBRip.x264", "X264-HD", "TV-HD", 2200),
        _f("cam.x264", "cam", "CAM.x264", "X264-SD", "TV-SD", 1400),
        _f("hdcam.x264", "cam", "HDCAM.x264", "X264-SD", "TV-SD", 1800),
        _f("hdts.x264", "cam", "HDTS.x264", "X264-SD", "TV-SD", 1600),
        _f("ts.xvid", "cam", "TS.XviD", "XVID", "XVID", 1400),
        _f("dvdscr.x264", "screener", "DVDSCR.x264", "X264-SD", "TV-SD", 1100),
        _f("dvdscr.xvid", "screener", "DVDSCR.XviD", "XVID", "XVID", 1400),
        _f("720p.hdtv.x264", "hdtv", "720p.HDTV.x264", "X264-HD", "TV-HD", 6000),
        _f("1080p.hdtv.x264", "hdtv", "1080p.HDTV.x264", "X264-HD", "TV-HD", 9000),
        _f("hdtv.x264", "hdtv", "HDTV.x264", "X264-SD", "TV-SD", 1500),
        _f("anime.1080p.web.h264", "web", "1080p.WEB.H264", "ANIME", "ANIME", 5500),
        _f("anime.720p.web.h264", "web", "SUBBED.720p.WEB.H264", "ANIME", "ANIME", 3000),
        _f(
            "french.1080p.bluray.x264",
            "retail-disc",
            "FRENCH.1080p.BluRay.x264",
            "FOREIGN",
            "FOREIGN",
            9000,
            "fr",
        ),
        _f(
            "french.720p.bluray.x264",
            "retail-disc",
            "FRENCH.720p.BluRay.x264",
            "FOREIGN",
            "FOREIGN",
            5000,
            "fr",
        ),
        _f(
            "french.1080p.web.h264",
            "web",
            "FRENCH.1080p.WEB.H264",
            "FOREIGN",
            "FOREIGN",
            5500,
            "fr",
        ),
        _f(
            "multi.1080p.bluray.x264",
            "retail-disc",
            "MULTi.1080p.BluRay.x264",
            "FOREIGN",
            "FOREIGN",
            11000,
            "fr",
        ),
        _f("french.dvdr", "retail-disc", "FRENCH.PAL.DVDR", "DVDR", "DVDR", 7600, "fr"),
        _f(
            "french.720p.hdtv.x264",
            "hdtv",
            "FRENCH.720p.HDTV.x264",
            "FOREIGN",
            "FOREIGN",
            6000,
            "fr",
        ),
        _f(
            "german.dl.1080p.bluray.x264",
            "retail-disc",
            "German.DL.1080p.BluRay.x264",
            "FOREIGN",
            "FOREIGN",
            9500,
            "de",
        ),
        _f(
            "german.dl.720p.bluray.x264",
            "retail-disc",
            "German.DL.720p.BluRay.x264",
            "FOREIGN",
            "FOREIGN",
            5500,
            "de",
        ),
        _f(
            "german.dl.1080p.web.h264",
            "web",
            "German.DL.1080p.WEB.h264",
            "FOREIGN",
            "FOREIGN",
            6000,
            "de",
        ),
        _f(
            "german.dl.720p.web.h264",
            "web",
            "German.DL.720p.WEB.h264",
            "FOREIGN",
            "FOREIGN",
            3500,
            "de",
        ),
        _f("german.720p.web.h264", "web", "GERMAN.720p.WEB.h264", "FOREIGN", "FOREIGN", 3000, "de"),
        _f(
            "german.720p.hdtv.x264",
            "hdtv",
            "GERMAN.720p.HDTV.x264",
            "FOREIGN",
            "FOREIGN",
            5000,
            "de",
        ),
        _f("german.dvdr", "retail-disc", "GERMAN.PAL.DVDR", "DVDR", "DVDR", 7600, "de"),
    )
}

SERVICES: tuple[str, ...] = ("AMZN", "NF", "DSNP", "HMAX", "ATVP", "HULU", "PCOK", "iT")
EDITIONS: tuple[str, ...] = (
    "EXTENDED",
    "UNRATED",
    "Directors.Cut",
    "REMASTERED",
    "THEATRICAL",
    "iNTERNAL.EXTENDED",
)
_GUESTS: tuple[str, ...] = (
    "Jane.Marlow",
    "Tom.Avery",
    "Priya.Nand",
    "Luis.Ortega",
    "Kim.Sato",
    "Ada.Brennan",
    "Olu.Bakare",
    "Eva.Lind",
)
_EPISODE_WORDS: tuple[str, ...] = (
    "Pilot",
    "The.Long.Night",
    "Homecoming",
    "Aftermath",
    "Crossroads",
    "The.Reckoning",
    "Fallout",
    "Reunion",
)
_P2P_SITES: tuple[str, ...] = ("[eztvx]", "[TGxx]", "[mirrorbay]", "[TorrentHaven]")
_P2P_PREFIXES: tuple[str, ...] = (
    "www.TorrentHaven.example - ",
    "www.MovieDock.example - ",
    "[ www.FileRiver.example ] ",
)

_NON_WORD = re.compile(r"[^A-Za-z0-9]+")


@functools.lru_cache(maxsize=65536)
def dotted(title: str) -> str:
    """A catalog title as scene names write it: transliterated to ASCII (é → e, ß → ss,
    Ø → O), & → and, apostrophes dropped, words dotted."""
    plain = anyascii(title).replace("&", " and ").replace("'", "")
    return _NON_WORD.sub(".", plain).strip(".")


def name_key(title: str) -> str:
    """What two titles must differ in for their scene names to differ."""
    return dotted(title).lower()


def _tokens(fmt: Format, group_lower: bool, service: str | None) -> str:
    tokens = fmt.tokens
    if group_lower:
        tokens = tokens.replace("H264", "h264").replace("H265", "h265")
    if service and fmt.source_class == "web" and ".WEB" in tokens:
        tokens = (
            tokens.replace(".WEB", f".{service}.WEB", 1)
            if "." in tokens.split("WEB")[0]
            else f"{service}.{tokens}"
        )
    return tokens


def movie_name(
    title: str,
    year: int,
    fmt: Format,
    group: str,
    flags: tuple[str, ...] = (),
    edition: str | None = None,
    service: str | None = None,
    lower_codec: bool = False,
) -> str:
    """`Title.Year[.Edition][.FLAGS].Format-GROUP`."""
    parts = [dotted(title), str(year)]
    if edition:
        parts.append(edition)
    parts.extend(flags)
    parts.append(_tokens(fmt, lower_codec, service))
    return ".".join(parts) + "-" + group


def episode_name(
    show: str,
    season: int,
    episode: int,
    fmt: Format,
    group: str,
    flags: tuple[str, ...] = (),
    year: int | None = None,
    country: str = "",
    episode_title: str | None = None,
    service: str | None = None,
    lower_codec: bool = False,
) -> str:
    """`Show[.Year][.US].S01E02[.Episode.Title][.FLAGS].Format-GROUP` (episode 0 = season pack)."""
    parts = [dotted(show)]
    if year:
        parts.append(str(year))
    if country:
        parts.append(country)
    parts.append(f"S{season:02d}" if episode == 0 else f"S{season:02d}E{episode:02d}")
    if episode_title:
        parts.append(episode_title)
    parts.extend(flags)
    parts.append(_tokens(fmt, lower_codec, service))
    return ".".join(parts) + "-" + group


def daily_name(
    show: str,
    air: dt.date,
    fmt: Format,
    group: str,
    guest: str | None,
    flags: tuple[str, ...] = (),
    lower_codec: bool = False,
) -> str:
    """`Show.2020.08.25[.Guest.Name][.FLAGS].Format-GROUP`."""
    parts = [dotted(show), f"{air.year}.{air.month:02d}.{air.day:02d}"]
    if guest:
        parts.append(guest)
    parts.extend(flags)
    parts.append(_tokens(fmt, lower_codec, None))
    return ".".join(parts) + "-" + group


def pick_guest(rng: random.Random) -> str | None:
    return pick_one(rng.random, _GUESTS) if rng.random() < 0.7 else None


def pick_episode_title(rng: random.Random) -> str | None:
    return pick_one(rng.random, _EPISODE_WORDS) if rng.random() < 0.12 else None


def p2p_name(scene_name: str, rng: random.Random) -> str:
    """How a lower tier renames a scene release: spaces, brackets, site tags, file paths."""
    style = below(rng.random, 5)
    if style == 0:
        return scene_name + pick_one(rng.random, _P2P_SITES)
    if style == 1:
        return pick_one(rng.random, _P2P_PREFIXES) + scene_name
    if style == 2:
        base, _, group = scene_name.rpartition("-")
        return f"{base}-{group}/{group.lower()}-{base.lower()[:24].strip('.')}.mkv"
    if style == 3:
        return scene_name + ".mkv"
    base = scene_name.rpartition("-")[0]
    words = base.split(".")
    year_at = next(
        (
            i
            for i, w in enumerate(words)
            if len(w) == 4 and w.isdigit() and 1900 < int(w) < 2100 and i > 0
        ),
        None,
    )
    if year_at is None:
        return " ".join(words)
    title = " ".join(words[:year_at])
    rest = [w for w in words[year_at + 1 :] if w]
    quality = next((w for w in rest if w.endswith("p") and w[:-1].isdigit()), "")
    return f"{title} ({words[year_at]}) [{quality or 'SD'}] [{rest[-1] if rest else ''}]"


# ---- non-film noise names -------------------------------------------------------------

_ARTISTS = (
    "Nightfall_Echo",
    "The_Paper_Kites_Club",
    "DJ_Marlow",
    "Velvet_Sunrise",
    "Kestrel_and_the_Tide",
    "MC_Orchard",
    "Lumen_Quartet",
    "Frostline",
    "Ashford_Crew",
)
_ALBUMS = (
    "Silent_Harbor",
    "Electric_Meadow",
    "Northern_Lights_EP",
    "Broken_Signals",
    "Live_at_Calder",
    "Remixes_Vol_2",
    "Tender_Frontier",
    "Hollow_Tide",
)
_GAMES = (
    "Iron.Citadel",
    "Harbor.Tycoon",
    "Frozen.Frontier",
    "Signal.Lost",
    "Ember.Quest",
    "Canyon.Racer.2",
    "Outpost.Defender",
    "Labyrinth.Legends",
)
_BOOKS = (
    "The.Quiet.Orchard",
    "Cooking.with.Clara",
    "Learning.Python.Fast",
    "Travel.Guide.Varenna",
    "History.of.the.Harbor",
    "Gardening.Basics",
)
_APPS = ("PhotoForge", "TaskLantern", "CodeHarbor", "AudioMeadow", "VPNish", "NoteSummit")


_GAME_TAGS = ("MULTi5", "PLAZA", "REPACK")
_LABELS = ("HRB", "MDW", "NSR", "VLT", "KST", "ORC", "FRS", "ASH")


def noise_name(category: str, group: str, day: dt.date, serial: int, rng: random.Random) -> str:
    """A non-film release name for a noise category (MP3, FLAC, GAMES, EBOOK, 0DAY...).

    `serial` (the category's running count) goes into a catalog number, build, issue or
    version, so no two releases of a category share a name: the Scene never pres a dupe
    name, and a predb keys releases by name."""
    draw = rng.random
    year = day.year
    if category in ("MP3", "FLAC", "MVID"):
        artist, album = pick_one(draw, _ARTISTS), pick_one(draw, _ALBUMS)
        number = f"({pick_one(draw, _LABELS)}{serial:05d})"
        if category == "MVID":
            return f"{artist}-{album}-{number}-DVBS-x264-{year}-{group}"
        src = pick_one(draw, ("WEB", "CD", "WEB", "Vinyl"))
        tag = "-FLAC" if category == "FLAC" else ""
        return f"{artist}-{album}-{number}-{src}{tag}-{year}-{group}"
    if category == "GAMES":
        game = pick_one(draw, _GAMES)
        if draw() < 0.4:
            return f"{game}.Update.v{1 + serial // 1000}.{serial % 1000}-{group}"
        if draw() < 0.3:
            return f"{game}.Build.{10000 + serial}.NSW-{group}"
        return f"{game}.Build.{10000 + serial}.{pick_one(draw, _GAME_TAGS)}-{group}"
    if category == "EBOOK":
        return f"{pick_one(draw, _BOOKS)}.No.{serial + 1}.{year}.RETAIL.EPUB.eBook-{group}"
    version = f"v{1 + serial // 100}.{serial % 100}"
    if category == "PDA":
        return f"{pick_one(draw, _APPS)}.{version}.Android-{group}"
    return f"{pick_one(draw, _APPS)}.Pro.{version}.{below(draw, 99)}.WiN64-{group}"
