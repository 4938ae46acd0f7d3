"""Rule files as located data: every rule keeps the file positions of its fields."""

from __future__ import annotations

import functools

from monitoring.lint import block_yaml
from monitoring.lint.yaml_nodes import MappingNode, Node, ScalarNode, SequenceNode
from monitoring.problems import Location, Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, TypeGuard

    import yaml


class Position:
    __slots__ = ("col", "line")

    def __init__(self, line: int, col: int) -> None:
        self.line = line
        self.col = col

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Position) and (self.line, self.col) == (other.line, other.col)

    def __hash__(self) -> int:
        return hash((self.line, self.col))

    def __repr__(self) -> str:
        return f"Position(line={self.line}, col={self.col})"


class Rule:
    """One rule of a group; positions are 1-based, fields absent from the file are None."""

    __slots__ = (
        "annotations",
        "expr",
        "expr_node",
        "for_",
        "group",
        "kind",
        "labels",
        "name",
        "name_pos",
        "node",
        "nodes",
        "parse_error",
        "parsed",
        "selectors",
        "start_line",
        "value_nodes",
    )

    def __init__(
        self,
        node: MappingNode,
        group: str,
        kind: str,  # "alert" or "record"
        name: str,
        name_pos: Position,
        expr: str | None,
        expr_node: ScalarNode | None,
        for_: str | None,
        labels: dict[str, str],
        annotations: dict[str, str],
        value_nodes: dict[str, Node],
        start_line: int,
    ) -> None:
        self.node = node
        self.group = group
        self.kind = kind
        self.name = name
        self.name_pos = name_pos
        self.expr = expr
        self.expr_node = expr_node
        self.for_ = for_
        self.labels = labels
        self.annotations = annotations
        self.value_nodes = value_nodes
        self.start_line = start_line
        self.parsed: Any = None
        self.parse_error: str | None = None
        # The expression's nodes and selectors, listed once for all checks (monitoring.lint.promql's
        # rule_nodes and rule_selectors).
        self.nodes: tuple[Any, ...] | None = None
        self.selectors: tuple[Any, ...] | None = None


class RuleFile:
    """`root` is the first YAML document; `rule_roots` the mappings holding `groups` (several for a
    stream of Prometheus Operator PrometheusRule documents, whose rules sit under `spec.groups`)."""

    __slots__ = (
        "ignored_document",
        "key_errors",
        "operator",
        "parse_error",
        "path",
        "root",
        "rule_roots",
        "rules",
        "text",
    )

    def __init__(
        self, path: str, text: str, root: Node | None, rules: list[Rule], parse_error: Problem | None = None
    ) -> None:
        self.path = path
        self.text = text
        self.root = root
        self.rules = rules
        self.parse_error = parse_error
        self.rule_roots: list[Node] = []
        self.operator = False
        # Where a document that Prometheus never reads starts (it loads the first document only).
        self.ignored_document: Position | None = None
        # Errors Go's yaml.v3 raises while decoding: duplicated keys, merge keys that merge no mapping.
        self.key_errors: list[tuple[Position, str, str]] = []


class _YamlError(Exception):
    """PyYAML's error, worded as the yaml/parse finding; `problem_line` is 1-based, when PyYAML marks it."""

    def __init__(self, line: int, col: int, message: str, hint: str, problem_line: int | None) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message
        self.hint = hint
        self.problem_line = problem_line


def position(node: Node) -> Position:
    return Position(node.start_line + 1, node.start_column + 1)


def mapping_items(node: Node) -> list[tuple[str, Node, Node]]:
    """(key, key node, value node) for each scalar key: a list, as every check reads rules' fields
    (shared: callers must not change it)."""
    return node.items() if isinstance(node, MappingNode) else []


def scalar_map(node: Node | None) -> dict[str, str]:
    return (
        {
            key: str(value.value)
            for key, _key_node, value in mapping_items(node)
            if isinstance(value, ScalarNode)
        }
        if node is not None
        else {}
    )


def _plain(node: ScalarNode) -> bool:
    return not node.style


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and _plain(node) and node.value in _NULLS)


def has_value(node: Node | None) -> TypeGuard[Node]:
    """Present and not YAML null: yaml.v3 leaves a field set to null at its zero value."""
    return not is_null(node)


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_PROMETHEUS_RULE_API = "monitoring.coreos.com/"


def _field(node: Node, name: str) -> Node | None:
    return node.field(name) if isinstance(node, MappingNode) else None


