"""Lint profiles: every check says whether it proves a rule broken (correctness) or enforces house
style, and the profile picks which run: correctness for user files, house for generated rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from monitoring.check_registry import registry
from monitoring.lint.checks import CHECKS
from monitoring.lint.checks.base import PROFILES
from monitoring.lint.config import LintSettings
from monitoring.lint.runner import lint_texts

# Broken on every count: an unknown metric of a job we know, no for, severity, annotations or labels.
HOUSE_ONLY_ALERT = """\
groups:
  - name: g
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels: {severity: none}
        annotations: {summary: always firing, runbook: "https://runbooks/watchdog"}
      - alert: NotScraped
        expr: up{job="team-exporter"} == 0 and absent(some_team_metric)
"""
BROKEN = """\
groups:
  - name: g
    rules:
      - alert: NodeLoad
        expr: node_load99{job="node"} > 1
"""


def test_every_check_declares_a_profile() -> None:
    for check in CHECKS:
        assert check.profile in PROFILES, check.id
        assert registry()[check.id].profile == check.profile


def test_each_profile_has_checks() -> None:
    assert {check.profile for check in CHECKS} == set(PROFILES)


@pytest.mark.parametrize(
    ("profile", "text", "expected"),
    [
        ("correctness", HOUSE_ONLY_ALERT, set()),
        (
            "house",
            HOUSE_ONLY_ALERT,
            {"rule/for", "rule/labels", "rule/annotations", "catalog/coverage"},
        ),
        ("correctness", BROKEN, {"catalog/unknown-metric"}),
        ("house", BROKEN, {"catalog/unknown-metric", "rule/for", "rule/labels", "rule/annotations"}),
    ],
)
def test_profile_selects_checks(profile: str, text: str, expected: set[str]) -> None:
    settings = LintSettings(profile="correctness" if profile == "correctness" else "house")
    assert {f.check for f in lint_texts([("rules.yml", text)], settings=settings)} == expected


def test_no_settings_is_the_house_profile() -> None:
    assert lint_texts([("rules.yml", HOUSE_ONLY_ALERT)]) == lint_texts(
        [("rules.yml", HOUSE_ONLY_ALERT)], settings=LintSettings(profile="house")
    )


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [((), 0), (("--profile", "house"), 1), (("--profile", "correctness"), 0)],
)
def test_user_files_default_to_correctness(tmp_path: Path, args: tuple[str, ...], exit_code: int) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(HOUSE_ONLY_ALERT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", str(rules), *args])
    assert result.exit_code == exit_code, result.output


def test_generated_rules_use_the_house_profile(tmp_path: Path) -> None:
    rules = tmp_path / "prometheus" / "rules"
    rules.mkdir(parents=True)
    (rules / "team.rules.yml").write_text(HOUSE_ONLY_ALERT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "--out", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    assert "rule/annotations" in result.output
