"""Disable comments: per rule (`# mac-lint disable ID`), per file (`# mac-lint file/disable ID`), and a
lint/unused-disable warning for a comment that suppresses nothing."""

from __future__ import annotations

import pytest

from monitoring.lint.config import LintSettings
from monitoring.lint.runner import lint_texts

NO_FOR = """\
      - alert: NoFor
        expr: up{job="node"} == 0
        labels: {severity: warning, team: t, domain: d, service: s}
        annotations: {summary: s, description: d, runbook_url: "https://r"}
"""
WITH_FOR = """\
      - alert: WithFor
        expr: up{job="node"} == 0
        for: 5m
        labels: {severity: warning, team: t, domain: d, service: s}
        annotations: {summary: s, description: d, runbook_url: "https://r"}
"""


def rules(*parts: str, head: str = "") -> str:
    return head + "groups:\n  - name: g\n    rules:\n" + "".join(parts)


def findings(text: str, settings: LintSettings | None = None) -> list[tuple[int, str, str]]:
    return [(f.line, f.check, f.severity) for f in lint_texts([("rules.yml", text)], settings=settings)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (rules(NO_FOR), [(4, "rule/for", "warning")]),
        (rules("      # mac-lint disable rule/for\n" + NO_FOR), []),
        (rules(NO_FOR.replace("== 0\n", "== 0  # mac-lint disable rule/for because it is a test\n")), []),
        (
            rules("      # mac-lint disable rule/labels, rule/for\n" + NO_FOR),
            [(4, "lint/unused-disable", "warning")],
        ),
        (rules(NO_FOR, WITH_FOR, head="# mac-lint file/disable rule/for\n"), []),
        (rules(WITH_FOR, head="# mac-lint file/disable rule/for\n"), [(1, "lint/unused-disable", "warning")]),
        (
            rules("      # mac-lint disable rule/for\n" + WITH_FOR, NO_FOR),
            [(4, "lint/unused-disable", "warning"), (10, "rule/for", "warning")],
        ),
        (rules(WITH_FOR) + "# mac-lint disable rule/for\n", [(9, "lint/unused-disable", "warning")]),
        (
            rules("      # mac-lint disable rule/fo\n" + NO_FOR),
            [(4, "lint/unused-disable", "warning"), (5, "rule/for", "warning")],
        ),
        (
            rules(NO_FOR, head="# mac-lint file/disable\n"),
            [(1, "lint/unused-disable", "warning"), (5, "rule/for", "warning")],
        ),
    ],
)
def test_disable_comments(text: str, expected: list[tuple[int, str, str]]) -> None:
    assert findings(text) == expected


@pytest.mark.parametrize(
    "settings",
    [
        LintSettings(profile="correctness"),  # rule/for does not run: its disable is not unused
        LintSettings(disable=frozenset({"rule/for"})),
        LintSettings(disable=frozenset({"lint/unused-disable"})),
    ],
)
def test_no_unused_warning_when_the_check_did_not_run(settings: LintSettings) -> None:
    assert findings(rules("      # mac-lint disable rule/for\n" + WITH_FOR), settings) == []


def test_unused_disable_severity_is_configurable() -> None:
    settings = LintSettings(severity={"lint/unused-disable": "error"})
    assert findings(rules(WITH_FOR, head="# mac-lint file/disable rule/for\n"), settings) == [
        (1, "lint/unused-disable", "error")
    ]
