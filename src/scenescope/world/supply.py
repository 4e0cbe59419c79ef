"""The disc supply chain: distributors, retail/rental/press accounts, family fronts, shipments.

Street-dated discs reach accounts days to weeks before the street date. Some accounts are
fronts a family controls (posing as a retailer, as in the background article); a family's
retail-disc releases are ripped from discs its fronts received.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy

from scenescope.world.catalog import Movie
from scenescope.world.config import FamilySection, WorldConfig
from scenescope.world.draw import UniformBlocks
from scenescope.world.supply_decoys import DecoyPlan, Decoys, RecordFaults

_SHOP_WORDS = ("Video", "Disc", "Media", "Movies", "Entertainment", "Home Cinema", "DVD")
_TOWNS = (
    "Ashford",
    "Belmont",
    "Calder",
    "Dunmore",
    "Eastwick",
    "Fairhaven",
    "Glenrock",
    "Holloway",
    "Kingsbridge",
    "Larkspur",
    "Marlowe",
    "Northgate",
    "Oakridge",
    "Queens",
    "Pinecrest",
    "Stonebrook",
    "Thornbury",
    "Westmere",
    "Yardley",
    "Newark",
    "Hoboken",
)
_OWNERS = ("Miller", "Ortega", "Chen", "Novak", "Okafor", "Schmidt", "Dubois", "Rossi")
_COUNTRY_BY_LANGUAGE = {"en": "US", "de": "DE", "fr": "FR"}
_QUANTITIES = (1, 2, 5, 10, 25)


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    name: str
    kind: str  # retailer / rental / wholesale / press / other
    country: str
    opened_at: dt.date
    front_of: str | None = None  # family id when the account is a front
    closed_at: dt.date | None = None


# receives one shipment's fields: shipment_id, account_id, title_id, format (dvd / bluray /
# uhd), shipped_at, quantity, distributor
ShipmentSink = Callable[[str, str, str, str, dt.date, int, str], None]


@dataclass(frozen=True, slots=True)
class DiscSource:
    """Where a retail-disc release's disc came from, before street date."""

    title_index: int
    family_id: str | None  # None = an independent group via a careless shop
    account_id: str
    shipped_at: dt.date
    pre_ts: int  # when the rip is pred (unix seconds)
    territory: str
    counterfactual_only: bool = False  # the front was shut before this disc would ship


@dataclass(frozen=True, slots=True)
class Supply:
    accounts: tuple[Account, ...]
    family_sources: dict[int, tuple[DiscSource, ...]]  # title index → family disc sources
    shop_leaks: dict[int, DiscSource]  # title index → early disc for an independent group


