"""Title normalization: the blocking key that catalog titles and release titles share.

Both sides go through `title_key`, so `Ocean's Eleven`, `Oceans.Eleven` and `OCEANS ELEVEN`
meet on one key; the matcher only falls back to fuzzy comparison when keys differ.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

# Standalone roman numerals that stand for sequel numbers. "i", "v", "x" alone stay words
# ("I, Robot", "V for Vendetta", "Malcolm X") because they are far more often not numbers.
_ROMAN = {
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "vi": "6",
    "vii": "7",
    "viii": "8",
    "ix": "9",
    "xi": "11",
    "xii": "12",
    "xiii": "13",
    "xiv": "14",
    "xv": "15",
    "xvi": "16",
    "xvii": "17",
    "xviii": "18",
    "xix": "19",
    "xx": "20",
}
# Dropped everywhere: "&" and "and" vary freely between catalogs and release names.
_DROPPED = frozenset({"and"})
# Dropped only at the start: release names and catalogs disagree on leading articles.
_LEADING_ARTICLES = frozenset({"the", "a", "an"})

_APOSTROPHES = re.compile(r"['’`´]")
# Library-catalogue inversion, in catalogs and in names (`Title,.The`): the article goes back
# in front so both spellings share one key.
_TRAILING_ARTICLE = re.compile(r"^(?P<rest>.*\w)\s*,[\s._]*(?P<article>the|a|an)[\s._]*$", re.I)
_NON_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=262_144)
def title_words(title: str | None) -> tuple[str, ...]:
    """The normalized words of a title: casefolded, unaccented, without punctuation,
    `&`/`and` dropped, a trailing `, The` put back in front (leading articles and roman
    numerals kept)."""
    if not title:
        return ()
    inverted = _TRAILING_ARTICLE.match(title)
    if inverted:
        title = f"{inverted['article']} {inverted['rest']}"
    # Scene names are ASCII: groups transliterate (ß -> ss, é -> e, Ø -> O, other scripts
    # romanized), so the catalog side is folded the same way to meet them on one key.
    text = title.lower() if title.isascii() else anyascii(title).lower()
    text = _APOSTROPHES.sub("", text).replace("&", " ")
    return tuple(w for w in _NON_WORD.split(text) if w and w not in _DROPPED)


def full_key(title: str | None) -> str:
    """The title as written, normalized but with its leading article and roman numerals:
    tells `The X` from `X`, and `X II` from `X 2`, when the catalog holds both."""
    return " ".join(title_words(title))


@lru_cache(maxsize=262_144)
def title_key(title: str | None) -> str:
    """The blocking key of a title: its normalized words with sequel roman numerals as digits
    and without leading English articles. Returns "" for a title with no words."""
    words = tuple(_ROMAN.get(w, w) for w in title_words(title))
    start = 0
    while len(words) - start > 1 and words[start] in _LEADING_ARTICLES:
        start += 1
    return " ".join(words[start:])


def key_tokens(key: str) -> list[str]:
    """The words of a key (used for the fuzzy blocking index)."""
    return key.split()
