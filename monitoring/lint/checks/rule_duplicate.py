"""rule/duplicate: no two rules of a file with the same name and labels (promtool's lint, natively)."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import Check
from monitoring.lint.context import LintContext
from monitoring.lint.model import RuleFile
from monitoring.problems import Problem


class RuleDuplicate(Check):
    id = "rule/duplicate"
    summary = "alert and record names are unique per file once their labels are counted"

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        seen: dict[tuple[str, str, frozenset[tuple[str, str]]], int] = {}
        for rule in file.rules:
            key = (rule.kind, rule.name, frozenset(rule.labels.items()))
            if key in seen:
                yield self.finding(
                    file,
                    rule.name_pos,
                    f"{rule.kind} {rule.name} with the same labels is already defined on line {seen[key]}",
                    "merge the rules, or tell them apart with a label (e.g. the threshold group)",
                )
            else:
                seen[key] = rule.name_pos.line
