"""`mac apply cloudwatch --prune` in an account and region where no service of the inventory remains:
the alarms it provably owns there (its ownership tags) are deleted, anything else is left alone.
On moto server, each account through its own role."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from cli.main import cli
from tests.aws_fixtures import MotoServer
from tests.test_placement_apply import client, live_alarms

pytestmark = pytest.mark.integration

# Its own organization and accounts: the moto server is shared by the session's tests.
FLEET: dict[str, Any] = {
    "settings": {
        "organization": "prunecheck",
        "environment": "test",
        "region": "us-east-1",
        "regions": ["eu-west-1"],
        "account": "main",
        "accounts": [
            {
                "name": "main",
                "account_id": "333333333333",
                "role_arn": "arn:aws:iam::333333333333:role/mac-monitoring",
            },
            {
                "name": "edge",
                "account_id": "444444444444",
                "role_arn": "arn:aws:iam::444444444444:role/mac-monitoring",
            },
        ],
        "alertmanager": {"default_receiver": "ops", "receivers": [{"name": "ops"}]},
    },
    "domains": [
        {
            "name": "shop",
            "team": "shop-eng",
            "receiver": "ops",
            "alarm_topic_arns": {"critical": "arn:aws:sns:{region}:{account_id}:shop-critical"},
        }
    ],
    "services": [
        {
            "kind": "mysql",
            "name": "orders-db",
            "domain": "shop",
            "endpoint": "orders-db.abc123.us-east-1.rds.amazonaws.com:3306",
        },
        {
            "kind": "mysql",
            "name": "orders-db-eu",
            "domain": "shop",
            "account": "edge",
            "region": "eu-west-1",
            "endpoint": "orders-db-eu.abc123.eu-west-1.rds.amazonaws.com:3306",
        },
    ],
}


def mac(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _generate(raw: dict[str, Any], folder: Path) -> tuple[Path, Path, dict[str, Any]]:
    inventory = folder / "inventory"
    inventory.mkdir(parents=True)
    (inventory / "inventory.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    out = folder / "generated"
    done = mac("generate", "-i", inventory, "-o", out, "--quiet")
    assert done.exit_code == 0, done.output
    return inventory, out, json.loads((out / "cloudwatch" / "placements.json").read_text())


def _apply(inventory: Path, out: Path, moto: MotoServer, *extra: str) -> Result:
    return mac(
        "apply", "cloudwatch", "-i", inventory, "-o", out, "--endpoint-url", moto.url, "--yes",
        "--max-calls-per-second", "500", *extra,
    )  # fmt: skip


def test_prune_deletes_owned_alarms_where_no_service_remains_and_nothing_else(
    moto: MotoServer,
    tmp_path: Path,
) -> None:
    inventory, out, placements = _generate(FLEET, tmp_path / "before")
    edge = placements["edge/eu-west-1"]
    assert edge["services"] == ["orders-db-eu"] and edge["alarms"]
    # Every declared account and region is a placement, with or without a service in it.
    assert sorted(placements) == ["edge/eu-west-1", "edge/us-east-1", "main/eu-west-1", "main/us-east-1"]
    assert placements["main/eu-west-1"] == {**placements["main/eu-west-1"], "services": [], "alarms": []}
    applied = _apply(inventory, out, moto)
    assert applied.exit_code == 0, applied.output
    owned = sorted(edge["alarms"])
    assert sorted(live_alarms(moto.url, edge)) == owned

    # Someone else's alarm (no ownership tags) in the same place, under our name prefix even.
    foreign = f"{owned[0].rsplit('/', 1)[0]}/made-by-hand"
    client("cloudwatch", moto.url, edge).put_metric_alarm(
        AlarmName=foreign,
        Namespace="AWS/RDS",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=90.0,
        ComparisonOperator="GreaterThanThreshold",
    )

    # The EU database is gone: edge/eu-west-1 holds no service of the inventory any more.
    moved = copy.deepcopy(FLEET)
    del moved["services"][1]
    inventory, out, placements = _generate(moved, tmp_path / "after")
    assert placements["edge/eu-west-1"]["services"] == [] == placements["edge/eu-west-1"]["alarms"]

    plan = mac("plan", "cloudwatch", "-i", inventory, "-o", out, "--endpoint-url", moto.url)
    assert plan.exit_code == 0, plan.output
    assert f"{len(owned)} owned alarms are no longer in the inventory; --prune deletes them" in plan.output

    pruned = _apply(inventory, out, moto, "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert sorted(live_alarms(moto.url, edge)) == [foreign]
    assert sorted(live_alarms(moto.url, placements["main/us-east-1"])) == sorted(
        placements["main/us-east-1"]["alarms"]
    )
    again = mac(
        "plan", "cloudwatch", "-i", inventory, "-o", out, "--endpoint-url", moto.url, "--detailed-exitcode"
    )
    assert again.exit_code == 0, again.output
