"""The inventory's JSON Schema, assembled from the kinds and the parts no kind owns.

monitoring/schema/inventory.base.json holds settings, domains, log_retention and the shared
building blocks; every kind adds its service fields, its thresholds (description, bounds,
default) and its exporter setting. The result is published as
monitoring/schema/inventory.schema.json, which `tests/test_kinds.py` holds equal to `mac schema`:
refresh it with `.venv/bin/mac schema > monitoring/schema/inventory.schema.json`.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from monitoring.kinds import KINDS
from monitoring.kinds.base import Kind

BASE = "schema/inventory.base.json"
PUBLISHED = "schema/inventory.schema.json"
# Kind definitions go before the first scope that refers to them, so the published file reads
# building blocks, then kinds, then domains and settings.
_KINDS_BEFORE = "domain"

_KIND_FIELD: dict[str, Any] = {"description": "The sort of monitored thing."}
_COMMON_FIELDS: dict[str, Any] = {
    "name": {
        "$ref": "#/$defs/name",
        "description": "Unique service name across the inventory; becomes the `service` label.",
    },
    "domain": {
        "$ref": "#/$defs/name",
        "description": "Name of the owning domain (declared under `domains`).",
    },
    "description": {"description": "What the service is for.", "type": "string"},
    "account": {
        "$ref": "#/$defs/name",
        "description": "The account (declared in settings.accounts) the service lives in; "
        "default its domain's.",
    },
    "region": {
        "$ref": "#/$defs/aws_region",
        "description": "The region the service lives in (settings.region or one of settings.regions); "
        "default its domain's.",
    },
    "labels": {"$ref": "#/$defs/labels"},
    "alerts": {"$ref": "#/$defs/alert_overrides"},
    "alarms": {"$ref": "#/$defs/alarm_overrides"},
    "maintenance": {"$ref": "#/$defs/maintenance_windows"},
    "slos": {"$ref": "#/$defs/slos"},
}


def _thresholds(kind: Kind) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "description": f"Thresholds of kind {kind.name}; unset ones take the defaults of the wider scope.",
        "properties": {t.name: t.schema() for t in kind.thresholds},
    }


def _service(kind: Kind) -> dict[str, Any]:
    return {
        "type": "object",
        "description": kind.description,
        "additionalProperties": False,
        "required": ["kind", "name", "domain", *kind.required],
        "properties": {
            "kind": {**_KIND_FIELD, "const": kind.name},
            **_COMMON_FIELDS,
            "thresholds": {
                "$ref": f"#/$defs/thresholds_{kind.name}",
                "description": "Per-service threshold overrides.",
            },
            **copy.deepcopy(dict(kind.fields)),
        },
    }


def _dispatch() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["kind"],
        "description": "One monitored thing; `kind` selects which fields apply.",
        "properties": {"kind": {**_KIND_FIELD, "enum": list(KINDS)}},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                "then": {"$ref": f"#/$defs/{name}"},
            }
            for name in KINDS
        ],
    }


def _kind_defs() -> dict[str, Any]:
    defs: dict[str, Any] = {f"thresholds_{name}": _thresholds(kind) for name, kind in KINDS.items()}
    defs["thresholds_by_kind"] = {
        "type": "object",
        "additionalProperties": False,
        "description": "Threshold overrides per kind for this scope.",
        "properties": {name: {"$ref": f"#/$defs/thresholds_{name}"} for name in KINDS},
    }
    defs.update({name: _service(kind) for name, kind in KINDS.items()})
    defs["service"] = _dispatch()
    return defs


def build_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(resources.files("monitoring").joinpath(BASE).read_text("utf-8"))
    prometheus = schema["$defs"]["settings"]["properties"]["prometheus"]
    prometheus["properties"]["exporters"]["properties"] = {
        name: kind.exporter.schema() for name, kind in KINDS.items() if kind.exporter is not None
    }
    schema["$defs"]["coverage_before"]["properties"] = {
        name: {"$ref": "#/$defs/coverage_before_system"} for name in KINDS
    }
    defs: dict[str, Any] = {}
    for name, definition in schema["$defs"].items():
        if name == _KINDS_BEFORE:
            defs.update(_kind_defs())
        defs[name] = definition
    schema["$defs"] = defs
    return schema


@cache
def inventory_schema() -> dict[str, Any]:
    """The schema validation uses: always the kinds' own, even when the published file is stale."""
    return build_schema()


def schema_text() -> str:
    """The published file's exact text."""
    return json.dumps(inventory_schema(), indent=2, ensure_ascii=False) + "\n"
