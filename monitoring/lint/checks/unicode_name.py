"""rule-file/unicode-name: names Prometheus 3 loads (any UTF-8) but Prometheus 2.x refuses.

An error by default, as promtool 2.x (Debian's 2.42) reports it; a team on Prometheus 3 lowers it
(`severity: {rule-file/unicode-name: info}`) or disables it in its lint config.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import Check
from monitoring.lint.checks.rule_file_schema import LABEL_NAME, METRIC_NAME
from monitoring.lint.context import LintContext
from monitoring.lint.model import RuleFile, mapping_items, position
from monitoring.lint.yaml_nodes import MappingNode, Node, ScalarNode, SequenceNode
from monitoring.problems import Problem

_LEGACY_LABEL = "[a-zA-Z_][a-zA-Z0-9_]*"
_LEGACY_METRIC = "[a-zA-Z_:][a-zA-Z0-9_:]*"


def _field(node: Node, name: str) -> Node | None:
    return node.field(name) if isinstance(node, MappingNode) else None


def _children(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


class UnicodeName(Check):
    id = "rule-file/unicode-name"
    profile = "correctness"
    summary = "label, annotation and record names that Prometheus 2.x can load (3.x takes any UTF-8)"

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        # Names already matched against the legacy pattern (rules repeat a few label names).
        legacy = {"", "__name__"}
        for root in file.rule_roots:
            for group in _children(_field(root, "groups")):
                yield from self._names(file, _field(group, "labels"), "label", legacy)
                for rule in _children(_field(group, "rules")):
                    record = _field(rule, "record")
                    if (
                        isinstance(record, ScalarNode)
                        and record.value
                        and not METRIC_NAME.match(record.value)
                    ):
                        yield self._finding(file, record, f"record name {record.value!r}", _LEGACY_METRIC)
                    yield from self._names(file, _field(rule, "labels"), "label", legacy)
                    yield from self._names(file, _field(rule, "annotations"), "annotation", legacy)

    def _names(self, file: RuleFile, node: Node | None, what: str, legacy: set[str]) -> list[Problem]:
        found: list[Problem] = []
        for key, key_node, _value in mapping_items(node) if node is not None else ():
            if key in legacy:
                continue
            if LABEL_NAME.match(key):
                legacy.add(key)
            else:
                found.append(self._finding(file, key_node, f"{what} name {key!r}", _LEGACY_LABEL))
        return found

    def _finding(self, file: RuleFile, node: Node, what: str, legacy: str) -> Problem:
        return self.finding(
            file,
            position(node),
            f"{what} is a UTF-8 name: only Prometheus 3.0 and later load it",
            f"for Prometheus 2.x match {legacy}; on 3.x disable rule-file/unicode-name",
        )
