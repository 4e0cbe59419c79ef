"""Rewrite the layouts of lower-tier names into the shapes the tokenizer reads: Usenet subject
lines (the quoted file name), CJK bracket-only fansub names, `第12話`, `[01/24]`, `{01}`, and
slashes inside brackets (`[Ukr/Eng]`) that are not paths. Each rewrite is one bounded regex.
"""

from __future__ import annotations

import re

# `[01/45] - "Name.part01.rar" yEnc (1/137)`: the quoted file name is the release
_QUOTED = re.compile(r'"([^"]{8,300})"')
_USENET_PART = re.compile(
    r"\.(?:part\d{1,3}\.rar|r\d{2,3}|rar|par2|vol\d{1,3}\+\d{1,3}\.par2|\d{3}|nzb|sfv)$", re.I
)
# `[PRiVATE]-[WtFnZb]-[Name]-[1/25]`: the bracket with a release-shaped name in it
_BRACKETS = re.compile(r"\[([^\[\]]{1,300})\]")
_RELEASE_SHAPE = re.compile(r"\w[\w.\-]*\.(?:S\d{1,2}E\d{1,3}|(?:19|20)\d\d)\.[\w.\-]+", re.I)
# `[字幕组][Title][12][1080P]`: brackets only, the episode number alone in its own bracket
_LEADING_BRACKETS = re.compile(r"(?:[\[【][^\[\]【】]{1,120}[\]】]\s*(?:★[^\[【]{0,40})?){3,12}")
_BRACKET_ITEM = re.compile(r"[\[【]([^\[\]【】]{1,120})[\]】]")
_BRACKET_EPISODE = re.compile(r"(?:第\s?)?(\d{1,4})(?:v\d)?\s?[話话集]?\s?(END|完|Fin)?", re.I)
_CJK_EPISODE = re.compile(r"\s*第\s?(\d{1,4})\s?[話话集回]")
_SLASH_EPISODE = re.compile(r"\[(\d{1,3})/\d{1,3}\]")
_BRACE_EPISODE = re.compile(r"([.\s])\{(\d{1,3})\}(?=[.\s]|$)")
_BRACKET_SLASH = re.compile(r"\[([A-Za-z]{2,4})/([A-Za-z]{2,4})(?:/([A-Za-z]{2,4}))?\]")


def rewrite_layout(text: str) -> str:
    """`text` with its lower-tier layout rewritten (unchanged for ordinary names)."""
    if '"' in text:
        text = _usenet_name(text)
    first = text[:1]
    if first in "[【" and ("][" in text or "】[" in text or "]【" in text or "】【" in text):
        text = _bracket_layout(text)
    elif first == "[" and "]-[" in text:
        for m in _BRACKETS.finditer(text):
            if _RELEASE_SHAPE.fullmatch(m.group(1)):
                return m.group(1)
    if "第" in text:
        text = _CJK_EPISODE.sub(r" - \1 ", text)
    if "/" in text and "[" in text:
        text = _SLASH_EPISODE.sub(r"E\1", text)
        text = _BRACKET_SLASH.sub(_join_slashed, text)
    if "{" in text:
        text = _BRACE_EPISODE.sub(r"\1E\2", text)
    return text


def _bracket_layout(text: str) -> str:
    """`[Group][Title][12][1080P][简繁]` → `[Group] Title - 12 [1080P][简繁]`: the first bracket
    is the group, the first plain number (not a year) the episode, and the title the first
    bracket between them that is neither a number nor a category (`[国漫]`); unchanged when
    no bracket holds a plain number."""
    run = _LEADING_BRACKETS.match(text)
    if run is None:
        return text
    items = [m.group(1).strip() for m in _BRACKET_ITEM.finditer(run.group(0))]
    for k in range(2, len(items)):
        m = _BRACKET_EPISODE.fullmatch(items[k])
        if m is None or (len(m.group(1)) == 4 and m.group(1)[:2] in ("19", "20")):
            continue
        titles = [j for j in range(1, k) if not items[j].isdecimal()]
        if not titles:
            return text
        title = titles[1] if len(titles) > 1 and _is_category(items[titles[0]]) else titles[0]
        rest = "".join(f"[{items[j]}]" for j in range(1, len(items)) if j not in (title, k))
        end = f" {m.group(2)}" if m.group(2) else ""
        return f"[{items[0]}] {items[title]} - {m.group(1)}{end} {rest}{text[run.end() :]}"
    return text


def _is_category(item: str) -> bool:
    """`[国漫]`, `[日剧]`, `[10月新番]`: a category bracket before the title."""
    return len(item) <= 6 and any(word in item for word in ("漫", "番", "剧", "动画"))


def _join_slashed(m: re.Match[str]) -> str:
    return "[" + ".".join(part for part in m.groups() if part) + "]"


def _usenet_name(text: str) -> str:
    m = _QUOTED.search(text)
    if m is None:
        return text
    inner = m.group(1).strip()
    return _USENET_PART.sub("", inner) or text
