"""rule/annotations: alerts say what is wrong (summary, description) and what to do (runbook_url)."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile, position
from monitoring.problems import Problem


class RuleAnnotations(RuleCheck):
    id = "rule/annotations"
    profile = "style"
    summary = "alerts have summary, description and runbook_url (or the configured name) annotations"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert":
            return
        required = ("summary", "description", context.policy.runbook_annotation)
        missing = [name for name in required if not rule.annotations.get(name, "").strip()]
        if missing:
            node = rule.value_nodes.get("annotations")
            yield self.finding(
                file,
                position(node) if node is not None else rule.name_pos,
                f"alert {rule.name} lacks annotation(s) {', '.join(missing)}",
                f"the on-call reads these first; {context.policy.runbook_annotation} links what to do",
            )
