"""Alarms that can never see data yet: their metric (namespace, name and exact dimension set) is
not among what CloudWatch lists in the account and region, as pint's promql/series reports for
Prometheus. An alarm on such a metric stays INSUFFICIENT_DATA (or, with breaching missing data,
fires) until the resource publishes it: a typo'd identifier, a resource not created yet, a
feature that publishes nothing until it is on.

Batched: one ListMetrics (and its pages) per (namespace, metric name) the placement's alarms use,
not one per alarm. ListMetrics lists metrics with data in the last two weeks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitoring.aws.calls import Backoff

Dimensions = frozenset[tuple[str, str]]


def _dimensions(listed: Any) -> Dimensions:
    return frozenset((d["Name"], d["Value"]) for d in listed)


def _listed(cloudwatch: Any, namespace: str, metric: str, backoff: Backoff) -> set[Dimensions]:
    seen: set[Dimensions] = set()
    token: str | None = None
    while True:
        page = backoff.call(
            cloudwatch.list_metrics,
            Namespace=namespace,
            MetricName=metric,
            **({"NextToken": token} if token else {}),
        )
        seen.update(_dimensions(m.get("Dimensions", [])) for m in page.get("Metrics", []))
        token = page.get("NextToken")
        if not token:
            return seen


def unseen_metrics(
    cloudwatch: Any, alarms: Mapping[str, Mapping[str, Any]], backoff: Backoff
) -> dict[str, str]:
    """Alarm name -> the metric it watches ("AWS/RDS CPUUtilization DBInstanceIdentifier=x"), for
    each alarm whose metric CloudWatch does not list."""
    by_metric: dict[tuple[str, str], list[tuple[str, Dimensions]]] = {}
    for name, parameters in alarms.items():
        if "MetricName" in parameters:  # metric math alarms name their metrics elsewhere
            key = (parameters["Namespace"], parameters["MetricName"])
            by_metric.setdefault(key, []).append((name, _dimensions(parameters.get("Dimensions", []))))
    unseen: dict[str, str] = {}
    for (namespace, metric), watching in sorted(by_metric.items()):
        listed = _listed(cloudwatch, namespace, metric, backoff)
        for name, dimensions in watching:
            if dimensions not in listed:
                shown = " ".join(f"{key}={value}" for key, value in sorted(dimensions))
                unseen[name] = f"{namespace} {metric} {shown}".strip()
    return dict(sorted(unseen.items()))
