"""rule/duplicate: no two rules of a file with the same name and labels (promtool's lint, natively).

Like promtool, the key is the rule's name and its `labels:`. Unlike it, two rules whose results are
disjoint by their matchers (kube-prometheus splits one record by `code=~"2.."` .. `"5.."` and keeps
`code`) are not duplicates: they write different series. Two records that may write the same series
are an error (their samples collide); two such alerts a warning, as promtool has it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import promql_parser

from monitoring.lint.checks.base import Check
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import Matcher, lost_labels, parsed, rule_selectors, selector
from monitoring.problems import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_REGEX_META = frozenset(".[](){}*+?|^$\\")
_LABEL_WRITERS = frozenset({"label_replace", "label_join"})


def output_matchers(node: Any, label: str) -> list[Matcher] | None:
    """Matchers every result series' `label` satisfies, from the selectors it comes from; None when the
    expression may write the label otherwise (`or`, label_replace, aggregations without it)."""
    if isinstance(node, promql_parser.VectorSelector):
        return [m for m in selector(node).matchers if m.name == label]
    if isinstance(node, promql_parser.MatrixSelector):
        return output_matchers(node.vector_selector, label)
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):
        return output_matchers(node.expr, label)
    if isinstance(node, promql_parser.AggregateExpr):
        return output_matchers(node.expr, label) if not lost_labels(node, frozenset({label})) else None
    if isinstance(node, promql_parser.Call):
        if node.func.name in _LABEL_WRITERS or lost_labels(node, frozenset({label})):
            return None
        vectors = [a for a in node.args if isinstance(a, _VECTOR_NODES)]
        return output_matchers(vectors[0], label) if vectors else None
    if isinstance(node, promql_parser.BinaryExpr):
        if str(node.op) == "or" or lost_labels(node, frozenset({label})):
            return None
        if isinstance(node.lhs, promql_parser.NumberLiteral):
            return output_matchers(node.rhs, label)
        card = str(node.modifier.card) if node.modifier is not None else ""
        copied = (node.modifier.group_labels or []) if node.modifier is not None else []
        from_right = (card == "VectorMatchCardinality.OneToMany") != (label in copied)
        return output_matchers(node.rhs if from_right else node.lhs, label)
    return None


_VECTOR_NODES = (
    promql_parser.VectorSelector,
    promql_parser.MatrixSelector,
    promql_parser.AggregateExpr,
    promql_parser.BinaryExpr,
    promql_parser.Call,
    promql_parser.ParenExpr,
    promql_parser.SubqueryExpr,
    promql_parser.UnaryExpr,
)


def _alternatives(pattern: str) -> list[str] | None:
    """The literal prefixes of a regex's top-level alternatives (None if it groups: not worth parsing)."""
    if "(" in pattern:
        return None
    prefixes = []
    for alternative in pattern.split("|"):
        end = next((i for i, char in enumerate(alternative) if char in _REGEX_META), len(alternative))
        prefixes.append(alternative[:end])
    return prefixes


def _fullmatch(pattern: str, value: str) -> bool | None:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return None


def _prefixes_conflict(a: str, b: str) -> bool:
    return not a.startswith(b) and not b.startswith(a)


def matchers_disjoint(a: Matcher, b: Matcher) -> bool:
    """Whether no label value satisfies both matchers (False when it cannot tell)."""
    if b.op == "=" and a.op != "=":
        a, b = b, a
    if a.op == "=":
        if b.op == "=":
            return a.value != b.value
        if b.op == "!=":
            return a.value == b.value
        matches = _fullmatch(b.value, a.value)
        return matches is not None and matches == (b.op == "!~")
    if {a.op, b.op} == {"=~", "!~"}:
        return a.value == b.value
    if a.op == b.op == "=~":
        left, right = _alternatives(a.value), _alternatives(b.value)
        return (
            left is not None
            and right is not None
            and all(_prefixes_conflict(x, y) for x in left for y in right)
        )
    return False


# output_matchers of a rule (by id) and label, kept for one file's run: a rule is compared with every
# earlier one of its name and labels (kube-prometheus splits one record a dozen ways).
Outputs = dict[tuple[int, str], list[Matcher] | None]


def disjoint(first: Rule, second: Rule, outputs: Outputs | None = None) -> bool:
    """Whether the two rules' results provably differ in some label both keep."""
    first_tree, second_tree = parsed(first), parsed(second)
    if first_tree is None or second_tree is None:
        return False
    known: Outputs = {} if outputs is None else outputs
    labels = {m.name for s in (*rule_selectors(first), *rule_selectors(second)) for m in s.matchers}
    for label in sorted(labels - {"__name__"}):
        left, right = _outputs(first, first_tree, label, known), _outputs(second, second_tree, label, known)
        if left and right and any(matchers_disjoint(a, b) for a in left for b in right):
            return True
    return False


def _outputs(rule: Rule, tree: Any, label: str, known: Outputs) -> list[Matcher] | None:
    key = (id(rule), label)
    if key not in known:
        known[key] = output_matchers(tree, label)
    return known[key]


class RuleDuplicate(Check):
    id = "rule/duplicate"
    profile = "correctness"
    summary = "alert and record names are unique per file once their labels are counted"

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        seen: dict[tuple[str, str, frozenset[tuple[str, str]]], list[Rule]] = {}
        outputs: Outputs = {}
        for rule in file.rules:
            earlier = seen.setdefault((rule.kind, rule.name, frozenset(rule.labels.items())), [])
            clash = next((other for other in earlier if not disjoint(other, rule, outputs)), None)
            earlier.append(rule)
            if clash is None:
                continue
            finding = self.finding(
                file,
                rule.name_pos,
                f"{rule.kind} {rule.name} with the same labels is already defined on line "
                f"{clash.name_pos.line}"
                + (", and both may write the same series" if rule.kind == "record" else ""),
                "merge the rules, or tell them apart with a label (e.g. the threshold group)",
            )
            yield finding if rule.kind == "record" else finding.replace(severity="warning")
