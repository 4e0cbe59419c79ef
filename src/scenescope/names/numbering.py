"""Episode and date numbers written as words and bare digits, the way P2P, foreign-TV and
fansub names write them: `Episode 5`, `Episodio 13`, `60.Bolum`, `BLM 74`, `Part.2`, `5of9`,
`Lost.103.HDTV`, `Naruto 402 [720p]`, `140722` (yymmdd), `20201013`, `31st Jan 2025`.
"""

from __future__ import annotations

import datetime as dt
import re

from scenescope.names.tokenizer import WORD_KINDS, YEAR_MAX, Token, is_year
from scenescope.names.vocabulary import LOOKUP

# words that put the episode number after them (`Episodio 13`, `BLM 74`, `Ep 09`)
# fmt: off
EPISODE_WORDS = frozenset({
    "episode", "episodio", "episodes", "folge", "odcinek", "afl", "ep", "capitulo", "capítulo",
    "cap", "blm", "bolum", "bölüm", "bölum", "bolüm", "epizod", "epizoda", "jakso",
    "aflevering", "puntata", "odc", "avsnitt", "rész", "resz",
})
# fmt: on
# Turkish `60.Bölüm` / `3.Sezon`: the number before the word
_NUMBER_FIRST_EPISODE = frozenset({"bolum", "bölüm", "bölum", "bolüm", "blm"})
_NUMBER_FIRST_SEASON = frozenset({"sezon", "sezonu"})
_PART_WORD = re.compile(r"part(\d{1,2})", re.I)
_OF_FORM = re.compile(r"[eE]?(\d{1,3})of(\d{1,3})")
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)", re.I)
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def compact_date(digits: str) -> dt.date | None:
    """`140722` (yymmdd, the daily-show form) or `20201013` (yyyymmdd), if it is a real date."""
    if len(digits) == 6:
        year = 2000 + int(digits[:2])
        if year > YEAR_MAX:
            return None
        return _date(year, int(digits[2:4]), int(digits[4:]))
    if len(digits) == 8 and digits[:2] in ("19", "20"):
        year = int(digits[:4])
        if not 1950 <= year <= YEAR_MAX:
            return None
        return _date(year, int(digits[4:6]), int(digits[6:]))
    return None


def ordinal_date(tokens: list[Token], i: int, n: int) -> dt.date | None:
    """`31st Jan 2025` starting at token i."""
    m = _ORDINAL.fullmatch(tokens[i][1])
    if m is None or i + 2 >= n:
        return None
    month = MONTHS.get(tokens[i + 1][1].lower())
    year_text = tokens[i + 2][1]
    if month is None or not is_year(year_text):
        return None
    return _date(int(year_text), month, int(m.group(1)))


def of_form(word: str) -> int | None:
    """`5of9` / `E01of06`: part N of a documentary series."""
    m = _OF_FORM.fullmatch(word)
    if m is None or int(m.group(1)) > int(m.group(2)):
        return None
    return int(m.group(1))


def part_number(tokens: list[Token], i: int, n: int) -> tuple[int, int] | None:
    """(episode, tokens consumed) of a mini-series `Part01` / `Part.2` at token i, unless a
    year follows it (`Deathly.Hallows.Part.1.2010` is a film's title)."""
    word = tokens[i][1]
    m = _PART_WORD.fullmatch(word)
    if m is not None:
        number, consumed = int(m.group(1)), 1
    elif word.lower() == "part" and i + 1 < n and tokens[i + 1][1].isdecimal():
        if len(tokens[i + 1][1]) > 2:
            return None
        number, consumed = int(tokens[i + 1][1]), 2
    else:
        return None
    after = i + consumed
    if after < n and (is_year(tokens[after][1]) or tokens[after][1].isdecimal()):
        return None  # `Part.1.2010` is a film's title, `Part 3 - 02` an anime's
    return number, consumed


def year_follows(tokens: list[Token], i: int, n: int) -> bool:
    """A release year somewhere after token i (`Star.Wars.Episode.1...1999` is a film)."""
    return any(is_year(tokens[k][1]) for k in range(i, n))


def number_then_word(tokens: list[Token], i: int, n: int) -> str | None:
    """`60.Bölüm` → "episode", `3.Sezon` → "season", `4.of.13` → "of", else None."""
    if i + 1 >= n:
        return None
    following = tokens[i + 1][1].lower()
    if following in _NUMBER_FIRST_EPISODE:
        return "episode"
    if following in _NUMBER_FIRST_SEASON:
        return "season"
    if following == "of" and i + 2 < n and tokens[i + 2][1].isdecimal():
        return "of"
    return None


def _strong_next(tokens: list[Token], i: int, n: int) -> bool:
    if i >= n:
        return False
    kind, word = tokens[i][0], tokens[i][1].lower()
    hit = LOOKUP.get(word)
    return kind in WORD_KINDS and hit is not None and hit[0]


def bare_episode(
    text: str, tokens: list[Token], i: int, n: int, has_group: bool = False
) -> tuple[int | None, int] | None:
    """A bare number right after the title: `Lost.103.HDTV` (dotted, 3 digits: season 1
    episode 3), `Naruto Shippuden 402 [720p]` (spaced, absolute) or, in a `[Group] ...`
    fansub name, `Mushishi 12 [BDRip]`; (season, episode) or None."""
    digits = tokens[i][1]
    stop = tokens[i][3]
    if " " not in text:
        if len(digits) == 3 and digits[0] != "0" and _strong_next(tokens, i + 1, n):
            episode = int(digits[1:])
            if 1 <= episode <= 39:
                return int(digits[0]), episode
        return None
    if (
        (len(digits) in (3, 4) or (has_group and text[stop : stop + 2] in (" [", " (")))
        and (text[stop : stop + 2] in (" [", " (") or _strong_next(tokens, i + 1, n))
        and not year_follows(tokens, i + 1, n)
    ):
        return None, int(digits)
    return None
