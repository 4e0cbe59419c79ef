"""The release-name parser: `parse(name) -> ReleaseName` and `parse_many(names)`.

One pass over the tokens: the title runs until the first strong marker (a year, an episode
pattern, a resolution, a source, a codec...); after it, each token is one dict lookup into
the vocabulary. The group is read first, from the name's end, so dashes in titles never fool it.
Lower-tier layouts are rewritten before tokenizing (`layouts.py`); numbers written as words or
bare digits are read by `numbering.py`; the scratch record and its patterns live in `fields.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

from scenescope.names.episodes import MAX_EPISODES
from scenescope.names.fields import Fields, apply_pattern, build_record, span_text
from scenescope.names.group import find_group, is_marker
from scenescope.names.numbering import (
    EPISODE_WORDS,
    bare_episode,
    compact_date,
    number_then_word,
    of_form,
    ordinal_date,
    part_number,
    year_follows,
)
from scenescope.names.record import ReleaseName
from scenescope.names.tokenizer import (
    EPISODE_KINDS,
    WORD_KINDS,
    Token,
    is_year,
    strip_edges,
    tokenize,
)
from scenescope.names.vocabulary import COMPOUND_HEADS, COMPOUNDS, LOOKUP, Hit

MAX_UNPARSED = 32
_SEASON_WORDS = frozenset(
    {
        "season",
        "saison",
        "staffel",
        "temporada",
        "stagione",
        "series",
        "sezon",
        "sezona",
        "temporadas",
        "seizoen",
    }
)
_SUBTITLE_MARKERS = frozenset(
    {"sub", "subs", "subtitle", "subtitles", "legendas", "napisy", "sottotitoli"}
)
_END_MARKERS = frozenset({"end", "完", "fin"})
_WORD_NUMBER_STARTS = frozenset("p0123456789")  # `Part01`, `5of9`, `31st`
_CJK_SUBTITLES: Hit = (False, (("subtitles", "zh"),))
_ARTICLES = frozenset({"the", "a", "an", "le", "la", "les", "der", "die", "das", "el"})


def _lookup(tokens: list[Token], i: int, n: int, low: str) -> tuple[Hit | None, int]:
    """The vocabulary hit starting at token i and how many tokens it spans (compounds first)."""
    longest = COMPOUND_HEADS.get(low)
    if longest is not None:
        for length in range(min(longest, n - i), 1, -1):
            key = " ".join([low] + [t[1].lower() for t in tokens[i + 1 : i + length]])
            hit = COMPOUNDS.get(key)
            if hit is not None:
                return hit, length
    return LOOKUP.get(low), 1


def parse(name: str) -> ReleaseName:
    """Parse one release name (scene or P2P style) into its fields; never raises on a str."""
    if not isinstance(name, str):
        raise TypeError(f"parse() expects a str release name, got {type(name).__name__}")
    edges = strip_edges(name)
    text = edges.text
    if not text:
        return ReleaseName(name=name)
    tokens = tokenize(text)
    group: str | None = edges.bracket_group
    n = len(tokens)
    out = Fields()
    out.title_floor = 1 if tokens and tokens[0][1].lower() in _ARTICLES else 0
    group_sure = not edges.bracket_group_guess
    group_end = n
    if group is None:
        group_index, found_end = find_group(text, tokens)
        if group_index >= 0:
            group_end = found_end
            group = text[tokens[group_index][2] : tokens[found_end - 1][3]]
            n = group_index
            # `...x264-GRP` is the convention; a word after a space or a title is a reading
            group_sure = text[tokens[group_index][2] - 1] == "-" and is_marker(
                tokens[group_index - 1]
            )
    if edges.uploader_tags:
        out.unparsed.extend(edges.uploader_tags)
    out.container = edges.container
    out.website = edges.website

    anchor = -1  # index of the first token that is not title
    weak_tail: list[tuple[int, Hit, int]] = []  # weak hits at the end of the title so far
    episode_title: list[int] = []  # [start, end] of the episode title span
    in_episode_title = False
    i = 0
    while i < n:
        kind, word, start, stop = tokens[i]
        consumed = 1
        if kind in WORD_KINDS:
            low = word.lower()
            if low in COMPOUND_HEADS:
                hit, consumed = _lookup(tokens, i, n, low)
            else:
                hit = LOOKUP.get(low)
                if hit is None and low[-1] == "+" and len(low) > 2:
                    hit = LOOKUP.get(low[:-1])  # `[Hin+Eng]`
            if (
                hit is not None
                and in_episode_title
                and not hit[0]
                and _title_word_next(tokens, i + consumed, n)
            ):
                hit = None  # `S02E11.Proper.Procedure`: a weak word inside the episode title
            if (
                hit is not None
                and anchor < 0
                and i > 0
                and consumed == 1
                and i + 1 < n
                and is_year(tokens[i + 1][1])
                and word.istitle()
                and word.isalpha()
            ):
                hit = None  # `Madame.Web.2024`, `The.Cam.2018`: a title word before the year
            if hit is not None:
                if low == "uhd":
                    out.saw_uhd = True
                if low in _SUBTITLE_MARKERS:
                    out.sub_mode = True
                elif out.sub_mode:
                    if hit[1][0][0] == "languages":
                        hit = (
                            hit[0],
                            tuple(("subtitles", v) for f, v in hit[1] if f == "languages"),
                        )
                    out.sub_mode = hit[1][0][0] in ("languages", "subtitles")
                if anchor < 0:
                    if not hit[0] or i == 0:
                        weak_tail.append((i, hit, consumed))
                        i += consumed
                        continue
                    anchor = _close_title(i, weak_tail, out)
                out.apply(hit)
                if hit[1][0][0] != "website":
                    in_episode_title = False
                i += consumed
                continue
            decimal = low.isdecimal()
            if not decimal and (
                low[0] in _WORD_NUMBER_STARTS
                or in_episode_title
                or (low[0] == "t" and low[1:2].isdigit())
                or "of" in low
            ):  # `Part.2`, `5of9`, `31st Jan 2025`, `T2 E145`, `- 28 END`
                if not out.episodes and (anchor >= 0 or i > 0):
                    part = (
                        part_number(tokens, i, n)
                        if low.startswith("part") and out.season is None
                        else None
                    )  # `S06.Part.2` is half a season, not an episode
                    of_number = of_form(word) if part is None and "of" in low else None
                    episode = part[0] if part is not None else of_number
                    if episode is not None:
                        anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                        out.episodes = (episode,)
                        out.season_one = part is not None
                        in_episode_title = True
                        i += part[1] if part is not None else 1
                        continue
                if out.date is None and low[:1].isdigit() and i > 0 and not low.isdecimal():
                    date = ordinal_date(tokens, i, n)
                    if date is not None:
                        anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                        out.date = date
                        i += 3
                        continue
                if (
                    low[0] == "t"
                    and 2 <= len(low) <= 3
                    and low[1:].isdecimal()
                    and out.season is None
                    and i + 1 < n
                    and tokens[i + 1][0] == "ep"
                ):  # `La Promesa T2 E145`: temporada 2
                    anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                    out.season = int(low[1:])
                    i += 1
                    continue
                if in_episode_title and not episode_title and low in _END_MARKERS:
                    i += 1  # `Frieren - 28 END`: the last episode, not its title
                    continue
            if decimal:
                if (
                    out.episodes
                    and tokens[i - 1][0] in ("nxn", "ep")
                    and text[tokens[i - 1][3] : start] == "-"
                    and out.episodes[-1] < int(low) <= out.episodes[-1] + MAX_EPISODES
                ):  # `1x05-06`, `Ep01-02`: a range
                    out.episodes = (*out.episodes, *range(out.episodes[-1] + 1, int(low) + 1))
                    i += 1
                    continue
                if (
                    is_year(low)
                    and out.year is None
                    and (anchor >= 0 or (i > 0 and not (i + 1 < n and is_year(tokens[i + 1][1]))))
                ):
                    if anchor < 0:  # `Oppenheimer.IMAX.2023`: editions before the year
                        anchor = (
                            _close_title(i, weak_tail, out, editions_only=True) if weak_tail else i
                        )
                    out.year = int(low)
                    out.paren_year = text[start - 1 : start] == "(" and text[stop : stop + 1] == ")"
                    in_episode_title = False
                    i += 1
                    continue
                form = number_then_word(tokens, i, n) if i > 0 else None
                if form is not None and not (out.episodes and form != "season"):
                    anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                    if form == "season":
                        out.season = out.season if out.season is not None else int(low)
                    else:
                        out.episodes = (int(low),)
                        in_episode_title = True
                    i += 3 if form == "of" else 2
                    continue
                if len(low) in (6, 8) and out.date is None and i > 0:
                    date = compact_date(low)
                    if date is not None:
                        anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                        out.date = date
                        i += 1
                        continue
                if len(low) <= 4 and not out.episodes and i > 0 and _spaced_dash(text, tokens, i):
                    anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                    if _range_next(text, tokens, i, n):  # `Naruto - 001-050 [Batch]`
                        apply_pattern("erange", f"{low}-{tokens[i + 1][1]}", out)
                        i += 1
                    if not out.episodes:
                        out.episodes = (int(low),)
                        out.absolute = out.season is None
                    in_episode_title = True
                    i += 1
                    continue
                if anchor < 0 and i > 0 and not out.episodes and len(low) <= 4:
                    bare = bare_episode(text, tokens, i, n, edges.bracket_group is not None)
                    if bare is not None:
                        anchor = _close_title(i, weak_tail, out)
                        if bare[0] is not None and out.season is None:
                            out.season = bare[0]
                        out.episodes = (bare[1],)
                        out.absolute = out.season is None
                        in_episode_title = True
                        i += 1
                        continue
                if (
                    i + 1 < n
                    and text[start - 1 : start] == "("
                    and text[stop : stop + 1] == "-"
                    and tokens[i + 1][2] == stop + 1
                    and tokens[i + 1][1].isdecimal()
                    and text[tokens[i + 1][3] : tokens[i + 1][3] + 1] == ")"
                ):  # `Show (01-28) [Batch]`: a range of episodes
                    anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                    apply_pattern("erange", f"{low}-{tokens[i + 1][1]}", out)
                    i += 2
                    continue
                if anchor >= 0 and len(low) == 1 and _spaced_channels(text, tokens, i, n, low, out):
                    i += 2
                    continue
            elif (
                low in _SEASON_WORDS
                and i + 1 < n
                and tokens[i + 1][1].isdecimal()
                and "-" not in text[stop : tokens[i + 1][2]]
            ):
                number = tokens[i + 1][1]
                if len(number) <= 3:
                    anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                    if out.season is None:
                        out.season = int(number)
                    i += 2
                    continue
            elif (
                low in EPISODE_WORDS
                and not out.episodes
                and i + 1 < n
                and tokens[i + 1][1].isdecimal()
                and len(tokens[i + 1][1]) <= 5
                and (out.season is not None or not year_follows(tokens, i + 2, n))
            ):  # `Season 2 Episode 5`, `Episodio 13`, `BLM 74`, `Ep 09`
                anchor = _close_title(i, weak_tail, out) if anchor < 0 else anchor
                if _range_next(text, tokens, i + 1, n):  # `Season 1 Episode 5-6`
                    apply_pattern("erange", f"{tokens[i + 1][1]}-{tokens[i + 2][1]}", out)
                    out.absolute = False
                    i += 1
                if not out.episodes:
                    out.episodes = (int(tokens[i + 1][1]),)
                in_episode_title = True
                i += 2
                continue
            elif anchor >= 0 and _spaced_channels(text, tokens, i, n, low, out):
                i += 2
                continue
            elif anchor >= 0 and not low.isascii() and ("字幕" in low or low[0] in "简繁"):
                out.apply(_CJK_SUBTITLES)  # `简繁日内封字幕`: any CJK subtitle-script tag
                i += 1
                continue
            if anchor < 0:
                weak_tail.clear()
            elif in_episode_title:
                if episode_title:
                    episode_title[1] = stop
                else:
                    episode_title = [start, stop]
            elif len(out.unparsed) < MAX_UNPARSED:
                out.unparsed.append(word)
            i += 1
            continue
        # a patterned token: always a marker
        if anchor < 0:
            anchor = _close_title(i, weak_tail, out)
        apply_pattern(kind, word, out)
        in_episode_title = kind in EPISODE_KINDS and not episode_title
        i += 1

    if group_end < len(tokens):
        for _, trailing, _, _ in tokens[group_end:]:  # `-GRP.PL`: a language after the group
            hit = LOOKUP.get(trailing.lower())
            if hit is not None and hit[1][0][0] == "languages":
                out.apply(hit)
    title_ran_out = anchor < 0  # no marker ended the title: it may hold anything
    if anchor < 0:
        anchor = _close_title(n, weak_tail, out)
    if (
        out.year is None
        and edges.folder_year is not None
        and out.season is None
        and not out.episodes
        and out.date is None
    ):  # `Movies/Title (2019)/Title.1080p.mkv`: a film's year on its library folder
        out.year = edges.folder_year
    title = None
    if anchor > 0:
        title_end = tokens[anchor - 1][3]
        while title_end < len(text) and text[title_end] in "!?'。！？":  # `Bocchi the Rock!`
            title_end += 1
        bracket = text.find("[", tokens[0][2] + 1, title_end)
        if bracket > 0:  # `Toradora! [Ma10p_1080p]`: a tag list, never title
            title_end = bracket
        if " " not in text:  # `Le.Prenom.(What's.in.a.Name)`: an aka, not the title
            paren = text.find("(", tokens[0][2] + 1, title_end)
            if paren > 0:
                title_end = paren
        title = span_text(text, tokens[0][2], title_end)
    certain = group_sure and title is not None and not title_ran_out and not out.unparsed
    return build_record(name, out, title, episode_title, text, group, certain)


def _range_next(text: str, tokens: list[Token], i: int, n: int) -> bool:
    """Token i is followed by `-NN` / `~NN` (an episode range: `001-050`, `01~13`, `5-6`)."""
    stop = tokens[i][3]
    return (
        i + 1 < n
        and text[stop : stop + 1] in ("-", "~")
        and tokens[i + 1][2] == stop + 1
        and tokens[i + 1][1].isdecimal()
    )


def _title_word_next(tokens: list[Token], i: int, n: int) -> bool:
    """Token i is a plain word the vocabulary does not know (so a title goes on through it)."""
    if i >= n or tokens[i][0] not in WORD_KINDS:
        return False
    low = tokens[i][1].lower()
    return low not in LOOKUP and low not in COMPOUND_HEADS and not low.isdigit()


def _spaced_channels(text: str, tokens: list[Token], i: int, n: int, low: str, out: Fields) -> bool:
    """`DDP5 1` / `AAC2 0` / `DTS-HD MA 5 1`: channels written with a space for the dot."""
    if len(low) > 8 or not low[-1].isdigit() or i + 1 >= n:
        return False
    if len(low) == 1:
        following = tokens[i + 1][1]
        if (
            out.audio_codec is not None
            and out.audio_channels is None
            and low in "12567"
            and following in ("0", "1", "2")
            and text[tokens[i][3] : tokens[i + 1][2]] == " "
            and tokens[i - 1][1].lower() in LOOKUP
            and LOOKUP[tokens[i - 1][1].lower()][1][0][0] == "audio_codec"
        ):
            out.audio_channels = f"{low}.{following}"
            return True
        return False
    hit = LOOKUP.get(low[:-1])
    following = tokens[i + 1][1]
    if hit is None or hit[1][0][0] != "audio_codec" or following not in ("0", "1", "2"):
        return False
    out.apply(hit)
    if out.audio_channels is None:
        out.audio_channels = f"{low[-1]}.{following}"
    return True


def _spaced_dash(text: str, tokens: list[Token], i: int) -> bool:
    """Token i follows ` - ` (the anime `Show - 12` episode separator)."""
    stop = tokens[i][3]
    return " - " in text[tokens[i - 1][3] : tokens[i][2]].replace("_", " ") and text[
        stop : stop + 1
    ] not in (".", ",")


def _close_title(
    i: int, weak_tail: list[tuple[int, Hit, int]], out: Fields, editions_only: bool = False
) -> int:
    """End the title at token i, giving back the weak hits that trail it (keep one title word;
    before a year only editions, `Oppenheimer.IMAX.2023`, and never all but an article,
    `The.Final.Cut.2004`)."""
    end = i
    while weak_tail:
        index, hit, consumed = weak_tail[-1]
        if index + consumed != end or index == 0:
            break
        if editions_only and (hit[1][0][0] != "edition" or index <= out.title_floor):
            break
        weak_tail.pop()
        out.apply(hit)
        end = index
    weak_tail.clear()
    return end


def parse_many(names: Iterable[str]) -> list[ReleaseName]:
    """Parse a batch; identical names in the batch share one parse (records are immutable)."""
    seen: dict[str, ReleaseName] = {}
    results: list[ReleaseName] = []
    append = results.append
    for name in names:
        record = seen.get(name) if isinstance(name, str) else None
        if record is None:
            record = parse(name)
            seen[name] = record
        append(record)
    return results