def _is_prometheus_rule(node: Node) -> bool:
    kind, api = _field(node, "kind"), _field(node, "apiVersion")
    return (
        isinstance(kind, ScalarNode)
        and kind.value == "PrometheusRule"
        and isinstance(api, ScalarNode)
        and str(api.value).startswith(_PROMETHEUS_RULE_API)
    )


def _compose(text: str, file: RuleFile) -> None:
    """Prometheus decodes only the first document; a Kubernetes stream may hold several PrometheusRules."""
    broken_later: _YamlError | None = None
    try:
        composed = block_yaml.compose_documents(text)
    except block_yaml.Unsupported:
        composed, broken_later = _compose_with_pyyaml(text)
    file.root = None if not composed or is_null(composed[0]) else composed[0]
    later = [node for node in composed[1:] if not is_null(node)]
    documents = [node for node in (file.root, *later) if node is not None]
    operator = [node for node in documents if _is_prometheus_rule(node)]
    if operator and broken_later is not None:
        raise broken_later  # kubectl would refuse the whole stream
    if not operator and (later or broken_later is not None):
        line = broken_later.problem_line if broken_later is not None else None
        file.ignored_document = position(later[0]) if later else Position(line or 1, 1)
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


def _resolve_merges(node: Node, done: set[int], errors: list[tuple[Position, str, str]]) -> None:
    """Apply `<<` merge keys in place as yaml.v3 does (explicit keys win, then earlier merged maps) and
    note duplicated keys; aliased nodes are shared, so each is visited once."""
    if isinstance(node, MappingNode):
        children = [value for _key, value in node.value]
    elif isinstance(node, SequenceNode):
        children = node.value
    else:
        return
    for child in children:
        if not isinstance(child, ScalarNode) and id(child) not in done:
            done.add(id(child))
            _resolve_merges(child, done, errors)
    if isinstance(node, MappingNode):
        keys = [key.value for key, _value in node.value]
        try:
            plain = "<<" not in keys and len(set(keys)) == len(keys)
        except TypeError:  # a sequence or mapping as a key
            plain = False
        if not plain:
            _merge_mapping(node, errors)


