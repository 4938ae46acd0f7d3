"""promql/rate-window: rate(), irate(), increase() and deriv() see at least two scrapes in their window.

A window shorter than twice the scrape interval often holds a single sample, and the function then
returns nothing: the rule goes silent exactly when a scrape is late or missed.
"""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Position, Rule, RuleFile
from monitoring.lint.promql import expr_position, name_offset, rule_nodes, selector
from monitoring.problems import Problem

WINDOWED_FUNCTIONS = frozenset({"rate", "irate", "increase", "deriv"})


def duration(seconds: float) -> str:
    """PromQL spelling of a whole number of seconds (`90` -> `1m30s`)."""
    left = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return "".join(parts) or f"{seconds}s"


def window_position(rule: Rule, file: RuleFile, metric: str | None) -> Position:
    """Where a finding on the window of `metric`'s range selector is reported (online mode drops the
    findings at the windows it judged against the server's scrape intervals)."""
    expr = rule.expr or ""
    bracket = expr.find("[", name_offset(expr, metric))
    return expr_position(rule, file.text, max(bracket, 0))


class RateWindow(RuleCheck):
    id = "promql/rate-window"
    severity = "warning"
    profile = "correctness"
    summary = "rate(), irate(), increase() and deriv() windows span at least two scrape intervals"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if "[" not in (rule.expr or ""):
            return
        shortest = 2 * context.scrape_interval_seconds
        reported: set[tuple[str, str | None, float]] = set()
        for node in rule_nodes(rule):
            if not isinstance(node, promql_parser.Call) or node.func.name not in WINDOWED_FUNCTIONS:
                continue
            argument = node.args[0]
            if not isinstance(argument, promql_parser.MatrixSelector):
                continue
            window = argument.range.total_seconds()
            metric = selector(argument.vector_selector).name
            key = (node.func.name, metric, window)
            if window >= shortest or key in reported:
                continue
            reported.add(key)
            yield self.finding(
                file,
                window_position(rule, file, metric),
                f"{node.func.name}() over [{duration(window)}] of {metric or 'a selector'} spans less than "
                f"two scrape intervals ({duration(context.scrape_interval_seconds)} each): "
                "with one sample in the window it returns nothing",
                f"use a window of at least [{duration(shortest)}] (4x the interval is safer)",
            )
