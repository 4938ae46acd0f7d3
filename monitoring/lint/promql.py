"""PromQL facts the checks share: parsing once per rule, selectors, labels an expression keeps."""

from __future__ import annotations

import re
from collections import namedtuple

import promql_parser

from monitoring.lint.model import Position

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, NamedTuple

    from monitoring.lint.model import Rule

_ABSENT = frozenset({"absent", "absent_over_time"})
_NO_LABELS = frozenset({"vector", "scalar", "time", "pi"})
# Without an argument these read vector(time()): a sample with no labels.
_TIME_OF = frozenset(
    {"day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"}
)
_KEEP_SERIES = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
_LABEL_WRITERS = frozenset({"label_replace", "label_join"})
_SET_OPERATORS = frozenset({"and", "unless"})
_VECTOR_TYPES = frozenset({"ValueType.Vector", "ValueType.Matrix"})
_QUOTED = r"'([^']+)'"  # compiled (and cached by re) when an error is located


# Named tuples, not dataclasses: every selector of every rule becomes one, and these build fastest.
# collections' namedtuple at run time: typing.NamedTuple makes the same class, but imports typing.
if TYPE_CHECKING:

    class Matcher(NamedTuple):
        name: str
        op: str  # "=", "!=", "=~", "!~"
        value: str

    class _Selector(NamedTuple):
        name: str | None
        matchers: tuple[Matcher, ...]

else:
    Matcher = namedtuple("Matcher", ("name", "op", "value"))
    _Selector = namedtuple("_Selector", ("name", "matchers"))


class Selector(_Selector):
    __slots__ = ()

    def equal(self, label: str) -> str | None:
        for matcher in self.matchers:  # a loop, not next(...): every check asks this of every selector
            if matcher.name == label and matcher.op == "=":
                return matcher.value
        return None


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
    matchers = tuple([Matcher(m.name, _OPS[str(m.op)], m.value) for m in node.matchers.matchers])
    name = node.name or next((m.value for m in matchers if m.name == "__name__" and m.op == "="), None)
    return Selector(name, matchers)


_CHILDREN: dict[type, Callable[[Any], list[Any]]] = {
    promql_parser.BinaryExpr: lambda node: [node.lhs, node.rhs],
    promql_parser.AggregateExpr: lambda node: [node.expr] if node.param is None else [node.expr, node.param],
    promql_parser.Call: lambda node: list(node.args),
    promql_parser.MatrixSelector: lambda node: [node.vector_selector],
    promql_parser.ParenExpr: lambda node: [node.expr],
    promql_parser.UnaryExpr: lambda node: [node.expr],
    promql_parser.SubqueryExpr: lambda node: [node.expr],
}


def _no_children(node: Any) -> list[Any]:
    return []


def children(node: Any) -> list[Any]:
    return _CHILDREN.get(type(node), _no_children)(node)


def walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        below = _CHILDREN.get(type(current))
        if below is not None:
            stack.extend(reversed(below(current)))


def selectors(node: Any) -> Iterator[Selector]:
    for current in walk(node):
        if isinstance(current, promql_parser.VectorSelector):
            yield selector(current)


def rule_nodes(rule: Rule) -> tuple[Any, ...]:
    """The nodes of the rule's expression in walk order, listed once (none if it does not parse)."""
    if rule.nodes is None:
        tree = parsed(rule)
        rule.nodes = tuple(walk(tree)) if tree is not None else ()
    return rule.nodes


def rule_selectors(rule: Rule) -> tuple[Selector, ...]:
    """The selectors of the rule's expression, in source order, listed once (none if it does not parse)."""
    if rule.selectors is None:
        rule.selectors = tuple(
            [selector(node) for node in rule_nodes(rule) if isinstance(node, promql_parser.VectorSelector)]
        )
    return rule.selectors


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
        op = str(node.op)
        if op in _KEEP_SERIES:
            return inner
        # count_values("label", ...) writes the counted value into `label`.
        counted = (
            frozenset({node.param.val})
            if op == "count_values" and isinstance(node.param, promql_parser.StringLiteral)
            else frozenset()
        )
        if modifier is None:
            return wanted - counted
        named = frozenset(modifier.labels)
        if str(modifier.type) == "AggModifierType.By":
            return ((wanted - named) | (inner & named)) - counted
        return (inner | (wanted & named)) - counted
    if isinstance(node, promql_parser.Call):
        return _call_lost(node, wanted)
    if isinstance(node, promql_parser.BinaryExpr):
        return _binary_lost(node, wanted)
    return frozenset()


