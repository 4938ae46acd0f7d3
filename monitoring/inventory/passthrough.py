"""settings.passthrough: scrape jobs, rule files and Alertmanager receivers/routes the inventory
does not model, read from files inside the inventory folder and merged into the output.

A passthrough file inside the folder is walked like every other .yaml there, so it is claimed
here (taken out of the inventory documents) rather than skipped: nothing in the folder goes unread.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitoring.inventory.loader import Document, NodePath, load_file, shown
from monitoring.model import Inventory, Passthrough, PassthroughRuleFile
from monitoring.problems import InputError, Problem

RULE_FILE_PREFIX = "passthrough-"
_RULE_SUFFIXES = re.compile(r"(\.rules)?\.ya?ml$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_PATH, _FILE, _SCRAPE, _ALERTMANAGER = (
    "passthrough/path",
    "passthrough/file",
    "passthrough/scrape-configs",
    "passthrough/alertmanager",
)
_RULES = "passthrough/rule-file"


@dataclass(frozen=True)
class _Claim:
    settings: Document
    node: NodePath
    path: Path


@dataclass(frozen=True)
class Files:
    """The passthrough files as located documents, by the settings key naming them."""

    scrape_configs: Document | None = None
    rule_files: tuple[Document, ...] = ()
    alertmanager: Document | None = None

    def documents(self) -> list[Document]:
        return [doc for doc in (self.scrape_configs, *self.rule_files, self.alertmanager) if doc is not None]


def _named(documents: Sequence[Document]) -> Iterator[tuple[Document, NodePath, str]]:
    """(settings document, node path, value) of every path settings.passthrough names."""
    for doc in documents:
        settings = doc.data.get("settings") if isinstance(doc.data, dict) else None
        section = settings.get("passthrough") if isinstance(settings, dict) else None
        if not isinstance(section, dict):
            continue
        base: NodePath = ("settings", "passthrough")
        for key in ("scrape_configs", "alertmanager"):
            if isinstance(section.get(key), str):
                yield doc, (*base, key), section[key]
        rule_files = section.get("rule_files")
        for index, value in enumerate(rule_files if isinstance(rule_files, list) else ()):
            if isinstance(value, str):
                yield doc, (*base, "rule_files", index), value


def _folder(root: Path) -> str:
    real = os.path.realpath(root)
    return real if os.path.isdir(real) else os.path.dirname(real)


def split_passthrough(root: Path, documents: list[Document]) -> tuple[list[Document], Files, list[Problem]]:
    """The inventory documents without the passthrough files, the passthrough files, and the
    problems of the paths naming them (outside the folder, missing, unreadable, malformed YAML)."""
    folder = _folder(root)
    walked = {os.path.realpath(doc.path): doc for doc in documents}
    as_named = {os.path.abspath(doc.path): doc for doc in documents}
    problems: list[Problem] = []
    claimed: dict[NodePath, Document] = {}
    # A named file is never read as inventory, even when refused: one problem, not a schema cascade.
    refused: list[Document] = []
    seen: dict[str, NodePath] = {}
    for settings, node, value in _named(documents):
        here = settings.value_location(node)
        if value.startswith("/") or not value:
            continue  # the schema's pattern says why
        named = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(settings.path)), value))
        real = os.path.realpath(named)
        if named in as_named:
            refused.append(as_named[named])
        if os.path.commonpath([folder, real]) != folder:
            problems.append(
                Problem(
                    here,
                    f"passthrough file {shown(value)} lies outside the inventory folder",
                    "name a file inside the folder holding the inventory (no '..' out of it, no symlink out)",
                    _PATH,
                )
            )
            continue
        if real in seen:
            problems.append(Problem(here, f"passthrough file {shown(value)} is named twice", "", _PATH))
            continue
        seen[real] = node
        if not os.path.isfile(real):
            problems.append(Problem(here, f"passthrough file {shown(value)} does not exist", "", _FILE))
            continue
        loaded = walked.get(real) or load_file(Path(real))
        if isinstance(loaded, list):
            problems += loaded
        else:
            claimed[node] = loaded
    mine = {id(doc) for doc in (*claimed.values(), *refused)}
    rest = [doc for doc in documents if id(doc) not in mine]
    base = ("settings", "passthrough")
    files = Files(
        scrape_configs=claimed.get((*base, "scrape_configs")),
        rule_files=tuple(doc for node, doc in claimed.items() if node[2] == "rule_files"),
        alertmanager=claimed.get((*base, "alertmanager")),
    )
    return rest, files, problems


def _problem(doc: Document, node: NodePath, message: str, check: str, hint: str = "") -> Problem:
    return Problem(doc.location(node), message, hint, check)


def _scrape_jobs(doc: Document) -> tuple[NodePath, list[Any], list[Problem]]:
    data = doc.data
    if isinstance(data, dict) and set(data) == {"scrape_configs"}:
        base: NodePath = ("scrape_configs",)
        data = data["scrape_configs"]
    else:
        base = ()
    if not isinstance(data, list):
        shape = "a list of scrape jobs (or a mapping holding only scrape_configs)"
        return base, [], [_problem(doc, base, f"expected {shape}", _SCRAPE)]
    problems = [
        _problem(doc, (*base, index), "a scrape job is a mapping with a job_name", _SCRAPE)
        for index, job in enumerate(data)
        if not isinstance(job, dict) or not isinstance(job.get("job_name"), str) or not job["job_name"]
    ]
    return base, data, problems


def _items(doc: Document, key: str, named: bool) -> list[Problem]:
    items = doc.data.get(key, [])
    what = "mapping with a name" if named else "mapping"
    if not isinstance(items, list):
        return [_problem(doc, (key,), f"{key} must be a list, each a {what}", _ALERTMANAGER)]
    return [
        _problem(doc, (key, index), f"each of {key} is a {what}", _ALERTMANAGER)
        for index, item in enumerate(items)
        if not isinstance(item, dict) or (named and not isinstance(item.get("name"), str))
    ]


def _alertmanager_shape(doc: Document) -> list[Problem]:
    if not isinstance(doc.data, dict):
        return [_problem(doc, (), "expected a mapping with receivers and/or routes", _ALERTMANAGER)]
    unknown = [
        _problem(
            doc,
            (key,),
            f"unknown key {shown(key)}",
            _ALERTMANAGER,
            "a passthrough Alertmanager file holds receivers and routes only",
        )
        for key in doc.data
        if key not in ("receivers", "routes")
    ]
    return unknown + _items(doc, "receivers", named=True) + _items(doc, "routes", named=False)


def _rule_name(doc: Document) -> str:
    return RULE_FILE_PREFIX + _RULE_SUFFIXES.sub("", os.path.basename(doc.path)).lower()


def shape_problems(files: Files) -> list[Problem]:
    """Passthrough files that are not what their key says; the rules in rule files are the lint's."""
    problems: list[Problem] = []
    if files.scrape_configs is not None:
        problems += _scrape_jobs(files.scrape_configs)[2]
    if files.alertmanager is not None:
        problems += _alertmanager_shape(files.alertmanager)
    names: dict[str, Document] = {}
    for doc in files.rule_files:
        name = _rule_name(doc)
        if not isinstance(doc.data, dict) or not isinstance(doc.data.get("groups"), list):
            problems.append(
                _problem(doc, (), "expected a Prometheus rule file: a mapping with a list of groups", _RULES)
            )
        if not _NAME.match(name):
            problems.append(
                _problem(doc, (), f"rule file name {shown(name)} is not a plain lower-case name", _PATH)
            )
        elif name in names:
            problems.append(
                _problem(
                    doc,
                    (),
                    f"rule file {shown(name)} is also the name of {names[name].path}",
                    _PATH,
                    "passthrough rule files are copied by name: rename one",
                )
            )
        names[name] = doc
    return problems


