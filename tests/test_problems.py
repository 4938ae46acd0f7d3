"""One problem type: every problem the fixtures produce names a registered check of its command's
scope, and every reporter (text, json, github, sarif) prints it; SARIF against its required fields."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cli.main import GENERATE_SCOPES
from cli.reporters import REPORTERS, Report
from monitoring.artifacts import Artifact
from monitoring.check_registry import Scope, checks_in, registry
from monitoring.checks import check_artifacts
from monitoring.inventory.build import load_inventory
from monitoring.lint.runner import lint_texts
from monitoring.problems import InputError, Location, Problem
from tests.helpers import REPO

INVALID_INVENTORIES = sorted(
    p for p in (REPO / "tests" / "fixtures" / "inventory" / "invalid").iterdir() if p.is_dir()
)
LINT_FIXTURES = sorted((REPO / "tests" / "fixtures" / "lint" / "invalid").glob("*.yml"))
SARIF_REQUIRED = REPO / "tests" / "fixtures" / "sarif-2.1.0-required.schema.json"
ID = re.compile(r"^[a-z]+(-[a-z]+)*/[a-z]+(-[a-z]+)*$")

BROKEN_ARTIFACTS = [
    Artifact(
        "prometheus/prometheus.yml",
        {
            "scrape_configs": [
                {
                    "job_name": "redis",
                    "static_configs": [{"targets": ["cache a:6379"], "labels": {"1x": "v"}}],
                },
                {"job_name": "redis"},
            ]
        },
        "yaml",
    ),
    Artifact(
        "prometheus/rules/redis.rules.yml",
        {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "rate(up[5m]"}]}]},
        "yaml",
    ),
    Artifact(
        "cloudwatch/alarms.json",
        {"acme/x": {"AlarmName": "acme/y", "Period": 90, "EvaluationPeriods": 1, "Threshold": "1"}},
        "json-entries",
    ),
    Artifact("cloudwatch/log-retention.json", {"default_days": 45, "rules": [], "log_groups": {}}, "json"),
    Artifact("grafana/dashboards/fleet/x.json", {"title": 1, "panels": "none"}, "json"),
    Artifact(
        "alertmanager/alertmanager.yml",
        "slack_api_url: https://hooks.slack.com/services/T0/B0/abcdefgh\n",
        "text",
    ),
]


def _assert_registered(problems: list[Problem], scopes: tuple[Scope, ...]) -> None:
    ids = {info.id for info in checks_in(scopes)}
    assert problems
    for problem in problems:
        assert problem.check in ids, (
            f"{problem}: check id {problem.check!r} is not a registered {scopes} check"
        )


def test_registry_ids_are_group_slash_name_with_a_summary() -> None:
    for check_id, info in registry().items():
        assert ID.match(check_id) and info.id == check_id, check_id
        assert info.summary and info.scopes, check_id


@pytest.mark.parametrize("case", INVALID_INVENTORIES, ids=lambda p: p.name)
def test_every_inventory_problem_has_a_registered_id(case: Path) -> None:
    with pytest.raises(InputError) as raised:
        load_inventory(case)
    _assert_registered(raised.value.problems, ("inventory",))


@pytest.mark.parametrize("path", LINT_FIXTURES, ids=lambda p: p.name)
def test_every_lint_finding_has_a_registered_id(path: Path) -> None:
    _assert_registered(lint_texts([(str(path), path.read_text("utf-8"))]), ("rules",))


def test_every_artifact_problem_has_a_registered_id_and_a_line() -> None:
    problems = check_artifacts(BROKEN_ARTIFACTS)
    _assert_registered(problems, GENERATE_SCOPES)
    found = {p.check for p in problems}
    assert {
        "prometheus/duplicate-job",
        "prometheus/target",
        "prometheus/label-name",
        "promql/syntax",
        "cloudwatch/alarm-name",
        "cloudwatch/period",
        "cloudwatch/parameters",
        "cloudwatch/retention-days",
        "grafana/schema",
        "secrets/output-secret",
    } <= found, found
    unlocated = [p for p in problems if not p.line and not p.file.endswith("log-retention.json")]
    assert unlocated == []


def _sample() -> list[Problem]:
    return [
        Problem(
            Location("inventory.yaml", 3, 7),
            "unknown key",
            "did you mean 'endpoint'?",
            "inventory/unknown-key",
        ),
        Problem(Location("generated/a b.json", 12), "stale", check="generate/stale", severity="warning"),
        Problem(Location("/abs/x.yml"), "whole file", check="yaml/parse", severity="info"),
    ]


def test_sarif_has_the_required_fields_and_rules_for_every_result() -> None:
    log: dict[str, Any] = json.loads(REPORTERS["sarif"](Report(_sample(), ("inventory",), "x")))
    validator = Draft202012Validator(json.loads(SARIF_REQUIRED.read_text("utf-8")))
    assert [e.message for e in validator.iter_errors(log)] == []
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {i.id for i in checks_in(("inventory",))}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    first, second, third = (r["locations"][0]["physicalLocation"] for r in run["results"])
    assert first == {
        "artifactLocation": {"uri": "inventory.yaml"},
        "region": {"startLine": 3, "startColumn": 7},
    }
    assert second == {"artifactLocation": {"uri": "generated/a%20b.json"}, "region": {"startLine": 12}}
    assert third == {"artifactLocation": {"uri": "file:///abs/x.yml"}}
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note"]


def test_every_format_prints_every_problem() -> None:
    report = Report(_sample(), ("inventory",), "the inventory")
    text = REPORTERS["text"](report).splitlines()
    assert text[0] == "inventory.yaml:3:7: error: unknown key [inventory/unknown-key]"
    assert text[1:] == [
        "    hint: did you mean 'endpoint'?",
        "generated/a b.json:12: warning: stale [generate/stale]",
        "/abs/x.yml: info: whole file [yaml/parse]",
        "3 problems in the inventory",
    ]
    rows = json.loads(REPORTERS["json"](report))
    assert [(r["check"], r["line"], r["col"]) for r in rows] == [
        ("inventory/unknown-key", 3, 7),
        ("generate/stale", 12, None),
        ("yaml/parse", None, None),
    ]
    assert REPORTERS["github"](report).splitlines() == [
        "::error file=inventory.yaml,line=3,col=7,title=inventory/unknown-key::"
        "unknown key (did you mean 'endpoint'?)",
        "::warning file=generated/a b.json,line=12,title=generate/stale::stale",
        "::notice file=/abs/x.yml,title=yaml/parse::whole file",
    ]
    assert REPORTERS["text"](Report([], ("rules",), "1 rule file")) == ""
    assert REPORTERS["json"](Report([], ("rules",), "1 rule file")) == "[]"
