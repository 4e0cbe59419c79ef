"""`scenescope parse`: names as arguments or on stdin, a table or JSON Lines."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from scenescope import parse
from scenescope.cli import app

runner = CliRunner()
MOVIE = "Some.Movie.2019.1080p.BluRay.x264-SPARKS"
EPISODE = "Show.Name.S01E02.720p.HDTV.x264-KILLERS[ettv]"


def test_table_shows_key_fields() -> None:
    result = runner.invoke(app, ["parse", MOVIE, EPISODE], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "SPARKS" in result.output and "KILLERS" in result.output
    assert "S01E02" in result.output and "bluray" in result.output


def test_json_lines_have_every_field() -> None:
    result = runner.invoke(app, ["parse", "--json", MOVIE, EPISODE])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows == [parse(MOVIE).to_dict(), parse(EPISODE).to_dict()]
    assert rows[1]["website"] == "ettv" and rows[1]["episodes"] == [2]


def test_names_from_stdin_skip_blank_lines() -> None:
    result = runner.invoke(app, ["parse", "--json", "-"], input=f"{MOVIE}\n\n{EPISODE}\r\n")
    assert result.exit_code == 0, result.output
    groups = [json.loads(line)["group"] for line in result.output.splitlines()]
    assert groups == ["SPARKS", "KILLERS"]


def test_dash_mixed_with_names_is_a_one_line_error() -> None:
    result = runner.invoke(app, ["parse", MOVIE, "-"])
    assert result.exit_code == 2
    assert "cannot be mixed" in result.output
    assert "Traceback" not in result.output


def test_undecodable_stdin_is_parsed_not_crashed() -> None:
    raw = b"Bad\xff.Name.2019.1080p.WEB.x264-GRP\n"
    proc = subprocess.run(
        [sys.executable, "-c", "from scenescope.cli import main; main()", "parse", "--json"],
        input=raw, capture_output=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    row = json.loads(proc.stdout.decode("utf-8"))
    assert (row["group"], row["year"], row["title"]) == ("GRP", 2019, "Bad\ufffd Name")


def test_bundled_sample_parses() -> None:
    from importlib.resources import files

    sample = files("scenescope").joinpath("data/sample_names.txt").read_text(encoding="utf-8")
    names = [n for n in sample.splitlines() if n.strip()]
    assert len(names) >= 40
    result = runner.invoke(app, ["parse", "--json", *names])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == len(names)
    assert sum(row["group"] is not None for row in rows) >= len(names) - 2


def test_table_and_json_say_how_sure_the_parse_is() -> None:
    doubtful = "Dune (2021) (1080p BluRay x265 HEVC 10bit AAC 7.1 Tigole) [QxR]"
    result = runner.invoke(app, ["parse", MOVIE, doubtful], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    assert "sure" in result.output and "unparsed" in result.output
    movie_line = next(line for line in result.output.splitlines() if "SPARKS" in line)
    doubtful_line = next(line for line in result.output.splitlines() if "QxR" in line)
    assert " yes " in movie_line + " " and " no " in doubtful_line and "Tigole" in doubtful_line
    output = runner.invoke(app, ["parse", "--json", MOVIE, doubtful]).output
    rows = [json.loads(line) for line in output.splitlines()]
    assert [(r["certain"], r["unparsed"]) for r in rows] == [(True, []), (False, ["Tigole"])]
