"""Read inventory YAML from ruamel.yaml's C parser events, keeping file:line:col for every node.

The events are turned into plain dicts, lists and scalars plus a table of positions keyed by
the node's path, so later stages work on ordinary data and still point at the source. Building
from events (not from ruamel's composed node tree) is iterative, so nesting depth is checked
before anything recurses, and it skips ruamel's per-node resolver overhead.
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError

from monitoring.problems import InputError, Location, Problem

INVENTORY_SUFFIXES = (".yaml", ".yml")

# Limits on input size; each is far above what a real fleet needs (10,000 services are ~1.3 MB).
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_INVENTORY_BYTES = 64 * 1024 * 1024
MAX_FILES = 10_000
MAX_DEPTH = 64
MAX_SERVICES = 50_000
# Value problems (bad scalars) reported per file before the rest of the file is skipped.
MAX_VALUE_PROBLEMS = 50
# Values echoed in messages are cut to this many characters.
ECHO_LIMIT = 80
INT_RANGE = 2**63
_FILE, _YAML, _LIMITS = "inventory/file", "inventory/yaml", "inventory/limits"

NodePath = tuple[str | int, ...]
# path -> (line, col) of the key (or item) and (line, col) of its value, 0-based as YAML marks are.
Positions = dict[NodePath, tuple[int, int, int, int]]

_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """text cut to limit characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: object) -> str:
    """repr of a value for a message, cut to ECHO_LIMIT characters: inputs can be megabytes."""
    return shorten(repr(value[: ECHO_LIMIT + 1] if isinstance(value, str) else value))


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


