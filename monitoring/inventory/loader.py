"""Read inventory YAML with ruamel.yaml's C composer, keeping file:line:col for every node.

The node tree is turned into plain dicts, lists and scalars plus a table of positions keyed by
the node's path, so later stages work on ordinary data and still point at the source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from monitoring.problems import InputError, Location, Problem

INVENTORY_SUFFIXES = (".yaml", ".yml")

NodePath = tuple[str | int, ...]
# path -> (line, col) of the key (or item) and (line, col) of its value, 0-based as YAML marks are.
Positions = dict[NodePath, tuple[int, int, int, int]]


@dataclass(frozen=True)
class Document:
    """One inventory file: its content as plain data and where each node came from."""

    path: str
    data: Any
    positions: Positions

    def location(self, node_path: NodePath = ()) -> Location:
        """Where the node at node_path starts (its key, in a mapping); else where its nearest parent does."""
        for end in range(len(node_path), 0, -1):
            found = self.positions.get(node_path[:end])
            if found is not None:
                return Location(self.path, found[0] + 1, found[1] + 1)
        line, col = self.positions.get((), (0, 0, 0, 0))[2:]
        return Location(self.path, line + 1, col + 1)

    def value_location(self, node_path: NodePath) -> Location:
        """Where the value at node_path starts, for messages about the value rather than its key."""
        found = self.positions.get(node_path)
        if found is None:
            return self.location(node_path)
        return Location(self.path, found[2] + 1, found[3] + 1)


class _Rejected(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


class _Plainer:
    """Walks composed nodes once: builds plain data, records positions, refuses aliases and duplicate keys."""

    def __init__(self, yaml: YAML) -> None:
        self.constructor = yaml.constructor
        self.positions: Positions = {}
        self.seen: set[int] = set()

    def convert(self, node: Node, path: NodePath, key_line: int, key_col: int) -> Any:
        line, col = node.start_mark.line, node.start_mark.column
        if id(node) in self.seen:
            # The C composer shares the anchored node wherever *alias appears: refuse it before any
            # expansion, which is what makes alias bombs harmless here.
            raise _Rejected(key_line, key_col, "YAML anchors and aliases are not allowed in an inventory")
        self.seen.add(id(node))
        self.positions[path] = (key_line, key_col, line, col)
        if isinstance(node, MappingNode):
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise _Rejected(
                        key_node.start_mark.line, key_node.start_mark.column, "keys must be plain text"
                    )
                key = str(key_node.value)
                k_line, k_col = key_node.start_mark.line, key_node.start_mark.column
                if key in mapping:
                    first = self.positions[(*path, key)]
                    raise _Rejected(k_line, k_col, f"duplicate key {key!r} (first at line {first[0] + 1})")
                mapping[key] = self.convert(value_node, (*path, key), k_line, k_col)
            return mapping
        if isinstance(node, SequenceNode):
            return [
                self.convert(item, (*path, index), item.start_mark.line, item.start_mark.column)
                for index, item in enumerate(node.value)
            ]
        return self.constructor.construct_object(node, deep=True)


def _yaml() -> YAML:
    return YAML(typ="safe", pure=False)


def inventory_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError([Problem(Location(str(root), 1, 1), "inventory path does not exist")])
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in INVENTORY_SUFFIXES)
    if not files:
        raise InputError([Problem(Location(str(root), 1, 1), "inventory folder holds no .yaml or .yml file")])
    return files


def _load_one(path: Path, display: str, yaml: YAML) -> Document | Problem:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return Problem(Location(display, 1, 1), f"file is not UTF-8 text ({exc.reason})")
    except OSError as exc:
        return Problem(Location(display, 1, 1), f"cannot read file: {exc.strerror}")
    try:
        root = yaml.compose(text)
        if root is None:
            return Problem(Location(display, 1, 1), "inventory file is empty")
        plainer = _Plainer(yaml)
        data = plainer.convert(root, (), root.start_mark.line, root.start_mark.column)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        return Problem(Location(display, line, col), f"invalid YAML: {message}")
    except _Rejected as exc:
        return Problem(Location(display, exc.line + 1, exc.col + 1), f"invalid YAML: {exc.message}")
    return Document(display, data, plainer.positions)


def load_documents(root: Path) -> list[Document]:
    """Every inventory file under root, parsed; all YAML problems are collected before raising."""
    yaml = _yaml()
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in inventory_files(root):
        loaded = _load_one(path, _display_path(path), yaml)
        if isinstance(loaded, Problem):
            problems.append(loaded)
        else:
            documents.append(loaded)
    if problems:
        raise InputError(problems)
    return documents


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def walk_items(data: Any, key: str) -> Iterator[tuple[int, Any]]:
    section = data.get(key) if isinstance(data, dict) else None
    if isinstance(section, list):
        yield from enumerate(section)
