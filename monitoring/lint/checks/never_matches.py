"""promql/never-matches: a comparison with a number that no value of its other side can satisfy.

`x == NaN` and `x > +Inf` are never true; nor is `up > 1` (up is 0 or 1), a counter, a rate or a
sum of them below 0, or `count(...) == 0` (count() of nothing is no series at all, not 0: use
absent()). An alert built on one never fires.
"""

from __future__ import annotations

import math
import operator
import re

import promql_parser

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.promql import expr_position, rule_nodes, selector

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from monitoring.lint.context import LintContext
    from monitoring.lint.model import Rule, RuleFile
    from monitoring.lint.promql import Selector
    from monitoring.problems import Problem

COMPARE: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
FLIPPED = {"==": "==", "!=": "!=", ">": "<", "<": ">", ">=": "<=", "<=": ">="}
COUNTER_SUFFIXES = ("_total", "_count", "_bucket")
RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})
# Aggregations whose result lies within the range of their inputs (sum: of non-negative inputs).
RANGE_KEEPING = frozenset({"min", "max", "avg", "topk", "bottomk", "limitk", "quantile"})
# Patterns compiled when a finding is located (re caches them): most runs have none.
_COMPARISON = r"(==|!=|>=|<=|>|<)(?!~)\s*(?:bool\s+)?"
_NUMBER_BEFORE = r"(?i)(?<![\w:.])[-+]?(?:inf|nan|[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*$"
_NUMBER = r"(?i)[-+]?(?:inf|nan|0x[0-9a-f]+|[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)"


class Values:
    """What an expression's samples can be: within [low, high], or only `only` when that is known."""

    __slots__ = ("high", "low", "only", "why")

    def __init__(self, low: float, high: float, why: str, only: frozenset[float] | None = None) -> None:
        self.low, self.high, self.why, self.only = low, high, why, only

    def can_satisfy(self, op: str, number: float) -> bool:
        if math.isnan(number):
            return op == "!="
        if self.only is not None:
            return any(COMPARE[op](value, number) for value in self.only)
        if op == "==":
            return self.low <= number <= self.high
        if op == ">":
            return self.high > number
        if op == ">=":
            return self.high >= number
        if op == "<":
            return self.low < number
        if op == "<=":
            return self.low <= number
        return True


ANY_VALUE = Values(-math.inf, math.inf, "")


def _number(node: Any) -> float | None:
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return float(node.val) if isinstance(node, promql_parser.NumberLiteral) else None


def _is_counter(node: Any, context: LintContext) -> bool:
    return isinstance(node, promql_parser.VectorSelector) and _counter(selector(node), context)


def _counter(target: Selector, context: LintContext) -> bool:
    if target.name is None or target.name in context.recorded:
        return False
    if target.name.endswith(COUNTER_SUFFIXES):
        return True
    entry = context.catalog_scope(target)[1].get(target.name)
    return entry is not None and entry.type == "counter"


def possible_values(node: Any, context: LintContext) -> Values:
    """The values `node`'s samples can take, as far as can be proven (anything otherwise)."""
    if isinstance(node, promql_parser.ParenExpr):
        return possible_values(node.expr, context)
    if isinstance(node, promql_parser.VectorSelector):
        target = selector(node)
        name = target.name
        if name == "up":
            return Values(0, 1, "up is 0 or 1", frozenset({0.0, 1.0}))
        if _counter(target, context):
            return Values(0, math.inf, f"{name} is a counter, never negative")
        return ANY_VALUE
    if isinstance(node, promql_parser.Call):
        return _call_values(node, context)
    if (
        isinstance(node, promql_parser.BinaryExpr)
        and str(node.op) in COMPARE
        and node.modifier is not None
        and node.modifier.return_bool
    ):
        return Values(0, 1, "a `bool` comparison is 0 or 1", frozenset({0.0, 1.0}))
    if isinstance(node, promql_parser.AggregateExpr):
        op = str(node.op)
        if op == "count":
            return Values(1, math.inf, "count() of no series is no series, not 0")
        if op == "group":
            return Values(1, 1, "group() is always 1", frozenset({1.0}))
        inner = possible_values(node.expr, context)
        if op in RANGE_KEEPING:
            return Values(inner.low, inner.high, inner.why) if op in ("avg", "quantile") else inner
        if op == "sum" and inner.low >= 0:
            return Values(0, math.inf, f"a sum of non-negative values ({inner.why})")
    return ANY_VALUE


def _call_values(node: Any, context: LintContext) -> Values:
    name = node.func.name
    if name in ("absent", "absent_over_time"):
        return Values(1, 1, f"{name}() is 1 whenever it returns a series", frozenset({1.0}))
    if name == "count_over_time":
        return Values(1, math.inf, "count_over_time() of no samples is no series, not 0")
    if name in RATE_FUNCTIONS and isinstance(node.args[0], promql_parser.MatrixSelector):
        counter = node.args[0].vector_selector
        if _is_counter(counter, context):
            return Values(0, math.inf, f"{name}() of the counter {selector(counter).name} is never negative")
    return ANY_VALUE


def comparison_offset(expr: str, op: str, number: float) -> int:
    """Offset of the comparison `op number` (or `number op'`) in `expr`, 0 if not found."""
    number_after, number_before = re.compile(_NUMBER), re.compile(_NUMBER_BEFORE)
    for match in re.finditer(_COMPARISON, expr):
        after = number_after.match(expr, match.end())
        before = number_before.search(expr, 0, match.start())
        for candidate, spelled in ((after, op), (before, FLIPPED[op])):
            if candidate is not None and match.group(1) == spelled and _same(candidate.group(0), number):
                return match.start()
    return 0


def spell(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    return f"{number:g}"


def _same(text: str, number: float) -> bool:
    try:
        value = float(int(text, 16)) if text.lower().lstrip("+-").startswith("0x") else float(text)
    except ValueError:
        return False
    return value == number or (math.isnan(value) and math.isnan(number))


class NeverMatches(RuleCheck):
    id = "promql/never-matches"
    profile = "correctness"
    summary = "no comparison is impossible (== NaN, > +Inf, up > 1, a counter < 0, count() == 0)"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        for node in rule_nodes(rule):
            if not isinstance(node, promql_parser.BinaryExpr) or str(node.op) not in COMPARE:
                continue
            op, number, side = str(node.op), _number(node.rhs), node.lhs
            if number is None:
                op, number, side = FLIPPED[op], _number(node.lhs), node.rhs
            if number is None or _number(side) is not None:
                continue
            values = possible_values(side, context)
            if values.can_satisfy(op, number):
                continue
            why = values.why or f"no value is {op} {spell(number)}"
            yield self.finding(
                file,
                expr_position(rule, file.text, comparison_offset(rule.expr or "", op, number)),
                f"comparison `{op} {spell(number)}` can never be true: {why}",
                "to alert when no series is left, use absent(...)"
                if values.low >= 1 and values.only is None
                else "correct the threshold or the comparison",
            )
