"""The group: the signature read from a release name's end, before anything else, so
dashes inside titles (`Spider-Man`), site tags, uploader tags and P2P suffixes never fool it.
"""

from __future__ import annotations

from scenescope.names.tokenizer import EPISODE_KINDS, WORD_KINDS, Token, is_year
from scenescope.names.vocabulary import COMPOUNDS, LOOKUP, P2P_SUFFIXES

_RESOLUTIONS = frozenset(k for k, hit in LOOKUP.items() if hit[1][0][0] == "resolution")
# top-level domains that end a group named after its site (`-Pahe.in`)
_GROUP_DOMAINS = frozenset({"in", "ph", "com", "org", "net", "me", "to", "cc", "tv", "io"})
_UNDERSCORE_SUFFIXES = frozenset({"english", "repost", "eng", "sample"})


def find_group(text: str, tokens: list[Token]) -> tuple[int, int]:
    """Token range [start, end) of the group: the word after the name's last `-` (`-GRP`,
    `-iDN_CreW`, `-D-Z0N3`, `-Pahe.in`, ` - GRP`), or the encoder closing a P2P tag list;
    (-1, -1) when the name has none."""
    end = len(tokens)
    # P2P re-posts append -Obfuscated, -xpost ... after the real group.
    while (
        end >= 3
        and (
            tokens[end - 1][1].lower() in P2P_SUFFIXES
            or (6 <= len(tokens[end - 1][1]) <= 8 and _random_tail(tokens[end - 1][1]))
        )
        and "-" in text[tokens[end - 3][3] : tokens[end - 2][2]]
        and "-" in text[tokens[end - 2][3] : tokens[end - 1][2]]
    ):
        end -= 1
    if end >= 3:
        last = tokens[end - 1]
        separator = text[last[2] - 1]
        if (
            separator == "_"
            and tokens[end - 2][3] == last[2] - 1
            and last[1].lower() in _UNDERSCORE_SUFFIXES
        ):
            end -= 1  # `-GRP_English`, `-GRP_Repost`: an indexer's tag joined to the group
        elif (
            separator == "."
            and len(last[1]) <= 3
            and last[1].isupper()
            and tokens[end - 2][3] == last[2] - 1
            and "-" in text[tokens[end - 3][3] : tokens[end - 2][2]]
            and _is_language(last[1])
            and not is_marker(tokens[end - 2])
        ):
            end -= 1  # `x264-GRP.PL`: the language tag a re-poster put after the group
    if end < 2:
        return -1, -1
    kind, word, start, stop = tokens[end - 1]
    low = word.lower()
    trailing = text[stop:].strip(" -_.") if end == len(tokens) else ""
    if trailing not in ("", ")", "]") or is_year(low) or low in _RESOLUTIONS:
        return -1, -1  # `WEBDL-1080p` (library renames) ends in a quality, not a group
    if kind not in WORD_KINDS and not (
        kind == "ep"
        and text[tokens[end - 2][3] : start] == "-"
        and is_marker(tokens[end - 2])
        and tokens[end - 2][0] not in EPISODE_KINDS
    ):  # `x264-E1` is a group, not an episode
        return -1, -1
    if text[start - 1] == "." and tokens[end - 2][3] == start - 1:
        dotted = _dotted_group(text, tokens, end)
        if dotted >= 0:
            return dotted, end
    first = end - 1  # the group's first token
    while first > end - 4 and first > 0 and text[tokens[first - 1][3] : tokens[first][2]] == "_":
        first -= 1  # `-iDN_CreW`, `-TOMMY_R`: underscores inside a group
    if (
        first == end - 1
        and low in _GROUP_DOMAINS
        and end >= 3
        and text[tokens[end - 2][3] : start] == "."
        and text[tokens[end - 3][3] : tokens[end - 2][2]] == "-"
        and not is_marker(tokens[end - 2])
    ):
        first = end - 2  # `-Pahe.in`: a group named after its site
    if first == 0:
        return -1, -1
    previous = tokens[first - 1]
    separator = text[previous[3] : tokens[first][2]]
    if trailing:
        # P2P tag lists end with the encoder: `(1080p BluRay x265 HEVC 10bit AAC 7.1 Tigole)`
        if (
            separator in (" ", " - ", " -")
            and first >= 3
            and is_marker(previous)
            and low not in LOOKUP
            and not low.isdigit()
            and previous[1].lower() + " " + low not in COMPOUNDS  # `[Dual Audio]`
        ):
            return first, end
        return -1, -1
    if separator in ("-", "]-", ")-", " -"):
        plow = previous[1].lower()
        if first == end - 1 and plow + " " + low in COMPOUNDS:
            return -1, -1
        if (
            separator == "-"
            and len(plow) <= 2
            and first >= 2
            and plow not in LOOKUP
            and not plow.isdecimal()
            and text[tokens[first - 2][3] : previous[2]] == "-"
            and is_marker(tokens[first - 2])
            and tokens[first - 2][1].lower() + " " + plow not in COMPOUNDS
        ):
            return first - 1, end  # a short dashed group: `x264-D-Z0N3`
        if (
            "." in text[:start]
            or "_" in text[:start]
            or any(is_marker(token) for token in tokens[max(0, first - 5) : first])
            or _one_word_and_group(word, previous[1], first == end - 1)
        ):
            return first, end
        return -1, -1
    # `... x264 - GRP` and `... HEVC x265 5.1 BONE`: a word after the markers of a spaced name
    if (
        (separator == " - " or (separator == " " and first >= 3 and is_marker(tokens[first - 2])))
        and is_marker(previous)
        and previous[0] not in EPISODE_KINDS  # `5x16 - Felina` is an episode title
        and low not in LOOKUP
        and not low.isdigit()
        and not word.islower()
        and (separator == " - " or not word.istitle())
        # `... x264 Português` is a language, `... x264 BONE` and `... H264 - Crucial` groups
        and text.count(" ") > text.count(".")
    ):
        return first, end
    return -1, -1


