"""Hostile text made inert: names, groups and titles are written by the people we watch.

HTML escaping is Jinja's (autoescape); this module adds what escaping does not cover —
control characters, bidi overrides and zero-width characters shown as visible escapes, huge
values clipped for tables — and spreadsheet formula injection in CSV downloads.
"""

from __future__ import annotations

import re
from typing import Any

# C0/C1 controls (terminal escapes), bidi embeddings/overrides/isolates, zero-width characters
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
DISPLAY_CLIP_CHARS = 300  # longer values are clipped in tables (detail pages show them whole)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def visible(value: object) -> str:
    """Text with every invisible or reordering character shown as an escape (`\\u202e`)."""
    text = "" if value is None else str(value)
    text = _LONE_SURROGATE.sub("\ufffd", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
    return text


def clipped(value: object, limit: int = DISPLAY_CLIP_CHARS) -> str:
    """`visible` text, clipped to `limit` characters with the full length said."""
    text = visible(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 40]}…[{len(text):,} characters]…{text[-20:]}"


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ (or tab / CR) gets a
    leading apostrophe. Numbers stay numbers (a negative lead is not a formula)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