def _call_lost(node: Any, wanted: frozenset[str]) -> frozenset[str]:
    name = node.func.name
    if name in _NO_LABELS or (name in _TIME_OF and not node.args):
        return wanted
    if name in _ABSENT:
        inner = node.args[0]
        target = inner.vector_selector if isinstance(inner, promql_parser.MatrixSelector) else inner
        if isinstance(target, promql_parser.VectorSelector):
            kept = {m.name for m in selector(target).matchers if m.op == "=" and m.name != "__name__"}
            return wanted - kept
        return wanted
    types = [str(kind) for kind in node.func.arg_types]
    vector_arg = next(
        (arg for index, arg in enumerate(node.args) if types[min(index, len(types) - 1)] in _VECTOR_TYPES),
        None,
    )
    if vector_arg is None:
        return wanted
    lost = lost_labels(vector_arg, wanted)
    if name in _LABEL_WRITERS and isinstance(node.args[1], promql_parser.StringLiteral):
        return lost - {node.args[1].val}
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
    # group_left/group_right (labels): the "many" side's labels, plus those copied from the "one" side.
    if card in ("VectorMatchCardinality.ManyToOne", "VectorMatchCardinality.OneToMany"):
        many, one = (left, right) if card == "VectorMatchCardinality.ManyToOne" else (right, left)
        copied = frozenset(modifier.group_labels or ())
        return (many - copied) | (one & copied)
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
        # Literal and folded blocks both join their source lines with one character; the block's
        # indentation is its first line's, and deeper indentation is part of the value.
        source_lines = text.splitlines()[start.line :]
        indent = next((len(line) - len(line.lstrip(" ")) for line in source_lines if line.strip()), 0)
        consumed = 0
        for index, source in enumerate(source_lines):
            content = source[indent:]
            if offset <= consumed + len(content):
                return Position(start.line + 1 + index, indent + 1 + offset - consumed)
            consumed += len(content) + 1
        return start
    # A plain scalar's style is None from PyYAML's parser, "" from libyaml's.
    if "\n" not in rule.expr and node.style in (None, "", "'", '"'):
        return Position(start.line, start.col + offset + (0 if not node.style else 1))
    return start


# Comments, string literals, and words: a metric name is a whole word outside the first two.
# Compiled (and cached by re) when a finding is located.
_TOKENS = r"""#[^\n]*|"(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|`[^`]*`?|[\w:]+"""


def name_offset(expr: str | None, name: str | None) -> int:
    """Offset of the first use of metric `name` in `expr` as a whole word, outside comments and string
    literals (0 when not found)."""
    if not expr or not name or name not in expr:
        return 0
    return next((token.start() for token in re.finditer(_TOKENS, expr) if token.group() == name), 0)


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
    quoted = re.search(_QUOTED, message)
    if quoted and quoted.group(1) in expr:
        return expr.index(quoted.group(1))
    return 0


class LabelSet:
    """The labels an expression's result can carry: only `names` (closed), or any label but `names`."""

    __slots__ = ("closed", "names")

    def __init__(self, closed: bool, names: frozenset[str]) -> None:
        self.closed, self.names = closed, names

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelSet):
            return NotImplemented
        return (self.closed, self.names) == (other.closed, other.names)

    def __hash__(self) -> int:
        return hash((self.closed, self.names))

    def __repr__(self) -> str:
        return f"LabelSet(closed={self.closed!r}, names={self.names!r})"

    def can_carry(self, label: str) -> bool:
        return (label in self.names) == self.closed

    def keep(self, labels: frozenset[str]) -> LabelSet:
        return LabelSet(True, self.names & labels if self.closed else labels - self.names)

    def drop(self, labels: frozenset[str]) -> LabelSet:
        return LabelSet(self.closed, self.names - labels if self.closed else self.names | labels)

    def add(self, labels: frozenset[str]) -> LabelSet:
        return LabelSet(self.closed, self.names | labels if self.closed else self.names - labels)

    def union(self, other: LabelSet) -> LabelSet:
        if self.closed and other.closed:
            return LabelSet(True, self.names | other.names)
        if not self.closed and not other.closed:
            return LabelSet(False, self.names & other.names)
        closed, opened = (self, other) if self.closed else (other, self)
        return LabelSet(False, opened.names - closed.names)


