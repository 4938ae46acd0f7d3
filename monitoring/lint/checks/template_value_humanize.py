"""template/value-humanize: an annotation does not print a rate, ratio or byte count as a raw float.

`{{ $value }}` of `rate(...)` or `a / b` prints `0.016666666666666666`; humanize and friends print
what the on-call can read.
"""

from __future__ import annotations

from collections.abc import Iterator

import promql_parser

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import parsed, selector, selectors
from monitoring.lint.templates import raw_values, reference_position, template_fields
from monitoring.problems import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})
RATE_FUNCTIONS = frozenset({"rate", "irate", "increase", "deriv"})
# Functions whose value is of the same kind as their series argument's.
SAME_KIND_FUNCTIONS = frozenset(
    {
        "abs",
        "clamp",
        "clamp_max",
        "clamp_min",
        "avg_over_time",
        "min_over_time",
        "max_over_time",
        "quantile_over_time",
        "last_over_time",
        "predict_linear",
        "sort",
        "sort_desc",
        "label_replace",
        "label_join",
    }
)
SAME_KIND_AGGREGATIONS = frozenset({"sum", "avg", "min", "max", "quantile", "topk", "bottomk", "limitk"})
SUGGESTIONS = {
    "rate": ("humanize", ""),
    "increase": ("humanize", ""),
    "mean": ("humanize", ""),
    "duration": ("humanizeDuration", ""),
    "ratio": ("humanizePercentage", " for a fraction, humanize for any other quotient"),
    "percentage": ("humanize", ' or printf "%.1f"'),
    "bytes": ("humanize1024", ""),
}


def _is_number(node: Any) -> bool:
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return isinstance(node, promql_parser.NumberLiteral)


def alert_value(node: Any) -> Any:
    """The part of an alert expression whose value the alert carries (what filters it is dropped)."""
    while True:
        if isinstance(node, promql_parser.ParenExpr):
            node = node.expr
        elif isinstance(node, promql_parser.BinaryExpr) and str(node.op) in ("and", "unless"):
            node = node.lhs
        elif (
            isinstance(node, promql_parser.BinaryExpr)
            and str(node.op) in COMPARISONS
            and not (node.modifier is not None and node.modifier.return_bool)
        ):
            node = node.rhs if _is_number(node.lhs) else node.lhs
        else:
            return node


def value_kind(node: Any) -> str | None:
    """What the expression's value provably is (a key of SUGGESTIONS), or None."""
    if isinstance(node, promql_parser.ParenExpr):
        return value_kind(node.expr)
    if isinstance(node, promql_parser.MatrixSelector):
        return value_kind(node.vector_selector)
    if isinstance(node, promql_parser.VectorSelector):
        name = selector(node).name or ""
        return "bytes" if name.endswith("_bytes") else "ratio" if name.endswith("_ratio") else None
    if isinstance(node, promql_parser.AggregateExpr):
        return value_kind(node.expr) if str(node.op) in SAME_KIND_AGGREGATIONS else None
    if isinstance(node, promql_parser.Call):
        name = node.func.name
        series = [
            a for a in node.args if not _is_number(a) and not isinstance(a, promql_parser.StringLiteral)
        ]
        if not series:
            return None
        if name in RATE_FUNCTIONS:
            return (
                "bytes" if value_kind(series[0]) == "bytes" else "increase" if name == "increase" else "rate"
            )
        return value_kind(series[0]) if name in SAME_KIND_FUNCTIONS else None
    if isinstance(node, promql_parser.BinaryExpr):
        return _binary_kind(node)
    return None


def _binary_kind(node: Any) -> str | None:
    op = str(node.op)
    if op in COMPARISONS:
        return None
    left_number, right_number = _is_number(node.lhs), _is_number(node.rhs)
    if left_number and right_number:
        return None
    if left_number or right_number:
        kind = value_kind(node.rhs if left_number else node.lhs)
        if kind == "ratio" and op == "*":
            return "percentage"
        # Scaled bytes are in some other unit (GB, MiB): humanize1024 would misprint them.
        return None if kind == "bytes" and op in ("*", "/") else kind
    if op == "/":
        return _quotient_kind(node)
    return value_kind(node.lhs) if op in ("+", "-") else None


def _times_100(node: Any) -> bool:
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    return (
        isinstance(node, promql_parser.BinaryExpr)
        and str(node.op) == "*"
        and any(
            isinstance(side, promql_parser.NumberLiteral) and side.val == 100 for side in (node.lhs, node.rhs)
        )
    )


def _quotient_kind(node: Any) -> str:
    """A percentage (`100 * a / b`), a histogram's or summary's mean (`x_sum / x_count`: seconds when
    it says so), else a ratio."""
    if _times_100(node.lhs):
        return "percentage"
    numerator = next(selectors(node.lhs), None)
    denominator = next(selectors(node.rhs), None)
    if numerator is None or denominator is None or not numerator.name or not denominator.name:
        return "ratio"
    if numerator.name.endswith("_sum") and denominator.name == numerator.name.removesuffix("_sum") + "_count":
        return "duration" if "_seconds" in numerator.name else "mean"
    return "ratio"


class TemplateValueHumanize(RuleCheck):
    id = "template/value-humanize"
    severity = "warning"
    profile = "style"
    summary = "annotations print a rate, ratio or byte value through humanize, not as a raw float"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert":
            return
        printed = [
            (name, node, raw[0])
            for section, name, template, node in template_fields(rule)
            if section == "annotations" and "alue" in template and (raw := raw_values(template))
        ]
        tree = parsed(rule) if printed else None
        if tree is None:
            return
        kind = value_kind(alert_value(tree))
        if kind is None:
            return
        function, alternative = SUGGESTIONS[kind]
        for name, node, first in printed:
            yield self.finding(
                file,
                reference_position(file.text, node, first),
                f"annotation {name} of alert {rule.name} prints {first.text} raw, "
                f"and the expression's value is a {kind}",
                f"write {{{{ {first.name} | {function} }}}}{alternative}",
            )
