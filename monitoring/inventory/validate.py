"""Schema and semantic checks over located documents; every problem is collected."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from monitoring.inventory.loader import Document, NodePath, walk_items
from monitoring.problems import Location, Problem

RESERVED_LABELS = frozenset({"service", "domain", "team", "kind", "env", "job", "instance"})

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
}


@cache
def inventory_schema() -> dict[str, Any]:
    text = resources.files("monitoring").joinpath("schema/inventory.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = _inline_refs(defs[node["$ref"].rsplit("/", 1)[1]], defs)
            return {**target, **{k: _inline_refs(v, defs) for k, v in node.items() if k != "$ref"}}
        return {k: _inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


@cache
def _validators() -> tuple[Draft202012Validator, dict[str, Draft202012Validator]]:
    """A file-level validator that only checks each service's kind, and one validator per kind.

    Dispatching on `kind` ourselves, with $refs inlined, validates 10,000 services about fifteen
    times faster than the published schema's if/then chain; the published schema stays the contract.
    """
    schema = inventory_schema()
    defs = schema["$defs"]
    kind_only = {k: v for k, v in defs["service"].items() if k != "allOf"}
    file_level = _inline_refs(
        {k: v for k, v in schema.items() if k != "$defs"}, {**defs, "service": kind_only}
    )
    per_kind = {
        kind: Draft202012Validator(_inline_refs(defs[kind], defs))
        for kind in defs["service"]["properties"]["kind"]["enum"]
    }
    return Draft202012Validator(file_level), per_kind


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    for python_type, name in ((dict, "a mapping"), (list, "a list"), (str, "a string"), (int, "an integer")):
        if isinstance(value, python_type):
            return name
    return "a number" if isinstance(value, float) else type(value).__name__


def _subject(doc: Document, path: NodePath) -> str:
    """'service "x": ' when the path lies inside a named service or domain, for readable messages."""
    if len(path) >= 2 and path[0] in ("services", "domains") and isinstance(path[1], int):
        item = doc.data[path[0]][path[1]]
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            noun = "service" if path[0] == "services" else "domain"
            return f"{noun} {item['name']!r}: "
    return ""


def _field(path: NodePath) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "file"


def _schema_problems(doc: Document, error: ValidationError, prefix: NodePath = ()) -> Iterator[Problem]:
    path = (*prefix, *error.absolute_path)
    subject = _subject(doc, path)
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            close = difflib.get_close_matches(str(key), allowed, n=1)
            yield Problem(
                doc.location((*path, key)),
                f"{subject}unknown key {key!r} in {_field(path)}",
                f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}",
            )
        return
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield Problem(doc.location(path), f"{subject}{_field(path)} is missing required key {missing!r}")
        return
    location = doc.value_location(path) if path else doc.location(path)
    if custom and error.validator in ("pattern", "enum", "const"):
        yield Problem(location, f"{subject}{_field(path)}: {custom.format(value=error.instance)}")
    elif error.validator == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        yield Problem(location, f"{subject}{_field(path)} must be {wanted}, not {_yaml_type(error.instance)}")
    elif error.validator == "enum":
        options = ", ".join(repr(v) for v in error.validator_value)
        yield Problem(location, f"{subject}{_field(path)}: {error.instance!r} is not one of {options}")
    else:
        yield Problem(location, f"{subject}{_field(path)}: {error.message}")


def schema_problems(doc: Document) -> list[Problem]:
    file_level, per_kind = _validators()
    problems = [p for error in file_level.iter_errors(doc.data) for p in _schema_problems(doc, error)]
    for index, service in walk_items(doc.data, "services"):
        validator = per_kind.get(str(service.get("kind"))) if isinstance(service, dict) else None
        if validator is not None:
            problems += [
                p
                for error in validator.iter_errors(service)
                for p in _schema_problems(doc, error, ("services", index))
            ]
    return problems


def semantic_problems(documents: list[Document]) -> list[Problem]:
    problems: list[Problem] = []
    problems += _singletons(documents, "settings", required=True)
    problems += _singletons(documents, "log_retention", required=False)

    domains: dict[str, Location] = {}
    for doc in documents:
        for index, domain in walk_items(doc.data, "domains"):
            name = domain["name"]
            here = doc.location(("domains", index))
            if name in domains:
                problems.append(
                    Problem(here, f"duplicate domain {name!r}", f"first defined at {domains[name]}")
                )
            else:
                domains[name] = here

    receivers = _receivers(documents)
    services: dict[str, Location] = {}
    for doc in documents:
        for index, domain in walk_items(doc.data, "domains"):
            if receivers is not None and domain["receiver"] not in receivers:
                problems.append(
                    Problem(
                        doc.value_location(("domains", index, "receiver")),
                        f"domain {domain['name']!r}: unknown receiver {domain['receiver']!r}",
                        f"declared receivers: {', '.join(sorted(receivers)) or 'none'}",
                    )
                )
            problems += _reserved_labels(doc, ("domains", index))
        for index, service in walk_items(doc.data, "services"):
            name = service["name"]
            here = doc.location(("services", index))
            if name in services:
                problems.append(
                    Problem(here, f"duplicate service name {name!r}", f"first defined at {services[name]}")
                )
            else:
                services[name] = here
            if service["domain"] not in domains:
                problems.append(
                    Problem(
                        doc.value_location(("services", index, "domain")),
                        f"service {name!r}: unknown domain {service['domain']!r}",
                        f"declared domains: {', '.join(sorted(domains)) or 'none'}",
                    )
                )
            problems += _reserved_labels(doc, ("services", index))
    if not services:
        problems.append(Problem(documents[0].location(), "the inventory declares no services"))
    return problems


def _singletons(documents: list[Document], key: str, required: bool) -> list[Problem]:
    holders = [doc for doc in documents if key in doc.data]
    if required and not holders:
        return [Problem(documents[0].location(), f"no inventory file declares {key!r}")]
    return [
        Problem(
            doc.location((key,)),
            f"{key!r} declared again",
            f"first declared at {holders[0].location((key,))}",
        )
        for doc in holders[1:]
    ]


def _receivers(documents: list[Document]) -> set[str] | None:
    for doc in documents:
        alertmanager = doc.data.get("settings", {}).get("alertmanager", {})
        if "receivers" in alertmanager:
            return {r["name"] for r in alertmanager["receivers"]}
    return None


def _reserved_labels(doc: Document, path: NodePath) -> list[Problem]:
    item = doc.data[path[0]][path[1]]
    return [
        Problem(
            doc.location((*path, "labels", label)),
            f"label {label!r} is reserved: the tool sets it from the inventory",
        )
        for label in item.get("labels", {})
        if label in RESERVED_LABELS
    ]
