"""rule/for: alerts wait a `for` duration, so one bad evaluation does not page anyone.

Not demanded where waiting adds nothing: a constant expression (`vector(1)`, the Watchdog that always
fires), or one that reads every series through a window function over at least SMOOTHED_WINDOW
(`avg_over_time(x[10m])`, `absent_over_time(x[15m])`), which waits by itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import promql_parser

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import children, parsed
from monitoring.problems import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_ZERO = re.compile(r"^0+(ms|s|m|h|d|w|y)?$")
SMOOTHED_WINDOW = timedelta(minutes=5)
_WINDOW_FUNCTIONS = frozenset(
    {
        "avg_over_time",
        "min_over_time",
        "max_over_time",
        "sum_over_time",
        "count_over_time",
        "quantile_over_time",
        "stddev_over_time",
        "stdvar_over_time",
        "absent_over_time",
        "present_over_time",
    }
)


def _window(call: Any) -> timedelta | None:
    ranged = (promql_parser.MatrixSelector, promql_parser.SubqueryExpr)
    return next((arg.range for arg in call.args if isinstance(arg, ranged)), None)


def reads_raw_series(node: Any) -> bool:
    """Whether some selector of the expression is read other than through a long enough window function."""
    if isinstance(node, promql_parser.VectorSelector):
        return True
    if isinstance(node, promql_parser.Call) and node.func.name in _WINDOW_FUNCTIONS:
        window = _window(node)
        if window is not None and window >= SMOOTHED_WINDOW:
            return False
    return any(reads_raw_series(child) for child in children(node))


def waits_by_itself(rule: Rule) -> bool:
    tree = parsed(rule)
    return tree is not None and not reads_raw_series(tree)


class RuleFor(RuleCheck):
    id = "rule/for"
    profile = "style"
    severity = "warning"
    summary = "alerts have a non-zero `for`"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert" or waits_by_itself(rule):
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
