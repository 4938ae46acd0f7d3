"""Checks of generated CloudWatch artifacts against botocore's own service models and AWS limits."""

from __future__ import annotations

from functools import cache
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.aws.alarms import evaluation_range_problem
from monitoring.aws.retention import ALLOWED_RETENTION_DAYS

# Reported only by the active controller (zero elsewhere): an Average across brokers is meaningless.
CONTROLLER_METRICS = frozenset({"ActiveControllerCount", "OfflinePartitionsCount", "GlobalPartitionCount"})


@cache
def _input_shape(service: str, operation: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape


def _validation_report(service: str, operation: str, parameters: dict[str, Any]) -> str:
    """botocore's ParamValidator (types, required, lengths, ranges) plus the model's enums,
    which ParamValidator leaves to the service."""
    from botocore.validate import ParamValidator

    shape = _input_shape(service, operation)
    errors = ParamValidator().validate(parameters, shape)
    lines = str(errors.generate_report()).splitlines() if errors.has_errors() else []
    for name, member in shape.members.items():
        value = parameters.get(name)
        enum = getattr(member, "enum", None)
        if enum and isinstance(value, str) and value not in enum:
            lines.append(f"Invalid value for parameter {name}: {value!r}, valid values: {', '.join(enum)}")
    return "\n".join(lines)


def alarm_problems(name: str, parameters: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    report = _validation_report("cloudwatch", "PutMetricAlarm", parameters)
    if report:
        problems.append(report.replace("\n", "; "))
    if parameters.get("AlarmName") != name:
        problems.append(f"AlarmName {parameters.get('AlarmName')!r} differs from its key")
    period, periods = parameters.get("Period"), parameters.get("EvaluationPeriods")
    if isinstance(period, int) and isinstance(periods, int):
        if period not in (10, 20, 30) and period % 60:
            problems.append(f"Period {period} is not 10, 20, 30 or a multiple of 60")
        problems += [p for p in [evaluation_range_problem(period, periods)] if p]
        datapoints = parameters.get("DatapointsToAlarm", periods)
        if isinstance(datapoints, int) and datapoints > periods:
            problems.append(f"DatapointsToAlarm {datapoints} exceeds EvaluationPeriods {periods}")
    if parameters.get("MetricName") in CONTROLLER_METRICS and parameters.get("Statistic") == "Average":
        problems.append(f"{parameters['MetricName']} is a controller metric: never use Average")
    return problems


def retention_problems(document: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    allowed = ", ".join(str(d) for d in ALLOWED_RETENTION_DAYS)
    wanted = [("default_days", document["default_days"])] if document["default_days"] is not None else []
    wanted += [(f"rule {rule['pattern']}", rule["days"]) for rule in document["rules"]]
    wanted += list(document["log_groups"].items())
    for subject, days in wanted:
        if days not in ALLOWED_RETENTION_DAYS:
            problems.append(
                f"{subject}: {days} is not a retention CloudWatch Logs accepts; allowed days: {allowed}"
            )
    for group, days in document["log_groups"].items():
        report = _validation_report(
            "logs", "PutRetentionPolicy", {"logGroupName": group, "retentionInDays": days}
        )
        if report:
            problems.append(f"{group}: {report}".replace("\n", "; "))
    return problems


def check_cloudwatch(artifact: Artifact) -> list[str]:
    if artifact.path.endswith("alarms.json"):
        return [
            f"{artifact.path}: {name}: {problem}"
            for name, parameters in artifact.data.items()
            for problem in alarm_problems(name, parameters)
        ]
    return [f"{artifact.path}: {problem}" for problem in retention_problems(artifact.data)]