def passthrough(files: Files) -> Passthrough:
    """The model of well-shaped passthrough files."""
    am = files.alertmanager.data if files.alertmanager is not None else {}
    return Passthrough(
        scrape_configs=tuple(_scrape_jobs(files.scrape_configs)[1]) if files.scrape_configs else (),
        rule_files=tuple(
            PassthroughRuleFile(_rule_name(doc), doc.path, Path(doc.path).read_text(encoding="utf-8"))
            for doc in sorted(files.rule_files, key=_rule_name)
        ),
        receivers=tuple(am.get("receivers", ())),
        routes=tuple(am.get("routes", ())),
    )


def _route_receivers(routes: Sequence[Any], node: NodePath) -> Iterator[tuple[NodePath, Any]]:
    for index, route in enumerate(routes):
        if not isinstance(route, Mapping):
            continue
        if "receiver" in route:
            yield (*node, index, "receiver"), route["receiver"]
        if isinstance(route.get("routes"), list):
            yield from _route_receivers(route["routes"], (*node, index, "routes"))


def collision_problems(files: Files, inventory: Inventory, generated_receivers: set[str]) -> list[Problem]:
    """Passthrough names that clash with generated ones, routes to receivers nobody declares."""
    from monitoring.generate.prometheus import scrape_jobs

    problems: list[Problem] = []
    if files.scrape_configs is not None:
        ours = {str(job["job_name"]) for job in scrape_jobs(inventory)}
        base, jobs, _ = _scrape_jobs(files.scrape_configs)
        names: set[str] = set()
        for index, job in enumerate(jobs):
            name = job["job_name"]
            node = (*base, index, "job_name")
            if name in ours or name in names:
                where = "a generated job" if name in ours else "another passthrough job"
                problems.append(
                    Problem(
                        files.scrape_configs.value_location(node),
                        f"job_name {shown(name)} is also the name of {where}",
                        "Prometheus refuses a config with two jobs of one name: rename this one",
                        "passthrough/job-name",
                    )
                )
            names.add(name)
    doc = files.alertmanager
    if doc is not None:
        theirs: set[str] = set()
        for index, receiver in enumerate(doc.data.get("receivers", ())):
            name = receiver["name"]
            if name in generated_receivers or name in theirs:
                where = "a generated receiver" if name in generated_receivers else "another passthrough one"
                problems.append(
                    Problem(
                        doc.value_location(("receivers", index, "name")),
                        f"receiver {shown(name)} is also the name of {where}",
                        "Alertmanager refuses two receivers of one name: rename this one",
                        "passthrough/receiver-name",
                    )
                )
            theirs.add(name)
        known = generated_receivers | theirs
        problems += [
            Problem(
                doc.value_location(node),
                f"route to unknown receiver {shown(name)}",
                f"receivers: {', '.join(sorted(known))}",
                "passthrough/unknown-receiver",
            )
            for node, name in _route_receivers(doc.data.get("routes", ()), ("routes",))
            if name not in known
        ]
    return problems


def check_collisions(files: Files, inventory: Inventory) -> None:
    from monitoring.generate.alertmanager import receiver_names

    problems = collision_problems(files, inventory, receiver_names(inventory))
    if problems:
        raise InputError(problems)
