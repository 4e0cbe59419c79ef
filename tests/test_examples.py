"""The example files shipped with the README stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenescope.alerts.rules import load_config

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_example_alert_rules_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENESCOPE_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("SCENESCOPE_SMTP_PASSWORD", "pw")
    config = load_config(EXAMPLES / "alerts.toml")
    names = set(config.rules)
    assert names == {"retail-discs-a-week-early", "anything-before-theatrical"}
    assert {sink.kind for sink in config.sinks.values()} == {"webhook", "slack", "smtp"}
