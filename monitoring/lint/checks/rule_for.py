"""rule/for: alerts wait a `for` duration, so one bad evaluation does not page anyone."""

from __future__ import annotations

import re
from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.problems import Problem

_ZERO = re.compile(r"^0+(ms|s|m|h|d|w|y)?$")


class RuleFor(RuleCheck):
    id = "rule/for"
    severity = "warning"
    summary = "alerts have a non-zero `for`"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert":
            return
        if rule.for_ is None:
            yield self.finding(
                file,
                rule.name_pos,
                f"alert {rule.name} has no `for`: it fires on the first bad evaluation",
                "add `for: 5m` (or what the condition needs)",
            )
        elif _ZERO.match(rule.for_.strip()):
            yield self.finding(
                file,
                rule.name_pos,
                f"alert {rule.name} has `for: {rule.for_}`",
                "use a non-zero `for`, e.g. 1m",
            )
