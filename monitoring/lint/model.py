"""Rule files as located data: every rule keeps the file positions of its fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from monitoring.problems import Location, Problem

_CBase: type[yaml.CBaseLoader] | type[yaml.BaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_TAGS = {
    yaml.ScalarNode: yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG,
    yaml.SequenceNode: yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    yaml.MappingNode: yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
}


class _Loader(_CBase):  # type: ignore[valid-type,misc]
    """libyaml's parser (pure Python without libyaml) composing nodes; every value is read as text."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        return _TAGS[kind]


_DISABLE_COMMENT = re.compile(r"#\s*mac-lint\s+disable\s+([\w/,\s-]+)")


@dataclass(frozen=True)
class Position:
    line: int
    col: int


@dataclass
class Rule:
    """One rule of a group; positions are 1-based, fields absent from the file are None."""

    node: yaml.MappingNode
    group: str
    kind: str  # "alert" or "record"
    name: str
    name_pos: Position
    expr: str | None
    expr_node: yaml.ScalarNode | None
    for_: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    value_nodes: dict[str, yaml.Node]
    start_line: int
    disabled: set[str] = field(default_factory=set)
    parsed: Any = None
    parse_error: str | None = None


@dataclass
class RuleFile:
    path: str
    text: str
    root: yaml.Node | None
    rules: list[Rule]
    parse_error: Problem | None = None


def position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def mapping_items(node: yaml.Node) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield str(key.value), key, value


def scalar_map(node: yaml.Node | None) -> dict[str, str]:
    return (
        {
            key: str(value.value)
            for key, _key_node, value in mapping_items(node)
            if isinstance(value, yaml.ScalarNode)
        }
        if node is not None
        else {}
    )


def parse_rule_file(text: str, path: str) -> RuleFile:
    """Compose the YAML (C loader, nodes with marks); a syntax error becomes a yaml/parse finding."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = " ".join(filter(None, [error.context, error.problem]))
        return RuleFile(
            path,
            text,
            None,
            [],
            Problem(
                Location(path, line, col),
                f"YAML does not parse: {message}",
                "fix the YAML syntax at this position",
                "yaml/parse",
            ),
        )
    except yaml.YAMLError as error:
        return RuleFile(
            path,
            text,
            None,
            [],
            Problem(Location(path, 1, 1), f"YAML does not parse: {error}", check="yaml/parse"),
        )
    rules = list(_rules(root)) if root is not None else []
    _attach_disable_comments(text, rules)
    return RuleFile(path, text, root, rules)


def _rules(root: yaml.Node) -> Iterator[Rule]:
    groups = dict((k, v) for k, _kn, v in mapping_items(root)).get("groups")
    if not isinstance(groups, yaml.SequenceNode):
        return
    for group in groups.value:
        fields = {k: v for k, _kn, v in mapping_items(group)}
        group_name = str(fields["name"].value) if isinstance(fields.get("name"), yaml.ScalarNode) else ""
        rules = fields.get("rules")
        if not isinstance(rules, yaml.SequenceNode):
            continue
        for node in rules.value:
            rule = _rule(node, group_name)
            if rule is not None:
                yield rule


def _rule(node: yaml.Node, group: str) -> Rule | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    values = {k: v for k, _kn, v in mapping_items(node)}
    keys = {k: kn for k, kn, _v in mapping_items(node)}
    kind = "alert" if "alert" in values else "record" if "record" in values else ""
    if not kind:
        return None
    name_node = values[kind]
    expr_node = values.get("expr")
    expr_scalar = expr_node if isinstance(expr_node, yaml.ScalarNode) else None
    for_node = values.get("for")
    return Rule(
        node=node,
        group=group,
        kind=kind,
        name=str(name_node.value) if isinstance(name_node, yaml.ScalarNode) else "",
        name_pos=position(keys[kind]),
        expr=str(expr_scalar.value) if expr_scalar is not None else None,
        expr_node=expr_scalar,
        for_=str(for_node.value) if isinstance(for_node, yaml.ScalarNode) else None,
        labels=scalar_map(values.get("labels")),
        annotations=scalar_map(values.get("annotations")),
        value_nodes=values,
        start_line=node.start_mark.line + 1,
    )


def last_line(node: yaml.Node) -> int:
    """1-based line of the node's last character (a block scalar ends at the next line's start)."""
    if isinstance(node, yaml.ScalarNode):
        return node.end_mark.line + (0 if node.end_mark.column == 0 else 1)
    children: list[yaml.Node] = (
        [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
    )
    return max((last_line(child) for child in children), default=node.start_mark.line + 1)


def _attach_disable_comments(text: str, rules: list[Rule]) -> None:
    """`# mac-lint disable ID[, ID]` inside a rule, or on the line just above it, disables checks there."""
    if "mac-lint" not in text:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        match = _DISABLE_COMMENT.search(line)
        if match is None:
            continue
        ids = {part.strip() for part in re.split(r"[,\s]+", match.group(1)) if part.strip()}
        for rule in rules:
            if rule.start_line - 1 <= number <= last_line(rule.node):
                rule.disabled |= ids
                break
