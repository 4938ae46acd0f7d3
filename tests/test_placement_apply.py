"""`mac plan/apply cloudwatch` across two accounts and two regions, on moto server over HTTP: one
session per (account, region), each account's role assumed through STS (moto maps assumed-role
credentials to the role's account)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from tests.aws_fixtures import MotoServer
from tests.helpers import REPO

pytestmark = pytest.mark.integration

MULTI = REPO / "tests" / "fixtures" / "inventory" / "valid" / "multi-account"


def mac(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def client(service: Literal["cloudwatch", "logs"], endpoint: str, placement: dict[str, Any]) -> Any:
    """A client acting in the placement's account (through its role) and region."""
    credentials = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1").assume_role(
        RoleArn=placement["role_arn"], RoleSessionName="test"
    )["Credentials"]
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=placement["region"],
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def live_alarms(endpoint: str, placement: dict[str, Any]) -> dict[str, str]:
    pages = client("cloudwatch", endpoint, placement).get_paginator("describe_alarms").paginate()
    return {a["AlarmName"]: a["AlarmArn"] for page in pages for a in page["MetricAlarms"]}


def test_each_alarm_lands_in_its_own_account_and_region_and_a_second_plan_is_empty(
    moto: MotoServer,
    tmp_path: Path,
) -> None:
    out = tmp_path / "generated"
    assert mac("generate", "-i", MULTI, "-o", out, "--quiet").exit_code == 0
    placements: dict[str, Any] = json.loads((out / "cloudwatch" / "placements.json").read_text())
    assert sorted(placements) == ["data/eu-west-1", "data/us-east-1", "shop/eu-west-1", "shop/us-east-1"]
    shop_us = placements["shop/us-east-1"]
    for group in shop_us["log_groups"]:
        client("logs", moto.url, shop_us).create_log_group(logGroupName=group)

    common = ("-i", MULTI, "-o", out, "--endpoint-url", moto.url)
    pending = mac("plan", "cloudwatch", *common, "--format", "json", "--detailed-exitcode")
    assert pending.exit_code == 1, pending.output
    document = json.loads(pending.output)
    by_placement = {
        f"{p['account']}/{p['region']}": sorted(a["name"] for a in p["alarms"])
        for p in document["placements"]
    }
    assert by_placement == {key: sorted(p["alarms"]) for key, p in placements.items()}
    assert {p["account_id"] for p in document["placements"]} == {"111111111111", "222222222222"}
    # A named (slow-query) log group is looked for only where its database lives.
    assert all(not p["missing_log_groups"] for p in document["placements"])

    applied = mac(
        "apply", "cloudwatch", *common, "--yes", "--max-calls-per-second", "500", "--allow-shorten-retention"
    )
    assert applied.exit_code == 0, applied.output
    assert "in account shop (111111111111), eu-west-1" in applied.output
    assert "sts.AssumeRole 4" in applied.output

    for key, placement in placements.items():
        alarms = live_alarms(moto.url, placement)
        assert sorted(alarms) == sorted(placement["alarms"]), key
        for arn in alarms.values():
            assert arn.split(":")[3:5] == [placement["region"], placement["account_id"]], arn
    logs = client("logs", moto.url, shop_us).describe_log_groups()["logGroups"]
    assert {g["logGroupName"]: g.get("retentionInDays") for g in logs} == dict.fromkeys(
        shop_us["log_groups"], 30
    )

    again = mac("plan", "cloudwatch", *common, "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert again.output.count("No changes. CloudWatch matches the inventory.") == len(placements)


def test_region_and_account_only_filter_the_placements(moto: MotoServer, tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert mac("generate", "-i", MULTI, "-o", out, "--quiet").exit_code == 0
    common = ("-i", MULTI, "-o", out, "--endpoint-url", moto.url)
    one = mac("plan", "cloudwatch", *common, "--region", "eu-west-1", "--account", "data")
    assert one.exit_code == 0, one.output
    assert one.output.startswith(
        "CloudWatch plan for inventory 'acme/test' in account data (222222222222), eu-west-1"
    )
    assert one.output.count("CloudWatch plan for") == 1
    unknown = mac("plan", "cloudwatch", *common, "--region", "ap-south-1")
    assert unknown.exit_code == 2
    assert "error: no alarms or log groups of this inventory are in ap-south-1" in unknown.stderr
