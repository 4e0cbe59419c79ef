"""Split a release name into tokens: edges first (path, extension, site tags, anime group
prefix, CRC), then one precompiled regex whose named alternatives mark the patterned tokens
(SxxExx, dates, WxH, channels) and plain words. Work per name is bounded by `MAX_CHARS`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from scenescope.names.layouts import rewrite_layout
from scenescope.names.vocabulary import (
    COMPOUNDS,
    EXTENSIONS,
    LOOKUP,
    P2P_SUFFIXES,
    SITE_TAGS,
    SUBTITLE_EXTENSIONS,
    VIDEO_EXTENSIONS,
)

# Names are hostile input: only this many characters are read (no real name comes close).
MAX_CHARS = 1024
# One token per match; `m.lastgroup` names the kind ("w" and "v" are plain words). Plain
# words that start with a letter are tried first (the common case, atomic so they never
# backtrack); other alternatives are only tried where their first character fits. Every
# alternative is linear: bounded repetitions, no nested quantifiers, no catastrophic
# backtracking.
TOKEN_RE = re.compile(
    r"""
     (?P<w>(?![SsEeHhXx][\d.]|[Ee][Pp]\d)(?>[^\W\d_][^\W_]*\+?)(?!\.?\d))
    |(?=\d)(?:
      (?P<date>(?:19|20)\d\d([._ -])(?:0[1-9]|1[0-2])\3(?:0[1-9]|[12]\d|3[01]))(?!\d)
     |(?P<dmy>(?:0[1-9]|[12]\d|3[01])([._ -])(?:0[1-9]|1[0-2])\5(?:19|20)\d\d)(?!\d)
     |(?P<ydm>(?:19|20)\d\d([._ -])(?:1[3-9]|2\d|3[01])\7(?:0[1-9]|1[0-2]))(?!\d)
     |(?P<wxh>\d{3,4}[xX×]\d{3,4})(?![^\W_])
     |(?P<nxn>\d{1,2}[xX]\d{1,3}(?:[xX]\d{1,3}){0,3})(?![^\W_])
     |(?P<anv>\d{1,4}[vV]\d)(?![^\W_])
     |(?P<ch>[1-9]\.[0-2])(?!\.?\d|[xX]\d))
    |(?=[SsEeHhXx])(?:
      (?P<sxe>[Ss]\d{1,4}(?:[Ee][Pp]?\d{1,4}(?:-?[Ee]\d{1,4}|-\d{1,4}(?![^\W_]))*|-[Ss]\d{1,3})?(?:[vV]\d)?)
        (?![^\W_])
     |(?P<ep>[Ee][Pp]?\d{1,5})(?![^\W_])
     |(?P<hdot>[HhXx]\.26[45])(?!\d))
    |(?P<ach>[A-Za-z]{2,6}\+?[1-9]\.[0-2])(?!\.?\d)
    |(?P<v>[^\W_]+\+?)
    """,
    re.VERBOSE,
)
WORD_KINDS = frozenset({"w", "v"})
# token kinds that number an episode (or date one)
EPISODE_KINDS = frozenset({"sxe", "nxn", "ep", "anv", "date", "dmy", "ydm", "erange"})
YEAR_MIN = 1890
YEAR_MAX = dt.date.today().year + 1


def is_year(text: str) -> bool:
    """A four-digit word that can be a release year."""
    return len(text) == 4 and text.isdecimal() and YEAR_MIN <= int(text) <= YEAR_MAX


_LEADING_SITE = re.compile(
    r"""^[\s\-]*(?:
        [\[({]\s*(?P<bracket>[^\[\](){}]{1,80}?)\s*[\])}]
      | (?P<www>www\.[\w-]{1,60}(?:\.[\w-]{1,20}){1,3})
      | (?P<domain>[\w-]{1,60}\.(?:com|org|net|to|me|cc|tv|io|info|ws|se|la|xyz|mx|ru|lol|vip
            |ag|co|ch|nu|pw|biz|eu|site|uk|tw|re|am|lt|sx|li|st|rs|cx|is|fr|de|it|es|nl))
        (?=\s+-)
    )[\s\-]*""",
    re.VERBOSE | re.IGNORECASE,
)
_TRAILING_BRACKET = re.compile(r"[\s\-.]*[\[({]\s*([^\[\](){}]{1,60}?)\s*[\])}][\s\-]*$")
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]{1,60}\.[a-z]{2,6}$", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
_WORD_OR_DASHED = re.compile(r"[^\W_][\w-]{0,40}")
_CRC = re.compile(r"[\[(]([0-9A-Fa-f]{8})[\])]")
# `-GRP.en.srt`, `-GRP.eng.forced.srt`: the language (and kind) of a subtitle file
_SUBTITLE_TAIL = re.compile(r"(-[^\W_][\w]{0,40})(?:\.(?:[A-Za-z]{2,3}|forced|sdh)){1,3}$")
# `-GRP.CD1.avi`, `-GRP.Sample`: the part of a release a file is, after its group
_PART_TAIL = re.compile(r"(-[^\W_][\w]{0,40})\.(?:cd\d|disc\d|sample|hq|proof)$", re.I)
_INNER_VIDEO_EXTENSIONS = frozenset({"mkv", "mp4", "avi", "m4v"})
_PART_WORDS = frozenset(
    {"sample", "hq", "proof", *(f"{kind}{n}" for kind in ("cd", "disc") for n in range(10))}
)
_FOLDER_YEAR = re.compile(r"[(\[]((?:19|20)\d\d)[)\]]\s*$")
# folders that say what a file is, not which release it belongs to
_GENERIC_FOLDER = re.compile(r"(?:cd|disc|disk)\s?\d{1,2}|sample|samples|proof|subs|extras", re.I)
# `-GRP (1).mkv`: a download client's copy number, never part of the name
_COPY_NUMBER = re.compile(r"\s*\(\d{1,2}\)$")
# `-GRP.1`, `-GRP.mkv-xpost`: a copy number, or a repost tag after the file's own extension
_DOT_COPY = re.compile(r"(-[^\W_][\w]{1,40})\.\d{1,2}$")
_EXTENSION_THEN_TAG = re.compile(r"\.(mkv|mp4|avi|m4v)-([A-Za-z]{2,24})$", re.I)
# the `-GRP` right before a trailing bracket: that bracket is an uploader tag (`-GRP [MovCr]`)
_GROUP_WORD = re.compile(r"[^\W_][\w.]{0,40}")

Token = tuple[str, str, int, int]  # (kind, text, start, end)


@dataclass(slots=True)
class Edges:
    """What was read off the edges of a name before tokenizing it."""

    text: str
    container: str | None = None
    website: str | None = None
    bracket_group: str | None = None
    bracket_group_guess: bool = False  # `(... Encoder) [TAG]`: TAG read as the group
    uploader_tags: list[str] | None = None
    folder_year: int | None = None  # `Movies/Title (2019)/title.mkv`: the library folder's year


def _is_site(text: str) -> bool:
    low = text.lower()
    return low in SITE_TAGS or _DOMAIN.match(low) is not None


def _release_component(path: str) -> tuple[str, str | None, int | None]:
    """The path component that names the release, the file's container, and the year of a
    library folder (`Movies/Title (2019)/...`). The component is the file name, unless it is
    only a part (`grp-title-cd1.avi`, `.../Sample/grp-title-sample.mkv`): then the nearest
    folder above it that reads as a release name."""
    parts = [part.strip() for part in re.split(r"[/\\]", path.rstrip("/\\")) if part.strip()]
    if not parts:
        return "", None, None
    last = parts[-1]
    if len(parts) == 1:
        return last, None, None
    folder_year = None
    for folder in parts[-2:-4:-1]:
        m = _FOLDER_YEAR.search(folder)
        if m is not None:
            folder_year = int(m.group(1))
            break
    stem, dot, ext = last.rpartition(".")
    container = ext.lower() if dot and ext.lower() in VIDEO_EXTENSIONS else None
    if not dot or ext.lower() not in EXTENSIONS:
        stem = last
    if not _is_part_file(stem):
        return last, None, folder_year
    for folder in reversed(parts[-4:-1]):
        if _GENERIC_FOLDER.fullmatch(folder):
            continue
        if " " not in folder and _strong_markers(folder) >= 2:
            return folder, container, folder_year
        break
    return last, None, folder_year


def _is_part_file(stem: str) -> bool:
    """A file name that only says which part of a release it is (lower-case short names such
    as `grp-title-cd1`, sample and CD files), not the release itself."""
    low = stem.lower()
    if "sample" in low or re.search(r"(?:^|[.\-_])cd\d", low):
        return True
    return _strong_markers(stem) < 2


def _strong_markers(text: str) -> int:
    count = 0
    for word in _WORD.findall(text.lower()):
        hit = LOOKUP.get(word)
        if (hit is not None and hit[0]) or (len(word) == 4 and word.isdecimal()):
            count += 1
    return count


def strip_edges(name: str) -> Edges:
    """Remove path, extension, site tags, CRCs and a leading [Group] from `name`."""
    text = name[:MAX_CHARS] if len(name) > MAX_CHARS else name
    text = text.strip()
    if text[:1] in "[【" or '"' in text or "/" in text or "{" in text or "第" in text:
        text = rewrite_layout(text)
    container = None
    folder_year = None
    if "/" in text or "\\" in text:
        text, container, folder_year = _release_component(text)
    edges = Edges(text)
    edges.folder_year = folder_year
    dot = text.rfind(".")
    if dot > 0:
        ext = text[dot + 1 :].lower()
        # `.ts` is also TeleSync: only an extension right after a `-GROUP`
        if ext in EXTENSIONS and (ext != "ts" or "-" in text[:dot].rsplit(".", 1)[-1]):
            if ext in VIDEO_EXTENSIONS:
                edges.container = ext
            text = text[:dot]
            if ext in SUBTITLE_EXTENSIONS:
                text = _SUBTITLE_TAIL.sub(r"\1", text)
            elif ext not in VIDEO_EXTENSIONS:  # `-GRP.mkv.nfo`: the video file's own name
                inner = text.rfind(".")
                if inner > 0 and text[inner + 1 :].lower() in _INNER_VIDEO_EXTENSIONS:
                    text = text[:inner]
    if container is not None and edges.container is None:
        edges.container = container
    last_dash = text.rfind("-")
    if last_dash > 4 and text[last_dash - 4] == ".":
        m = _EXTENSION_THEN_TAG.search(text, last_dash - 4)
        if m is not None and m.group(2).lower() in P2P_SUFFIXES:
            edges.container = edges.container or m.group(1).lower()
            text = text[: m.start()]
    elif last_dash > 0 and text[-1:].isdigit() and "." in text[-3:-1]:
        text = _DOT_COPY.sub(r"\1", text)
    last_dot = text.rfind(".")
    if len(text) - last_dot <= 7 and text[last_dot + 1 :].lower() in _PART_WORDS:
        text = _PART_TAIL.sub(r"\1", text)
    if text.endswith(")"):
        text = _COPY_NUMBER.sub("", text)
    if not text:
        edges.text = ""
        return edges
    if text[0] in "[({wW-" or " - " in text[:90]:
        for _ in range(2):
            m = _LEADING_SITE.match(text)
            if m is None:
                break
            bracket = m.group("bracket")
            if bracket is None:
                edges.website = edges.website or site_value(m.group("www") or m.group("domain"))
            elif _is_site(bracket):
                edges.website = edges.website or site_value(bracket)
            elif edges.bracket_group is None and not _looks_like_tag(bracket):
                edges.bracket_group = bracket
            elif m.group(0).startswith("[") and _all_vocabulary(bracket):
                # `[国语中字]Title.2023...`: a leading tag list, read with the other markers
                text = f"{text[m.end() :]} [{bracket}]"
                continue
            else:
                break
            text = text[m.end() :]
    if "[" in text or "(" in text:
        text = _CRC.sub(_drop_crc, text)
        for _ in range(3):
            m = _TRAILING_BRACKET.search(text)
            if m is None:
                break
            inside = m.group(1)
            if _is_site(inside):
                edges.website = edges.website or site_value(inside)
            elif (
                edges.bracket_group is None
                and m.group(0).lstrip(" .").startswith("-")
                and _WORD_OR_DASHED.fullmatch(inside) is not None
                and not _looks_like_tag(inside)
            ):
                edges.bracket_group = inside  # `x264-[OFT]`: the group, bracketed
            elif (
                edges.bracket_group is None
                and _WORD_OR_DASHED.fullmatch(inside) is not None
                and not _looks_like_tag(inside)
                and _after_tag_list(text, m.start())
            ):
                edges.bracket_group = inside  # `(1080p BluRay x265 ... Tigole) [QxR]`
                edges.bracket_group_guess = True
            elif (
                " " not in inside
                and _ends_with_group(text, m.start())
                and not _looks_like_tag(inside)
            ):
                edges.uploader_tags = [*(edges.uploader_tags or []), inside]
            else:
                break
            text = text[: m.start()]
    edges.text = text.strip(" -_.")
    return edges


def site_value(text: str) -> str:
    """A site tag's canonical value: the vocabulary's for known tags, else the lowercased domain."""
    low = text.lower().strip()
    hit = LOOKUP.get(low) or COMPOUNDS.get(low.replace(".", " "))
    if hit is not None:
        return hit[1][0][1]
    return low[4:] if low.startswith("www.") else low


def _drop_crc(m: re.Match[str]) -> str:
    return m.group(0) if m.group(1).isdigit() else " "


def _all_vocabulary(bracket: str) -> bool:
    words = _WORD.findall(bracket.lower())
    return bool(words) and all(word in LOOKUP for word in words)


def _after_tag_list(text: str, end: int) -> bool:
    """text[:end] ends with a parenthesised P2P tag list (two or more strong markers)."""
    before = text[:end].rstrip(" .")
    if not before.endswith(")"):
        return False
    opening = before.rfind("(")
    return opening >= 0 and _strong_markers(before[opening + 1 : -1]) >= 2


def _ends_with_group(text: str, end: int) -> bool:
    """text[:end] ends in `-GRP` (a word of up to 41 characters after the last dash)."""
    dash = text.rfind("-", max(0, end - 42), end)
    if dash < 0 or dash + 1 >= end:
        return False
    word = text[dash + 1 : end].strip()  # `x264 - FLUX [Uploader]`
    return _GROUP_WORD.fullmatch(word) is not None


def _looks_like_tag(bracket: str) -> bool:
    """A bracket that holds release markers ([1080p], [2019], [Multi Subs]) rather than a
    group: a number or a strong marker in it, or nothing but vocabulary (`[Kaleido-subs]`
    is a group although `subs` is a word the vocabulary knows)."""
    words = _WORD.findall(bracket.lower())
    known = 0
    for word in words:
        hit = LOOKUP.get(word)
        if word.isdigit() or (hit is not None and hit[0]):
            return True
        known += hit is not None
    return known == len(words)


def tokenize(text: str) -> list[Token]:
    """The tokens of an edge-stripped name, with their kinds and spans."""
    return [(m.lastgroup or "v", m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
