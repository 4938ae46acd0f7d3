"""Checks of the Prometheus Operator resources: each against its CRD's schema (monitoring/schema/),
and what the Operator's admission webhook refuses besides: an AlertmanagerConfig's routes name
receivers and time intervals the resource declares."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.problems import Problem
from monitoring.schema_validity import Validity, compile_validity

SCHEMAS = {
    "PrometheusRule": "prometheusrule",
    "ScrapeConfig": "scrapeconfig",
    "AlertmanagerConfig": "alertmanagerconfig",
}


@functools.cache
def crd_schema(kind: str) -> dict[str, Any]:
    text = resources.files("monitoring").joinpath(f"schema/{SCHEMAS[kind]}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _valid(kind: str) -> Validity:
    return compile_validity(crd_schema(kind))


def _needle(path: list[str | int]) -> str:
    keys = [key for key in path if isinstance(key, str)]
    return f"{keys[-1]}:" if keys else "spec:"


def schema_problems(artifact: Artifact) -> list[Problem]:
    resource = artifact.data
    kind = resource.get("kind") if isinstance(resource, Mapping) else None
    if kind not in SCHEMAS:
        return [
            Problem(
                artifact.location("kind:"),
                f"kind {kind!r} is none of {', '.join(sorted(SCHEMAS))}",
                check="kubernetes/schema",
            )
        ]
    if _valid(kind)(resource):
        return []
    from jsonschema import Draft202012Validator

    errors = Draft202012Validator(crd_schema(kind)).iter_errors(resource)
    return [
        Problem(
            artifact.location(_needle(list(error.absolute_path))),
            f"{kind}: at {'/'.join(map(str, error.absolute_path)) or '(top level)'}: {error.message}",
            check="kubernetes/schema",
        )
        for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path)))
    ]


def _routes(route: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield route
    for child in route.get("routes", []):
        yield from _routes(child)


def reference_problems(artifact: Artifact) -> list[Problem]:
    spec = artifact.data["spec"]
    receivers = [receiver["name"] for receiver in spec.get("receivers", [])]
    intervals = {interval["name"] for interval in spec.get("muteTimeIntervals", [])}
    problems = [
        Problem(
            artifact.location(f"- name: {name}\n"),
            f"AlertmanagerConfig: receiver {name!r} is declared more than once",
            check="kubernetes/reference",
        )
        for name in sorted({n for n in receivers if receivers.count(n) > 1})
    ]
    for route in _routes(spec.get("route", {})):
        receiver = route.get("receiver")
        if receiver is not None and receiver not in receivers:
            problems.append(
                Problem(
                    artifact.location(f"receiver: {receiver}\n"),
                    f"AlertmanagerConfig: a route names receiver {receiver!r}, which spec.receivers lacks",
                    check="kubernetes/reference",
                )
            )
        problems += [
            Problem(
                artifact.location(f"- {name}\n"),
                f"AlertmanagerConfig: a route names time interval {name!r}, not in spec.muteTimeIntervals",
                check="kubernetes/reference",
            )
            for name in route.get("muteTimeIntervals", [])
            if name not in intervals
        ]
    return problems


def check_operator_resource(artifact: Artifact) -> list[Problem]:
    problems = schema_problems(artifact)
    if not problems and artifact.data["kind"] == "AlertmanagerConfig":
        problems = reference_problems(artifact)
    return problems
