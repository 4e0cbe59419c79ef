"""Alert rules and sink settings, read from a TOML file.

A rule says which leaks matter (titles, studios, severities, minimum lead, source classes,
groups) and where they go (named sinks). Bad config fails with the file, rule and field.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from scenescope.analysis.records import Leak

REALERT_CHOICES: tuple[str, ...] = ("proper", "dupe")
SINK_KINDS: tuple[str, ...] = ("webhook", "slack", "smtp")


class AlertConfigError(ValueError):
    """A mistake in the alerts config file; the message names the file, table and field."""


@dataclass(frozen=True, slots=True)
class SinkConfig:
    """One named destination: its kind and the kind-specific options (already validated)."""

    name: str
    kind: str  # webhook / slack / smtp
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Retries for a failing sink: capped exponential backoff, dead-letter after max_attempts."""

    max_attempts: int = 6
    backoff_initial_seconds: float = 2.0
    backoff_max_seconds: float = 300.0
    timeout_seconds: float = 10.0

    def backoff_after(self, attempts: int) -> float:
        """Seconds to wait before the next try, after `attempts` failed tries (1-based)."""
        exponent = max(attempts - 1, 0)
        return float(min(self.backoff_max_seconds, self.backoff_initial_seconds * 2.0**exponent))


@dataclass(frozen=True, slots=True)
class AlertRule:
    """Which leaks a rule wants, and the sinks it sends them to. Empty filters match all."""

    name: str
    sinks: tuple[str, ...]
    titles: frozenset[str] = frozenset()  # casefolded display titles
    title_ids: frozenset[str] = frozenset()
    studios: frozenset[str] = frozenset()  # casefolded
    severities: frozenset[str] = frozenset()
    source_classes: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()  # casefolded
    min_lead_days: float | None = None
    realert_on: frozenset[str] = frozenset()  # subset of REALERT_CHOICES

    def matches(self, leak: Leak) -> bool:
        """True when the leak passes every filter this rule sets."""
        if self.title_ids and leak.title_id not in self.title_ids:
            return False
        if self.titles and leak.title.casefold() not in self.titles:
            return False
        if self.studios and (leak.studio or "").casefold() not in self.studios:
            return False
        if self.severities and leak.severity not in self.severities:
            return False
        if self.source_classes and leak.source_class not in self.source_classes:
            return False
        if self.groups and (leak.group or "").casefold() not in self.groups:
            return False
        return self.min_lead_days is None or leak.lead_days >= self.min_lead_days


@dataclass(frozen=True, slots=True)
class AlertConfig:
    """Everything the alerts config file says."""

    rules: Mapping[str, AlertRule]
    sinks: Mapping[str, SinkConfig]
    delivery: DeliveryPolicy = DeliveryPolicy()
    source: str = "<memory>"

    def rule(self, name: str) -> AlertRule:
        try:
            return self.rules[name]
        except KeyError:
            known = ", ".join(sorted(self.rules)) or "none"
            raise AlertConfigError(
                f"{self.source}: no rule named {name!r} (rules: {known})"
            ) from None

    def matching_rules(self, leak: Leak) -> list[AlertRule]:
        return [rule for rule in self.rules.values() if rule.matches(leak)]


def default_config_path() -> Path:
    """$SCENESCOPE_ALERTS if set, else alerts.toml in the user config directory."""
    env = os.environ.get("SCENESCOPE_ALERTS")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("scenescope")) / "alerts.toml"


def load_config(path: Path | str) -> AlertConfig:
    """Read and validate an alerts config file; raises AlertConfigError naming what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AlertConfigError(f"{path}: alerts config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AlertConfigError(f"{path}: cannot read alerts config: {exc}") from None
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "<string>") -> AlertConfig:
    """Validate TOML text as an alerts config (see `load_config`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AlertConfigError(f"{source}: not valid TOML: {exc}") from None
    _reject_unknown(data, {"rules", "sinks", "delivery"}, f"{source}")
    delivery = _parse_delivery(_table(data, "delivery", source), f"{source}: [delivery]")
    sinks_table = _table(data, "sinks", source)
    sinks = {
        name: _parse_sink(name, _table(sinks_table, name, f"{source}: [sinks]"), source)
        for name in sinks_table
    }
    rules_table = _table(data, "rules", source)
    rules = {
        name: _parse_rule(name, _table(rules_table, name, f"{source}: [rules]"), sinks, source)
        for name in rules_table
    }
    return AlertConfig(rules=rules, sinks=sinks, delivery=delivery, source=source)


# -- validation helpers ------------------------------------------------------------------

_RULE_KEYS = {
    "sinks",
    "titles",
    "title_ids",
    "studios",
    "severities",
    "source_classes",
    "groups",
    "min_lead_days",
    "realert_on",
}
_SINK_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "webhook": {
        "url": str,
        "secret": str,
        "secret_env": str,
        "headers": dict,
        "timeout_seconds": (int, float),
    },
    "slack": {"url": str, "timeout_seconds": (int, float)},
    "smtp": {
        "host": str,
        "port": int,
        "starttls": bool,
        "ssl": bool,
        "username": str,
        "password": str,
        "password_env": str,
        "from": str,
        "to": list,
        "cafile": str,
        "verify_tls": bool,
        "timeout_seconds": (int, float),
    },
}
_SINK_REQUIRED = {"webhook": ("url",), "slack": ("url",), "smtp": ("host", "from", "to")}


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise AlertConfigError(f"{where}: {key!r} must be a table, got {type(value).__name__}")
    return value


