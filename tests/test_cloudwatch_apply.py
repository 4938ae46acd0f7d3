"""`mac plan/apply cloudwatch` over real HTTP against moto in server mode, directly or through a
fault-injecting proxy that throttles and enforces the 100-name limits like AWS."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_fixtures import MotoServer, moto, moto_server  # noqa: F401 (fixtures)
from click.testing import CliRunner, Result
from fault_proxy import FaultProxy
from helpers import REPO

from cli.main import cli

pytestmark = pytest.mark.integration

FLEET = REPO / "tests/fixtures/cloudwatch/inventory"
FLEET_ALARMS = 47


def mac(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def plan(inventory: Path, endpoint: str, *extra: str) -> Result:
    return mac(
        "plan", "cloudwatch", "-i", inventory, "--endpoint-url", endpoint, "--detailed-exitcode", *extra
    )


def apply(inventory: Path, endpoint: str, *extra: str) -> Result:
    return mac(
        "apply",
        "cloudwatch",
        "-i",
        inventory,
        "--endpoint-url",
        endpoint,
        "--yes",
        "--max-calls-per-second",
        "500",
        *extra,
    )


def aws(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def alarms(endpoint: str) -> dict[str, dict[str, Any]]:
    pages = aws("cloudwatch", endpoint).get_paginator("describe_alarms").paginate()
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def tags(endpoint: str, alarm: dict[str, Any]) -> dict[str, str]:
    listed = aws("cloudwatch", endpoint).list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    return {t["Key"]: t["Value"] for t in listed}


def retention(endpoint: str) -> dict[str, int | None]:
    groups = aws("logs", endpoint).describe_log_groups()["logGroups"]
    return {g["logGroupName"]: g.get("retentionInDays") for g in groups}


def put_unowned_alarm(endpoint: str, name: str, threshold: float) -> None:
    aws("cloudwatch", endpoint).put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/RDS",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold",
    )


def edited_fleet(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "inventory"
    shutil.copytree(FLEET, folder)
    text = (folder / "fleet.yaml").read_text()
    assert old in text
    (folder / "fleet.yaml").write_text(text.replace(old, new))
    return folder


@pytest.fixture
def proxy(moto: MotoServer) -> Iterator[FaultProxy]:  # noqa: F811
    started = FaultProxy(moto.url, throttle_share=0.3, seed=7).start()
    yield started
    started.stop()


def test_create_from_empty_sets_retention_on_existing_groups_and_then_plans_nothing(
    moto: MotoServer,  # noqa: F811
) -> None:
    logs = aws("logs", moto.url)
    for group in (
        "/aws/rds/instance/orders-db/slowquery",
        "/aws/lambda/thumbnails",
        "/app/checkout",
        "/app/audit",
    ):
        logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName="/app/audit", retentionInDays=365)

    pending = plan(FLEET, moto.url)
    assert pending.exit_code == 1, pending.output
    assert (
        f"Plan: {FLEET_ALARMS} to create, 0 to update, 0 to delete, 3 retention policies to set."
        in pending.output
    )

    applied = apply(FLEET, moto.url)
    assert applied.exit_code == 0, applied.output
    live = alarms(moto.url)
    assert len(live) == FLEET_ALARMS
    controller = live["acme/kafka/events/no-active-controller"]
    assert controller["Dimensions"] == [{"Name": "Cluster Name", "Value": "acme-events"}]
    assert controller["Statistic"] == "Sum"
    assert controller["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:acme-shop-critical"]
    assert tags(moto.url, controller)["managed-by"] == "mac"
    assert retention(moto.url) == {
        "/aws/rds/instance/orders-db/slowquery": 30,
        "/aws/lambda/thumbnails": 14,
        "/app/checkout": 90,
        "/app/audit": 365,
    }

    again = plan(FLEET, moto.url)
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output
    assert "1 slow-query log groups do not exist yet" in again.output  # billing-db: never created


def test_changed_threshold_updates_only_that_alarm(moto: MotoServer, tmp_path: Path) -> None:  # noqa: F811
    assert apply(FLEET, moto.url).exit_code == 0
    changed = edited_fleet(
        tmp_path,
        "    endpoint: orders-db.example.internal:3306\n",
        "    endpoint: orders-db.example.internal:3306\n    thresholds:\n      max_cpu_percent: 70\n",
    )
    pending = plan(changed, moto.url, "--format", "json")
    assert pending.exit_code == 1
    document = json.loads(pending.output)
    assert [(a["action"], a["name"]) for a in document["alarms"]] == [
        ("update", "acme/mysql/orders-db/cpu-high")
    ]
    assert document["alarms"][0]["changes"]["Threshold"] == {"before": 80.0, "after": 70.0}

    assert apply(changed, moto.url).exit_code == 0
    assert alarms(moto.url)["acme/mysql/orders-db/cpu-high"]["Threshold"] == 70.0
    assert plan(changed, moto.url).exit_code == 0


def test_prune_deletes_owned_leftovers_only_and_never_unowned_alarms(
    moto: MotoServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert apply(FLEET, moto.url).exit_code == 0
    put_unowned_alarm(moto.url, "acme/mysql/legacy-db/cpu-high", 50)
    put_unowned_alarm(moto.url, "someone-elses-alarm", 60)
    without_orders = edited_fleet(
        tmp_path,
        "  - kind: mysql\n    name: orders-db\n    domain: shop\n"
        "    endpoint: orders-db.example.internal:3306\n",
        "",
    )
    kept = apply(without_orders, moto.url)
    assert kept.exit_code == 0
    assert "7 owned alarms are no longer in the inventory; --prune deletes them" in kept.output
    assert "acme/mysql/orders-db/cpu-high" in alarms(moto.url)

    pruned = apply(without_orders, moto.url, "--prune")
    assert pruned.exit_code == 0, pruned.output
    live = alarms(moto.url)
    assert not [name for name in live if name.startswith("acme/mysql/orders-db/")]
    assert live["acme/mysql/legacy-db/cpu-high"]["Threshold"] == 50.0
    assert live["someone-elses-alarm"]["Threshold"] == 60.0
    assert len(live) == FLEET_ALARMS - 7 + 2
    assert plan(without_orders, moto.url, "--prune").exit_code == 0


def test_an_unowned_alarm_with_a_wanted_name_is_reported_not_overwritten(moto: MotoServer) -> None:  # noqa: F811
    put_unowned_alarm(moto.url, "acme/mysql/orders-db/cpu-high", 50)
    applied = apply(FLEET, moto.url)
    assert applied.exit_code == 0
    assert "1 wanted alarm names belong to alarms we do not own (left untouched):" in applied.output
    taken = alarms(moto.url)["acme/mysql/orders-db/cpu-high"]
    assert taken["Threshold"] == 50.0
    assert tags(moto.url, taken) == {}


def test_apply_converges_through_throttling(proxy: FaultProxy) -> None:
    applied = apply(FLEET, proxy.url)
    assert applied.exit_code == 0, applied.output
    assert proxy.throttled["PutMetricAlarm"] > 0
    assert proxy.requests["PutMetricAlarm"] == FLEET_ALARMS + proxy.throttled["PutMetricAlarm"]
    assert plan(FLEET, proxy.url).exit_code == 0


def test_failed_alarms_are_reported_by_name_and_a_rerun_finishes(proxy: FaultProxy) -> None:
    proxy.failing_alarms = {"acme/mysql/orders-db/cpu-high", "acme/redis/sessions/sessions-002/evictions"}
    partial = apply(FLEET, proxy.url)
    assert partial.exit_code == 1
    assert f"Applied {FLEET_ALARMS - 2} changes, 2 failed." in partial.output
    assert "failed: acme/mysql/orders-db/cpu-high: InternalFailure: injected failure" in partial.output

    proxy.failing_alarms = set()
    pending = plan(FLEET, proxy.url, "--format", "json")
    assert sorted(a["name"] for a in json.loads(pending.output)["alarms"]) == sorted(
        ["acme/mysql/orders-db/cpu-high", "acme/redis/sessions/sessions-002/evictions"]
    )
    assert apply(FLEET, proxy.url).exit_code == 0
    assert plan(FLEET, proxy.url).exit_code == 0


def test_deletes_respect_the_100_name_limit(proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.throttle_share = 0.0
    databases = "".join(
        f"  - kind: mysql\n    name: db-{n:02d}\n    domain: shop\n"
        f"    endpoint: db-{n:02d}.example.internal:3306\n"
        for n in range(20)
    )
    bigger = edited_fleet(tmp_path, "services:\n", f"services:\n{databases}")
    assert apply(bigger, proxy.url).exit_code == 0
    assert len(alarms(proxy.url)) == FLEET_ALARMS + 20 * 7

    pruned = apply(FLEET, proxy.url, "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert len(alarms(proxy.url)) == FLEET_ALARMS
    assert proxy.rejected == {}
    assert proxy.requests["DeleteAlarms"] == 2
