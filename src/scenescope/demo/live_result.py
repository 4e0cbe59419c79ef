"""What the demo's live leg did, for people and for `demo --json`: the REST backfill, the frames
replayed over the websocket and IRC, what each connector stored, the alerts and their latency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from scenescope.demo.arrivals import ConnectorArrival, rounded
from scenescope.demo.receiver import ReceivedAlert


@dataclass(frozen=True, slots=True)
class LiveReplayResult:
    """What the live leg did: frames in, releases stored, alerts fired/delivered, latency."""

    window_start: dt.datetime
    window_end: dt.datetime
    speed: float
    frames_replayed: int
    frames_missed: int  # broadcast before the feed was connected (should be 0)
    events_applied: int  # by the live feeds (websocket and IRC together)
    releases_stored: int  # distinct releases the websocket reported
    new_releases: int  # releases the store did not know before the replay
    alerts_fired: int  # recorded and sent (first of their title, source class, group)
    alerts_suppressed: int  # recorded as proper/dupe, not sent
    alerts_delivered: int  # received by the loopback webhook with a valid signature
    bad_signatures: int
    latency_ms_p50: float | None  # pre arrival at the feed → webhook received
    latency_ms_p99: float | None
    examples: tuple[ReceivedAlert, ...] = ()
    problems: tuple[str, ...] = ()  # timeouts and the like; empty when all went well
    wall_seconds: float = 0.0
    backfill_start: dt.datetime | None = None  # the REST backfill: [backfill_start, window_start)
    connectors: tuple[ConnectorArrival, ...] = ()  # REST backfill, websocket, IRC
    irc_server: str | None = None  # "ngircd" / "miniircd"; None when the IRC leg was skipped

    def connector(self, name: str) -> ConnectorArrival | None:
        return next((c for c in self.connectors if c.connector == name), None)

    def summary_lines(self, examples: int = 5) -> list[str]:
        window = f"{self.window_start:%Y-%m-%d %H:%M}–{self.window_end:%H:%M} UTC"
        latency = (
            "no alert delivered"
            if self.latency_ms_p50 is None
            else f"p50 {self.latency_ms_p50:.0f} ms, p99 {self.latency_ms_p99:.0f} ms"
        )
        irc = "" if self.irc_server is None else f" and IRC ({self.irc_server})"
        lines = [
            f"replayed {self.frames_replayed:,} frames ({window}, {self.speed:g}x) over the "
            f"websocket{irc} in {self.wall_seconds:.1f} s; {self.events_applied:,} events "
            f"stored, {self.releases_stored:,} releases reported ({self.new_releases:,} new)",
            *(f"  {connector.line()}" for connector in self.connectors),
            f"alerts: {self.alerts_fired:,} fired, {self.alerts_delivered:,} delivered "
            f"to the signed webhook ({self.bad_signatures} bad signatures), "
            f"{self.alerts_suppressed:,} proper/dupe recorded without sending",
            f"pre arrival → webhook received: {latency}",
        ]
        lines += [f"  {alert.line()}" for alert in self.examples[:examples]]
        lines += [f"problem: {problem}" for problem in self.problems]
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "speed": self.speed,
            "frames_replayed": self.frames_replayed,
            "frames_missed": self.frames_missed,
            "events_applied": self.events_applied,
            "releases_stored": self.releases_stored,
            "new_releases": self.new_releases,
            "alerts_fired": self.alerts_fired,
            "alerts_suppressed": self.alerts_suppressed,
            "alerts_delivered": self.alerts_delivered,
            "bad_signatures": self.bad_signatures,
            "latency_ms_p50": rounded(self.latency_ms_p50),
            "latency_ms_p99": rounded(self.latency_ms_p99),
            "examples": [
                {
                    "title": a.title,
                    "group": a.group,
                    "source_class": a.source_class,
                    "lead_days": round(a.lead_days, 2),
                    "release_name": a.release_name,
                }
                for a in self.examples
            ],
            "problems": list(self.problems),
            "wall_seconds": round(self.wall_seconds, 2),
            "backfill_start": None
            if self.backfill_start is None
            else self.backfill_start.isoformat(),
            "irc_server": self.irc_server,
            "connectors": [c.to_dict() for c in self.connectors],
        }
