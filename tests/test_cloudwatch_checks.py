"""The compiled botocore-model validator agrees with botocore's ParamValidator plus the model's enums."""

from __future__ import annotations

import copy
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from monitoring.aws.checks import parameter_validator

GOOD_ALARM: dict[str, Any] = {
    "AlarmName": "acme/mysql/orders-db/cpu-high",
    "AlarmDescription": "CPU high. Runbook: https://runbooks.example/mysql/cpu-high",
    "ActionsEnabled": True,
    "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:acme-critical"],
    "OKActions": ["arn:aws:sns:us-east-1:123456789012:acme-critical"],
    "Namespace": "AWS/RDS",
    "MetricName": "CPUUtilization",
    "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "orders-db"}],
    "Statistic": "Average",
    "Period": 300,
    "EvaluationPeriods": 3,
    "DatapointsToAlarm": 3,
    "Threshold": 80.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "missing",
    "Tags": [{"Key": "managed-by", "Value": "mac"}, {"Key": "mac:team", "Value": ""}],
}


def _alarm(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(GOOD_ALARM), **changes}


def _without(*names: str) -> dict[str, Any]:
    return {key: value for key, value in GOOD_ALARM.items() if key not in names}


def botocore_report(service: str, operation: str, parameters: dict[str, Any]) -> list[str]:
    """What the check did before it was compiled: ParamValidator, then the top-level enums."""
    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    assert shape is not None
    errors = ParamValidator().validate(parameters, shape)
    lines = str(errors.generate_report()).splitlines() if errors.has_errors() else []
    for name, member in shape.members.items():
        value = parameters.get(name) if isinstance(parameters, dict) else None
        enum = getattr(member, "enum", None)
        if enum and isinstance(value, str) and value not in enum:
            lines.append(f"Invalid value for parameter {name}: {value!r}, valid values: {', '.join(enum)}")
    return lines


ALARM_CASES: dict[str, tuple[Any, list[str]]] = {
    # name: (parameters, the findings ParamValidator leaves out: maximum lengths and values)
    "good": (GOOD_ALARM, []),
    "tuple actions and an int threshold": (_alarm(AlarmActions=("arn:a",), Threshold=80), []),
    "wrong type": (_alarm(Threshold="80", Period=300.0, ActionsEnabled="yes"), []),
    "missing required": (_without("AlarmName"), []),
    "too long name": (
        _alarm(AlarmName="a" * 256),
        ["Invalid length for parameter AlarmName, value: 256, valid max length: 255"],
    ),
    "empty name": (_alarm(AlarmName=""), []),
    "bad enums": (_alarm(Statistic="Mean", ComparisonOperator="Above", Unit="Parsecs"), []),
    "enum of the wrong type": (_alarm(Statistic=1), []),
    "negative evaluation periods": (_alarm(EvaluationPeriods=-1, DatapointsToAlarm=0), []),
    "unknown keys": (_alarm(Severity="critical", AlarmRunbook="x"), []),
    "too many actions": (
        _alarm(OKActions=["arn"] * 6),
        ["Invalid length for parameter OKActions, value: 6, valid max length: 5"],
    ),
    "action of the wrong type": (_alarm(AlarmActions=["arn", 7]), []),
    "dimensions not a list": (_alarm(Dimensions={"Name": "a", "Value": "b"}), []),
    "nested dimension errors": (
        _alarm(
            Dimensions=[
                {"Name": "DBInstanceIdentifier", "Value": ""},
                {"Name": "Role"},
                {"Name": "x", "Value": "y", "Unit": "Count"},
                "orders-db",
                {"Name": 5, "Value": "v" * 1025},
            ]
        ),
        ["Invalid length for parameter Dimensions[4].Value, value: 1025, valid max length: 1024"],
    ),
    "nested tag errors": (_alarm(Tags=[{"Key": "", "Value": None}, {"Value": "v"}]), []),
    "empty tagged union": (_alarm(EvaluationWindow={}), []),
    "tagged union with two members": (
        _alarm(EvaluationWindow={"WallClockWindow": {"Timezone": "UTC"}, "SlidingWindow": {}}),
        [],
    ),
    "nested numbers above their maximum": (
        _alarm(WarmUpConfiguration={"WarmUpPeriodDurationInMinutes": 2881}, EvaluationInterval=5),
        [
            "Invalid value for parameter WarmUpConfiguration.WarmUpPeriodDurationInMinutes, value: 2881, "
            "valid max value: 2880"
        ],
    ),
    "not a structure": ([("AlarmName", "x")], []),
}


@pytest.mark.parametrize("case", ALARM_CASES)
def test_compiled_validator_agrees_with_botocore_on_put_metric_alarm(case: str) -> None:
    parameters, maxima = ALARM_CASES[case]
    compiled = parameter_validator("cloudwatch", "PutMetricAlarm")(parameters)
    # Same findings, word for word; enum findings follow the request's order rather than the model's.
    assert sorted(compiled) == sorted(botocore_report("cloudwatch", "PutMetricAlarm", parameters) + maxima)
    assert bool(compiled) == (case not in {"good", "tuple actions and an int threshold"})


@pytest.mark.parametrize(
    "parameters",
    [
        {"logGroupName": "/aws/rds/instance/orders-db/slowquery", "retentionInDays": 30},
        {"logGroupName": "", "retentionInDays": "30"},
        {"retentionInDays": 30},
        {"logGroupName": "/aws/rds/instance/orders-db/slowquery", "retentionInDays": 30, "days": 30},
    ],
)
def test_compiled_validator_agrees_with_botocore_on_put_retention_policy(parameters: dict[str, Any]) -> None:
    compiled = parameter_validator("logs", "PutRetentionPolicy")(parameters)
    assert compiled == botocore_report("logs", "PutRetentionPolicy", parameters)


def test_a_long_log_group_name_is_caught_beyond_botocore() -> None:
    parameters = {"logGroupName": "/" * 513, "retentionInDays": 30}
    assert botocore_report("logs", "PutRetentionPolicy", parameters) == []
    assert parameter_validator("logs", "PutRetentionPolicy")(parameters) == [
        "Invalid length for parameter logGroupName, value: 513, valid max length: 512"
    ]
