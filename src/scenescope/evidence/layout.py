"""What a file or folder name says about a medium's layout, independent of the store: release
names, containers inside a release (Sample/, Proof/, Subs/, CD1/), disc structures (BDMV/,
VIDEO_TS/) and volume labels (`TITLE_2020_BD50`), topsite sections, pre folders, download
folders. The triage (analysis/evidence.py) builds on these verdicts."""

from __future__ import annotations

import re
from functools import lru_cache

from scenescope.names import parse

# Folders inside a release that belong to it
CONTAINERS = frozenset(
    {
        "sample",
        "samples",
        "proof",
        "proofs",
        "subs",
        "sub",
        "subtitles",
        "covers",
        "cover",
        "extras",
        "featurettes",
        "vobsubs",
        "idx",
    }
)
_CONTAINER_RE = re.compile(r"^(cd|disc|disk|dvd|d)[ ._-]?\d{1,2}$", re.IGNORECASE)
# Disc structure folders: their parent is a disc (an untouched rip or a COMPLETE release)
DISC_DIRS = frozenset({"bdmv", "video_ts", "audio_ts", "certificate", "aacs", "bdsvm"})
DISC_INNER = frozenset(
    {"stream", "playlist", "clipinf", "backup", "meta", "bdjo", "jar", "auxdata"}
)
VIDEO_EXTENSIONS = frozenset(
    {"mkv", "mp4", "avi", "m2ts", "ts", "vob", "wmv", "mov", "m4v", "mpg", "mpeg", "webm"}
)
IMAGE_EXTENSIONS = frozenset({"iso", "img", "bin", "nrg", "mdf"})
_RAR_VOLUME = re.compile(r"\.(rar|r\d{2,3}|s\d{2}|\d{3})$", re.IGNORECASE)
_PART_RAR = re.compile(r"\.part\d{1,4}\.rar$", re.IGNORECASE)
_VOLUME_LABEL = re.compile(r"^[A-Z0-9][A-Z0-9_]*$")
_LABEL_DISC_TOKEN = re.compile(r"(^|_)(BD(25|50|66|100)|DVD[59]?|UHD|D\d|DISC_?\d|BLURAY|BR)(_|$)")
_SECTION = re.compile(
    r"^_?(MOVIES?|TV|X264|X265|H264|H265|BLURAY|BLU-RAY|BD|DVDR|DVD|XVID|UHD|2160P|1080P|720P|"
    r"SD|HD|MP3|FLAC|0DAY|GAMES?|EBOOKS?|APPS|PDA|MVID|MDVDR|XXX|ANIME|SPORTS?|DOX|"
    r"FOREIGN|GERMAN|FRENCH|NL|NORDIC|PRE|ARCHIVE|REQUESTS?|REQS|INCOMING|SPEEDTEST|WEB|WEBRIP|"
    r"COMPLETE|PACKS?|SCENE|SITE|PRIVATE|STAFF|UPLOADS?)"
    r"([-_.](MOVIES?|TV|X264|X265|H264|H265|BLURAY|BD|DVDR|DVD|XVID|UHD|2160P|1080P|720P|SD|HD|"
    r"FOREIGN|GERMAN|FRENCH|PACKS?|WEB|WEBRIP|DE|FR|NL|ARCHIVE|OLD|\d{2,4}))*$",
    re.IGNORECASE,
)
# folders only a topsite (glftpd and its scripts) has; generic words (site, incoming) are not
SITE_MARKERS = frozenset({"glftpd", "ftp-data", "_pre", "pzs-ng", "sitebot", "eggdrop"})
DOWNLOAD_MARKERS = frozenset(
    {
        "downloads",
        "download",
        "torrents",
        "torrent",
        "complete",
        "completed",
        "incomplete",
        "usenet",
        "nzb",
        "sabnzbd",
        "nzbget",
        "qbittorrent",
        "utorrent",
        "transmission",
        "films",
        "movies",
        "tv shows",
        "series",
        "videos",
        "plex",
        "media",
    }
)
DOWNLOAD_EXTENSIONS = frozenset({"torrent", "nzb", "part", "!qb", "!ut", "crdownload", "aria2"})


