"""`families --explain` and the calibrated listing through the real CLI on a real store."""

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
    directory = tmp_path_factory.mktemp("families-cli")
    build_store(directory).close()
    return next(directory.glob("*.duckdb"))


def test_listing_shows_probabilities_per_member(db: Path) -> None:
    result = runner.invoke(app, ["families", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    (family,) = [json.loads(line) for line in result.output.splitlines()]
    assert set(family["memberships"]) == {"SPRiNTER", "GECKOS"}
    assert all(0.0 <= p <= 1.0 for p in family["memberships"].values())
    edge = family["edges"][0]
    assert edge["carried_by"] and edge["races"] == 0 and edge["dupe_nukes"] == 0
    text = runner.invoke(app, ["families", "--db", str(db)])
    assert "GECKOS" in text.output and "carried by" in text.output


def test_explain_by_member_and_number(db: Path) -> None:
    by_member = runner.invoke(app, ["families", "--explain", "geckos", "--db", str(db)])
    assert by_member.exit_code == 0, by_member.output
    words = by_member.output
    assert "Family 1" in words and "chance alone" in words and "Carried by:" in words
    assert "never raced" in words and "8 of them came in different formats" in words
    by_number = runner.invoke(app, ["families", "--explain", "1", "--db", str(db)])
    assert by_number.output == words


def test_explain_unknown_family_is_one_line(db: Path) -> None:
    result = runner.invoke(app, ["families", "--explain", "RiVAL", "--db", str(db)])
    assert result.exit_code != 0
    assert "no family 'RiVAL'" in result.output and "Traceback" not in result.output