def build_supply(
    config: WorldConfig,
    movies: tuple[Movie, ...],
    seed: int,
    write_shipment: ShipmentSink,
) -> Supply:
    """Accounts (fronts included) and every shipment; shipments are streamed to
    `write_shipment(shipment_id, account_id, title_id, format, shipped_at, quantity,
    distributor)` as they are drawn (never held in memory)."""
    rng = random.Random(f"{seed}:supply")
    write_shipment = RecordFaults(config.supply, seed, write_shipment)
    decoy_rng = random.Random(f"{seed}:decoy-accounts")
    # per-shipment details (days before street, format, quantity): the hot loop at scale
    draws = UniformBlocks(numpy.random.default_rng(_stream_seed(seed, "shipments")))
    cfg = config.supply
    ship_days_min = cfg.ship_before_street_days_min
    ship_days_span = cfg.ship_before_street_days_max - ship_days_min + 1
    start, end = config.world.start, config.world.end
    enf = config.enforcement
    accounts: list[Account] = []
    for name in cfg.distributors:
        accounts.append(
            Account(
                _aid(accounts),
                name,
                "wholesale",
                "US",
                start - dt.timedelta(days=rng.randrange(2000, 8000)),
            )
        )
    for kind, count in (
        ("retailer", cfg.retail_accounts),
        ("rental", cfg.rental_accounts),
        ("press", cfg.press_accounts),
    ):
        for _ in range(count):
            country = rng.choices(("US", "GB", "DE", "FR"), weights=(0.6, 0.12, 0.16, 0.12))[0]
            accounts.append(
                Account(
                    _aid(accounts),
                    _shop_name(rng, kind),
                    kind,
                    country,
                    start - dt.timedelta(days=rng.randrange(60, 6000)),
                )
            )
    for index in range(cfg.national_chains):
        country = ("US", "DE", "US", "GB", "FR")[index % 5]
        accounts.append(
            Account(
                _aid(accounts),
                f"{decoy_rng.choice(_TOWNS)} Megastores",
                "retailer",
                country,
                start - dt.timedelta(days=decoy_rng.randrange(3000, 9000)),
            )
        )
    chains = tuple(
        a.account_id for a in accounts if a.kind == "wholesale" or a.name.endswith("Megastores")
    )
    fronts: dict[str, list[Account]] = {}
    for fam in config.families if cfg.with_fronts else ():
        country = "DE" if fam.specialty == "foreign-de" else "US"
        closed = enf.date if enf.enabled and enf.family == fam.family_id else None
        for _ in range(fam.fronts):
            front = Account(
                _aid(accounts),
                _shop_name(rng, "retailer"),
                "retailer",
                country,
                max(fam.founded, start - dt.timedelta(days=rng.randrange(90, 1500))),
                front_of=fam.family_id,
                closed_at=closed,
            )
            accounts.append(front)
            fronts.setdefault(fam.family_id, []).append(front)

    by_country: dict[str, list[Account]] = {}
    for acc in accounts:
        if acc.kind != "wholesale" and acc.front_of is None and acc.account_id not in chains:
            by_country.setdefault(acc.country, []).append(acc)
    shop_ids = sorted(
        a.account_id
        for a in accounts
        if a.kind in ("retailer", "rental") and a.front_of is None and a.account_id not in chains
    )
    decoys = Decoys(
        cfg,
        DecoyPlan(
            chains=chains,
            press=tuple(a.account_id for a in accounts if a.kind == "press"),
            sloppy=tuple(decoy_rng.sample(shop_ids, min(len(shop_ids), cfg.sloppy_shops))),
        ),
        seed,
    )
    countries = {a.account_id: a.country for a in accounts}
    counter = 0

    def next_id() -> str:
        nonlocal counter
        counter += 1
        return f"SH{counter:08d}"

    family_sources: dict[int, list[DiscSource]] = {}
    shop_leaks: dict[int, DiscSource] = {}
    first, last = start - dt.timedelta(days=40), end + dt.timedelta(days=40)
    for movie in movies:
        physical = movie.dates.get("physical", {})
        for territory in sorted(physical):
            street = physical[territory]
            if not first <= street <= last or territory not in by_country:
                continue
            formats = ("dvd", "bluray", "uhd") if rng.random() < 0.3 else ("dvd", "bluray")
            shops = rng.sample(
                by_country[territory],
                min(
                    len(by_country[territory]),
                    rng.randint(cfg.accounts_per_title_min, cfg.accounts_per_title_max),
                ),
            )
            distributor = rng.choice(cfg.distributors)
            uniforms = draws.take(3 * len(shops))
            street_ordinal = street.toordinal()
            early: list[tuple[dt.date, Account]] = []
            for shop, u_days, u_format, u_quantity in zip(
                shops, uniforms[0::3], uniforms[1::3], uniforms[2::3], strict=True
            ):
                shipped = dt.date.fromordinal(
                    street_ordinal - ship_days_min - int(u_days * ship_days_span)
                )
                counter += 1
                write_shipment(
                    f"SH{counter:08d}",
                    shop.account_id,
                    movie.title_id,
                    formats[int(u_format * len(formats))],
                    shipped,
                    _QUANTITIES[int(u_quantity * len(_QUANTITIES))],
                    distributor,
                )
                early.append((shipped, shop))
            if rng.random() < cfg.other_leak_prob and early:
                shipped, shop = min(early, key=lambda pair: (pair[0], pair[1].account_id))
                lead = rng.uniform(0.3, cfg.other_leak_lead_days_max)
                pre_ts = _ts(street) - int(lead * 86400)
                if pre_ts > _ts(shipped) + 3600 * 6 and movie.index not in shop_leaks:
                    shop_leaks[movie.index] = DiscSource(
                        movie.index, None, shop.account_id, shipped, pre_ts, territory
                    )
            decoys.title_shipments(
                movie.title_id,
                territory,
                street,
                formats,
                countries,
                next_id,
                write_shipment,
                distributor,
            )
            broken = decoys.sloppy_break([(d, a.account_id) for d, a in early])
            if broken is not None and movie.index not in shop_leaks:
                pre_ts = _ts(street) - int(decoys.break_lead_days() * 86400)
                if pre_ts > _ts(broken[0]) + 3600 * 6:
                    shop_leaks[movie.index] = DiscSource(
                        movie.index, None, broken[1], broken[0], pre_ts, territory
                    )
            for fam in config.families:
                source = _family_source(
                    fam, fronts.get(fam.family_id, []), movie, territory, street, rng
                )
                _cover_orders(
                    fronts.get(fam.family_id, []),
                    source,
                    movie.title_id,
                    territory,
                    street,
                    decoys,
                    next_id,
                    write_shipment,
                    distributor,
                )
                if source is None:
                    continue
                quantity = rng.choice((1, 2, 3))
                if not source.counterfactual_only:
                    # a front orders every disc format its family releases (DVDR from the DVD)
                    for disc_format in ("bluray", "dvd"):
                        write_shipment(
                            next_id(),
                            source.account_id,
                            movie.title_id,
                            disc_format,
                            source.shipped_at,
                            quantity,
                            distributor,
                        )
                family_sources.setdefault(movie.index, []).append(source)
    return Supply(tuple(accounts), {k: tuple(v) for k, v in family_sources.items()}, shop_leaks)


