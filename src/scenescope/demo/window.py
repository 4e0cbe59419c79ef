"""Which slice of a world the demo replays live: the window with the most first alerts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from scenescope.analysis.records import Leak
from scenescope.demo.errors import LiveReplayError


def busiest_leak_window(
    leaks: Sequence[Leak],
    duration: dt.timedelta,
    *,
    source_class: str | None = "retail-disc",
) -> dt.datetime:
    """Start of the `duration` window whose leak pres carry the most distinct signatures
    (title, source class, group) — each one a first alert. Earliest window on ties; leaks of
    any source class are used when there are none of `source_class`."""
    wanted = [leak for leak in leaks if source_class is None or leak.source_class == source_class]
    hits = [
        (int(leak.pre_at.timestamp()), (leak.title_id, leak.source_class, leak.group or ""))
        for leak in (wanted or leaks)
    ]
    if not hits:
        raise LiveReplayError("no leaks to replay: the store has no leak to alert on")
    span = duration.total_seconds()
    hits.sort(key=lambda hit: hit[0])
    in_window: Counter[tuple[str, str, str]] = Counter()
    best_start, best_count, end = hits[0][0], 0, 0
    for start_index, (start, _) in enumerate(hits):
        while end < len(hits) and hits[end][0] < start + span:
            in_window[hits[end][1]] += 1
            end += 1
        if len(in_window) > best_count:
            best_start, best_count = start, len(in_window)
        key = hits[start_index][1]
        in_window[key] -= 1
        if not in_window[key]:
            del in_window[key]
    return dt.datetime.fromtimestamp(best_start, dt.UTC)


# -- the replay ----------------------------------------------------------------------------
