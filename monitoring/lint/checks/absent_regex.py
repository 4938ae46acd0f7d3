"""promql/absent-regex: absent() and absent_over_time() select with equality matchers only.

absent() labels its result with the selector's equality matchers alone: with a regex or a negative
matcher the alert carries none of those labels, fires only once every matching series is gone,
and never tells which one is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import promql_parser

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import Matcher, expr_position, parsed, selector
from monitoring.problems import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ABSENT_FUNCTIONS = frozenset({"absent", "absent_over_time"})
COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})


def firing_absents(node: Any) -> Iterator[Any]:
    """The absent() calls whose result is what the rule fires on (not a 0-filler inside arithmetic)."""
    if isinstance(node, promql_parser.ParenExpr):
        yield from firing_absents(node.expr)
    elif isinstance(node, promql_parser.Call) and node.func.name in ABSENT_FUNCTIONS:
        yield node
    elif isinstance(node, promql_parser.BinaryExpr):
        op = str(node.op)
        if op == "or":
            yield from firing_absents(node.lhs)
            yield from firing_absents(node.rhs)
        elif op in ("and", "unless"):
            yield from firing_absents(node.lhs)
        elif op in COMPARISONS and not (node.modifier is not None and node.modifier.return_bool):
            yield from firing_absents(node.lhs)
            yield from firing_absents(node.rhs)


def matcher_offset(expr: str, function: str, nth: int, matcher: Matcher) -> int:
    """Offset of `matcher` in the `nth` call of `function` in `expr` (0-based)."""
    calls = list(re.finditer(rf"(?<![\w:]){function}\s*\(", expr))
    start = calls[nth].end() if nth < len(calls) else 0
    pattern = re.compile(rf"(?<![\w:]){re.escape(matcher.name)}\s*{re.escape(matcher.op)}")
    found = pattern.search(expr, start)
    return found.start() if found else start


class AbsentRegex(RuleCheck):
    id = "promql/absent-regex"
    severity = "warning"
    profile = "correctness"
    summary = "absent() and absent_over_time() use no regex or negative matchers"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        tree = parsed(rule)
        if tree is None or "absent" not in (rule.expr or ""):
            return
        calls: dict[str, int] = {}
        for node in firing_absents(tree):
            nth = calls[node.func.name] = calls.get(node.func.name, -1) + 1
            argument = node.args[0]
            if isinstance(argument, promql_parser.MatrixSelector):
                argument = argument.vector_selector
            if not isinstance(argument, promql_parser.VectorSelector):
                continue
            target = selector(argument)
            loose = [m for m in target.matchers if m.op != "=" and m.name != "__name__"]
            if not loose:
                continue
            shown = ", ".join(f'{m.name}{m.op}"{m.value}"' for m in loose)
            yield self.finding(
                file,
                expr_position(
                    rule, file.text, matcher_offset(rule.expr or "", node.func.name, nth, loose[0])
                ),
                f"{node.func.name}() of {target.name or 'a selector'} with {shown}: its result has no "
                f"{', '.join(dict.fromkeys(m.name for m in loose))} label, and it fires only when no "
                "matching series is left, without saying which one went missing",
                "one absent() per expected series, selected with `=`, so the alert names what is gone",
            )
