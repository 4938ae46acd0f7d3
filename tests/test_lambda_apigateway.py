"""The Lambda and API Gateway kinds: their alarm parameters, the p99 (ExtendedStatistic) path
through botocore's model and the plan, threshold conversion, and the Lambda log groups."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from botocore.session import get_session
from botocore.validate import ParamValidator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope
from monitoring.aws.checks import alarm_problems
from monitoring.aws.facade import FacadeError
from monitoring.aws.plan import comparable
from monitoring.aws.presets import service_alarms
from monitoring.aws.presets.aws_lambda import FACADE as LAMBDA
from monitoring.aws.retention import retention_policy
from monitoring.generate.cloudwatch import desired_alarms
from monitoring.inventory.build import load_inventory
from monitoring.model import Inventory, LogRetention, Service, Settings
from tests.aws_fixtures import MotoServer
from tests.helpers import REPO

EVERY_KIND = REPO / "tests" / "fixtures" / "inventory" / "valid" / "every-kind"


@pytest.fixture(scope="module")
def every_kind() -> Inventory:
    return load_inventory(EVERY_KIND)


@pytest.fixture(scope="module")
def alarms(every_kind: Inventory) -> Mapping[str, dict[str, Any]]:
    return desired_alarms(every_kind)


def _of(alarms: Mapping[str, dict[str, Any]], kind: str, service: str) -> dict[str, dict[str, Any]]:
    prefix = f"acme/test/{kind}/{service}/"
    return {name.removeprefix(prefix): p for name, p in alarms.items() if name.startswith(prefix)}


def test_a_lambda_function_is_alarmed_on_errors_throttles_duration_and_concurrency(
    alarms: Mapping[str, dict[str, Any]],
) -> None:
    function = _of(alarms, "lambda", "order-events")
    assert sorted(function) == ["concurrent-executions-high", "duration-near-timeout", "errors", "throttles"]
    for parameters in function.values():
        assert parameters["Namespace"] == "AWS/Lambda"
        assert parameters["Dimensions"] == [{"Name": "FunctionName", "Value": "order-events"}]
    errors = function["errors"]
    # 0.1 errors/s over a 60 s period of Sum: 6 errors per period.
    assert (errors["Statistic"], errors["Period"], errors["Threshold"]) == ("Sum", 60, 6.0)
    assert function["throttles"]["Threshold"] == 0.0
    assert function["concurrent-executions-high"]["Statistic"] == "Maximum"


def test_the_duration_alarm_is_a_p99_at_a_ratio_of_the_timeout(alarms: Mapping[str, dict[str, Any]]) -> None:
    duration = _of(alarms, "lambda", "order-events")["duration-near-timeout"]
    assert duration["ExtendedStatistic"] == "p99"
    assert "Statistic" not in duration
    # 0.8 of a 30 s timeout, in the metric's milliseconds.
    assert duration["Threshold"] == 24_000.0
    assert "0.8 of the 30s timeout" in duration["AlarmDescription"]


def test_a_function_without_a_timeout_gets_no_duration_alarm_and_its_own_function_name(
    alarms: Mapping[str, dict[str, Any]],
) -> None:
    function = _of(alarms, "lambda", "nightly-report")
    assert "duration-near-timeout" not in function
    assert {p["Dimensions"][0]["Value"] for p in function.values()} == {"shop-nightly-report"}


def test_an_api_stage_is_alarmed_on_its_error_rate_latency_p99_and_silence(
    alarms: Mapping[str, dict[str, Any]],
) -> None:
    stage = _of(alarms, "apigateway", "shop-api")
    for parameters in stage.values():
        assert parameters["Namespace"] == "AWS/ApiGateway"
        assert parameters["Dimensions"] == [
            {"Name": "ApiName", "Value": "shop-public"},
            {"Name": "Stage", "Value": "prod"},
        ]
    errors, latency, requests = stage["server-errors"], stage["latency-high"], stage["requests-low"]
    # The Average of 5XXError is the error rate: the ratio is compared as it is.
    assert (errors["Statistic"], errors["Threshold"]) == ("Average", 0.01)
    assert (latency["ExtendedStatistic"], latency["Threshold"]) == ("p99", 2000.0)
    # 0.5 requests/s over 300 s of Sum; no datapoint is no request at all.
    assert (requests["Statistic"], requests["Threshold"]) == ("Sum", 150.0)
    assert (requests["ComparisonOperator"], requests["TreatMissingData"]) == (
        "LessThanThreshold",
        "breaching",
    )


def test_the_silence_alarm_is_only_where_a_minimum_rate_is_set(every_kind: Inventory) -> None:
    api = next(s for s in every_kind.services if s.kind == "apigateway")
    quiet = dataclasses.replace(api, thresholds={**api.thresholds, "min_requests_per_second": 0})
    assert "requests-low" not in {a.check for a in service_alarms(quiet, every_kind.settings)}


def test_p99_alarms_pass_botocore_and_our_compiled_check(alarms: Mapping[str, dict[str, Any]]) -> None:
    validator = ParamValidator()
    shape = get_session().get_service_model("cloudwatch").operation_model("PutMetricAlarm").input_shape
    assert shape is not None
    percentiles = {n: p for n, p in alarms.items() if "ExtendedStatistic" in p}
    assert {p["MetricName"] for p in percentiles.values()} == {"Duration", "Latency"}
    for name, parameters in percentiles.items():
        assert not validator.validate(parameters, shape).has_errors(), name
        assert alarm_problems(name, parameters) == []


def test_the_plan_sees_no_change_on_a_p99_alarm_read_back_from_moto(
    moto: MotoServer,
    alarms: Mapping[str, dict[str, Any]],
) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=moto.url)
    name = "acme/test/lambda/order-events/duration-near-timeout"
    cloudwatch.put_metric_alarm(**alarms[name])
    (live,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert live["ExtendedStatistic"] == "p99"
    assert comparable(live) == comparable(alarms[name])
    assert comparable(live) != comparable({**alarms[name], "ExtendedStatistic": "p90"})


def _function(service: Service, settings: Settings) -> list[Resource]:
    return [Resource("", ("f",), {}, {"timeout_seconds": 10})]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("> max_errors_per_second * timeout_seconds", "only a ratio may scale timeout_seconds"),
        ("> max_duration_timeout_ratio * memory_megabytes", "the scope's factors: timeout_seconds"),
        ("> 0.5 * timeout_seconds", "scales a threshold by 'timeout_seconds'"),
    ],
)
def test_a_scaled_threshold_must_be_a_ratio_times_a_factor_of_the_scope(condition: str, message: str) -> None:
    row = Alarm("d", "Duration", 300, condition, 1, 1, "missing", "warning", "x")
    with pytest.raises(FacadeError, match=message):
        AlarmTable(
            "test",
            LAMBDA,
            kinds=("lambda",),
            scopes={"function": Scope("function", _function, (), ("timeout_seconds",))},
            rows={"function": (row,)},
        )


def test_lambda_log_groups_are_owned_for_retention(every_kind: Inventory) -> None:
    groups = retention_policy(dataclasses.replace(every_kind, log_retention=LogRetention(30, ()))).log_groups
    assert groups["/aws/lambda/order-events"] == 30
    assert groups["/aws/lambda/shop-nightly-report"] == 30