ANY_LABELS = LabelSet(False, frozenset())
NO_LABELS = LabelSet(True, frozenset())
_KEEP_INPUT_LABELS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
_DATE_FUNCTIONS = frozenset(
    {"day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"}
)
_SERIES_TYPES = frozenset({"ValueType.Vector", "ValueType.Matrix"})


def output_labels(node: Any) -> LabelSet:
    """The labels the result of `node` can carry, as Prometheus evaluates it (selectors: any label)."""
    if isinstance(node, promql_parser.VectorSelector | promql_parser.MatrixSelector):
        return ANY_LABELS
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        return output_labels(node.expr)
    if isinstance(node, promql_parser.AggregateExpr):
        return _aggregate_labels(node)
    if isinstance(node, promql_parser.Call):
        return _call_labels(node)
    if isinstance(node, promql_parser.BinaryExpr):
        return _binary_labels(node)
    return NO_LABELS


def _aggregate_labels(node: Any) -> LabelSet:
    inner = output_labels(node.expr)
    op = str(node.op)
    if op in _KEEP_INPUT_LABELS:
        return inner
    modifier = node.modifier
    if modifier is None:
        grouped = NO_LABELS
    elif str(modifier.type) == "AggModifierType.By":
        grouped = inner.keep(frozenset(modifier.labels))
    else:
        grouped = inner.drop(frozenset(modifier.labels))
    if op == "count_values":
        if not isinstance(node.param, promql_parser.StringLiteral):
            return ANY_LABELS
        return grouped.add(frozenset({node.param.val}))
    return grouped


def _call_labels(node: Any) -> LabelSet:
    name = node.func.name
    if name in ("absent", "absent_over_time"):
        inner = node.args[0]
        target = inner.vector_selector if isinstance(inner, promql_parser.MatrixSelector) else inner
        if not isinstance(target, promql_parser.VectorSelector):
            return NO_LABELS
        equal = frozenset(m.name for m in selector(target).matchers if m.op == "=")
        return LabelSet(True, equal - {"__name__"})
    if name == "info":
        return ANY_LABELS
    if name in _DATE_FUNCTIONS and not node.args:
        return NO_LABELS
    types = [str(t) for t in node.func.arg_types]
    # Variadic functions repeat their last argument type.
    series = next(
        (arg for i, arg in enumerate(node.args) if types[min(i, len(types) - 1)] in _SERIES_TYPES), None
    )
    if series is None or str(node.func.return_type) == "ValueType.Scalar":
        return NO_LABELS
    labels = output_labels(series)
    if name in ("label_replace", "label_join"):
        written = node.args[1]
        if not isinstance(written, promql_parser.StringLiteral):
            return ANY_LABELS
        return labels.add(frozenset({written.val}))
    if name == "histogram_quantile":
        return labels.drop(frozenset({"le"}))
    return labels


def _binary_labels(node: Any) -> LabelSet:
    if _is_scalar(node.lhs) and _is_scalar(node.rhs):
        return NO_LABELS
    if _is_scalar(node.lhs):
        return output_labels(node.rhs)
    if _is_scalar(node.rhs):
        return output_labels(node.lhs)
    left, right = output_labels(node.lhs), output_labels(node.rhs)
    op = str(node.op)
    if op in _SET_OPERATORS:
        return left
    if op == "or":
        return left.union(right)
    modifier = node.modifier
    if modifier is None:
        return left
    card = str(modifier.card)
    if card in ("VectorMatchCardinality.ManyToOne", "VectorMatchCardinality.OneToMany"):
        # The "many" side's labels; each copied label comes from the "one" side (dropped if it has none).
        many, one = (left, right) if card == "VectorMatchCardinality.ManyToOne" else (right, left)
        copied = frozenset(modifier.group_labels or ())
        return many.drop(copied).union(one.keep(copied))
    matching = modifier.matching
    if matching is None:
        return left
    named = frozenset(matching.labels)
    return left.keep(named) if str(matching.type) == "LabelModifierType.Include" else left.drop(named)
