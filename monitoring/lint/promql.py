"""PromQL facts the checks share: parsing once per rule, selectors, labels an expression keeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import promql_parser

from monitoring.lint.model import Position, Rule

_RANGE_VECTOR_ARGS = frozenset({"absent_over_time"})
_NO_LABELS = frozenset(
    {
        "vector",
        "scalar",
        "time",
        "pi",
        "day_of_month",
        "day_of_week",
        "day_of_year",
        "days_in_month",
        "hour",
        "minute",
        "month",
        "year",
    }
)
_SET_OPERATORS = frozenset({"and", "unless"})
_QUOTED = re.compile(r"'([^']+)'")


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # "=", "!=", "=~", "!~"
    value: str


@dataclass(frozen=True)
class Selector:
    name: str | None
    matchers: tuple[Matcher, ...]

    def equal(self, label: str) -> str | None:
        return next((m.value for m in self.matchers if m.name == label and m.op == "="), None)


_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def parsed(rule: Rule) -> Any | None:
    """The rule's expression parsed once (None when it does not parse; the error is kept on the rule)."""
    if rule.parsed is None and rule.parse_error is None and rule.expr is not None:
        try:
            rule.parsed = promql_parser.parse(rule.expr)
        except ValueError as error:
            rule.parse_error = str(error)
    return rule.parsed


def selector(node: Any) -> Selector:
    matchers = tuple(Matcher(m.name, _OPS[str(m.op)], m.value) for m in node.matchers.matchers)
    name = node.name or next((m.value for m in matchers if m.name == "__name__" and m.op == "="), None)
    return Selector(name, matchers)


def children(node: Any) -> list[Any]:
    if isinstance(node, promql_parser.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, promql_parser.AggregateExpr):
        return [node.expr] + ([node.param] if node.param is not None else [])
    if isinstance(node, promql_parser.Call):
        return list(node.args)
    if isinstance(node, promql_parser.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        return [node.expr]
    return []


def walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def selectors(node: Any) -> Iterator[Selector]:
    for current in walk(node):
        if isinstance(current, promql_parser.VectorSelector):
            yield selector(current)


def lost_labels(node: Any, wanted: frozenset[str]) -> frozenset[str]:
    """The labels among `wanted` the result of `node` cannot carry (selectors are assumed to have all)."""
    if isinstance(node, promql_parser.VectorSelector | promql_parser.MatrixSelector):
        return frozenset()
    if isinstance(node, promql_parser.NumberLiteral | promql_parser.StringLiteral):
        return wanted
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        return lost_labels(node.expr, wanted)
    if isinstance(node, promql_parser.AggregateExpr):
        inner = lost_labels(node.expr, wanted)
        modifier = node.modifier
        if str(node.op) in ("topk", "bottomk"):
            return inner
        if modifier is None:
            return wanted
        named = frozenset(modifier.labels)
        if str(modifier.type) == "AggModifierType.By":
            return (wanted - named) | (inner & named)
        return inner | (wanted & named)
    if isinstance(node, promql_parser.Call):
        return _call_lost(node, wanted)
    if isinstance(node, promql_parser.BinaryExpr):
        return _binary_lost(node, wanted)
    return frozenset()


def _call_lost(node: Any, wanted: frozenset[str]) -> frozenset[str]:
    name = node.func.name
    if name in _NO_LABELS:
        return wanted
    if name in ("absent", *_RANGE_VECTOR_ARGS):
        inner = node.args[0]
        target = inner.vector_selector if isinstance(inner, promql_parser.MatrixSelector) else inner
        if isinstance(target, promql_parser.VectorSelector):
            kept = {m.name for m in selector(target).matchers if m.op == "="}
            return wanted - kept
        return wanted
    vector_args = [
        a for a in node.args if not isinstance(a, promql_parser.NumberLiteral | promql_parser.StringLiteral)
    ]
    if not vector_args:
        return wanted
    lost = lost_labels(vector_args[0], wanted)
    if name in ("label_replace", "label_join"):
        return lost - {node.args[1].val if hasattr(node.args[1], "val") else ""}
    return lost


def _is_scalar(node: Any) -> bool:
    if isinstance(node, promql_parser.NumberLiteral):
        return True
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr):
        return _is_scalar(node.expr)
    if isinstance(node, promql_parser.Call):
        return str(node.func.return_type) == "ValueType.Scalar"
    if isinstance(node, promql_parser.BinaryExpr):
        return _is_scalar(node.lhs) and _is_scalar(node.rhs)
    return False


def _binary_lost(node: Any, wanted: frozenset[str]) -> frozenset[str]:
    op = str(node.op)
    if _is_scalar(node.lhs):
        return lost_labels(node.rhs, wanted)
    if _is_scalar(node.rhs):
        return lost_labels(node.lhs, wanted)
    left, right = lost_labels(node.lhs, wanted), lost_labels(node.rhs, wanted)
    if op in _SET_OPERATORS:
        return left
    if op == "or":
        return left | right
    modifier = node.modifier
    card = str(modifier.card) if modifier is not None else "VectorMatchCardinality.OneToOne"
    if card == "VectorMatchCardinality.ManyToOne":
        return left
    if card == "VectorMatchCardinality.OneToMany":
        return right
    matching = modifier.matching if modifier is not None else None
    if matching is None:
        return left
    named = frozenset(matching.labels)
    if str(matching.type) == "LabelModifierType.Include":
        return (wanted - named) | (left & named)
    return left | (wanted & named)


def expr_position(rule: Rule, text: str, offset: int = 0) -> Position:
    """File position of character `offset` of the rule's expression (block scalars mapped line by line)."""
    node = rule.expr_node
    if node is None or rule.expr is None:
        return rule.name_pos
    start = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if node.style in ("|", ">"):
        # Literal and folded blocks both join their source lines with one character.
        source_lines = text.splitlines()[start.line :]
        consumed = 0
        for index, source in enumerate(source_lines):
            content = source.lstrip(" ")
            indent = len(source) - len(content)
            if offset <= consumed + len(content):
                return Position(start.line + 1 + index, indent + 1 + offset - consumed)
            consumed += len(content) + 1
        return start
    if "\n" not in rule.expr and node.style in (None, "'", '"'):
        return Position(start.line, start.col + offset + (0 if node.style is None else 1))
    return start


def name_offset(expr: str | None, name: str | None) -> int:
    """Offset of the first use of metric `name` in `expr` as a whole word (0 when not found)."""
    if not expr or not name:
        return 0
    start = expr.find(name)
    while start >= 0:
        before = expr[start - 1] if start else " "
        end = start + len(name)
        after = expr[end] if end < len(expr) else " "
        if not (before.isalnum() or before in "_:") and not (after.isalnum() or after in "_:"):
            return start
        start = expr.find(name, start + 1)
    return 0


def error_offset(expr: str, message: str) -> int:
    """Best guess at where in `expr` promql-parser's (position-less) error points."""
    if "parenthesis" in message or "braces" in message:
        opener = "(" if "parenthesis" in message else "{"
        closer = ")" if opener == "(" else "}"
        depth_stack: list[int] = []
        for index, char in enumerate(expr):
            if char == opener:
                depth_stack.append(index)
            elif char == closer and depth_stack:
                depth_stack.pop()
        if depth_stack:
            return depth_stack[-1]
    quoted = _QUOTED.search(message)
    if quoted and quoted.group(1) in expr:
        return expr.index(quoted.group(1))
    return 0