def _is_language(word: str) -> bool:
    hit = LOOKUP.get(word.lower())
    return hit is not None and hit[1][0][0] == "languages"


def _random_tail(word: str) -> bool:
    """An obfuscation tail after the group (`-ETHEL-8d2Kx9`): 6-8 characters mixing digits
    with upper- and lower-case letters, which no group tag does."""
    return (  # alphanumeric, not all letters, not all digits, neither all upper nor all lower
        6 <= len(word) <= 8
        and word.isalnum()
        and not word.isalpha()
        and not word.isdigit()
        and not word.isupper()
        and not word.islower()
        and word.isascii()
    )


def _dotted_group(text: str, tokens: list[Token], end: int) -> int:
    """First token of a dotted upper-case group after the markers (`x264-E.N.D`,
    `h264-BEN.THE.MEN`), or -1."""
    first = end - 1
    while (
        first > 0
        and first > end - 6
        and text[tokens[first - 1][3] : tokens[first][2]] == "."
        and tokens[first][1].isupper()
        and tokens[first][0] in WORD_KINDS
        and len(tokens[first][1]) <= 4
        and tokens[first][1].lower() not in LOOKUP
    ):
        first -= 1
    if first == end - 1 or first < 1:
        return -1
    word = tokens[first][1]
    if (
        text[tokens[first - 1][3] : tokens[first][2]] != "-"
        or not word.isupper()
        or word.lower() in LOOKUP
        or not is_marker(tokens[first - 1])
    ):
        return -1
    return first


def _one_word_and_group(word: str, before: str, single: bool) -> bool:
    """`Starfield-RUNE`: a one-word name and an upper-case group (`Spider-Man` is a title)."""
    return single and len(word) >= 3 and word.isupper() and not before.isupper()


def is_marker(token: Token) -> bool:
    """A token that is release vocabulary or a pattern, never a title word."""
    return token[0] not in WORD_KINDS or token[1].lower() in LOOKUP or is_year(token[1])
