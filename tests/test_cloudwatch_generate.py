"""generated/cloudwatch: golden files, AWS facts in the presets, and the botocore-model checks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from monitoring.artifacts import Artifact
from monitoring.aws.checks import alarm_problems, check_cloudwatch
from monitoring.checks import check_artifacts
from monitoring.generate.cloudwatch import (
    ALARMS_PATH,
    PLACEMENTS_PATH,
    RETENTION_PATH,
    cloudwatch_config,
    desired_alarms,
)
from monitoring.inventory.build import load_inventory
from tests.helpers import REPO, assert_generated

FLEET = REPO / "tests/fixtures/cloudwatch/inventory"


@pytest.fixture(scope="module")
def fleet_alarms() -> dict[str, dict[str, object]]:
    return desired_alarms(load_inventory(FLEET))


def test_generated_cloudwatch_matches_golden_files() -> None:
    assert_generated(cloudwatch_config(load_inventory(REPO / "inventory")))


def test_every_generated_parameter_set_passes_the_botocore_model_checks() -> None:
    artifacts = cloudwatch_config(load_inventory(REPO / "inventory"))
    assert {a.path for a in artifacts} == {ALARMS_PATH, RETENTION_PATH, PLACEMENTS_PATH}
    assert check_artifacts(artifacts) == []


def test_msk_uses_dimension_names_with_spaces_and_sums_controller_metrics(
    fleet_alarms: dict[str, Any],
) -> None:
    controller = fleet_alarms["acme/test/kafka/events/no-active-controller"]
    assert controller["Dimensions"] == [{"Name": "Cluster Name", "Value": "acme-events"}]
    assert controller["Statistic"] == "Sum"
    assert controller["TreatMissingData"] == "breaching"
    disk = fleet_alarms["acme/test/kafka/events/broker-2/data-logs-disk-used-high"]
    assert disk["Dimensions"] == [
        {"Name": "Cluster Name", "Value": "acme-events"},
        {"Name": "Broker ID", "Value": "2"},
    ]


def test_elasticache_alarms_are_per_node_and_opensearch_carries_the_client_id(
    fleet_alarms: dict[str, Any],
) -> None:
    nodes = {
        a["Dimensions"][0]["Value"] for a in fleet_alarms.values() if a["Namespace"] == "AWS/ElastiCache"
    }
    assert nodes == {"sessions-001", "sessions-002"}
    red = fleet_alarms["acme/test/opensearch/search-logs/cluster-status-red"]
    assert red["Dimensions"] == [
        {"Name": "DomainName", "Value": "search-logs"},
        {"Name": "ClientId", "Value": "123456789012"},
    ]


def test_status_checks_come_from_the_auto_scaling_group(fleet_alarms: dict[str, Any]) -> None:
    status = fleet_alarms["acme/test/node/ec2-web/acme-web-asg/status-check-failed"]
    assert status["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "acme-web-asg"}]
    assert status["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:acme-shop-critical"]


def test_only_mysql_services_publishing_slow_logs_get_named_log_groups() -> None:
    retention = next(a for a in cloudwatch_config(load_inventory(FLEET)) if a.path == RETENTION_PATH)
    assert retention.data["log_groups"] == {
        "/aws/rds/instance/billing-db/slowquery": 30,
        "/aws/rds/instance/orders-db/slowquery": 30,
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"Statistic": "Mean"}, "Invalid value for parameter Statistic"),
        (
            {"Period": 60, "EvaluationPeriods": 1441},
            "CloudWatch allows at most 86400s for a period under one hour",
        ),
        ({"Period": 3600, "EvaluationPeriods": 169}, "at most 604800s for a period of one hour or more"),
        ({"Period": 90}, "Period 90 is not 10, 20, 30 or a multiple of 60"),
        ({"DatapointsToAlarm": 9}, "DatapointsToAlarm 9 exceeds EvaluationPeriods 3"),
        (
            {"Dimensions": [{"Name": "DomainName", "Value": ""}]},
            "Invalid length for parameter Dimensions[0].Value",
        ),
        ({"Threshold": "80"}, "Invalid type for parameter Threshold"),
    ],
)
def test_a_bad_parameter_set_is_caught(
    fleet_alarms: dict[str, Any], change: dict[str, Any], expected: str
) -> None:
    parameters = {**copy.deepcopy(fleet_alarms["acme/test/mysql/orders-db/cpu-high"]), **change}
    problems = alarm_problems("acme/test/mysql/orders-db/cpu-high", parameters)
    assert any(expected in message for _check, message in problems), problems


def test_average_of_a_controller_metric_is_rejected(fleet_alarms: dict[str, Any]) -> None:
    parameters = {**fleet_alarms["acme/test/kafka/events/offline-partitions"], "Statistic": "Average"}
    assert alarm_problems("acme/test/kafka/events/offline-partitions", parameters) == [
        (
            "cloudwatch/controller-statistic",
            "OfflinePartitionsCount is a controller metric: never use Average",
        )
    ]


def test_a_retention_outside_cloudwatchs_list_is_rejected_with_the_allowed_days() -> None:
    document = {"default_days": 90, "rules": [], "log_groups": {"/aws/rds/instance/x/slowquery": 45}}
    assert [str(p) for p in check_cloudwatch(Artifact(RETENTION_PATH, document, "json"))] == [
        f"{RETENTION_PATH}: /aws/rds/instance/x/slowquery: 45 is not a retention CloudWatch Logs accepts; "
        "allowed days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
        "2557, 2922, 3288, 3653"
    ]


def test_alarm_names_are_stable_and_derived_from_names(tmp_path: Path) -> None:
    first, second = desired_alarms(load_inventory(FLEET)), desired_alarms(load_inventory(FLEET))
    assert first == second
    assert all(name.startswith("acme/test/") and len(name) <= 255 for name in first)