def extension(name: str) -> str:
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def is_container(name: str) -> bool:
    low = name.lower()
    return low in CONTAINERS or bool(_CONTAINER_RE.match(name))


def is_disc_dir(name: str) -> bool:
    return name.lower() in DISC_DIRS


def is_section(name: str) -> bool:
    """A topsite section folder (MOVIES-X264, TV-1080P, _PRE, ARCHIVE)."""
    # sections are written in capitals (MOVIES-X264, 0DAY, _PRE); `Archive`, `games` are not
    return "." not in name.strip(".") and name == name.upper() and bool(_SECTION.match(name))


def is_volume_label(name: str) -> bool:
    """A disc's volume label as rippers name their folders: `GENTLE_RUNWAY_2020_BD50`."""
    if not _VOLUME_LABEL.match(name) or len(name) < 4 or is_section(name):
        return False
    return name.count("_") >= 1 or bool(_LABEL_DISC_TOKEN.search(name))


def archive_stem(name: str) -> str | None:
    """The set name of a RAR volume (`x.part01.rar`, `x.r00`, `x.rar`, `x.001`), else None."""
    if _PART_RAR.search(name):
        return _PART_RAR.sub("", name)
    if _RAR_VOLUME.search(name):
        return _RAR_VOLUME.sub("", name)
    return None


def is_rar_volume(name: str) -> bool:
    return archive_stem(name) is not None


def label_title(label: str) -> tuple[str, int | None]:
    """Title words and year of a volume label (`GENTLE_RUNWAY_2020_BD50` -> Gentle Runway, 2020)."""
    words = [w for w in re.split(r"[_\s.]+", label) if w]
    year = None
    kept: list[str] = []
    for word in words:
        if _LABEL_DISC_TOKEN.search(word.upper()) or word.upper() in ("DISC", "DISK", "EXTRAS"):
            continue
        if re.fullmatch(r"(19|20)\d{2}", word) and kept:
            year = int(word)
            continue
        kept.append(word)
    return " ".join(w.capitalize() for w in kept), year


_SITE_PREFIX = (
    re.compile(r"^\s*\[\s*(www\.)?[\w-]+(\.[\w-]+)+\s*\]\s*[-_ ]*"),  # [ www.site.org ] Name
    re.compile(
        r"^\s*(www\.)?[\w-]+(\.[\w-]+)*\.[a-z]{2,8}\s+-\s+", re.IGNORECASE
    ),  # site.org - Name
    re.compile(r"^\s*\[[^\]]{1,30}\]\s*"),  # [ettv] Name
)
_TAG_SUFFIX = re.compile(r"^(.*-[A-Za-z0-9]{2,20})\s*[\[{(][^\]})]{1,30}[\]})]$")


@lru_cache(maxsize=200_000)
def strip_site_tags(name: str) -> str:
    """A name without the site tags lower tiers add (`www.site.org - `, `[ettv]`,
    `-GROUP[eztv]`), as the release was named on the Scene."""
    for pattern in _SITE_PREFIX:
        cleaned = pattern.sub("", name, count=1)
        if cleaned != name and len(cleaned) > 5:
            name = cleaned
            break
    tagged = _TAG_SUFFIX.match(name)
    return tagged[1] if tagged else name


_SEPARATED = re.compile(r"[ ._\-\[\](){}]")


@lru_cache(maxsize=200_000)
def release_like(name: str) -> bool:
    """Does a folder or file stem read like a release name (scene or P2P) rather than an
    ordinary folder? Title plus format words, or an episode, or a tagged group with a year."""
    if len(name) < 8 or not _SEPARATED.search(name):  # 'pkg117900': one word is no release
        return False
    if is_container(name) or is_disc_dir(name) or is_section(name):
        return False
    if is_volume_label(name):
        return False
    parsed = parse(name)
    if not parsed.title:
        return False
    formats = sum(1 for v in (parsed.source, parsed.resolution, parsed.video_codec) if v)
    if parsed.group and formats >= 1 and ("." in name or "_" in name or " " in name):
        return True
    if parsed.season is not None or parsed.episodes or parsed.date is not None:
        return formats >= 1 or bool(parsed.group)
    return formats >= 2 or (formats >= 1 and parsed.year is not None)
