"""Alarm presets as data: one table per AWS service, one row per alarm, checked when it is built.

A row names its check, a metric of the service's facade, the period, a condition such as
"> max_cpu_percent" or ">= 1" (a threshold of the kind, by name, or a number; a ratio threshold
may scale a value of each resource, "> max_duration_timeout_ratio * timeout_seconds"), evaluation periods
and datapoints, missing-data treatment, severity and a summary template. Rows are grouped by
scope: which resources of a service get them (every DB instance, every broker, ...).

Building the table (at import) resolves everything a row names and fails with a FacadeError
naming the row's file:line: an unknown metric or level, an unknown threshold of any kind the table
serves, a threshold whose unit cannot be compared with the metric's (seconds against a metric in
milliseconds is converted; bytes against a percentage is an error), a summary placeholder the
scope does not provide. Calling the table for a service only fills values in.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from monitoring.aws.alarms import AlarmPreset, Comparison, Severity, TreatMissingData
from monitoring.aws.facade import Facade, FacadeError
from monitoring.kinds import KINDS
from monitoring.kinds.base import UNITS, Kind, UnknownThreshold
from monitoring.model import Service, Settings

COMPARISONS: Mapping[str, Comparison] = {
    ">": "GreaterThanThreshold",
    ">=": "GreaterThanOrEqualToThreshold",
    "<": "LessThanThreshold",
    "<=": "LessThanOrEqualToThreshold",
}

# Threshold unit (the word in its name) -> CloudWatch unit -> factor from the first to the second.
_FACTORS: Mapping[str, Mapping[str, float]] = {
    "percent": {"Percent": 1},
    "ratio": {"Percent": 100},
    "bytes": {"Bytes": 1},
    "megabytes": {"Megabytes": 1},
    "seconds": {"Seconds": 1, "Milliseconds": 1000, "Microseconds": 1_000_000},
    "per_second": {"Count/Second": 1},
    "connections": {"Count": 1},
    "partitions": {"Count": 1},
    "messages": {"Count": 1},
    "keys": {"Count": 1},
    "executions": {"Count": 1},
    # DBLoad, average active sessions, is published without a unit.
    "sessions": {"None": 1},
}
_ROOT = Path(__file__).resolve().parents[2]
# Placeholders every summary may use: the threshold in the inventory's unit.
THRESHOLD_FIELD = "threshold"


def threshold_factor(unit: str, metric_unit: str, statistic: str, period_seconds: int) -> float | None:
    """What a threshold in `unit` is multiplied by to compare with the metric; None if it cannot be."""
    if unit == "per_second" and metric_unit == "Count" and statistic == "Sum":
        return period_seconds  # a count per period against a rate per second
    if unit == "ratio" and metric_unit == "Count" and statistic == "Average":
        return 1  # the Average of a per-request error count (API Gateway 5XXError) is the error rate
    return _FACTORS.get(unit, {}).get(metric_unit)


@dataclass(frozen=True)
class Alarm:
    """One row. `where` (file:line of the row) is filled in when the row is written."""

    check: str
    metric: str
    period_seconds: int
    condition: str
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: TreatMissingData
    severity: Severity
    summary: str
    where: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        caller = sys._getframe(2)  # __init__, then the table's literal
        path = Path(caller.f_code.co_filename)
        shown = path.relative_to(_ROOT) if path.is_relative_to(_ROOT) else path
        object.__setattr__(self, "where", f"{shown}:{caller.f_lineno}")


@dataclass(frozen=True)
class Resource:
    """One alarmed resource: its part of the alarm name ("" for the service), its dimension values
    in the level's order, and the summary placeholders its scope provides."""

    name: str
    dimensions: tuple[str, ...]
    fields: Mapping[str, str] = field(default_factory=dict)
    # Values a ratio threshold is multiplied by ("timeout_seconds"), named with their unit.
    factors: Mapping[str, float] = field(default_factory=dict)
    # The domain whose SNS topics the resource's alarms notify, when not the service's.
    owner: str = ""


@dataclass(frozen=True)
class Scope:
    """Which resources of a service a group of rows applies to, at which facade level."""

    level: str
    resources: Callable[[Service, Settings], Iterable[Resource]]
    fields: tuple[str, ...] = ()
    factors: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Row:
    alarm: Alarm
    scope: str
    level: str
    comparison: Comparison
    threshold_name: str
    constant: float
    # The resource factor the (ratio) threshold is multiplied by; "" for none.
    scale_by: str = ""


def _fail(row: Alarm, table: str, message: str) -> FacadeError:
    return FacadeError(f"{row.where}: alarm table {table}, row {row.check!r}: {message}")


