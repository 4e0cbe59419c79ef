"""Impact and break detection on pres from a generator written here, independent of our
simulator: its own weekday pattern (a quiet Sunday), a slow growth, overdispersed noise,
dips on real public holidays in both worlds, and an operation that removes three groups and
chills everyone else on its own recovery curve. The pres go through the real files feed into
a real store; the known expected counts are the truth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from scenescope.analysis.impact import Impact, ImpactParams
from scenescope.analysis.impact_detect import BreakDetector
from scenescope.engine import Engine
from scenescope.feeds.files import FileFeed
from scenescope.store import Store

START = dt.date(2021, 1, 4)
DAYS = 330
EVENT = dt.date(2021, 9, 14)
WEEKDAY = (1.00, 1.08, 1.10, 1.04, 0.97, 0.80, 0.62)  # Mon..Sun
HOLIDAYS = {
    dt.date(2021, 4, 2): 0.55,
    dt.date(2021, 4, 5): 0.6,
    dt.date(2021, 5, 13): 0.7,
    dt.date(2021, 5, 24): 0.7,
    dt.date(2021, 12, 24): 0.5,
    dt.date(2021, 12, 25): 0.45,
}
TARGETED = ("ORCHiD", "LOTUS", "TULIP")
TARGET_SHARE = 0.09


def chill(days_after: int) -> float:
    """Everyone else's volume after the operation: 0.35 at once, back to 0.97 in 14 weeks."""
    if days_after < 1:
        return 1.0
    return min(0.97, 0.35 + (0.97 - 0.35) * days_after / 98)


FIRST_EVENT = dt.date(2021, 4, 20)  # an earlier, smaller operation (two-event worlds)


def expected(day: dt.date, with_event: bool, earlier: bool = False) -> tuple[float, float]:
    """(targeted, others) mean pres on a day; `earlier`: the first operation happened too
    (in both worlds of the second): a 60% dip that recovers over twelve weeks."""
    i = (day - START).days
    level = 300.0 * (1 + 0.12 * i / 365) * WEEKDAY[day.weekday()] * HOLIDAYS.get(day, 1.0)
    if earlier and day > FIRST_EVENT:
        level *= min(1.0, 0.4 + 0.6 * (day - FIRST_EVENT).days / 84)
    targeted, others = level * TARGET_SHARE, level * (1 - TARGET_SHARE)
    if with_event and day > EVENT:
        return 0.0, others * chill((day - EVENT).days)
    return targeted, others


def write_pres(path: Path, seed: int, with_event: bool, earlier: bool = False) -> None:
    rng = np.random.default_rng(seed)
    lines = ["name,pre_at,category"]
    serial = 0
    for offset in range(DAYS):
        day = START + dt.timedelta(days=offset)
        for kind, mean in zip(("t", "o"), expected(day, with_event, earlier), strict=True):
            count = rng.poisson(rng.gamma(20.0, mean / 20.0)) if mean > 0 else 0
            for _ in range(count):
                serial += 1
                group = TARGETED[serial % 3] if kind == "t" else f"INDIE{serial % 40}"
                second = int(rng.integers(0, 86400))
                at = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=second)
                section = ("X264-HD", "TV-HD", "MP3", "EBOOK")[serial % 4]
                lines.append(
                    f"Show.Number.{serial}.2021.1080p.WEB.h264-{group},{at.isoformat()}Z,{section}"
                )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _store(folder: Path, seed: int, with_event: bool, earlier: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pres = folder / "pres.csv"
    write_pres(pres, seed, with_event, earlier)
    db = folder / "store.duckdb"
    with Store.open(db) as store:
        store.apply(FileFeed(pres))
    return db


@pytest.mark.parametrize("seed", [11, 12])
def test_counterfactual_and_split_on_an_independent_world(tmp_path: Path, seed: int) -> None:
    db = _store(tmp_path, seed, True)
    with Store.open(db, read_only=True) as store:
        engine = Engine.of(store)
        result = Impact().fit(engine, ImpactParams(event=EVENT, groups=TARGETED, horizon_weeks=16))
        breaks = BreakDetector().fit(engine).breaks
    covered = []
    true_direct = true_total = 0.0
    for week in result.weeks:
        days = [week.week_start + dt.timedelta(days=d) for d in range(7)]
        truth = sum(sum(expected(d, False)) for d in days)
        covered.append(week.lower <= truth <= week.upper)
        true_direct += sum(expected(d, False)[0] - expected(d, True)[0] for d in days)
        true_total += sum(sum(expected(d, False)) - sum(expected(d, True)) for d in days)
    assert sum(covered) / len(covered) >= 0.85, [w.to_dict() for w in result.weeks]
    assert result.direct_share is not None
    assert abs(result.direct_share - true_direct / true_total) <= 0.10
    drops = [b for b in breaks if b.size < 0]
    assert drops and min(abs((b.date - EVENT).days) for b in drops) <= 2, [
        b.to_dict() for b in breaks
    ]


def test_holiday_dips_alone_are_not_a_break(tmp_path: Path) -> None:
    db = _store(tmp_path, 13, False)
    with Store.open(db, read_only=True) as store:
        breaks = BreakDetector().fit(Engine.of(store)).breaks
    assert [b for b in breaks if b.size < 0] == [], [b.to_dict() for b in breaks]


def test_two_events_the_second_fitted_without_the_first_aftermath(tmp_path: Path) -> None:
    db = _store(tmp_path, 14, True, earlier=True)
    with Store.open(db, read_only=True) as store:
        engine = Engine.of(store)
        result = Impact().fit(
            engine,
            ImpactParams(
                event=EVENT,
                groups=TARGETED,
                horizon_weeks=16,
                prior_events=(FIRST_EVENT,),
                settle_weeks=13,
            ),
        )
        drops = [b for b in BreakDetector().fit(engine).breaks if b.size < 0]
    covered = []
    for week in result.weeks:
        days = [week.week_start + dt.timedelta(days=d) for d in range(7)]
        truth = sum(sum(expected(d, False, earlier=True)) for d in days)
        covered.append(week.lower <= truth <= week.upper)
    assert sum(covered) / len(covered) >= 0.85, [w.to_dict() for w in result.weeks]
    assert any("left out of the fit" in note for note in result.notes)
    # both operations are found without being told
    for when in (FIRST_EVENT, EVENT):
        assert min(abs((b.date - when).days) for b in drops) <= 2, [b.to_dict() for b in drops]