def _reject_unknown(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise AlertConfigError(
            f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _parse_delivery(data: Mapping[str, Any], where: str) -> DeliveryPolicy:
    defaults = DeliveryPolicy()
    _reject_unknown(data, set(DeliveryPolicy.__slots__), where)
    max_attempts = data.get("max_attempts", defaults.max_attempts)
    if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
        raise AlertConfigError(f"{where}: field 'max_attempts' must be an integer >= 1")
    numbers: dict[str, float] = {}
    for key in ("backoff_initial_seconds", "backoff_max_seconds", "timeout_seconds"):
        value = data.get(key, getattr(defaults, key))
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise AlertConfigError(f"{where}: field {key!r} must be a positive number")
        numbers[key] = float(value)
    return DeliveryPolicy(max_attempts=max_attempts, **numbers)


def _parse_sink(name: str, data: Mapping[str, Any], source: str) -> SinkConfig:
    where = f"{source}: sink {name!r}"
    kind = data.get("kind")
    if kind not in SINK_KINDS:
        raise AlertConfigError(f"{where}: field 'kind' must be one of {', '.join(SINK_KINDS)}")
    allowed = _SINK_KEYS[kind]
    _reject_unknown(data, {"kind", *allowed}, where)
    for key, expected in allowed.items():
        if key in data and not _has_type(data[key], expected):
            raise AlertConfigError(f"{where}: field {key!r} has the wrong type")
    for key in _SINK_REQUIRED[kind]:
        if not data.get(key):
            raise AlertConfigError(f"{where}: field {key!r} is required for a {kind} sink")
    options = {k: v for k, v in data.items() if k != "kind"}
    if kind in ("webhook", "slack") and not str(options["url"]).startswith(("http://", "https://")):
        raise AlertConfigError(f"{where}: field 'url' must start with http:// or https://")
    if kind == "webhook":
        options["secret"] = _secret(options, "secret", where, required=True)
    if kind == "smtp":
        if not all(isinstance(a, str) and "@" in a for a in options["to"]):
            raise AlertConfigError(f"{where}: field 'to' must be a list of email addresses")
        for key in ("from", *options["to"]):
            if any(ch in key for ch in "\r\n"):
                raise AlertConfigError(f"{where}: email addresses may not contain line breaks")
        if "username" in options:
            options["password"] = _secret(options, "password", where, required=True)
    return SinkConfig(name=name, kind=kind, options=options)


def _secret(options: Mapping[str, Any], key: str, where: str, *, required: bool) -> str | None:
    """A secret given inline (`key`) or by environment variable name (`key_env`)."""
    env_key = f"{key}_env"
    if key in options:
        return str(options[key])
    if env_key in options:
        value = os.environ.get(options[env_key])
        if value is None:
            raise AlertConfigError(
                f"{where}: field {env_key!r} names ${options[env_key]}, which is not set"
            )
        return value
    if required:
        raise AlertConfigError(f"{where}: field {key!r} or {env_key!r} is required")
    return None


def _has_type(value: Any, expected: type | tuple[type, ...]) -> bool:
    # TOML booleans are Python ints; only accept them where a bool is asked for
    wants_bool = expected is bool
    return isinstance(value, expected) and (wants_bool or not isinstance(value, bool))


def _string_list(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise AlertConfigError(f"{where}: field {key!r} must be a list of non-empty strings")
    return tuple(dict.fromkeys(value))


def _string_set(data: Mapping[str, Any], key: str, where: str, *, fold: bool) -> frozenset[str]:
    return frozenset(v.casefold() if fold else v for v in _string_list(data, key, where))


def _parse_rule(
    name: str, data: Mapping[str, Any], sinks: Mapping[str, SinkConfig], source: str
) -> AlertRule:
    where = f"{source}: rule {name!r}"
    _reject_unknown(data, _RULE_KEYS, where)
    sink_names = _string_list(data, "sinks", where)
    if not sink_names:
        raise AlertConfigError(f"{where}: field 'sinks' must name at least one sink")
    for sink in sink_names:
        if sink not in sinks:
            known = ", ".join(sorted(sinks)) or "none defined"
            raise AlertConfigError(f"{where}: field 'sinks' names unknown sink {sink!r} ({known})")
    realert_on = _string_set(data, "realert_on", where, fold=True)
    for choice in sorted(realert_on):
        if choice not in REALERT_CHOICES:
            raise AlertConfigError(
                f"{where}: field 'realert_on' value {choice!r} is not one of "
                f"{', '.join(REALERT_CHOICES)}"
            )
    min_lead = data.get("min_lead_days")
    if min_lead is not None and not _has_type(min_lead, (int, float)):
        raise AlertConfigError(f"{where}: field 'min_lead_days' must be a number")
    return AlertRule(
        name=name,
        sinks=sink_names,
        titles=_string_set(data, "titles", where, fold=True),
        title_ids=_string_set(data, "title_ids", where, fold=False),
        studios=_string_set(data, "studios", where, fold=True),
        severities=_string_set(data, "severities", where, fold=False),
        source_classes=_string_set(data, "source_classes", where, fold=False),
        groups=_string_set(data, "groups", where, fold=True),
        min_lead_days=float(min_lead) if min_lead is not None else None,
        realert_on=realert_on,
    )
