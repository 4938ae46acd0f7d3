"""promql/syntax: every expression parses (promql-parser), with the error located in the file."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import error_offset, expr_position, parsed
from monitoring.problems import Problem


class PromqlSyntax(RuleCheck):
    id = "promql/syntax"
    profile = "correctness"
    summary = "the expression is valid PromQL"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.expr is None or not rule.expr.strip() or parsed(rule) is not None or rule.parse_error is None:
            return
        where = expr_position(rule, file.text, error_offset(rule.expr, rule.parse_error))
        yield self.finding(
            file,
            where,
            f"PromQL does not parse: {rule.parse_error}",
            "check brackets, quotes and function arguments; `promtool check rules` agrees",
        )
