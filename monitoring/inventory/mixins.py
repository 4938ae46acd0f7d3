"""domains[].mixins: monitoring mixins (jsonnet, monitoring-mixins format) evaluated with the jsonnet
Python binding into rule groups and dashboards, kept in the model like every other input.

Evaluation reads files, so it happens here, with the inventory, and never in a generator. Imports
resolve in the importing file's folder, then in the mixin's vendor folders (jsonnet-bundler's
layout); an import outside the mixin folder and those is refused, so a mixin cannot read (and put
into generated/) a file the inventory does not hand it. A jsonnet error is a Problem at the mixin
file's line and column.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitoring.inventory.loader import Document, NodePath, shown, walk_items
from monitoring.model import Mixin
from monitoring.problems import Location, Problem

MIXIN_FILE = "mixin.libsonnet"
VENDOR_FOLDER = "vendor"
_PATH, _JSONNET, _SHAPE, _NAME = "mixin/path", "mixin/jsonnet", "mixin/shape", "mixin/name"
# The snippet wrapping the mixin: its file name in jsonnet's messages.
WRAPPER = "<mixin wrapper>"
# The standard library's frames: where an error passes through, never what to fix.
STDLIB = "std.jsonnet"

_STATIC = re.compile(
    r"^STATIC ERROR: (?P<file>.+?):\(?(?P<line>\d+):(?P<col>\d+)(?:\)?-\(?[\d:]+\)?)?: (?P<message>.*)$"
)
_FRAME = re.compile(r"^\t(?P<file>.+?):\(?(?P<line>\d+):(?P<col>\d+)")
_RUNTIME = "RUNTIME ERROR: "


@dataclass(frozen=True)
class _Entry:
    doc: Document
    node: NodePath
    domain: str
    raw: Mapping[str, Any]

    def at(self, *key: str | int) -> Location:
        return self.doc.value_location((*self.node, *key)) if key else self.doc.location(self.node)


def _entries(documents: Sequence[Document]) -> Iterator[_Entry]:
    for doc in documents:
        for index, domain in walk_items(doc.data, "domains"):
            for position, raw in walk_items(domain, "mixins"):
                yield _Entry(doc, ("domains", index, "mixins", position), domain["name"], raw)


def _inside(folder: str, path: str) -> bool:
    real = os.path.realpath(path)
    return os.path.commonpath([folder, real]) == folder


def _folder(root: Path) -> str:
    real = os.path.realpath(root)
    return real if os.path.isdir(real) else os.path.dirname(real)


def _named_folder(
    entry: _Entry, value: str, node: NodePath, inventory_folder: str
) -> tuple[str, list[Problem]]:
    path = os.path.normpath(os.path.join(os.path.dirname(entry.doc.path), value))
    where = entry.doc.value_location((*entry.node, *node))
    if not _inside(inventory_folder, path):
        hint = "name a folder inside the folder holding the inventory (no '..' out of it, no symlink out)"
        return path, [
            Problem(where, f"mixin folder {shown(value)} lies outside the inventory folder", hint, _PATH)
        ]
    if not os.path.isdir(path):
        return path, [Problem(where, f"mixin folder {shown(value)} does not exist", "", _PATH)]
    return path, []


class _Importer:
    """jsonnet's import callback: searches like `-J vendor`, confined to the mixin's folders."""

    def __init__(self, roots: Sequence[str], vendor: Sequence[str]) -> None:
        self.roots = [os.path.realpath(root) for root in roots]
        self.vendor = list(vendor)

    def __call__(self, directory: str, name: str) -> tuple[str, bytes]:
        candidates = (
            [name] if os.path.isabs(name) else [os.path.join(d, name) for d in (directory, *self.vendor)]
        )
        for candidate in candidates:
            path = os.path.normpath(candidate)
            if not os.path.isfile(path):
                continue
            if not any(_inside(root, path) for root in self.roots):
                raise RuntimeError(f"import {name!r} lies outside the mixin folder and its vendor folders")
            return path, Path(path).read_bytes()
        raise RuntimeError(f"import {name!r} is neither next to the importing file nor in a vendor folder")


def _wrapper(folder: str, config: Mapping[str, Any]) -> str:
    entry = json.dumps(os.path.join(folder, MIXIN_FILE))
    fields = ", ".join(
        f"{key}: if std.objectHasAll(mixin, {json.dumps(field)}) then mixin[{json.dumps(field)}] else {{}}"
        for key, field in (
            ("alerts", "prometheusAlerts"),
            ("rules", "prometheusRules"),
            ("dashboards", "grafanaDashboards"),
        )
    )
    return f"local mixin = (import {entry}) + {{ _config+:: {json.dumps(config)} }};\n{{ {fields} }}\n"


def jsonnet_problem(message: str, entry_location: Location) -> Problem:
    """jsonnet's error text as a Problem at the first mixin file location it names, its callers in
    the hint (the inventory's mixin entry when the error is in the wrapper, e.g. a mixin that is
    not an object)."""
    first, *rest = message.rstrip("\n").split("\n")
    static = _STATIC.match(first)
    if static is not None:
        location = Location(static["file"], int(static["line"]), int(static["col"]))
        return Problem(location, f"jsonnet: {static['message']}", "", _JSONNET)
    text = " ".join([first.removeprefix(_RUNTIME), *(line for line in rest if not line.startswith("\t"))])
    frames = [m for line in rest if (m := _FRAME.match(line))]
    located = [m for m in frames if m["file"] not in (WRAPPER, STDLIB)]
    if not located:
        return Problem(entry_location, f"jsonnet: {text}", "", _JSONNET)
    top = located[0]
    called = [f"{m['file']}:{m['line']}:{m['col']}" for m in located[1:]]
    hint = f"reached from {', '.join(called)}" if called else ""
    return Problem(
        Location(top["file"], int(top["line"]), int(top["col"])), f"jsonnet: {text}", hint, _JSONNET
    )


def evaluate(folder: str, vendor: Sequence[str], config: Mapping[str, Any]) -> dict[str, Any]:
    """The mixin's alerts, rules and dashboards as jsonnet gives them; RuntimeError with jsonnet's
    message when it fails."""
    import _jsonnet

    importer = _Importer([folder, *vendor], vendor)
    output = _jsonnet.evaluate_snippet(WRAPPER, _wrapper(folder, config), import_callback=importer)
    result: dict[str, Any] = json.loads(output)
    return result


def _groups_problems(value: Any, field: str, where: Location) -> list[Problem]:
    if value == {}:
        return []
    groups = value.get("groups") if isinstance(value, dict) else None
    if isinstance(groups, list) and all(isinstance(g, dict) for g in groups):
        return []
    return [
        Problem(where, f"{field} is not a Prometheus rule file (a mapping with a list of groups)", "", _SHAPE)
    ]


def _dashboards_problems(value: Any, where: Location) -> list[Problem]:
    if isinstance(value, dict) and all(isinstance(board, dict) for board in value.values()):
        return []
    return [Problem(where, "grafanaDashboards is not a mapping of file names to dashboards", "", _SHAPE)]


def load_mixins(root: Path, documents: Sequence[Document]) -> tuple[tuple[Mixin, ...], list[Problem]]:
    """Every domain's mixins, evaluated, and the problems of the ones that could not be."""
    inventory_folder = _folder(root)
    mixins: list[Mixin] = []
    problems: list[Problem] = []
    names: dict[str, Location] = {}
    uids: dict[str, str] = {}
    for entry in _entries(documents):
        name = str(entry.raw["name"])
        if name in names:
            problems.append(
                Problem(entry.at("name"), f"mixin {shown(name)} is also declared at {names[name]}", "", _NAME)
            )
            continue
        names[name] = entry.at("name")
        folder, found = _named_folder(entry, entry.raw["path"], ("path",), inventory_folder)
        vendor: list[str] = []
        for index, value in enumerate(entry.raw.get("vendor", ())):
            path, vendor_found = _named_folder(entry, value, ("vendor", index), inventory_folder)
            vendor.append(path)
            found += vendor_found
        if "vendor" not in entry.raw and os.path.isdir(os.path.join(folder, VENDOR_FOLDER)):
            vendor.append(os.path.join(folder, VENDOR_FOLDER))
        source = os.path.join(folder, MIXIN_FILE)
        if not found and not os.path.isfile(source):
            found.append(
                Problem(
                    entry.at("path"),
                    f"mixin folder {shown(entry.raw['path'])} has no {MIXIN_FILE}",
                    "",
                    _PATH,
                )
            )
        if found:
            problems += found
            continue
        try:
            result = evaluate(folder, vendor, entry.raw.get("config", {}))
        except RuntimeError as error:
            problems.append(jsonnet_problem(str(error), entry.at()))
            continue
        whole = Location(source)
        shape = (
            _groups_problems(result["alerts"], "prometheusAlerts", whole)
            + _groups_problems(result["rules"], "prometheusRules", whole)
            + _dashboards_problems(result["dashboards"], whole)
        )
        if shape:
            problems += shape
            continue
        for file_name, board in sorted(result["dashboards"].items()):
            uid = board.get("uid")
            if isinstance(uid, str) and uid:
                first = uids.setdefault(uid, f"{name}/{file_name}")
                if first != f"{name}/{file_name}":
                    message = f"dashboard {file_name} has the uid {shown(uid)} of {first}"
                    problems.append(Problem(whole, message, "Grafana keeps one board per uid", _SHAPE))
        mixins.append(
            Mixin(
                name=name,
                domain=entry.domain,
                source=source,
                rule_groups=tuple(result["rules"].get("groups", ())),
                alert_groups=tuple(result["alerts"].get("groups", ())),
                dashboards=dict(sorted(result["dashboards"].items())),
            )
        )
    return tuple(sorted(mixins, key=lambda m: m.name)), problems
