"""Read inventory YAML with ruamel.yaml, keeping file:line:col for every node."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent

from monitoring.problems import InputError, Location, Problem

INVENTORY_SUFFIXES = (".yaml", ".yml")


class _AliasRejected(MarkedYAMLError):
    pass


class _NoAliasComposer(Composer):
    """Aliases are refused where they appear: they hide repetition and enable alias bombs."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            raise _AliasRejected(
                None, None, f"YAML alias '*{event.anchor}' is not allowed in an inventory", event.start_mark
            )
        return super().compose_node(parent, index)


@dataclass(frozen=True)
class Document:
    """One inventory file: its parsed content and where it came from."""

    path: str
    data: Any

    def location(self, node_path: tuple[str | int, ...] = ()) -> Location:
        """The position of the node at node_path (key or index steps); the parent's if missing."""
        node = self.data
        line, col = 0, 0
        for step in node_path:
            if isinstance(node, CommentedMap) and step in node:
                line, col = node.lc.key(step)
                node = node[step]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
                line, col = node.lc.item(step)
                node = node[step]
            else:
                break
        else:
            if isinstance(node, CommentedMap | CommentedSeq) and not node_path:
                line, col = node.lc.line, node.lc.col
        return Location(self.path, line + 1, col + 1)

    def value_location(self, node_path: tuple[str | int, ...]) -> Location:
        """The position of a mapping value (rather than its key), for messages about the value."""
        parent = self.data
        for step in node_path[:-1]:
            try:
                parent = parent[step]
            except (KeyError, IndexError, TypeError):
                return self.location(node_path)
        last = node_path[-1] if node_path else None
        if isinstance(parent, CommentedMap) and last in parent:
            line, col = parent.lc.value(last)
            return Location(self.path, line + 1, col + 1)
        return self.location(node_path)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Composer = _NoAliasComposer
    yaml.allow_duplicate_keys = False
    return yaml


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
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        return Problem(Location(display, line, col), f"invalid YAML: {message}")
    except Exception as exc:  # ruamel raises plain errors for a few malformed inputs
        return Problem(Location(display, 1, 1), f"invalid YAML: {exc}")
    if data is None:
        return Problem(Location(display, 1, 1), "inventory file is empty")
    return Document(display, data)


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