def field_name(path: NodePath) -> str:
    """services[3].thresholds.max_lag_seconds: a node path as the user reads it."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "file"


class _Builder:
    """Turns one file's parser events into plain data: records positions, refuses aliases, keys
    that are not scalars, duplicate keys and nesting deeper than MAX_DEPTH; collects bad scalars."""

    def __init__(self, yaml: YAML, display: str) -> None:
        self.constructor = yaml.constructor
        # The C parser has no YAML-version state, so ruamel resolves every file as YAML 1.2: the
        # same table, looked up once instead of once per scalar.
        self.implicit = yaml.resolver.versioned_resolver
        self.display = display
        self.positions: Positions = {}
        self.problems: list[Problem] = []

    def scalar(self, event: Any, path: NodePath) -> Any:
        value: str = event.value
        tag = event.tag
        if tag is None or tag == "!":
            tag = _STR_TAG
            if event.implicit[0]:
                for candidate, regexp in self.implicit.get(value[:1], ()):
                    if regexp.match(value):
                        tag = candidate
                        break
        if tag == _STR_TAG:
            return value
        if tag == _NULL_TAG:
            return None
        line, col = event.start_mark.line, event.start_mark.column
        if tag == _INT_TAG and len(value) > 100:
            return self.bad_value(line, col, f"{field_name(path)}: integer {shown(value)} is out of range")
        try:
            result = self.constructor.construct_non_recursive_object(
                ScalarNode(tag, value, event.start_mark, event.end_mark, style=event.style)
            )
        except MarkedYAMLError as exc:
            return self.bad_value(line, col, f"{field_name(path)}: {exc.problem or exc.context}")
        except Exception as exc:  # a constructor's own error (ValueError, KeyError, ...) is bad input
            reason = f" ({shorten(str(exc))})" if isinstance(exc, ValueError) and str(exc) else ""
            if tag == _BOOL_TAG:
                reason = " (true or false)"
            return self.bad_value(
                line,
                col,
                f"{field_name(path)}: cannot read {shown(value)} as {tag.rsplit(':', 1)[-1]}{reason}",
            )
        if isinstance(result, float) and not math.isfinite(result):
            return self.bad_value(
                line,
                col,
                f"{field_name(path)}: {shown(value)} is not a finite number (NaN and infinity are refused)",
            )
        if isinstance(result, int) and not -INT_RANGE <= result < INT_RANGE:
            return self.bad_value(line, col, f"{field_name(path)}: integer {shown(value)} is out of range")
        return result

    def bad_value(self, line: int, col: int, message: str) -> None:
        if len(self.problems) >= MAX_VALUE_PROBLEMS:
            raise _Rejected(
                line, col, f"more than {MAX_VALUE_PROBLEMS} bad values; the rest of the file is skipped"
            )
        self.problems.append(
            Problem(
                Location(self.display, line + 1, col + 1),
                f"invalid value: {message}",
                check="inventory/value",
            )
        )
        return None

    def build(self, events: Iterator[Any]) -> Any:
        positions = self.positions
        root: Any = None
        # Open collections: [container, path, pending key or None, key line, key col].
        stack: list[list[Any]] = []
        documents = 0
        for event in events:
            kind = type(event)
            if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
                mark = event.start_mark
                line, col = mark.line, mark.column
                top = stack[-1] if stack else None
                if top is None:
                    path: NodePath = ()
                    key_line, key_col = line, col
                elif type(top[0]) is list:
                    path = (*top[1], len(top[0]))
                    key_line, key_col = line, col
                elif top[2] is None:
                    if kind is not ScalarEvent:
                        raise _Rejected(line, col, "keys must be plain text")
                    key = str(event.value)
                    if key in top[0]:
                        first = positions[(*top[1], key)]
                        raise _Rejected(
                            line, col, f"duplicate key {shown(key)} (first at line {first[0] + 1})"
                        )
                    top[2], top[3], top[4] = key, line, col
                    continue
                else:
                    path = (*top[1], top[2])
                    key_line, key_col = top[3], top[4]
                positions[path] = (key_line, key_col, line, col)
                if kind is ScalarEvent:
                    value = self.scalar(event, path)
                else:
                    if len(stack) >= MAX_DEPTH:
                        raise _Rejected(line, col, f"nesting deeper than {MAX_DEPTH} levels")
                    value = {} if kind is MappingStartEvent else []
                if top is None:
                    root = value
                elif type(top[0]) is list:
                    top[0].append(value)
                else:
                    top[0][top[2]] = value
                    top[2] = None
                if kind is not ScalarEvent:
                    stack.append([value, path, None, 0, 0])
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                stack.pop()
            elif kind is AliasEvent:
                # Refused where it appears and never expanded, which is what makes alias bombs harmless.
                mark = event.start_mark
                raise _Rejected(
                    mark.line, mark.column, "YAML anchors and aliases are not allowed in an inventory"
                )
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    raise _Rejected(
                        mark.line,
                        mark.column,
                        "expected a single document in the stream but found another document",
                    )
        return root


def _yaml() -> YAML:
    return YAML(typ="safe", pure=False)


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _special_kind(mode: int) -> str:
    return next((name for test, name in _SPECIAL_KINDS if test(mode)), "not a regular file or folder")


class _Walker:
    """Every entry under the inventory folder is either an inventory file or a problem: an
    entry skipped without a word would let `apply --prune` delete the alarms it declares."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str, check: str = _FILE) -> None:
        self.problems.append(Problem(Location(_display_path(path), 1, 1), message, check=check))

    def follow(self, path: Path) -> os.stat_result | None:
        """stat through a symlink; None (and a problem) when the link is dangling or loops."""
        try:
            return os.stat(path)
        except FileNotFoundError:
            self.problem(path, f"dangling symlink: its target {shown(os.readlink(path))} does not exist")
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.problem(path, "symlink loops: it resolves to itself through other symlinks")
            else:
                self.problem(path, f"cannot follow symlink: {exc.strerror}")
        return None

    def folder(self, path: Path, ancestors: dict[tuple[int, int], Path]) -> None:
        try:
            with os.scandir(path) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            self.problem(path, f"cannot read folder: {exc.strerror}")
            return
        for entry in entries:
            if len(self.files) >= MAX_FILES:
                self.problem(path, f"the inventory holds more than {MAX_FILES:,} files, the limit", _LIMITS)
                raise InputError(self.problems)
            self.entry(Path(entry.path), entry, ancestors)

    def entry(self, path: Path, entry: os.DirEntry[str], ancestors: dict[tuple[int, int], Path]) -> None:
        try:
            if entry.is_symlink():
                info = self.follow(path)
                if info is None:
                    return
            elif entry.is_file(follow_symlinks=False):
                if path.suffix in INVENTORY_SUFFIXES:
                    self.files.append(path)
                return
            else:
                info = entry.stat(follow_symlinks=False)
        except OSError as exc:
            self.problem(path, f"cannot read folder entry: {exc.strerror}")
            return
        if stat.S_ISREG(info.st_mode):
            if path.suffix in INVENTORY_SUFFIXES:
                self.files.append(path)
        elif stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                self.problem(path, f"symlink loops: it leads back to folder {_display_path(ancestors[key])}")
            else:
                self.folder(path, {**ancestors, key: path})
        else:
            self.problem(path, f"{_special_kind(info.st_mode)} cannot hold inventory data")


def inventory_files(root: Path) -> tuple[list[Path], list[Problem]]:
    """The inventory files under root (sorted, symlinks followed) and a problem per entry that is
    neither an inventory file, nor a folder, nor a file of another suffix."""
    walker = _Walker()
    try:
        info = os.stat(root)
    except OSError as exc:
        if os.path.islink(root):
            walker.follow(root)
            return walker.files, walker.problems
        missing = isinstance(exc, FileNotFoundError)
        message = (
            "inventory path does not exist" if missing else f"cannot read inventory path: {exc.strerror}"
        )
        raise InputError([Problem(Location(str(root), 1, 1), message, check=_FILE)]) from None
    if stat.S_ISREG(info.st_mode):
        return [root], []
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(
            [
                Problem(
                    Location(str(root), 1, 1),
                    f"{_special_kind(info.st_mode)} is not an inventory",
                    check=_FILE,
                )
            ]
        )
    walker.folder(root, {(info.st_dev, info.st_ino): root})
    if not walker.files and not walker.problems:
        raise InputError(
            [Problem(Location(str(root), 1, 1), "inventory folder holds no .yaml or .yml file", check=_FILE)]
        )
    return walker.files, walker.problems


