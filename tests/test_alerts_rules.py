"""Alert rules from TOML: filters, per-rule sinks, re-alert options and clear config errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenescope.alerts.rules import AlertConfigError, load_config, parse_config
from test_alerts_support import make_leak

GOOD = """
[delivery]
max_attempts = 4
backoff_initial_seconds = 1.5
backoff_max_seconds = 5

[sinks.soc]
kind = "webhook"
url = "https://hooks.example.org/scenescope"
secret = "abc"

[sinks.team]
kind = "slack"
url = "https://hooks.example.org/slack"

[sinks.mail]
kind = "smtp"
host = "smtp.example.org"
port = 587
from = "alerts@example.org"
to = ["analyst@example.org"]

[rules.acme-disc]
studios = ["ACME Pictures"]
source_classes = ["retail-disc"]
min_lead_days = 7
sinks = ["soc", "mail"]
realert_on = ["proper"]

[rules.watchlist]
titles = ["Some Movie"]
title_ids = ["tt0000001"]
groups = ["grp"]
severities = ["pre-physical-7d"]
sinks = ["team"]
"""


def test_good_config_parses_rules_sinks_and_policy() -> None:
    config = parse_config(GOOD, source="alerts.toml")
    assert set(config.rules) == {"acme-disc", "watchlist"}
    assert config.rules["acme-disc"].sinks == ("soc", "mail")
    assert config.rules["acme-disc"].realert_on == frozenset({"proper"})
    assert config.sinks["mail"].kind == "smtp"
    assert config.delivery.max_attempts == 4
    # capped exponential backoff: 1.5, 3, 5 (cap), 5
    assert [config.delivery.backoff_after(n) for n in (1, 2, 3, 4)] == [1.5, 3.0, 5.0, 5.0]


def test_rule_filters_each_narrow_the_match() -> None:
    config = parse_config(GOOD)
    disc, watch = config.rules["acme-disc"], config.rules["watchlist"]
    leak = make_leak()
    assert disc.matches(leak) and watch.matches(leak)
    assert not disc.matches(make_leak(studio="Other Studio"))
    assert not disc.matches(make_leak(source_class="cam"))
    assert not disc.matches(make_leak(lead_days=6.9))
    assert not watch.matches(make_leak(group="OTHER"))
    assert watch.matches(make_leak(group="grp"))  # groups compare case-insensitively
    assert not watch.matches(make_leak(title_id="tt0000002"))
    assert not watch.matches(make_leak(severity="pre-physical"))
    assert not watch.matches(make_leak(title="Another Movie"))
    assert [r.name for r in config.matching_rules(make_leak(source_class="cam"))] == ["watchlist"]


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('[rules.r1]\nsinks = ["soc"]\nminimum_lead = 3\n',
         "rule 'r1': unknown field 'minimum_lead'"),
        ('[rules.r1]\nsinks = ["nowhere"]\n', "rule 'r1': field 'sinks' names unknown sink"),
        ("[rules.r1]\nsinks = []\n", "rule 'r1': field 'sinks' must name at least one"),
        ('[rules.r1]\nsinks = ["soc"]\nrealert_on = ["repack"]\n', "field 'realert_on' value"),
        ('[rules.r1]\nsinks = ["soc"]\nmin_lead_days = "7"\n', "field 'min_lead_days'"),
        ('[rules.r1]\nsinks = ["soc"]\nstudios = [1]\n', "rule 'r1': field 'studios'"),
        ('[sinks.x]\nkind = "pager"\n', "sink 'x': field 'kind' must be one of"),
        ('[sinks.x]\nkind = "webhook"\nurl = "ftp://h/"\nsecret = "s"\n', "sink 'x': field 'url'"),
        ('[sinks.x]\nkind = "webhook"\nurl = "https://h/"\n', "sink 'x': field 'secret'"),
        ('[sinks.x]\nkind = "smtp"\nhost = "h"\nfrom = "a@b"\n',
         "sink 'x': field 'to' is required"),
        ('[sinks.x]\nkind = "smtp"\nhost = "h"\nfrom = "a@b"\nto = ["a@b"]\nport = "25"\n',
         "sink 'x': field 'port' has the wrong type"),
        ("[delivery]\nmax_attempts = 0\n", "[delivery]: field 'max_attempts'"),
        ("[alarms]\n", "unknown field 'alarms'"),
    ],
)  # fmt: skip
def test_bad_config_names_file_table_and_field(snippet: str, expected: str) -> None:
    base = '[sinks.soc]\nkind = "webhook"\nurl = "https://h/"\nsecret = "s"\n'
    text = snippet if snippet.startswith("[sinks.x]") else base + snippet
    with pytest.raises(AlertConfigError) as info:
        parse_config(text, source="conf/alerts.toml")
    message = str(info.value)
    assert message.startswith("conf/alerts.toml: ")
    assert expected in message


def test_toml_syntax_error_gives_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text('[sinks.soc]\nkind = "webhook"\nurl = https://nope\n', encoding="utf-8")
    with pytest.raises(AlertConfigError, match=r"alerts\.toml: not valid TOML: .*line 3"):
        load_config(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AlertConfigError, match="alerts config file not found"):
        load_config(tmp_path / "absent.toml")


def test_secrets_come_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    text = '[sinks.soc]\nkind = "webhook"\nurl = "https://h/"\nsecret_env = "HOOK_SECRET"\n'
    with pytest.raises(AlertConfigError, match=r"\$HOOK_SECRET, which is not set"):
        parse_config(text)
    monkeypatch.setenv("HOOK_SECRET", "from-env")
    assert parse_config(text).sinks["soc"].options["secret"] == "from-env"


def test_unknown_rule_lookup_lists_known_rules() -> None:
    config = parse_config(GOOD, source="alerts.toml")
    with pytest.raises(AlertConfigError, match=r"no rule named 'nope' .*acme-disc, watchlist"):
        config.rule("nope")