def _find_duplicated_keys(root: Node, errors: list[tuple[Position, str, str]]) -> None:
    """The fast walk for a document without anchors or merge keys: every node is visited once."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            try:
                plain = len({key.value for key, _value in node.value}) == len(node.value)
            except TypeError:  # a sequence or mapping as a key
                plain = False
            if not plain:
                _merge_mapping(node, errors)
            stack += [value for _key, value in node.value if not isinstance(value, ScalarNode)]
        elif isinstance(node, SequenceNode):
            stack += [child for child in node.value if not isinstance(child, ScalarNode)]


def _merge_mapping(node: MappingNode, errors: list[tuple[Position, str, str]]) -> None:
    explicit: list[tuple[Node, Node]] = []
    merged: list[Node] = []
    merging = False
    first_line: dict[str, int] = {}
    for key, value in node.value:
        if isinstance(key, ScalarNode) and _plain(key) and key.value == "<<":
            merging = True
            sources = value.value if isinstance(value, SequenceNode) else [value]
            if not all(isinstance(source, MappingNode) for source in sources):
                errors.append(
                    (
                        position(value),
                        "map merge requires map or sequence of maps as the value",
                        "merge an anchored mapping: `<<: *name` or `<<: [*a, *b]`",
                    )
                )
            merged += [source for source in sources if isinstance(source, MappingNode)]
            continue
        if isinstance(key, ScalarNode):
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
            if isinstance(key, ScalarNode) and str(key.value) not in present:
                present.add(str(key.value))
                explicit.append((key, value))
    node.value = explicit


@functools.cache
def _pyyaml_loader() -> type[yaml.BaseLoader]:
    """libyaml's parser (pure Python without libyaml) composing nodes; every value is read as text."""
    import yaml

    base: type[yaml.BaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    tags = {
        yaml.ScalarNode: yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG,
        yaml.SequenceNode: yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
        yaml.MappingNode: yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    }

    class Loader(base):  # type: ignore[valid-type,misc]
        def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
            return tags[kind]

    return Loader


def _compose_with_pyyaml(text: str) -> tuple[list[Node], _YamlError | None]:
    """Every document PyYAML composes, and the error that stopped it after the first document; an error
    in the first document is raised."""
    import yaml

    loader = _pyyaml_loader()(text)
    documents: list[Node] = []
    try:
        try:
            if loader.check_node() and (node := loader.get_node()) is not None:
                documents.append(_converted(node, {}))
        except yaml.YAMLError as error:
            raise _yaml_error(error) from None
        try:
            while loader.check_node() and (node := loader.get_node()) is not None:
                documents.append(_converted(node, {}))
        except yaml.MarkedYAMLError as error:
            return documents, _yaml_error(error)
        except yaml.YAMLError as error:
            raise _yaml_error(error) from None
    finally:
        loader.dispose()
    return documents, None


def _yaml_error(error: yaml.YAMLError) -> _YamlError:
    import yaml

    if not isinstance(error, yaml.MarkedYAMLError):
        return _YamlError(1, 1, f"YAML does not parse: {error}", "", None)
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = " ".join(filter(None, [error.context, error.problem]))
    problem_line = error.problem_mark.line + 1 if error.problem_mark is not None else None
    return _YamlError(
        line, col, f"YAML does not parse: {message}", "fix the YAML syntax at this position", problem_line
    )


def _converted(node: yaml.Node, done: dict[int, Node]) -> Node:
    """PyYAML's node as the lint's; an aliased node stays one shared node."""
    import yaml

    if id(node) in done:
        return done[id(node)]
    start, end = node.start_mark, node.end_mark
    marks = (start.line, start.column, end.line, end.column)
    if isinstance(node, yaml.ScalarNode):
        scalar = done[id(node)] = ScalarNode(node.value, *marks, node.style or "")
        return scalar
    if isinstance(node, yaml.SequenceNode):
        sequence = done[id(node)] = SequenceNode([], *marks)
        sequence.value = [_converted(child, done) for child in node.value]
        return sequence
    mapping = done[id(node)] = MappingNode([], *marks)
    mapping.value = [(_converted(key, done), _converted(value, done)) for key, value in node.value]
    return mapping


def parse_rule_file(text: str, path: str) -> RuleFile:
    """Compose the YAML (nodes with marks); a syntax error becomes a yaml/parse finding."""
    file = RuleFile(path, text, None, [])
    try:
        _compose(text, file)
    except _YamlError as error:
        problem = Problem(Location(path, error.line, error.col), error.message, error.hint, "yaml/parse")
        return RuleFile(path, text, None, [], problem)
    file.rules = [rule for root in file.rule_roots for rule in _rules(root)]
    return file


def _rules(root: Node) -> Iterator[Rule]:
    groups = _field(root, "groups")
    if not isinstance(groups, SequenceNode):
        return
    for group in groups.value:
        fields = {k: v for k, _kn, v in mapping_items(group)}
        group_name = str(fields["name"].value) if isinstance(fields.get("name"), ScalarNode) else ""
        group_labels = scalar_map(fields.get("labels"))
        rules = fields.get("rules")
        if not isinstance(rules, SequenceNode):
            continue
        for node in rules.value:
            rule = _rule(node, group_name, group_labels)
            if rule is not None:
                yield rule


def _rule(node: Node, group: str, group_labels: dict[str, str]) -> Rule | None:
    if not isinstance(node, MappingNode):
        return None
    items = node.items()
    values = {k: v for k, _kn, v in items}
    keys = {k: kn for k, kn, _v in items}
    kind = "alert" if "alert" in values else "record" if "record" in values else ""
    if not kind:
        return None
    name_node = values[kind]
    expr_node = values.get("expr")
    expr_scalar = expr_node if isinstance(expr_node, ScalarNode) else None
    for_node = values.get("for")
    return Rule(
        node=node,
        group=group,
        kind=kind,
        name=str(name_node.value) if isinstance(name_node, ScalarNode) else "",
        name_pos=position(keys[kind]),
        expr=str(expr_scalar.value) if expr_scalar is not None else None,
        expr_node=expr_scalar,
        for_=str(for_node.value) if isinstance(for_node, ScalarNode) and not is_null(for_node) else None,
        # Prometheus 3 adds a group's labels to each rule; the rule's own win.
        labels=group_labels | scalar_map(values.get("labels")),
        annotations=scalar_map(values.get("annotations")),
        value_nodes=values,
        start_line=node.start_mark.line + 1,
    )


def last_line(node: Node) -> int:
    """1-based line of the node's last character (a block scalar ends at the next line's start)."""
    if isinstance(node, ScalarNode):
        return node.end_mark.line + (0 if node.end_mark.column == 0 else 1)
    children: list[Node] = (
        [n for pair in node.value for n in pair] if isinstance(node, MappingNode) else list(node.value)
    )
    return max((last_line(child) for child in children), default=node.start_mark.line + 1)
