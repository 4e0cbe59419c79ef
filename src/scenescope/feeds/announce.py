"""IRC announce lines → feed events, by per-network regex patterns from a TOML file.

The shipped defaults (`announce.toml`) read `[PRE]`, `[NUKE]`, `[UNNUKE]`, `[MODNUKE]`,
`[DELPRE]`, `[UNDELPRE]` and `[INFO]` lines; mIRC colour and format codes are stripped first.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tomllib
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scenescope.feeds.base import FeedHealth, HealthMeter
from scenescope.feeds.events import NUKE_KINDS, FeedEvent, NukeEvent, PreReport, Reject
from scenescope.feeds.irc import IrcClient, IrcTarget

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("pre", "info", *NUKE_KINDS)
MAX_NAME_CHARS = 512
SIZE_UNITS_KB = {"KB": 1.0, "MB": 1024.0, "GB": 1024.0**2, "TB": 1024.0**3}
# \x03 colour (fg[,bg]), \x04 hex colour, then bold/reset/monospace/reverse/italic/strike/underline.
_FORMATTING = re.compile(
    r"\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?"
    r"|[\x02\x0f\x11\x16\x1d\x1e\x1f]"
)


class AnnounceConfigError(ValueError):
    """The announce pattern file is unreadable or a pattern is wrong (says which)."""


def strip_formatting(text: str) -> str:
    """Remove mIRC colour and formatting control codes."""
    return _FORMATTING.sub("", text)


@dataclass(frozen=True, slots=True)
class AnnouncePattern:
    kind: str
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Announcement:
    """What one announce line says, before it becomes an event."""

    kind: str
    name: str
    category: str | None = None
    reason: str | None = None
    network: str | None = None
    size_kb: float | None = None
    files: int | None = None
    genre: str | None = None


class AnnounceConfig:
    """Pattern lists per network, with the `default` set as fallback."""

    def __init__(self, networks: Mapping[str, tuple[AnnouncePattern, ...]]) -> None:
        self.networks = dict(networks)

    def patterns_for(self, network: str) -> tuple[AnnouncePattern, ...]:
        return self.networks.get(network.lower(), self.networks.get("default", ()))


def _compile_network(
    source: str, network: str, table: Any, default: tuple[AnnouncePattern, ...]
) -> tuple[AnnouncePattern, ...]:
    if not isinstance(table, Mapping):
        raise AnnounceConfigError(f"{source}: [networks.{network}] must be a table")
    compiled: list[AnnouncePattern] = []
    for index, entry in enumerate(table.get("patterns", [])):
        where = f"{source}: networks.{network}.patterns[{index}]"
        if not isinstance(entry, Mapping):
            raise AnnounceConfigError(f"{where}: must be a table with kind and regex")
        kind, regex = entry.get("kind"), entry.get("regex")
        if kind not in KINDS:
            raise AnnounceConfigError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if not isinstance(regex, str):
            raise AnnounceConfigError(f"{where}: regex must be a string")
        try:
            pattern = re.compile(regex)
        except re.error as exc:
            raise AnnounceConfigError(f"{where}: bad regex: {exc}") from exc
        if "name" not in pattern.groupindex:
            raise AnnounceConfigError(f"{where}: regex needs a (?P<name>…) group")
        compiled.append(AnnouncePattern(kind, pattern))
    if network != "default" and table.get("inherit_default", True):
        compiled.extend(default)
    return tuple(compiled)


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AnnounceConfigError(f"{source}: not valid TOML: {exc}") from exc
    networks = document.get("networks", {})
    if not isinstance(networks, dict):
        raise AnnounceConfigError(f"{source}: [networks] must be a table")
    return networks


def load_announce_config(path: Path | None = None) -> AnnounceConfig:
    """The shipped patterns, plus (overriding per network) those in `path` if given."""
    shipped = resources.files("scenescope.feeds").joinpath("announce.toml").read_text("utf-8")
    tables = {
        k.lower(): ("announce.toml (shipped)", v)
        for k, v in _parse_toml(shipped, "announce.toml (shipped)").items()
    }
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AnnounceConfigError(f"{path}: cannot read: {exc.strerror}") from exc
        except UnicodeDecodeError:
            raise AnnounceConfigError(f"{path}: not a UTF-8 TOML file") from None
        tables.update({k.lower(): (str(path), v) for k, v in _parse_toml(text, str(path)).items()})
    default_source, default_table = tables.get("default", ("", {}))
    default = _compile_network(default_source, "default", default_table, ())
    networks = {"default": default}
    for network, (source, table) in tables.items():
        if network != "default":
            networks[network] = _compile_network(source, network, table, default)
    return AnnounceConfig(networks)


def parse_announcement(line: str, patterns: tuple[AnnouncePattern, ...]) -> Announcement | None:
    """The announcement on `line`, or None for chatter. Raises ValueError on a matching line
    whose fields are unusable (name too long, size not a number)."""
    text = strip_formatting(line).strip()
    for pattern in patterns:
        match = pattern.regex.match(text)
        if match is None:
            continue
        fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in match.groupdict().items()}
        name = fields.get("name") or ""
        if not name:
            raise ValueError(f"{pattern.kind} line has an empty name")
        if len(name) > MAX_NAME_CHARS:
            raise ValueError(f"name is {len(name)} characters (limit {MAX_NAME_CHARS})")
        return Announcement(
            kind=pattern.kind,
            name=name,
            category=fields.get("category") or None,
            reason=fields.get("reason") or None,
            network=fields.get("network") or None,
            size_kb=_size_kb(fields.get("size"), fields.get("size_unit")),
            files=int(fields["files"]) if fields.get("files") else None,
            genre=fields.get("genre") or None,
        )
    return None


def _size_kb(size: str | None, unit: str | None) -> float | None:
    if not size:
        return None
    factor = SIZE_UNITS_KB.get((unit or "MB").upper().replace("IB", "B"))
    if factor is None:
        raise ValueError(f"unknown size unit {unit!r}")
    return float(size) * factor


class AnnounceFeed:
    """An IRC announce channel as a feed: lines in, PreReport / NukeEvent / Reject out.

    Times are when the line reached us (announce bots post as the pre happens). An `[INFO]`
    line adds size/files/genre to a pre announced earlier on this feed: it is re-emitted as
    that pre's report with the same time, so it never moves the pre time; an `[INFO]` for a
    pre we did not see is counted in `orphan_infos` and dropped.
    """

    RECENT_PRES = 10_000

    def __init__(
        self,
        target: IrcTarget,
        config: AnnounceConfig | None = None,
        *,
        backoff_base_seconds: float = 1.0,
        backoff_cap_seconds: float = 120.0,
    ) -> None:
        self.target = target
        self.name = target.label
        self.meter = HealthMeter(self.name)
        self.client = IrcClient(
            target,
            meter=self.meter,
            backoff_base_seconds=backoff_base_seconds,
            backoff_cap_seconds=backoff_cap_seconds,
        )
        self.patterns = (config or load_announce_config()).patterns_for(target.network)
        self.chatter_lines = 0
        self.orphan_infos = 0
        self._recent: OrderedDict[str, PreReport] = OrderedDict()

    def health(self) -> FeedHealth:
        return self.meter.snapshot()

    async def events(self) -> AsyncIterator[FeedEvent]:
        async for message in self.client.messages():
            event = self.convert(message.text, message.channel, message.received_at)
            if event is None:
                continue
            if isinstance(event, Reject):
                self.meter.error()
                self.meter.frame()
                log.warning("%s: line quarantined: %s", self.name, event.reason[:200])
            else:
                self.meter.frame(event.pre_at if isinstance(event, PreReport) else event.at)
            yield event

    def convert(self, text: str, channel: str, received_at: dt.datetime) -> FeedEvent | None:
        """One channel line as an event (None for chatter and orphan INFO lines)."""
        try:
            found = parse_announcement(text, self.patterns)
        except ValueError as exc:
            return Reject(
                source=f"{self.name} {channel}",
                reason=str(exc),
                raw=text[:4096],
                seen_at=received_at,
            )
        if found is None:
            self.chatter_lines += 1
            return None
        if found.kind == "pre":
            report = PreReport(
                name=found.name,
                pre_at=received_at,
                feed=self.name,
                category=found.category,
                size_kb=found.size_kb,
                files=found.files,
                genre=found.genre,
                seen_at=received_at,
            )
            self._remember(report)
            return report
        if found.kind == "info":
            earlier = self._recent.get(found.name)
            if earlier is None:
                self.orphan_infos += 1
                return None
            report = PreReport(
                name=earlier.name,
                pre_at=earlier.pre_at,
                feed=self.name,
                category=earlier.category,
                size_kb=found.size_kb if found.size_kb is not None else earlier.size_kb,
                files=found.files if found.files is not None else earlier.files,
                genre=found.genre or earlier.genre,
                seen_at=received_at,
            )
            self._remember(report)
            return report
        return NukeEvent(
            name=found.name,
            kind=found.kind,
            at=received_at,
            feed=self.name,
            reason=found.reason,
            network=found.network,
            seen_at=received_at,
        )

    def _remember(self, report: PreReport) -> None:
        self._recent[report.name] = report
        self._recent.move_to_end(report.name)
        while len(self._recent) > self.RECENT_PRES:
            self._recent.popitem(last=False)
