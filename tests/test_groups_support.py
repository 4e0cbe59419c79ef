"""A small hand-made Scene for the group analyses, written through the real Store.apply.

Cast: SPRiNTER and GECKOS share a supply (same movies, complementary formats, minutes apart);
RiVAL races SPRiNTER on its format an hour later and gets nuked as a dupe; FiXERS PROPERs
one of RiVAL's releases; LONER works alone; OLDTV runs a weekly show then goes dark and
NEWTV picks the show up two weeks later in the same format, while OTHERTV does something else.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from scenescope.feeds.events import NukeEvent, PreReport
from scenescope.store import Store

START = dt.datetime(2020, 3, 2, 12, 0, tzinfo=dt.UTC)  # a Monday
MOVIES = [
    "Silver.Harbor",
    "The.Last.Orchard",
    "Night.Ferry",
    "Copper.Sky",
    "Distant.Bells",
    "Paper.Lanterns",
    "Cold.Meridian",
    "Glass.Canyon",
]


def build_events() -> list[PreReport | NukeEvent]:
    events: list[PreReport | NukeEvent] = []

    def pre(name: str, at: dt.datetime, category: str, feed: str = "predb.test") -> None:
        events.append(PreReport(name=name, pre_at=at, feed=feed, category=category))

    for i, movie in enumerate(MOVIES):
        drop = START + dt.timedelta(days=3 * i)
        pre(f"{movie}.2020.1080p.BluRay.x264-SPRiNTER", drop, "X264-HD")
        pre(
            f"{movie}.2020.1080p.BluRay.x264-SPRiNTER",
            drop + dt.timedelta(seconds=40),
            "X264-HD",
            feed="irc:net/#pre",
        )
        pre(f"{movie}.2020.720p.BluRay.x264-GECKOS", drop + dt.timedelta(minutes=4), "X264-SD")
        rival = f"{movie}.2020.1080p.BluRay.x264-RiVAL"
        pre(rival, drop + dt.timedelta(hours=1), "X264-HD")
        if i < 6:
            events.append(
                NukeEvent(
                    name=rival,
                    kind="nuke",
                    at=drop + dt.timedelta(hours=2),
                    feed="predb.test",
                    reason="dupe.SPRiNTER",
                    network="NET",
                )
            )
    pre(
        f"{MOVIES[0]}.2020.PROPER.1080p.BluRay.x264-FiXERS", START + dt.timedelta(days=1), "X264-HD"
    )
    for i in range(8):
        pre(
            f"Lonely.Road.{i + 1}.2019.1080p.WEB.H264-LONER",
            START + dt.timedelta(days=2 * i, hours=7),
            "X264-HD",
        )
    loner = "Lonely.Road.1.2019.1080p.WEB.H264-LONER"
    for kind, hours in (("nuke", 1), ("unnuke", 3)):  # mislabeled, then reversed
        events.append(
            NukeEvent(
                name=loner,
                kind=kind,
                at=START + dt.timedelta(hours=7 + hours),
                feed="predb.test",
                reason="mislabeled",
                network="NET",
            )
        )
    for week in range(10):
        pre(
            f"Harbor.Watch.S01E{week + 1:02d}.720p.HDTV.x264-OLDTV",
            START + dt.timedelta(weeks=week, hours=9),
            "TV-X264",
        )
    for week in range(6):
        pre(
            f"Harbor.Watch.S01E{week + 11:02d}.720p.HDTV.x264-NEWTV",
            START + dt.timedelta(weeks=week + 12, hours=9, minutes=5),
            "TV-X264",
        )
        pre(
            f"Quiz.Night.S03E{week + 1:02d}.1080p.WEB.H264-OTHERTV",
            START + dt.timedelta(weeks=week + 11, days=3, hours=20),
            "TV-X264",
        )
    return events


def build_store(directory: Path) -> Store:
    """The scene above in a fresh store file under `directory`."""
    store = Store.open(directory / "groups.duckdb")
    store.apply(build_events())
    return store
