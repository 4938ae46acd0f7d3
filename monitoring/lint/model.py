"""Rule files as located data: every rule keeps the file positions of its fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard

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
    parsed: Any = None
    parse_error: str | None = None
    # The expression's selectors, listed once for all checks (monitoring.lint.promql.rule_selectors).
    selectors: tuple[Any, ...] | None = None


@dataclass
class RuleFile:
    """`root` is the first YAML document; `rule_roots` the mappings holding `groups` (several for a
    stream of Prometheus Operator PrometheusRule documents, whose rules sit under `spec.groups`)."""

    path: str
    text: str
    root: yaml.Node | None
    rules: list[Rule]
    parse_error: Problem | None = None
    rule_roots: list[yaml.Node] = field(default_factory=list)
    operator: bool = False
    # Where a document that Prometheus never reads starts (it loads the first document only).
    ignored_document: Position | None = None
    # Errors Go's yaml.v3 raises while decoding: duplicated keys, merge keys that merge no mapping.
    key_errors: list[tuple[Position, str, str]] = field(default_factory=list)


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


def _plain(node: yaml.ScalarNode) -> bool:
    return not node.style  # None from PyYAML's parser, "" from libyaml's


def is_null(node: yaml.Node | None) -> bool:
    return node is None or (isinstance(node, yaml.ScalarNode) and _plain(node) and node.value in _NULLS)


def has_value(node: yaml.Node | None) -> TypeGuard[yaml.Node]:
    """Present and not YAML null: yaml.v3 leaves a field set to null at its zero value."""
    return not is_null(node)


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_PROMETHEUS_RULE_API = "monitoring.coreos.com/"


def _field(node: yaml.Node, name: str) -> yaml.Node | None:
    return next((value for key, _kn, value in mapping_items(node) if key == name), None)


def _is_prometheus_rule(node: yaml.Node) -> bool:
    kind, api = _field(node, "kind"), _field(node, "apiVersion")
    return (
        isinstance(kind, yaml.ScalarNode)
        and kind.value == "PrometheusRule"
        and isinstance(api, yaml.ScalarNode)
        and str(api.value).startswith(_PROMETHEUS_RULE_API)
    )


def _compose(text: str, file: RuleFile) -> None:
    """Prometheus decodes only the first document; a Kubernetes stream may hold several PrometheusRules."""
    loader = _Loader(text)
    later: list[yaml.Node] = []
    broken_later: yaml.MarkedYAMLError | None = None
    try:
        first = loader.get_node() if loader.check_node() else None
        file.root = None if is_null(first) else first
        try:
            while loader.check_node():
                node = loader.get_node()
                if not is_null(node):
                    later.append(node)
        except yaml.MarkedYAMLError as error:
            broken_later = error
    finally:
        loader.dispose()
    documents = [node for node in (file.root, *later) if node is not None]
    operator = [node for node in documents if _is_prometheus_rule(node)]
    if operator and broken_later is not None:
        raise broken_later  # kubectl would refuse the whole stream
    if not operator and (later or broken_later is not None):
        mark = broken_later.problem_mark if broken_later is not None else None
        file.ignored_document = (
            position(later[0]) if later else Position(mark.line + 1, 1) if mark else Position(1, 1)
        )
    loaded = operator or ([file.root] if file.root is not None else [])
    for node in loaded:
        if "&" in text or "<<" in text:
            _resolve_merges(node, set(), file.key_errors)
        else:
            _find_duplicated_keys(node, file.key_errors)
    file.operator = bool(operator)
    file.rule_roots = [
        spec if (spec := _field(node, "spec")) is not None else node for node in operator
    ] or loaded


def _resolve_merges(node: yaml.Node, done: set[int], errors: list[tuple[Position, str, str]]) -> None:
    """Apply `<<` merge keys in place as yaml.v3 does (explicit keys win, then earlier merged maps) and
    note duplicated keys; aliased nodes are shared, so each is visited once."""
    if isinstance(node, yaml.MappingNode):
        children = [value for _key, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        return
    for child in children:
        if not isinstance(child, yaml.ScalarNode) and id(child) not in done:
            done.add(id(child))
            _resolve_merges(child, done, errors)
    if isinstance(node, yaml.MappingNode):
        keys = [key.value for key, _value in node.value]
        try:
            plain = "<<" not in keys and len(set(keys)) == len(keys)
        except TypeError:  # a sequence or mapping as a key
            plain = False
        if not plain:
            _merge_mapping(node, errors)


def _find_duplicated_keys(root: yaml.Node, errors: list[tuple[Position, str, str]]) -> None:
    """The fast walk for a document without anchors or merge keys: every node is visited once."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            try:
                plain = len({key.value for key, _value in node.value}) == len(node.value)
            except TypeError:  # a sequence or mapping as a key
                plain = False
            if not plain:
                _merge_mapping(node, errors)
            stack += [value for _key, value in node.value if not isinstance(value, yaml.ScalarNode)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [child for child in node.value if not isinstance(child, yaml.ScalarNode)]


def _merge_mapping(node: yaml.MappingNode, errors: list[tuple[Position, str, str]]) -> None:
    explicit: list[tuple[yaml.Node, yaml.Node]] = []
    merged: list[yaml.Node] = []
    merging = False
    first_line: dict[str, int] = {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and _plain(key) and key.value == "<<":
            merging = True
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            if not all(isinstance(source, yaml.MappingNode) for source in sources):
                errors.append(
                    (
                        position(value),
                        "map merge requires map or sequence of maps as the value",
                        "merge an anchored mapping: `<<: *name` or `<<: [*a, *b]`",
                    )
                )
            merged += [source for source in sources if isinstance(source, yaml.MappingNode)]
            continue
        if isinstance(key, yaml.ScalarNode):
            name = str(key.value)
            if name in first_line:
                errors.append(
                    (
                        position(key),
                        f"mapping key {name!r} already defined at line {first_line[name]}",
                        "YAML mappings hold each key once",
                    )
                )
            else:
                first_line[name] = key.start_mark.line + 1
        explicit.append((key, value))
    if not merging:
        return
    present = set(first_line)
    for source in merged:
        for key, value in source.value:
            if isinstance(key, yaml.ScalarNode) and str(key.value) not in present:
                present.add(str(key.value))
                explicit.append((key, value))
    node.value = explicit


def parse_rule_file(text: str, path: str) -> RuleFile:
    """Compose the YAML (C loader, nodes with marks); a syntax error becomes a yaml/parse finding."""
    file = RuleFile(path, text, None, [])
    try:
        _compose(text, file)
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
    file.rules = [rule for root in file.rule_roots for rule in _rules(root)]
    return file


def _rules(root: yaml.Node) -> Iterator[Rule]:
    groups = _field(root, "groups")
    if not isinstance(groups, yaml.SequenceNode):
        return
    for group in groups.value:
        fields = {k: v for k, _kn, v in mapping_items(group)}
        group_name = str(fields["name"].value) if isinstance(fields.get("name"), yaml.ScalarNode) else ""
        group_labels = scalar_map(fields.get("labels"))
        rules = fields.get("rules")
        if not isinstance(rules, yaml.SequenceNode):
            continue
        for node in rules.value:
            rule = _rule(node, group_name, group_labels)
            if rule is not None:
                yield rule


def _rule(node: yaml.Node, group: str, group_labels: dict[str, str]) -> Rule | None:
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
        for_=str(for_node.value) if isinstance(for_node, yaml.ScalarNode) and not is_null(for_node) else None,
        # Prometheus 3 adds a group's labels to each rule; the rule's own win.
        labels=group_labels | scalar_map(values.get("labels")),
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
