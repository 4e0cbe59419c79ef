"""Read the numbers out of patterned episode tokens: S01E02, S01E01E02, S01E01-E03, S01-S03,
1x02, E05; and resolutions out of WxH. The tokenizer has already checked the shapes.
"""

from __future__ import annotations

import re

_NUMBERS = re.compile(r"\d+|-")
MAX_EPISODES = 100  # an S01E01-E999 range is hostile, not a release
_STANDARD_HEIGHTS = (360, 480, 576, 720, 1080, 1440, 2160, 4320)


def season_episodes(token: str) -> tuple[int, tuple[int, ...], int | None]:
    """(season, episodes, last season of an S01-S03 range) of an `sxe` token."""
    low = token.lower()
    if low[-2:-1] == "v":  # `S01E12v2`: the second version of episode 12
        low = low[:-2]
    if "e" not in low:
        seasons = [int(n) for n in re.findall(r"\d+", low)]
        return seasons[0], (), (seasons[1] if len(seasons) > 1 else None)
    season_part, _, rest = low[1:].partition("e")
    parts = _NUMBERS.findall(rest)
    episodes: list[int] = []
    is_range = False
    for part in parts:
        if part == "-":
            is_range = True
            continue
        number = int(part)
        if is_range and episodes and episodes[-1] < number <= episodes[-1] + MAX_EPISODES:
            episodes.extend(range(episodes[-1] + 1, number + 1))
        elif number not in episodes:
            episodes.append(number)
        is_range = False
    return int(season_part), tuple(episodes[:MAX_EPISODES]), None


def cross_episode(token: str) -> tuple[int, tuple[int, ...]]:
    """(season, episodes) of a `1x02` / `2x04x05` token."""
    season, *episodes = token.lower().split("x")
    return int(season), tuple(dict.fromkeys(int(e) for e in episodes))


def resolution_of(token: str) -> str:
    """Nearest standard resolution of a WxH token, judged by the larger of the height and
    the height a 16:9 picture of that width would have (cropped films are wide, not tall)."""
    width_text, _, height_text = token.lower().replace("×", "x").partition("x")
    height = max(int(height_text), int(width_text) * 9 // 16)
    nearest = min(_STANDARD_HEIGHTS, key=lambda standard: abs(standard - height))
    return f"{nearest}p"