class AlarmTable:
    """The alarm presets of one AWS service for the kinds it serves; call it with a service."""

    def __init__(
        self,
        name: str,
        facade: Facade,
        *,
        kinds: Sequence[str],
        scopes: Mapping[str, Scope],
        rows: Mapping[str, Sequence[Alarm]],
    ) -> None:
        self.name = name
        self.facade = facade
        self.kinds = tuple(kinds)
        self.scopes = scopes
        self._rows: list[_Row] = []
        for scope_name, alarms in rows.items():
            scope = scopes.get(scope_name)
            for alarm in alarms:
                if scope is None:
                    raise _fail(alarm, name, f"unknown scope {scope_name!r}; scopes: {', '.join(scopes)}")
                self._rows.append(self._compile(alarm, scope_name, scope))
        # Kinds sharing a table (RDS: mysql and postgresql) must agree on the units of its thresholds.
        by_kind = {kind: self.threshold_factors(KINDS[kind]) for kind in self.kinds}
        factors = next(iter(by_kind.values()), [1.0] * len(self._rows))
        for kind, other in by_kind.items():
            for row, mine, theirs in zip(self._rows, factors, other, strict=True):
                if mine != theirs:
                    raise _fail(row.alarm, name, f"{row.threshold_name} has another unit in kind {kind}")
        # The check names an inventory may override (alarms: {<check>: ...}).
        self.checks = tuple(sorted({row.alarm.check for row in self._rows}))
        self._by_scope: dict[str, list[tuple[_Row, float]]] = {}
        for row, factor in zip(self._rows, factors, strict=True):
            self._by_scope.setdefault(row.scope, []).append((row, factor))

    def _compile(self, alarm: Alarm, scope_name: str, scope: Scope) -> _Row:
        try:
            self.facade.statistic(alarm.metric, scope.level)
        except FacadeError as error:
            raise _fail(alarm, self.name, str(error)) from None
        operator, _, operand = alarm.condition.partition(" ")
        if operator not in COMPARISONS or not operand:
            expected = (
                f"'<operator> <threshold name or number>', the operator one of {', '.join(COMPARISONS)}"
            )
            raise _fail(alarm, self.name, f"condition {alarm.condition!r} is not {expected}")
        operand, _, scale_by = operand.partition(" * ")
        try:
            constant, threshold_name = float(operand), ""
        except ValueError:
            constant, threshold_name = 0.0, operand
        if scale_by and (not threshold_name or scale_by not in scope.factors):
            offered = ", ".join(scope.factors) or "none"
            raise _fail(
                alarm,
                self.name,
                f"condition {alarm.condition!r} scales a threshold by {scale_by!r}; "
                f"the scope's factors: {offered}",
            )
        allowed = {THRESHOLD_FIELD, *scope.fields}
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(alarm.summary) if f is not None}
            if not used - allowed:
                alarm.summary.format(**{THRESHOLD_FIELD: 1.0, **{f: "x" for f in scope.fields}})
        except (ValueError, KeyError, IndexError) as error:
            raise _fail(alarm, self.name, f"summary {alarm.summary!r} does not format: {error}") from None
        if used - allowed:
            unknown = ", ".join(sorted(used - allowed))
            raise _fail(alarm, self.name, f"summary uses {unknown}; it may use {', '.join(sorted(allowed))}")
        return _Row(alarm, scope_name, scope.level, COMPARISONS[operator], threshold_name, constant, scale_by)

    def threshold_factors(self, kind: Kind) -> list[float]:
        """Per row, what `kind`'s threshold is multiplied by to compare with the row's metric (1 for a
        number); FacadeError when a row names a threshold `kind` lacks or one in an incomparable unit."""
        factors: list[float] = []
        for row in self._rows:
            alarm = row.alarm
            if not row.threshold_name:
                factors.append(1.0)
                continue
            try:
                spec = kind.threshold(row.threshold_name)
            except UnknownThreshold as error:
                raise _fail(alarm, self.name, str(error).split(": ", 1)[-1]) from None
            unit = self.facade.unit(alarm.metric)
            statistic = self.facade.statistic(alarm.metric, row.level)
            compared, what = spec.unit, f"threshold {spec.name} (in {spec.unit})"
            if row.scale_by:
                if spec.unit != "ratio":
                    raise _fail(alarm, self.name, f"only a ratio may scale {row.scale_by}, not {what}")
                compared = next((u for u in UNITS if f"{row.scale_by}_".endswith(f"_{u}_")), "")
                what = f"{spec.name} * {row.scale_by} (in {compared or 'no unit'})"
            factor = threshold_factor(compared, unit, statistic, alarm.period_seconds)
            if factor is None:
                raise _fail(
                    alarm,
                    self.name,
                    f"{what} cannot be compared with {alarm.metric} (in {unit}, {statistic})",
                )
            factors.append(factor)
        return factors

    def __call__(self, service: Service, settings: Settings) -> list[AlarmPreset]:
        thresholds = service.thresholds
        presets: list[AlarmPreset] = []
        for scope_name, rows in self._by_scope.items():
            scope = self.scopes[scope_name]
            for resource in scope.resources(service, settings):
                for row, factor in rows:
                    alarm = row.alarm
                    value = thresholds[row.threshold_name] if row.threshold_name else row.constant
                    scale = resource.factors[row.scale_by] if row.scale_by else 1.0
                    presets.append(
                        AlarmPreset(
                            alarm.check,
                            self.facade.alarm_metric(
                                alarm.metric, scope.level, resource.dimensions, alarm.period_seconds
                            ),
                            resource=resource.name,
                            comparison=row.comparison,
                            threshold=value * scale * factor,
                            evaluation_periods=alarm.evaluation_periods,
                            datapoints_to_alarm=alarm.datapoints_to_alarm,
                            treat_missing_data=alarm.treat_missing_data,
                            severity=alarm.severity,
                            summary=alarm.summary.format(**{THRESHOLD_FIELD: value, **resource.fields}),
                            owner=resource.owner,
                        )
                    )
        return presets


ServiceT = TypeVar("ServiceT", bound=Service)


def require(service: Service, cls: type[ServiceT], what: str) -> ServiceT:
    """The service as the kind's class the table expects (a wrong registry line fails loudly)."""
    if not isinstance(service, cls):
        raise TypeError(f"{what} presets need a {cls.__name__}, got a {service.kind} service")
    return service