def _cover_orders(
    fronts: list[Account],
    source: DiscSource | None,
    title_id: str,
    territory: str,
    street: dt.date,
    decoys: Decoys,
    next_id: Callable[[], str],
    sink: ShipmentSink,
    distributor: str,
) -> None:
    """A front orders titles its family does not leak too, as the shop it poses as would."""
    for front in fronts:
        if front.country != territory or (
            source is not None and source.account_id == front.account_id
        ):
            continue
        if not decoys.cover_shipment():
            continue
        shipped = street - dt.timedelta(days=decoys.cover_days())
        if shipped < front.opened_at or (
            front.closed_at is not None and shipped >= front.closed_at
        ):
            continue
        sink(next_id(), front.account_id, title_id, "bluray", shipped, 1, distributor)


def _family_source(
    fam: FamilySection,
    fronts: list[Account],
    movie: Movie,
    territory: str,
    street: dt.date,
    rng: random.Random,
) -> DiscSource | None:
    if not fronts or fam.specialty not in ("retail-disc", "foreign-de"):
        return None
    wanted = "DE" if fam.specialty == "foreign-de" else "US"
    if territory != wanted:
        return None
    if rng.random() >= fam.title_coverage:
        return None
    front = rng.choice(fronts)
    # After the raids the front is shut, but the world without the operation still gets the
    # disc: the source is kept as counterfactual-only, so the truth's counterfactual keeps the
    # family releasing for as long as it would have.
    if street <= front.opened_at:
        return None
    # lead before street date: the disc arrives, is ripped within hours to days, and is pred
    lead_days = max(0.5, rng.gauss(fam.lead_days_mean, fam.lead_days_mean / 3 + 0.5))
    rip_days = rng.uniform(0.2, 2.5)
    shipped = street - dt.timedelta(days=int(lead_days + rip_days) + 1)
    closed = front.closed_at is not None and shipped >= front.closed_at
    pre_ts = _ts(shipped) + int((rip_days + rng.uniform(0.0, 0.9)) * 86400)
    return DiscSource(
        movie.index,
        fam.family_id,
        front.account_id,
        shipped,
        pre_ts,
        territory,
        counterfactual_only=closed,
    )


def _aid(accounts: list[Account]) -> str:
    return f"A{len(accounts) + 1:05d}"


def _shop_name(rng: random.Random, kind: str) -> str:
    if kind == "press":
        return f"{rng.choice(_TOWNS)} {rng.choice(('Gazette', 'Film Review', 'Critics Circle'))}"
    if kind == "rental":
        return f"{rng.choice(_OWNERS)}'s {rng.choice(('Video Rental', 'Movie Rental', 'Rentals'))}"
    return f"{rng.choice(_TOWNS)} {rng.choice(_SHOP_WORDS)}"


def _ts(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _stream_seed(seed: int, stream: str) -> int:
    """A stable 64-bit seed for a named numpy stream of the world (hash() is salted)."""
    return int.from_bytes(
        hashlib.blake2b(f"{seed}:{stream}".encode(), digest_size=8).digest(), "big"
    )
