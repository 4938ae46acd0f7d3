"""rule/labels: alerts have a valid severity and keep the required labels (by default team, domain and
service; absent(): all but service) for routing."""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile, position
from monitoring.lint.promql import expr_position, lost_labels, parsed
from monitoring.problems import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _is_absent(tree: Any) -> bool:
    return isinstance(tree, promql_parser.Call) and tree.func.name == "absent"


class RuleLabels(RuleCheck):
    id = "rule/labels"
    profile = "style"
    summary = "alerts have severity and keep team/domain/service through their aggregations"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert":
            return
        labels_node = rule.value_nodes.get("labels")
        where = position(labels_node) if labels_node is not None else rule.name_pos
        allowed = ", ".join(context.policy.severities)
        severity = rule.labels.get("severity")
        if severity is None:
            yield self.finding(
                file,
                where,
                f"alert {rule.name} has no severity label",
                f"add labels: {{severity: ...}} with one of {allowed}",
            )
        elif severity not in context.policy.severities:
            yield self.finding(
                file,
                where,
                f"severity {severity!r} of alert {rule.name} is not one of {allowed}",
                "Alertmanager routes on these values",
            )
        tree = parsed(rule)
        if tree is None:
            return
        # absent() fires when a domain has no target: it has no service to keep, and routes by the rest.
        required = context.policy.required_labels
        wanted = required - {"service"} if _is_absent(tree) else required
        dropped = sorted(lost_labels(tree, wanted) - set(rule.labels))
        if dropped:
            yield self.finding(
                file,
                expr_position(rule, file.text),
                f"alert {rule.name} loses label(s) {', '.join(dropped)}: "
                "its expression aggregates or joins them away, so the alert cannot be routed",
                "keep them in `by (...)` / `on (...)`, or set them under labels",
            )
