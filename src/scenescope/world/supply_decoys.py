"""What makes tracing leaks to accounts hard: accounts that receive discs early and prove
nothing (national chains and wholesalers get every title weeks ahead, press accounts get
most of them), fronts that also receive titles they never leak, legitimate shops that
repeatedly break street date, and shipment records that are missing or mis-dated.

`build_supply` calls these hooks; each draws from its own random stream, so turning one on
or off leaves the rest of the world's draws alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from scenescope.world.config import SupplySection

# shipment_id, account_id, title_id, format, shipped_at, quantity, distributor
ShipmentSink = Callable[[str, str, str, str, dt.date, int, str], None]


@dataclass(frozen=True, slots=True)
class DecoyPlan:
    """Accounts with a fixed role in the decoy draws (ids assigned by build_supply)."""

    chains: tuple[str, ...]  # national chains and wholesalers: every title, early
    press: tuple[str, ...]  # review accounts: most titles, early
    sloppy: tuple[str, ...]  # legitimate shops that break street date more often than most


class Decoys:
    """Draws the decoy shipments of each title x territory, and street-date breaks."""

    def __init__(self, cfg: SupplySection, plan: DecoyPlan, seed: int) -> None:
        self.cfg = cfg
        self.plan = plan
        self.rng = random.Random(f"{seed}:decoys")

    def title_shipments(
        self,
        title_id: str,
        territory: str,
        street: dt.date,
        formats: tuple[str, ...],
        countries: dict[str, str],
        next_id: Callable[[], str],
        sink: ShipmentSink,
        distributor: str,
    ) -> None:
        """Chains (US titles) and press accounts of the territory receive the title early."""
        rng, cfg = self.rng, self.cfg
        for account_id in self.plan.chains:
            if territory != countries.get(account_id):
                continue
            days = rng.randint(
                cfg.ship_before_street_days_max, cfg.ship_before_street_days_max + 14
            )
            for disc_format in formats:
                sink(
                    next_id(),
                    account_id,
                    title_id,
                    disc_format,
                    street - dt.timedelta(days=days),
                    250,
                    distributor,
                )
        for account_id in self.plan.press:
            if territory != countries.get(account_id) or rng.random() >= cfg.press_title_share:
                continue
            days = rng.randint(
                cfg.ship_before_street_days_max - 7, cfg.ship_before_street_days_max + 7
            )
            sink(
                next_id(),
                account_id,
                title_id,
                rng.choice(formats),
                street - dt.timedelta(days=days),
                1,
                distributor,
            )

    def cover_shipment(self) -> bool:
        """Whether a front also orders a title its family will not leak (its cover)."""
        return self.rng.random() < self.cfg.front_cover_share

    def cover_days(self) -> int:
        cfg = self.cfg
        return self.rng.randint(cfg.ship_before_street_days_min, cfg.ship_before_street_days_max)

    def sloppy_break(self, received: list[tuple[dt.date, str]]) -> tuple[dt.date, str] | None:
        """A sloppy shop among the title's receivers that sells it before street date."""
        for shipped, account_id in sorted(received):
            if account_id in self.plan.sloppy and self.rng.random() < self.cfg.sloppy_break_prob:
                return shipped, account_id
        return None

    def break_lead_days(self) -> float:
        """A shop selling early: days before street date (days to a week, not weeks)."""
        return self.rng.uniform(0.3, self.cfg.other_leak_lead_days_max + 2.0)


class RecordFaults:
    """The distributor's records are imperfect: some shipments never reach the file, some
    carry the wrong day. Applied as the shipments are written; the truth is not touched."""

    def __init__(self, cfg: SupplySection, seed: int, sink: ShipmentSink) -> None:
        self.missing = cfg.missing_share
        self.misdated = cfg.misdated_share
        self.days_max = max(1, cfg.misdated_days_max)
        self.rng = random.Random(f"{seed}:record-faults")
        self.sink = sink

    def __call__(
        self,
        shipment_id: str,
        account_id: str,
        title_id: str,
        disc_format: str,
        shipped_at: dt.date,
        quantity: int,
        distributor: str,
    ) -> None:
        if self.missing <= 0 and self.misdated <= 0:
            self.sink(
                shipment_id, account_id, title_id, disc_format, shipped_at, quantity, distributor
            )
            return
        roll = self.rng.random()
        if roll < self.missing:
            return
        if roll < self.missing + self.misdated:
            shift = self.rng.randint(1, self.days_max) * self.rng.choice((-1, 1))
            shipped_at = shipped_at + dt.timedelta(days=shift)
        self.sink(shipment_id, account_id, title_id, disc_format, shipped_at, quantity, distributor)