def _read_text(path: Path, display: str) -> str | Problem:
    here = Location(display, 1, 1)
    try:
        # O_NONBLOCK: an entry swapped for a FIFO after the walk must not block the open.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return Problem(here, f"cannot read file: {exc.strerror}", check=_FILE)
    try:
        with open(fd, "rb") as stream:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return Problem(here, f"{_special_kind(info.st_mode)} cannot hold inventory data", check=_FILE)
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return Problem(here, f"cannot read file: {exc.strerror}", check=_FILE)
    if len(raw) > MAX_FILE_BYTES:
        return Problem(
            here,
            f"file is larger than {MAX_FILE_BYTES // 2**20} MiB: split the inventory over files",
            check=_LIMITS,
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem(
            _offset_location(display, raw, exc.start), f"file is not UTF-8 text ({exc.reason})", check=_FILE
        )


def _offset_location(display: str, raw: bytes, offset: int) -> Location:
    """file:line:col of a byte offset, counting line breaks the way YAML does."""
    before = raw[:offset].decode("utf-8", "replace")
    lines = _LINE_BREAK.split(before)
    return Location(display, len(lines), len(lines[-1]) + 1)


def _parse(text: str, display: str, yaml: YAML) -> Document | list[Problem]:
    builder = _Builder(yaml, display)
    events = yaml.parse(text)
    try:
        data = builder.build(events)
    except ReaderError as exc:
        where = _offset_location(display, text.encode("utf-8"), exc.position)
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else shown(exc.character)
        return [
            *builder.problems,
            Problem(where, f"invalid YAML: unacceptable character {character}: {exc.reason}", check=_YAML),
        ]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        return [
            *builder.problems,
            Problem(
                Location(display, line, col), f"invalid YAML: {shorten(message, 4 * ECHO_LIMIT)}", check=_YAML
            ),
        ]
    except YAMLError as exc:
        return [
            *builder.problems,
            Problem(
                Location(display, 1, 1), f"invalid YAML: {shorten(str(exc), 4 * ECHO_LIMIT)}", check=_YAML
            ),
        ]
    except _Rejected as exc:
        problem = Problem(
            Location(display, exc.line + 1, exc.col + 1), f"invalid YAML: {exc.message}", check=_YAML
        )
        return [*builder.problems, problem]
    finally:
        events.close()
    if builder.problems:
        return builder.problems
    if not builder.positions:
        return [Problem(Location(display, 1, 1), "inventory file is empty", check=_FILE)]
    return Document(display, data, builder.positions)


def load_documents(root: Path) -> list[Document]:
    """Every inventory file under root, parsed; all YAML problems are collected before raising."""
    yaml = _yaml()
    documents: list[Document] = []
    paths, problems = inventory_files(root)
    total_chars = 0
    services = 0
    for path in paths:
        display = _display_path(path)
        text = _read_text(path, display)
        if isinstance(text, Problem):
            problems.append(text)
            continue
        total_chars += len(text)
        if total_chars > MAX_INVENTORY_BYTES:
            limit = MAX_INVENTORY_BYTES // 2**20
            problems.append(
                Problem(Location(display, 1, 1), f"the inventory is larger than {limit} MiB", check=_LIMITS)
            )
            break
        loaded = _parse(text, display, yaml)
        if isinstance(loaded, list):
            problems += loaded
            continue
        documents.append(loaded)
        in_file = loaded.data.get("services") if isinstance(loaded.data, dict) else None
        if isinstance(in_file, list):
            if services + len(in_file) > MAX_SERVICES:
                problems.append(
                    Problem(
                        loaded.location(("services", MAX_SERVICES - services)),
                        f"the inventory declares more than {MAX_SERVICES:,} services, the limit",
                        check=_LIMITS,
                    )
                )
                break
            services += len(in_file)
    if problems:
        raise InputError(problems)
    return documents


def load_file(path: Path) -> Document | list[Problem]:
    """One YAML file (a rule pack) as a located document, or its problems, read like an inventory file."""
    display = _display_path(path)
    text = _read_text(path, display)
    return [text] if isinstance(text, Problem) else _parse(text, display, _yaml())


def _display_path(path: Path) -> str:
    """The path relative to the working folder when it lies inside it; symlinks stay as named."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.getcwd())
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute
    return relative


def walk_items(data: Any, key: str) -> Iterator[tuple[int, Any]]:
    section = data.get(key) if isinstance(data, dict) else None
    if isinstance(section, list):
        yield from enumerate(section)
