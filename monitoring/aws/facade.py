"""A CloudWatch metric facade: what one AWS service's metrics are called and how they are read.

Each AWS service declares its facade once (monitoring/aws/presets/<service>.py): the namespace,
its dimension levels (the dimension names a resource is addressed by: an RDS instance, an MSK
broker) and, per level, the statistic each metric is read with there. Alarm tables and the
CloudWatch dashboards both take metric names, dimensions and statistics from it, so a board
plots what its alarm evaluates. Units come from the namespace's catalog (monitoring/aws/catalog.py),
which the facade is checked against when it is built: a metric or dimension AWS does not publish
is a FacadeError at import, never an alarm that silently sees no data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitoring.aws.alarms import Metric, Statistic
from monitoring.aws.catalog import load_catalog


class FacadeError(ValueError):
    """A facade or alarm table contradicting its catalog or its kinds: a bug in monitoring/aws/."""


@dataclass(frozen=True)
class Level:
    """Dimension names that address one resource, and the statistic of each metric read there."""

    name: str
    dimensions: tuple[str, ...]
    statistics: Mapping[str, Statistic]


@dataclass(frozen=True)
class Series:
    """One metric read at one level for given dimension values (a Grafana query, an alarm's metric)."""

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: Statistic


class Facade:
    def __init__(self, namespace: str, *levels: Level) -> None:
        self.namespace = namespace
        self.levels = {level.name: level for level in levels}
        catalog = load_catalog(namespace)
        problems = [
            f"level {level.name}: {problem}"
            for level in levels
            for metric in level.statistics
            if (problem := catalog.problem(metric, frozenset(level.dimensions)))
        ]
        if problems:
            raise FacadeError(f"facade of {namespace}: " + "; ".join(problems))
        self._units = {
            metric: catalog.metrics[metric].unit for level in levels for metric in level.statistics
        }

    def level(self, name: str) -> Level:
        found = self.levels.get(name)
        if found is None:
            raise FacadeError(
                f"facade of {self.namespace} has no level {name!r}; levels: {', '.join(self.levels)}"
            )
        return found

    def unit(self, metric: str) -> str:
        return self._units[metric]

    def statistic(self, metric: str, level: str) -> Statistic:
        """The statistic `metric` is read with at `level`; FacadeError when it is not read there."""
        statistics = self.level(level).statistics
        if metric not in statistics:
            raise FacadeError(
                f"facade of {self.namespace} does not read {metric!r} at level {level}; "
                f"it reads {', '.join(statistics)}"
            )
        return statistics[metric]

    def series(self, metric: str, level: str, values: Sequence[str]) -> Series:
        """`metric` at `level`, its dimensions set to `values` in the level's order ("*" for any)."""
        names = self.level(level).dimensions
        if len(values) != len(names):
            raise FacadeError(
                f"level {level} of {self.namespace} takes {len(names)} dimension values: {names}"
            )
        return Series(
            self.namespace, metric, tuple(zip(names, values, strict=True)), self.statistic(metric, level)
        )

    def alarm_metric(self, metric: str, level: str, values: Sequence[str], period_seconds: int) -> Metric:
        series = self.series(metric, level, values)
        return Metric(series.namespace, series.metric, series.dimensions, series.statistic, period_seconds)
