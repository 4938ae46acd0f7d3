"""`mac plan cloudwatch` reports alarms whose metric CloudWatch does not list (ListMetrics, on
moto over HTTP): metrics are put for some resources and not for others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from cli.main import cli
from monitoring.aws.calls import Backoff
from monitoring.aws.metric_presence import unseen_metrics
from monitoring.aws.session import connect
from tests.aws_fixtures import MotoServer
from tests.helpers import REPO

FLEET = REPO / "tests/fixtures/cloudwatch/inventory"
SEEN = {
    "acme/test/mysql/orders-db/cpu-high",
    "acme/test/kafka/events/no-active-controller",
    "acme/test/kafka/events/multiple-active-controllers",
}


def _put_metrics(endpoint: str) -> None:
    cloudwatch: Any = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1")

    def datum(metric: str, **dimensions: str) -> dict[str, Any]:
        return {
            "MetricName": metric,
            "Dimensions": [{"Name": k.replace("_", " "), "Value": v} for k, v in dimensions.items()],
            "Value": 1.0,
        }

    # More series than one ListMetrics page (500) holds, orders-db's last: the pages are followed.
    others = [datum("CPUUtilization", DBInstanceIdentifier=f"other-{n}") for n in range(520)]
    for start in range(0, len(others), 500):
        cloudwatch.put_metric_data(Namespace="AWS/RDS", MetricData=others[start : start + 500])
    cloudwatch.put_metric_data(
        Namespace="AWS/RDS", MetricData=[datum("CPUUtilization", DBInstanceIdentifier="orders-db")]
    )
    cloudwatch.put_metric_data(
        Namespace="AWS/Kafka",
        MetricData=[
            datum("ActiveControllerCount", Cluster_Name="acme-events"),
            # Not the alarms' dimension set (they also name the broker): does not count.
            datum("KafkaDataLogsDiskUsed", Cluster_Name="acme-events"),
        ],
    )


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    out = tmp_path / "generated"
    result = CliRunner().invoke(cli, ["generate", "-i", str(FLEET), "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_plan_reports_the_alarms_whose_metric_does_not_exist_yet(
    moto: MotoServer,
    generated: Path,
) -> None:
    _put_metrics(moto.url)
    wanted = set(json.loads((generated / "cloudwatch" / "alarms.json").read_text()))
    args = ["plan", "cloudwatch", "-i", str(FLEET), "-o", str(generated), "--endpoint-url", moto.url]
    as_json = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    [placement] = json.loads(as_json.stdout)["placements"]
    unseen = placement["unseen_metrics"]
    assert wanted >= SEEN and set(unseen) == wanted - SEEN
    broker = "acme/test/kafka/events/broker-1/data-logs-disk-used-high"
    assert unseen[broker] == "AWS/Kafka KafkaDataLogsDiskUsed Broker ID=1 Cluster Name=acme-events"

    github = CliRunner().invoke(cli, [*args, "--format", "github"])
    warnings = [line for line in github.stdout.splitlines() if "cloudwatch/metric-missing" in line]
    assert len(warnings) == len(wanted - SEEN)
    assert all(line.startswith("::warning file=") for line in warnings)
    text = CliRunner().invoke(cli, args)
    assert f"{len(wanted - SEEN)} alarms watch a metric CloudWatch does not list here yet" in text.stdout


def test_one_list_metrics_per_metric_name_not_per_alarm(
    moto: MotoServer,
    generated: Path,
) -> None:
    _put_metrics(moto.url)
    alarms = json.loads((generated / "cloudwatch" / "alarms.json").read_text())
    clients = connect("us-east-1", moto.url)
    unseen = unseen_metrics(clients.cloudwatch, alarms, Backoff())
    assert set(alarms) - set(unseen) == SEEN
    metrics = {(a["Namespace"], a["MetricName"]) for a in alarms.values()}
    assert len(metrics) < len(alarms)
    # CPUUtilization takes two pages; every other metric one call.
    assert clients.requests["cloudwatch.ListMetrics"] == len(metrics) + 1
