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
# `[字幕组][Title][12][1080P]`: brackets only, the number alone in its own bracket
_BRACKET_LAYOUT = re.compile(
    r"^[\[【]([^\[\]【】]{1,60})[\]】]\s*(?:★[^\[]{0,40})?[\[【]([^\[\]【】]{1,120})[\]】]\s*"
    r"[\[【](\d{1,4})(?:v\d)?\s*(END|完|Fin)?[\]】]",
    re.I,
)
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
        m = _BRACKET_LAYOUT.match(text)
        if m is not None:
            end = f" {m.group(4)}" if m.group(4) else ""
            text = f"[{m.group(1)}] {m.group(2)} - {m.group(3)}{end} {text[m.end() :]}"
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


def _join_slashed(m: re.Match[str]) -> str:
    return "[" + ".".join(part for part in m.groups() if part) + "]"


def _usenet_name(text: str) -> str:
    m = _QUOTED.search(text)
    if m is None:
        return text
    inner = m.group(1).strip()
    return _USENET_PART.sub("", inner) or text
