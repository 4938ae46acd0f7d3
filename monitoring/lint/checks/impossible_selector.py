"""promql/impossible-selector: selectors that can never match, so comparisons on them never fire."""

from __future__ import annotations

import re
from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Position, Rule, RuleFile
from monitoring.lint.promql import Selector, expr_position, name_offset, rule_selectors
from monitoring.problems import Problem


def _regex_matches(pattern: str, value: str) -> bool | None:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return None


def contradictions(target: Selector) -> list[str]:
    """Why the matchers of one selector exclude each other (empty if they can match)."""
    names = [matcher.name for matcher in target.matchers]
    if len(set(names)) == len(names):
        return []  # matchers of different labels never exclude each other
    reasons: list[str] = []
    equal: dict[str, str] = {}
    for matcher in target.matchers:
        if matcher.op == "=":
            if matcher.name in equal and equal[matcher.name] != matcher.value:
                reasons.append(f'{matcher.name}="{equal[matcher.name]}" and {matcher.name}="{matcher.value}"')
            equal.setdefault(matcher.name, matcher.value)
    for matcher in target.matchers:
        value = equal.get(matcher.name)
        if value is None or matcher.op == "=":
            continue
        if matcher.op == "!=" and matcher.value == value:
            reasons.append(f'{matcher.name}="{value}" and {matcher.name}!="{value}"')
        elif matcher.op in ("=~", "!~"):
            matches = _regex_matches(matcher.value, value)
            if matches is not None and matches == (matcher.op == "!~"):
                reasons.append(f'{matcher.name}="{value}" and {matcher.name}{matcher.op}"{matcher.value}"')
    return reasons


class ImpossibleSelector(RuleCheck):
    id = "promql/impossible-selector"
    profile = "correctness"
    summary = "no selector is impossible: contradicting matchers, or a metric its job never emits"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        for target in rule_selectors(rule):
            # Locating is costly and needed only for a finding.
            def where(target: Selector = target) -> Position:
                return expr_position(rule, file.text, name_offset(rule.expr, target.name))

            for reason in contradictions(target):
                yield self.finding(
                    file,
                    where(),
                    f"selector {target.name or ''}{{...}} can never match: {reason}",
                    "drop or correct one of the matchers",
                )
            if target.name is None or target.name in context.recorded:
                continue
            scope = context.job_scope(target)
            if scope is not None and target.name not in scope.metrics and target.name in context.everything:
                yield self.finding(
                    file,
                    where(),
                    f'{target.name} is never emitted by job "{scope.job}" '
                    f"(exporters: {', '.join(scope.catalogs)})",
                    "select the job whose exporter emits this metric",
                )
