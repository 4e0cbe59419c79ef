"""The group commands end to end through Typer: listings, --json lines, exports, user errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenescope.cli import app
from test_groups_support import build_store

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("groups_cli")
    build_store(directory).close()
    return directory / "groups.duckdb"


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_groups_json(db: Path) -> None:
    result = runner.invoke(app, ["groups", "--db", str(db), "--json", "--category", "TV-X264"])
    assert result.exit_code == 0, result.output
    assert {row["group"] for row in _lines(result.stdout)} == {"OLDTV", "NEWTV", "OTHERTV"}


def test_group_json_and_unknown(db: Path) -> None:
    result = runner.invoke(app, ["group", "rival", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    (profile,) = _lines(result.stdout)
    assert profile["group"] == "RiVAL" and profile["nukes"] == 6
    missing = runner.invoke(app, ["group", "nobody", "--db", str(db)])
    assert missing.exit_code == 2
    assert "no releases by group 'nobody'" in missing.output
    assert "Traceback" not in missing.output


def test_race_needs_title_or_group(db: Path) -> None:
    both = runner.invoke(app, ["race", "--db", str(db)])
    assert both.exit_code == 2 and "TITLE or --group" in both.output
    result = runner.invoke(app, ["race", "--group", "RiVAL", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert len(_lines(result.stdout)) == 8


def test_families_and_network(db: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["families", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    (family,) = _lines(result.stdout)
    assert sorted(family["members"]) == ["GECKOS", "SPRiNTER"]
    for name in ("net.graphml", "net.html"):
        out = tmp_path / name
        done = runner.invoke(app, ["network", "--out", str(out), "--db", str(db)])
        assert done.exit_code == 0, done.output
        assert out.stat().st_size > 200
    bad = runner.invoke(app, ["network", "--out", str(tmp_path / "net.png"), "--db", str(db)])
    assert bad.exit_code == 2 and ".graphml or .html" in bad.output


def test_successors_json(db: Path) -> None:
    result = runner.invoke(app, ["successors", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    first = next(c for c in _lines(result.stdout) if c["predecessor"] == "OLDTV")
    assert first["successor"] == "NEWTV" and first["rank"] == 1


def test_missing_store_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["groups", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "no store at" in result.output


def test_race_margins_read_in_human_units() -> None:
    from scenescope.cli.groups import _duration

    assert _duration(None) == "-"
    assert _duration(42) == "42 s"
    assert _duration(450) == "7.5 min"
    assert _duration(3 * 3600 + 720) == "3.2 h"
    assert _duration(19.1 * 86_400) == "19.1 d"
