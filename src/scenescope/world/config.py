"""World parameters: the documented default TOML, user overrides, and typed sections.

`load_config(path, overrides)` merges a user TOML over `default_world.toml` (unknown keys are
an error naming the key) and returns a frozen `WorldConfig`; `config_digest` fingerprints it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_world.toml")


class ConfigError(ValueError):
    """A world config that cannot be used: says which file and key, and why."""


@dataclass(frozen=True, slots=True)
class WorldSection:
    seed: int
    start: dt.date
    end: dt.date
    scale: float
    territories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VolumeSection:
    pres_per_day: float
    film_tv_share: float
    movie_share_of_film_tv: float
    weekday_factor: tuple[float, ...]
    # Holiday-like dips of the whole Scene, in both worlds (with and without the event):
    # [first day "YYYY-MM-DD", days, ratio of the usual volume]. Not an enforcement effect.
    dips: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, slots=True)
class NoiseSection:
    categories: tuple[str, ...]
    weights: tuple[float, ...]
    groups_per_category: int
    volume_tail_alpha: float


@dataclass(frozen=True, slots=True)
class CatalogSection:
    studios: tuple[str, ...]
    day_and_date_share: float
    pvod_17_day_share: float
    pvod_from: dt.date
    streaming_original_share: float
    theatrical_to_physical_days: float
    digital_before_physical_days: float
    window_jitter_days: float
    territory_lag_days: float
    remake_share: float
    alias_share: float
    digit_title_share: float
    colon_title_share: float
    series_daily_share: float
    series_anime_share: float
    series_streaming_drop_share: float
    series_film_namesake_share: float
    season_episodes_min: int
    season_episodes_max: int
    on_air_share: float


@dataclass(frozen=True, slots=True)
class GroupsSection:
    movie_groups: int
    tv_groups: int
    volume_tail_alpha: float
    founded_before_start_share: float
    ending_in_window_share: float
    race_second_group_prob: float
    dupe_nuke_prob: float
    internal_share: float


@dataclass(frozen=True, slots=True)
class FamilySection:
    family_id: str
    members: tuple[str, ...]
    specialty: str  # retail-disc / web / foreign-de
    formats: tuple[tuple[str, ...], ...]  # per member, the format keys it releases
    fronts: int
    title_coverage: float
    lead_days_mean: float
    founded: dt.date


@dataclass(frozen=True, slots=True)
class SupplySection:
    distributors: tuple[str, ...]
    retail_accounts: int
    rental_accounts: int
    press_accounts: int
    accounts_per_title_min: int
    accounts_per_title_max: int
    ship_before_street_days_min: int
    ship_before_street_days_max: int
    other_leak_prob: float
    other_leak_lead_days_max: float
    # decoys and record faults (world/supply_decoys.py)
    national_chains: int
    press_title_share: float
    front_cover_share: float
    sloppy_shops: int
    sloppy_break_prob: float
    with_fronts: bool
    missing_share: float
    misdated_share: float
    misdated_days_max: int


@dataclass(frozen=True, slots=True)
class PresSection:
    feeds: tuple[str, ...]
    extra_feed_prob: tuple[float, ...]
    feed_delay_seconds_max: float
    bogus_date_prob: float
    nuke_networks: tuple[str, ...]
    nuke_prob: float
    mislabeled_nuke_prob: float
    modnuke_prob: float
    delpre_prob: float
    undelpre_prob: float
    proper_prob: float
    repack_prob: float
    noise_nuke_prob: float
    cam_title_share: float
    screener_title_share: float
    web_leak_prob: float
    tv_leak_prob: float
    web_title_coverage: float
    retail_title_coverage: float
    foreign_share: float


@dataclass(frozen=True, slots=True)
class TiersSection:
    names: tuple[str, ...]
    median_lag_minutes: tuple[float, ...]
    lag_sigma: tuple[float, ...]
    reach_prob: tuple[float, ...]
    p2p_rename_share: float
    never_reach_share: float
    max_lag_days: float
    post_event_lag_factor: float  # lags of releases pred after the event are this many times longer


@dataclass(frozen=True, slots=True)
class EnforcementSection:
    enabled: bool
    date: dt.date
    hour_utc: int
    family: str
    week_ratios: tuple[tuple[float, float], ...]
    first_day_ratio: float
    displacement_share: float
    successor_of: str
    successor_name: str
    successor_delay_weeks: int
    successor_volume_share: float


@dataclass(frozen=True, slots=True)
class WorldConfig:
    world: WorldSection
    volume: VolumeSection
    noise: NoiseSection
    catalog: CatalogSection
    groups: GroupsSection
    families: tuple[FamilySection, ...]
    supply: SupplySection
    pres: PresSection
    tiers: TiersSection
    enforcement: EnforcementSection

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (dates ISO, tuples lists), in field order."""
        return _plain(dataclasses.asdict(self))

    def with_world(self, **changes: Any) -> WorldConfig:
        """A copy with [world] keys replaced (seed, start, end, scale)."""
        return dataclasses.replace(self, world=dataclasses.replace(self.world, **changes))


