"""Checks of generated CloudWatch artifacts against botocore's own service models and AWS limits.

botocore's ParamValidator walks the model for every value it checks; at 55,000 alarms that walk is
most of `mac generate`. The model is compiled once instead into one closure per shape, which checks
what ParamValidator checks (with its messages), the enums ParamValidator leaves to the service, and
the maximum lengths and values it skips. tests/test_cloudwatch_checks.py holds the two to agreement.
"""

from __future__ import annotations

import decimal
import gzip
import importlib.util
import json
import math
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.aws.alarms import evaluation_range_problem
from monitoring.aws.catalog import NamespaceCatalog, load_catalog
from monitoring.aws.retention import ALLOWED_RETENTION_DAYS
from monitoring.problems import Problem

# Reported only by the active controller (zero elsewhere): an Average across brokers is meaningless.
CONTROLLER_METRICS = frozenset({"ActiveControllerCount", "OfflinePartitionsCount", "GlobalPartitionCount"})

# ParamValidator's accepted Python types per model type.
_VALID_TYPES: dict[str, tuple[Any, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (float, decimal.Decimal, int),
    "double": (float, decimal.Decimal, int),
    "structure": (dict,),
    "list": (list, tuple),
}


class _Report:
    """Findings in ParamValidator's order and wording; enum findings come after them."""

    __slots__ = ("enum_errors", "errors")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.enum_errors: list[str] = []

    def lines(self) -> list[str]:
        return self.errors + self.enum_errors


# A compiled shape: whether a value passes (the fast path every valid request takes), and the
# reporter that finds out why it does not: (value, parent path, member name or list index, report).
_Valid = Callable[[Any], bool]
_Check = Callable[[Any, str, "str | int", _Report], None]
_Compiled = tuple[_Valid, _Check]


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _shown(path: str) -> str:
    return path or "input"


def _type_error(value: Any, path: str, valid: tuple[type, ...]) -> str:
    names = ", ".join(str(t) for t in valid)
    return f"Invalid type for parameter {path}, value: {value}, type: {type(value)}, valid types: {names}"


def _bounds(shape: Any, smallest: float) -> tuple[float, float]:
    """The model's min and max; `smallest` when there is no min (hostLabel members have min 1)."""
    low = shape.metadata.get("min")
    if low is None and shape.serialization.get("hostLabel"):
        low = 1
    return (smallest if low is None else low), shape.metadata.get("max", math.inf)


def _compile_string(shape: Any) -> _Compiled:
    low, high = _bounds(shape, 0)
    enum = frozenset(shape.enum) if shape.enum else None
    enum_text = ", ".join(shape.enum)

    def valid(value: Any) -> bool:
        return isinstance(value, str) and low <= len(value) <= high and (enum is None or value in enum)

    def check(value: Any, parent: str, key: str | int, report: _Report) -> None:
        if not isinstance(value, str):
            report.errors.append(_type_error(value, _path(parent, key), (str,)))
            return
        length = len(value)
        if length < low:
            report.errors.append(
                f"Invalid length for parameter {_path(parent, key)}, value: {length}, valid min length: {low}"
            )
        if length > high:
            path = _path(parent, key)
            report.errors.append(
                f"Invalid length for parameter {path}, value: {length}, valid max length: {high}"
            )
        if enum is not None and value not in enum:
            report.enum_errors.append(
                f"Invalid value for parameter {_path(parent, key)}: {value!r}, valid values: {enum_text}"
            )

    return valid, check


def _compile_number(shape: Any) -> _Compiled:
    types = _VALID_TYPES[shape.type_name]
    low, high = _bounds(shape, -math.inf)

    def valid(value: Any) -> bool:
        return isinstance(value, types) and low <= value <= high

    def check(value: Any, parent: str, key: str | int, report: _Report) -> None:
        if not isinstance(value, types):
            report.errors.append(_type_error(value, _path(parent, key), types))
            return
        if value < low:
            report.errors.append(
                f"Invalid value for parameter {_path(parent, key)}, value: {value}, valid min value: {low}"
            )
        if value > high:
            report.errors.append(
                f"Invalid value for parameter {_path(parent, key)}, value: {value}, valid max value: {high}"
            )

    return valid, check


def _compile_boolean(shape: Any) -> _Compiled:
    def valid(value: Any) -> bool:
        return isinstance(value, bool)

    def check(value: Any, parent: str, key: str | int, report: _Report) -> None:
        if not isinstance(value, bool):
            report.errors.append(_type_error(value, _path(parent, key), (bool,)))

    return valid, check


def _compile_list(shape: Any) -> _Compiled:
    low, high = _bounds(shape, 0)
    item_valid, item_check = _compile(shape.member)
    types = _VALID_TYPES["list"]

    def valid(value: Any) -> bool:
        return isinstance(value, types) and low <= len(value) <= high and all(map(item_valid, value))

    def check(value: Any, parent: str, key: str | int, report: _Report) -> None:
        path = _path(parent, key)
        if not isinstance(value, types):
            report.errors.append(_type_error(value, path, types))
            return
        if len(value) < low:
            report.errors.append(
                f"Invalid length for parameter {path}, value: {len(value)}, valid min length: {low}"
            )
        if len(value) > high:
            report.errors.append(
                f"Invalid length for parameter {path}, value: {len(value)}, valid max length: {high}"
            )
        for index, item in enumerate(value):
            item_check(item, path, index, report)

    return valid, check


def _compile_structure(shape: Any) -> _Compiled:
    members = {name: _compile(member) for name, member in shape.members.items()}
    member_valid = {name: compiled[0] for name, compiled in members.items()}
    names = members.keys()
    member_list = ", ".join(names)
    required = tuple(shape.required_members)
    required_set = frozenset(required)
    union = shape.is_tagged_union

    def valid(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        keys = value.keys()
        if not (required_set <= keys and keys <= names) or (union and len(value) != 1):
            return False
        return all(member_valid[name](member_value) for name, member_value in value.items())

    def check(value: Any, parent: str, key: str | int, report: _Report) -> None:
        path = _path(parent, key)
        if not isinstance(value, dict):
            report.errors.append(_type_error(value, _shown(path), (dict,)))
            return
        if union and len(value) != 1:
            report.errors.append(
                f"Must set one of the following keys for tagged unionstructure {_shown(path)}: {member_list}."
                if not value
                else f"Invalid number of parameters set for tagged union structure {_shown(path)}. "
                f"Can only set one of the following keys: {member_list}."
            )
        report.errors += [
            f'Missing required parameter in {_shown(path)}: "{name}"'
            for name in required
            if name not in value
        ]
        report.errors += [
            f'Unknown parameter in {_shown(path)}: "{name}", must be one of: {member_list}'
            for name in value
            if name not in names
        ]
        for name, member_value in value.items():
            if name in members:
                members[name][1](member_value, path, name, report)

    return valid, check


_COMPILERS: dict[str, Callable[[Any], _Compiled]] = {
    "string": _compile_string,
    "boolean": _compile_boolean,
    "integer": _compile_number,
    "long": _compile_number,
    "float": _compile_number,
    "double": _compile_number,
    "list": _compile_list,
    "structure": _compile_structure,
}


def _compile(shape: Any) -> _Compiled:
    compiler = _COMPILERS.get(shape.type_name)
    if compiler is None or getattr(shape, "is_document_type", False) or shape.serialization.get("jsonvalue"):
        raise TypeError(f"no compiled check for the {shape.type_name} shape {shape.name}")
    return compiler(shape)


class _ModelShape:
    """A shape of a service-2.json model, with the attributes of botocore.model.Shape we compile.

    Reading botocore's model file directly keeps botocore's import (a fifth of a second, mostly
    its HTTP and docs machinery) out of `mac generate`.
    """

    def __init__(self, shapes: Mapping[str, Any], name: str, reference: Mapping[str, Any]) -> None:
        definition = shapes[name]
        self._shapes = shapes
        self._definition = definition
        self.name = name
        self.type_name: str = definition["type"]
        self.metadata = {key: definition[key] for key in ("min", "max") if key in definition}
        self.serialization = {key: reference[key] for key in ("hostLabel", "jsonvalue") if key in reference}
        self.enum: list[str] = definition.get("enum", [])
        self.required_members: list[str] = definition.get("required", [])
        self.is_tagged_union: bool = definition.get("union", False)
        self.is_document_type: bool = definition.get("document", False)

    def _shape(self, reference: Mapping[str, Any]) -> _ModelShape:
        return _ModelShape(self._shapes, reference["shape"], reference)

    @property
    def member(self) -> _ModelShape:
        return self._shape(self._definition["member"])

    @property
    def members(self) -> dict[str, _ModelShape]:
        return {
            name: self._shape(reference) for name, reference in self._definition.get("members", {}).items()
        }


def _service_model(service: str) -> dict[str, Any]:
    """botocore's service-2.json for the service's newest API version, as botocore's loader picks it."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed")
    versions = sorted((Path(spec.submodule_search_locations[0]) / "data" / service).iterdir())
    for candidate in (versions[-1] / "service-2.json", versions[-1] / "service-2.json.gz"):
        if candidate.exists():
            opener = gzip.open if candidate.suffix == ".gz" else open
            with opener(candidate, "rt", encoding="utf-8") as handle:
                model: dict[str, Any] = json.load(handle)
                return model
    raise RuntimeError(f"botocore has no service model for {service}")


@cache
def parameter_validator(service: str, operation: str) -> Callable[[Mapping[str, Any]], list[str]]:
    """Problems with one request of `operation` under botocore's model: ParamValidator's, then enums."""
    model = _service_model(service)
    shapes = model["shapes"]
    input_reference = model["operations"][operation]["input"]
    valid, check = _compile(_ModelShape(shapes, input_reference["shape"], input_reference))

    def validate(parameters: Mapping[str, Any]) -> list[str]:
        if valid(parameters):
            return []
        report = _Report()
        check(parameters, "", "", report)
        return report.lines()

    return validate


_catalog: Callable[[str], NamespaceCatalog] = cache(load_catalog)


def alarm_problems(name: str, parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """(check id, message) for each way CloudWatch would refuse the alarm or evaluate it wrong."""
    problems: list[tuple[str, str]] = []

    def problem(check: str, message: str) -> None:
        problems.append((f"cloudwatch/{check}", message))

    report = parameter_validator("cloudwatch", "PutMetricAlarm")(parameters)
    if report:
        problem("parameters", "; ".join(report))
    if parameters.get("AlarmName") != name:
        problem("alarm-name", f"AlarmName {parameters.get('AlarmName')!r} differs from its key")
    period, periods = parameters.get("Period"), parameters.get("EvaluationPeriods")
    if isinstance(period, int) and isinstance(periods, int):
        if period not in (10, 20, 30) and period % 60:
            problem("period", f"Period {period} is not 10, 20, 30 or a multiple of 60")
        out_of_range = evaluation_range_problem(period, periods)
        if out_of_range:
            problem("evaluation-range", out_of_range)
        datapoints = parameters.get("DatapointsToAlarm", periods)
        if isinstance(datapoints, int) and datapoints > periods:
            problem("datapoints", f"DatapointsToAlarm {datapoints} exceeds EvaluationPeriods {periods}")
    if parameters.get("MetricName") in CONTROLLER_METRICS and parameters.get("Statistic") == "Average":
        problem(
            "controller-statistic", f"{parameters['MetricName']} is a controller metric: never use Average"
        )
    unpublished = catalog_problem(parameters)
    if unpublished:
        problem("metric-catalog", unpublished)
    return problems


def catalog_problem(parameters: Mapping[str, Any]) -> str:
    """Why CloudWatch never publishes the alarm's metric (unknown namespace, metric name or
    dimension set, per monitoring/catalog/cloudwatch/); '' when it does or the request is malformed
    (the parameters check reports that)."""
    namespace, metric = parameters.get("Namespace"), parameters.get("MetricName")
    dimensions = parameters.get("Dimensions", [])
    if not isinstance(namespace, str) or not isinstance(metric, str) or not isinstance(dimensions, list):
        return ""
    names = frozenset(str(d.get("Name")) for d in dimensions if isinstance(d, dict))
    try:
        return _catalog(namespace).problem(metric, names)
    except ValueError as error:
        return str(error)


def retention_problems(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(check id, message) for each retention the document asks that CloudWatch Logs would refuse."""
    problems: list[tuple[str, str]] = []
    allowed = ", ".join(str(d) for d in ALLOWED_RETENTION_DAYS)
    wanted = [("default_days", document["default_days"])] if document["default_days"] is not None else []
    wanted += [(f"rule {rule['pattern']}", rule["days"]) for rule in document["rules"]]
    wanted += list(document["log_groups"].items())
    for subject, days in wanted:
        if days not in ALLOWED_RETENTION_DAYS:
            problems.append(
                (
                    "cloudwatch/retention-days",
                    f"{subject}: {days} is not a retention CloudWatch Logs accepts; allowed days: {allowed}",
                )
            )
    validate = parameter_validator("logs", "PutRetentionPolicy")
    for group, days in document["log_groups"].items():
        report = validate({"logGroupName": group, "retentionInDays": days})
        if report:
            problems.append(("cloudwatch/parameters", f"{group}: {'; '.join(report)}"))
    return problems


def check_cloudwatch(artifact: Artifact) -> list[Problem]:
    if artifact.path.endswith("placements.json"):
        return []  # accounts, roles and regions were validated with the inventory
    if artifact.path.endswith("alarms.json"):
        problems: list[Problem] = []
        for name, parameters in artifact.data.items():
            found = alarm_problems(name, parameters)
            if found:  # locating searches the rendered file: only for an alarm with problems
                where = artifact.location(f"{json.dumps(name, ensure_ascii=False)}: ")
                problems += [Problem(where, f"{name}: {message}", check=check) for check, message in found]
        return problems
    return [
        Problem(artifact.location(), message, check=check)
        for check, message in retention_problems(artifact.data)
    ]
