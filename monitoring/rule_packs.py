"""Rule packs (rules/<kind>.yaml): loaded once, validated against their schema and the kinds."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from monitoring.kinds import KINDS

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "rule-pack.schema.json"

# The C loader when PyYAML was built with libyaml.
_Loader: type[yaml.CSafeLoader] | type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RulePackError(ValueError):
    """A rule pack that does not match its schema or its kind: a bug in rules/, never user input."""


@dataclass(frozen=True)
class SeriesTemplate:
    metric: str
    labels: Mapping[str, str]
    firing_values: str
    quiet_values: str


@dataclass(frozen=True)
class AlertTest:
    firing: str
    quiet: str
    series: tuple[SeriesTemplate, ...]
    labels: tuple[str, ...] | None
    added_labels: Mapping[str, str]
    eval_minutes: int | None

    @property
    def fires_on_absence(self) -> bool:
        return self.firing == "absent"


@dataclass(frozen=True)
class AlertTemplate:
    alert: str
    expr: str
    for_: str
    severity: str
    threshold: str | None
    per_domain: bool
    labels: Mapping[str, str]
    summary: str
    description: str
    test: AlertTest


@dataclass(frozen=True)
class RecordingTemplate:
    record: str
    expr: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class RulePack:
    kind: str
    recording_rules: tuple[RecordingTemplate, ...]
    alerts: tuple[AlertTemplate, ...]


def available_packs() -> list[str]:
    return sorted(path.stem for path in RULES_DIR.glob("*.yaml"))


@functools.cache
def load_pack(kind: str) -> RulePack:
    path = RULES_DIR / f"{kind}.yaml"
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    problems = _schema_problems(raw) or _kind_problems(raw, kind)
    if problems:
        raise RulePackError("\n".join(f"{path}: {problem}" for problem in problems))
    return _pack(raw)


def _schema_problems(raw: Any) -> list[str]:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    ]


def _kind_problems(raw: Mapping[str, Any], kind: str) -> list[str]:
    if raw["kind"] != kind or kind not in KINDS:
        return [f"kind {raw['kind']!r} does not match the file name {kind!r} or no such kind exists"]
    known = KINDS[kind].threshold_defaults
    problems = [
        f"alerts/{index}/threshold: {alert['threshold']!r} is not a threshold of kind {kind} "
        f"(one of {', '.join(sorted(known))})"
        for index, alert in enumerate(raw["alerts"])
        if "threshold" in alert and alert["threshold"] not in known
    ]
    names = [alert["alert"] for alert in raw["alerts"]]
    problems += [
        f"alert {name!r} appears more than once" for name in sorted({n for n in names if names.count(n) > 1})
    ]
    return problems


def _pack(raw: Mapping[str, Any]) -> RulePack:
    return RulePack(
        kind=raw["kind"],
        recording_rules=tuple(
            RecordingTemplate(r["record"], r["expr"], r.get("labels", {})) for r in raw["recording_rules"]
        ),
        alerts=tuple(_alert(a) for a in raw["alerts"]),
    )


def _alert(raw: Mapping[str, Any]) -> AlertTemplate:
    test = raw["test"]
    series = tuple(
        SeriesTemplate(
            metric=s["metric"],
            labels=s.get("labels", {}),
            firing_values=s["values"]["firing"] if isinstance(s["values"], dict) else s["values"],
            quiet_values=s["values"]["quiet"] if isinstance(s["values"], dict) else s["values"],
        )
        for s in test["series"]
    )
    return AlertTemplate(
        alert=raw["alert"],
        expr=raw["expr"],
        for_=raw["for"],
        severity=raw["severity"],
        threshold=raw.get("threshold"),
        per_domain=raw.get("per_domain", False),
        labels=raw.get("labels", {}),
        summary=raw["summary"],
        description=raw["description"],
        test=AlertTest(
            firing=str(test["firing"]),
            quiet=str(test["quiet"]),
            series=series,
            labels=tuple(test["labels"]) if "labels" in test else None,
            added_labels=test.get("added_labels", {}),
            eval_minutes=test.get("eval_minutes"),
        ),
    )
