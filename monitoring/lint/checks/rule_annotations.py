"""rule/annotations: alerts say what is wrong (summary, description) and what to do (runbook_url)."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile, position
from monitoring.problems import Problem

REQUIRED_ANNOTATIONS = ("summary", "description", "runbook_url")


class RuleAnnotations(RuleCheck):
    id = "rule/annotations"
    summary = "alerts have summary, description and runbook_url annotations"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert":
            return
        missing = [name for name in REQUIRED_ANNOTATIONS if not rule.annotations.get(name, "").strip()]
        if missing:
            node = rule.value_nodes.get("annotations")
            yield self.finding(
                file,
                position(node) if node is not None else rule.name_pos,
                f"alert {rule.name} lacks annotation(s) {', '.join(missing)}",
                "the on-call reads these first; runbook_url links what to do",
            )