_SECTIONS: dict[str, type] = {
    "world": WorldSection,
    "volume": VolumeSection,
    "noise": NoiseSection,
    "catalog": CatalogSection,
    "groups": GroupsSection,
    "supply": SupplySection,
    "pres": PresSection,
    "tiers": TiersSection,
    "enforcement": EnforcementSection,
}


def load_config(
    path: Path | str | None = None, overrides: dict[str, Any] | None = None
) -> WorldConfig:
    """The default world, with a user TOML file and then `overrides` merged over it."""
    merged = _read_toml(DEFAULT_CONFIG_PATH)
    if path is not None:
        _merge(merged, _read_toml(Path(path)), str(path), "")
    if overrides:
        _merge(merged, overrides, "overrides", "")
    source = str(path) if path is not None else str(DEFAULT_CONFIG_PATH)
    return _build(merged, source)


def config_digest(config: WorldConfig) -> str:
    """A stable fingerprint of every parameter (sha256 of canonical JSON, first 16 hex)."""
    blob = json.dumps(config.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: world config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def _merge(base: dict[str, Any], extra: dict[str, Any], source: str, prefix: str) -> None:
    for key, value in extra.items():
        where = f"{prefix}{key}"
        if key not in base:
            raise ConfigError(f"{source}: unknown key '{where}'")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: '{where}' must be a table")
            _merge(base[key], value, source, f"{where}.")
        else:
            base[key] = value  # lists (e.g. [[families]]) are replaced whole


def _build(data: dict[str, Any], source: str) -> WorldConfig:
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        sections[name] = _section(cls, data.get(name, {}), source, name)
    families = tuple(
        _section(FamilySection, fam, source, f"families[{i}]")
        for i, fam in enumerate(data.get("families", []))
    )
    config = WorldConfig(families=families, **sections)
    _validate(config, source)
    return config


def _section(cls: type, values: dict[str, Any], source: str, where: str) -> Any:
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name not in values:
            raise ConfigError(f"{source}: missing key '{where}.{field.name}'")
        kwargs[field.name] = _coerce(
            values[field.name], str(field.type), source, f"{where}.{field.name}"
        )
    unknown = sorted(set(values) - set(kwargs))
    if unknown:
        raise ConfigError(f"{source}: unknown key '{where}.{unknown[0]}'")
    return cls(**kwargs)


def _coerce(value: Any, type_name: str, source: str, where: str) -> Any:
    try:
        if type_name == "dt.date":
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if type_name == "bool":
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if type_name == "int":
            if isinstance(value, bool) or int(value) != value:
                raise ValueError("expected an integer")
            return int(value)
        if type_name == "float":
            if isinstance(value, bool):
                raise ValueError("expected a number")
            return float(value)
        if type_name == "str":
            if not isinstance(value, str):
                raise ValueError("expected a string")
            return value
        if type_name.startswith("tuple[tuple["):
            return tuple(tuple(item) for item in value)
        if type_name.startswith("tuple[float"):
            return tuple(float(item) for item in value)
        if type_name.startswith("tuple[str"):
            return tuple(str(item) for item in value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: bad value for '{where}': {value!r} ({exc})") from None
    return value


def _validate(config: WorldConfig, source: str) -> None:
    world = config.world
    if world.end < world.start:
        raise ConfigError(f"{source}: world.end {world.end} is before world.start {world.start}")
    if world.scale <= 0:
        raise ConfigError(f"{source}: world.scale must be positive, got {world.scale}")
    if len(config.noise.categories) != len(config.noise.weights):
        raise ConfigError(f"{source}: noise.categories and noise.weights differ in length")
    for dip in config.volume.dips:
        try:
            first, days, ratio = dip
            dt.date.fromisoformat(str(first))
            if int(days) < 1 or not 0.0 <= float(ratio) <= 1.0:
                raise ValueError
        except (TypeError, ValueError):
            raise ConfigError(
                f'{source}: volume.dips entry {list(dip)!r}: expected ["YYYY-MM-DD", days ≥ 1, '
                "ratio 0..1]"
            ) from None
    if len(config.volume.weekday_factor) != 7:
        raise ConfigError(f"{source}: volume.weekday_factor needs 7 values (Mon..Sun)")
    tiers = config.tiers
    if not (
        len(tiers.names)
        == len(tiers.median_lag_minutes)
        == len(tiers.lag_sigma)
        == len(tiers.reach_prob)
    ):
        raise ConfigError(f"{source}: tiers lists differ in length")
    family_ids = [f.family_id for f in config.families]
    for fam in config.families:
        if len(fam.formats) != len(fam.members):
            raise ConfigError(f"{source}: family {fam.family_id}: one formats list per member")
    enf = config.enforcement
    if enf.enabled and enf.family not in family_ids:
        raise ConfigError(f"{source}: enforcement.family '{enf.family}' is not a family_id")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
