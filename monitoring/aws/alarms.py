"""What a CloudWatch alarm is made of, kept apart: the metric, the alarm on it, and its naming.

Presets (monitoring/aws/presets/) describe metrics and alarms; this module turns one alarm of one
service into PutMetricAlarm parameters with a deterministic name, the domain's SNS actions and the
ownership tags that let `mac apply cloudwatch` recognise what it manages.

Ownership is the inventory id (`settings.inventory_id`, "<organization>/<environment>" by default):
names start with it and the `mac:inventory` tag holds it exactly, so two inventories of one
organization never take each other's alarms for their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal

from monitoring.model import Domain, Service, Settings
from monitoring.naming import alarm_runbook_url, alarm_topic_arn

# A percentile ("p99") is sent as ExtendedStatistic, the others as Statistic.
Statistic = Literal["Average", "Maximum", "Minimum", "Sum", "SampleCount", "p99"]
PERCENTILES = frozenset({"p99"})
Comparison = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]
Severity = Literal["critical", "warning"]
# breaching: status/heartbeat metrics, whose silence means we are blind (agent or service gone).
# notBreaching: event counters and role-dependent metrics that are simply absent when all is well.
# missing: utilisation gauges, where a gap keeps the last state instead of flapping.
TreatMissingData = Literal["breaching", "notBreaching", "missing"]

MANAGED_BY_KEY = "managed-by"
MANAGED_BY_VALUE = "mac"
INVENTORY_KEY = "mac:inventory"
NAME_SEPARATOR = "/"

ONE_DAY_SECONDS = 86_400
SEVEN_DAYS_SECONDS = 7 * ONE_DAY_SECONDS
ONE_HOUR_SECONDS = 3_600


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: Statistic
    period_seconds: int


@dataclass(frozen=True)
class AlarmPreset:
    """One alarm on one resource of a service. `resource` is empty for service-level alarms."""

    check: str
    metric: Metric
    _: KW_ONLY
    resource: str = ""
    comparison: Comparison
    threshold: float
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: TreatMissingData
    severity: Severity
    summary: str
    # The domain notified instead of the service's (a consumer group's owner); "" for the service's.
    owner: str = ""


def name_prefix(settings: Settings) -> str:
    """Every alarm of this inventory starts with it; used to list candidates before reading tags.

    Another inventory's id may start with ours ("acme/prod/eu" and "acme/prod"): tags decide.
    """
    return f"{settings.inventory_id}{NAME_SEPARATOR}"


def alarm_name(settings: Settings, service: Service, alarm: AlarmPreset) -> str:
    parts = (settings.inventory_id, service.kind, service.name, alarm.resource, alarm.check)
    return NAME_SEPARATOR.join(filter(None, parts))


def ownership_tags(settings: Settings) -> dict[str, str]:
    return {MANAGED_BY_KEY: MANAGED_BY_VALUE, INVENTORY_KEY: settings.inventory_id}


def is_owned(tags: Mapping[str, str], settings: Settings) -> bool:
    """Both ownership tags, with exactly our values: a prefix or another inventory's id is not ours."""
    return all(tags.get(key) == value for key, value in ownership_tags(settings).items())


def alarm_tags(
    settings: Settings, service: Service, alarm: AlarmPreset, owner: Domain | None = None
) -> dict[str, str]:
    return {
        **ownership_tags(settings),
        "mac:kind": service.kind,
        "mac:service": service.name,
        "mac:domain": owner.name if owner else service.domain,
        "mac:team": owner.team if owner else service.team,
        "mac:severity": alarm.severity,
    }


def evaluation_range_problem(period_seconds: int, evaluation_periods: int) -> str:
    """CloudWatch's bound on Period x EvaluationPeriods; empty when within it."""
    limit = ONE_DAY_SECONDS if period_seconds < ONE_HOUR_SECONDS else SEVEN_DAYS_SECONDS
    total = period_seconds * evaluation_periods
    if total > limit:
        scope = "under one hour" if period_seconds < ONE_HOUR_SECONDS else "of one hour or more"
        return (
            f"Period x EvaluationPeriods is {total}s; CloudWatch allows at most {limit}s for a period {scope}"
        )
    return ""


def put_metric_alarm_parameter_sets(
    settings: Settings,
    domain: Domain,
    service: Service,
    alarms: Iterable[AlarmPreset],
    owners: Mapping[str, Domain] | None = None,
) -> Iterator[dict[str, Any]]:
    """The PutMetricAlarm requests for a service's alarms (Tags included: honoured on create only).
    An alarm with an owner notifies that domain of `owners` (by name) and is tagged with it.

    Lists that are equal across the service's alarms (actions and tags by severity and owner,
    dimensions) are one shared object: treat the parameter sets as read-only.
    """
    actions: dict[tuple[Severity, str], list[str]] = {}
    tags: dict[tuple[Severity, str], list[dict[str, str]]] = {}
    dimensions: dict[tuple[tuple[str, str], ...], list[dict[str, str]]] = {}
    about = f"Service {service.name} ({service.kind}, domain {service.domain}, team {service.team}), severity"
    for alarm in alarms:
        severity = alarm.severity
        key = (severity, alarm.owner)
        if key not in tags:
            owner = (owners or {})[alarm.owner] if alarm.owner else None
            topic = (owner or domain).alarm_topic_arns.get(severity)
            actions[key] = [alarm_topic_arn(topic, service)] if topic else []
            tags[key] = [
                {"Key": name, "Value": value}
                for name, value in sorted(alarm_tags(settings, service, alarm, owner).items())
            ]
        metric = alarm.metric
        if metric.dimensions not in dimensions:
            dimensions[metric.dimensions] = [{"Name": n, "Value": v} for n, v in metric.dimensions]
        runbook = alarm_runbook_url(settings, service.kind, alarm.check)
        statistic_key = "ExtendedStatistic" if metric.statistic in PERCENTILES else "Statistic"
        yield {
            "AlarmName": alarm_name(settings, service, alarm),
            "AlarmDescription": f"{alarm.summary}. {about} {severity}. Runbook: {runbook}",
            "ActionsEnabled": True,
            "AlarmActions": actions[key],
            "OKActions": actions[key],
            "Namespace": metric.namespace,
            "MetricName": metric.name,
            "Dimensions": dimensions[metric.dimensions],
            statistic_key: metric.statistic,
            "Period": metric.period_seconds,
            "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm,
            "Threshold": float(alarm.threshold),
            "ComparisonOperator": alarm.comparison,
            "TreatMissingData": alarm.treat_missing_data,
            "Tags": tags[key],
        }
