"""Facts about alert templates the checks share: which labels and values they print, and where."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator

from monitoring.lint.model import Position, Rule, position
from monitoring.lint.yaml_nodes import MappingNode, ScalarNode

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_KEYWORD = re.compile(r"\s*(\w+)")
_LABEL_REFERENCE = re.compile(
    r"\$labels\.(?P<dollar>[A-Za-z_]\w*)"
    r"|(?<![\w$)\]])\.Labels\.(?P<dot>[A-Za-z_]\w*)"
    r'|\bindex\s+\$labels\s+"(?P<index>[^"]+)"'
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')
_GUARD = re.compile(r"(?:if|with|else\s+if|else\s+with)\b")
# Blocks that rebind dot: inside them `.Labels` and `.Value` are not the alert's.
_REBINDING = frozenset({"range", "with", "define", "block"})
_OPENING = _REBINDING | {"if"}


class Reference:
    """Something a template prints: `text` at character `offset` of the template."""

    __slots__ = ("name", "offset", "text")

    def __init__(self, offset: int, text: str, name: str) -> None:
        self.offset, self.text, self.name = offset, text, name


def _actions(template: str) -> Iterator[tuple[re.Match[str], str, bool]]:
    """Each action, its body without trim markers, and whether dot is the alert's data there."""
    blocks: list[str] = []
    for match in _ACTION.finditer(template):
        body = match.group(1).removeprefix("-").removesuffix("-").strip()
        keyword_match = _KEYWORD.match(body)
        keyword = keyword_match.group(1) if keyword_match else ""
        if keyword == "end":
            if blocks:
                blocks.pop()
            continue
        if keyword in _OPENING:
            blocks.append(keyword)
        top_level = not _REBINDING.intersection(blocks if keyword not in _REBINDING else blocks[:-1])
        yield match, body, top_level


# Templates and their actions repeat across rules (`{{ $labels.instance }}`): what is read from
# them is cached by their text.
@functools.lru_cache(maxsize=4096)
def label_references(template: str) -> tuple[Reference, ...]:
    """Every `$labels.X`, `.Labels.X` (where dot is the alert) and `index $labels "X"` in actions."""
    if "$labels :=" in template or "$labels:=" in template:
        return ()
    found: list[Reference] = []
    guarded: set[str] = set()
    for action, body, top_level in _actions(template):
        references, guard = _action_references(action.group(0), body)
        for offset, text, name, dot in references:
            if dot and not top_level:
                continue
            found.append(Reference(action.start() + offset, text, name))
            if guard:
                guarded.add(name)
    # `{{ if $labels.X }}` expects X may be missing: a template shared by several rules.
    return tuple(reference for reference in found if reference.name not in guarded)


@functools.lru_cache(maxsize=4096)
def _action_references(action: str, body: str) -> tuple[tuple[tuple[int, str, str, bool], ...], bool]:
    """(offset, text, label, whether it is a `.Labels.X`) of the label references in an action (not
    those quoted in a string), and whether the action is a guard (`if`, `with`)."""
    strings = [(m.start(), m.end()) for m in _STRING.finditer(action)]
    found: list[tuple[int, str, str, bool]] = []
    for match in _LABEL_REFERENCE.finditer(action):
        if match.group("index") is None and any(a <= match.start() < b for a, b in strings):
            continue
        name = match.group("dollar") or match.group("dot") or match.group("index")
        found.append((match.start(), match.group(0), name, match.group("dot") is not None))
    return tuple(found), _GUARD.match(body) is not None


@functools.lru_cache(maxsize=4096)
def raw_values(template: str) -> tuple[Reference, ...]:
    """Actions printing the alert's value as it is: `{{ $value }}` or `{{ .Value }}`."""
    return tuple(
        Reference(action.start(), action.group(0), body)
        for action, body, top_level in _actions(template)
        if body == "$value" or (body == ".Value" and top_level)
    )


def template_fields(rule: Rule) -> list[tuple[str, str, str, ScalarNode]]:
    """(section, name, template, value node) of every label and annotation of the rule (its
    mapping_items, read in one loop: checks ask this of every alert)."""
    fields: list[tuple[str, str, str, ScalarNode]] = []
    for section in ("labels", "annotations"):
        node = rule.value_nodes.get(section)
        if isinstance(node, MappingNode):
            fields += [
                (section, str(key.value), str(value.value), value)
                for key, value in node.value
                if isinstance(key, ScalarNode) and isinstance(value, ScalarNode)
            ]
    return fields


@functools.lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer("\n", text))]


def reference_position(text: str, node: ScalarNode, reference: Reference) -> Position:
    """File position of `reference` in the scalar `node`: found in its source (any scalar style)."""
    template = str(node.value)
    occurrence = template[: reference.offset].count(reference.text)
    starts = _line_starts(text)
    start = starts[node.start_mark.line] + node.start_mark.column if node.start_mark.line < len(starts) else 0
    end = starts[node.end_mark.line] + node.end_mark.column if node.end_mark.line < len(starts) else len(text)
    found = start - 1
    for _ in range(occurrence + 1):
        found = text.find(reference.text, found + 1, end)
        if found < 0:
            return position(node)
    line = bisect.bisect_right(starts, found)
    return Position(line, found - starts[line - 1] + 1)
