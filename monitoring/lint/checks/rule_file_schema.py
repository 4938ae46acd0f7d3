"""rule-file/schema: the structure Prometheus expects of a rule file, checked by hand (no jsonschema)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from monitoring.lint.checks.base import Check
from monitoring.lint.context import LintContext
from monitoring.lint.model import RuleFile, has_value, is_null, mapping_items, position
from monitoring.lint.yaml_nodes import MappingNode, Node, ScalarNode, SequenceNode
from monitoring.problems import Problem

DURATION = re.compile(r"^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_FILE_KEYS = frozenset({"groups"})
_GROUP_KEYS = frozenset({"name", "interval", "rules", "limit", "query_offset", "labels"})
# Thanos' field, accepted in PrometheusRule resources by the Operator's CRD.
_OPERATOR_GROUP_KEYS = _GROUP_KEYS | {"partial_response_strategy"}
_RULE_KEYS = frozenset({"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"})
_INTEGER = re.compile(r"^[-+]?[0-9]+$")
_ALERT_ONLY = ("for", "keep_firing_for", "annotations")


def valid_duration(text: str) -> bool:
    return text == "0" or (bool(text) and DURATION.match(text) is not None)


class RuleFileSchema(Check):
    id = "rule-file/schema"
    profile = "correctness"
    summary = "groups, rules and their fields have the shape Prometheus loads"

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        for where, message, hint in file.key_errors:
            yield self.finding(file, where, message, hint)
        for root in file.rule_roots:
            yield from self._root(file, root)

    def _root(self, file: RuleFile, root: Node) -> Iterator[Problem]:
        if not isinstance(root, MappingNode):
            yield self.finding(
                file,
                position(root),
                "a rule file is a mapping with a `groups` list",
                "start the file with `groups:`",
            )
            return
        fields = {}
        for key, key_node, value in mapping_items(root):
            fields[key] = value
            if key not in _FILE_KEYS:
                yield self.finding(
                    file,
                    position(key_node),
                    f"unknown top-level field {key!r}",
                    "a rule file has only `groups`",
                )
        groups = fields.get("groups")
        if groups is None:
            yield self.finding(
                file, position(root), "missing `groups`", "add `groups:` with a list of groups"
            )
            return
        if is_null(groups):
            return
        if not isinstance(groups, SequenceNode):
            yield self.finding(file, position(groups), "`groups` must be a list", "")
            return
        names: set[str] = set()
        allowed = _OPERATOR_GROUP_KEYS if file.operator else _GROUP_KEYS
        for group in groups.value:
            yield from self._group(file, group, names, allowed)

    def _group(
        self, file: RuleFile, group: Node, names: set[str], allowed: frozenset[str]
    ) -> Iterator[Problem]:
        if not isinstance(group, MappingNode):
            yield self.finding(file, position(group), "a group must be a mapping with `name` and `rules`", "")
            return
        fields = {}
        for key, key_node, value in mapping_items(group):
            fields[key] = value
            if key not in allowed:
                yield self.finding(
                    file,
                    position(key_node),
                    f"unknown group field {key!r}",
                    f"one of {', '.join(sorted(allowed))}",
                )
        name = fields.get("name")
        if not isinstance(name, ScalarNode) or not str(name.value):
            yield self.finding(file, position(group), "group without a `name`", "name every group")
        elif str(name.value) in names:
            yield self.finding(
                file,
                position(name),
                f"group name {name.value!r} is used twice in this file",
                "group names must be unique per file",
            )
        else:
            names.add(str(name.value))
        for key in ("interval", "query_offset"):
            duration = fields.get(key)
            if has_value(duration) and not (
                isinstance(duration, ScalarNode) and valid_duration(str(duration.value))
            ):
                yield self.finding(
                    file, position(duration), f"`{key}` is not a duration", "e.g. 30s, 1m, 1h30m"
                )
        limit = fields.get("limit")
        if has_value(limit) and not (isinstance(limit, ScalarNode) and _INTEGER.match(str(limit.value))):
            yield self.finding(file, position(limit), "`limit` is not a whole number", "e.g. 100")
        if "labels" in fields:
            yield from self._string_map(file, fields["labels"], "labels")
        rules = fields.get("rules")
        if not has_value(rules):
            return  # an empty group loads, as promtool agrees
        if not isinstance(rules, SequenceNode):
            yield self.finding(
                file,
                position(rules if rules is not None else group),
                "group without a `rules` list",
                "add `rules:` with alert or record rules",
            )
            return
        for rule in rules.value:
            yield from self._rule(file, rule)

    def _rule(self, file: RuleFile, rule: Node) -> Iterator[Problem]:
        if not isinstance(rule, MappingNode):
            yield self.finding(file, position(rule), "a rule must be a mapping", "")
            return
        items = mapping_items(rule)
        fields = {key: value for key, _key_node, value in items}
        if not _RULE_KEYS.issuperset(fields):
            for key, key_node, _value in items:
                if key not in _RULE_KEYS:
                    yield self.finding(
                        file,
                        position(key_node),
                        f"unknown rule field {key!r}",
                        f"one of {', '.join(sorted(_RULE_KEYS))}",
                    )
        if ("alert" in fields) == ("record" in fields):
            yield self.finding(file, position(rule), "a rule needs exactly one of `alert` and `record`", "")
            return
        kind = "alert" if "alert" in fields else "record"
        name = fields[kind]
        name_text = str(name.value) if isinstance(name, ScalarNode) else ""
        if kind == "record" and not name_text:
            yield self.finding(file, position(name), "empty record name", "")
        if kind == "alert" and not name_text:
            yield self.finding(file, position(name), "empty alert name", "")
        expr = fields.get("expr")
        if not isinstance(expr, ScalarNode) or not str(expr.value).strip():
            yield self.finding(
                file,
                position(expr if expr is not None else rule),
                "rule without an `expr`",
                "every rule needs a PromQL expression",
            )
        if kind == "record":
            for key in _ALERT_ONLY:
                if key in fields:
                    yield self.finding(
                        file, position(fields[key]), f"`{key}` is only valid on alerting rules", ""
                    )
        for key in ("for", "keep_firing_for"):
            duration = fields.get(key)
            if has_value(duration) and not (
                isinstance(duration, ScalarNode) and valid_duration(str(duration.value))
            ):
                yield self.finding(file, position(duration), f"`{key}` is not a duration", "e.g. 5m")
        for key in ("labels", "annotations"):
            if key in fields:
                yield from self._string_map(file, fields[key], key)

    def _string_map(self, file: RuleFile, node: Node, what: str) -> Iterator[Problem]:
        if is_null(node):
            return
        if not isinstance(node, MappingNode):
            yield self.finding(file, position(node), f"`{what}` must be a mapping of names to strings", "")
            return
        for key, key_node, value in mapping_items(node):
            if not key or (what == "labels" and key == "__name__"):
                yield self.finding(
                    file,
                    position(key_node),
                    f"{what[:-1]} name {key!r} is invalid",
                    "the metric name comes from the expression or `record`" if key else "",
                )
            if not isinstance(value, ScalarNode):
                yield self.finding(file, position(value), f"{what[:-1]} {key!r} must be a string", "")
