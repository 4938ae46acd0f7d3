"""Accounts and regions: declared in settings, inherited settings -> domain -> service, and
followed by every output (tests/fixtures/inventory/valid/multi-account)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from monitoring.inventory.build import load_inventory
from monitoring.model import DEFAULT_ACCOUNT, Inventory
from tests.helpers import REPO, run_mac
from tests.servers import tool

MULTI = REPO / "tests" / "fixtures" / "inventory" / "valid" / "multi-account"


def _multi() -> Inventory:
    return load_inventory(MULTI)


def test_services_inherit_account_and_region() -> None:
    inventory = _multi()
    where = {s.name: (s.account.name, s.region) for s in inventory.services}
    assert where == {
        "orders-db": ("shop", "us-east-1"),  # settings
        "sessions-eu": ("shop", "eu-west-1"),  # service region over settings
        "ec2-shop": ("shop", "us-east-1"),
        "shop-search": ("shop", "us-east-1"),
        "events-db": ("data", "eu-west-1"),  # domain
        "logs-search": ("data", "eu-west-1"),
        "ec2-data-us": ("data", "us-east-1"),  # service region over domain
        "reports-db": ("shop", "us-east-1"),  # service account and region over domain
    }
    shop = next(a for a in inventory.settings.accounts if a.name == "shop")
    assert shop.role_arn == "arn:aws:iam::111111111111:role/mac-monitoring"
    assert inventory.settings.account_id == "111111111111"
    assert inventory.settings.regions == ("eu-west-1", "us-east-1")
    assert [(a.name, r) for a, r in inventory.placements()] == [
        ("data", "eu-west-1"),
        ("data", "us-east-1"),
        ("shop", "eu-west-1"),
        ("shop", "us-east-1"),
    ]


def test_single_region_form_is_one_default_account() -> None:
    inventory = load_inventory(REPO / "inventory")
    settings = inventory.settings
    assert [(a.name, a.account_id, a.role_arn) for a in settings.accounts] == [
        (DEFAULT_ACCOUNT, settings.account_id, "")
    ]
    assert settings.regions == (settings.region,)
    assert {(s.account, s.region) for s in inventory.services} == {(settings.accounts[0], settings.region)}


def test_alarm_actions_and_client_id_are_the_alarms_own_account_and_region() -> None:
    from monitoring.generate.cloudwatch import desired_alarms

    inventory = _multi()
    services = {s.name: s for s in inventory.services}
    alarms = desired_alarms(inventory).values()
    assert alarms
    for alarm in alarms:
        service = services[next(t["Value"] for t in alarm["Tags"] if t["Key"] == "mac:service")]
        for arn in alarm["AlarmActions"] + alarm["OKActions"]:
            assert arn.split(":")[3:5] == [service.region, service.account.account_id], alarm["AlarmName"]
        client_ids = [d["Value"] for d in alarm["Dimensions"] if d["Name"] == "ClientId"]
        assert client_ids in ([], [service.account.account_id])
    assert any(d["Name"] == "ClientId" for alarm in alarms for d in alarm["Dimensions"])
    regions = {a["AlarmActions"][0].split(":")[3] for a in alarms if a["AlarmActions"]}
    assert regions == {"eu-west-1", "us-east-1"}


def test_ec2_discovery_runs_in_each_nodes_region_through_its_accounts_role() -> None:
    from monitoring.kinds import KINDS
    from monitoring.kinds.node import NodeService

    inventory = _multi()
    nodes = inventory.services_of("node", NodeService)
    jobs = {job["job_name"]: job for job in KINDS["node"].scrape_jobs(nodes, inventory.settings)}
    sd = {
        name: {k: v for k, v in job["ec2_sd_configs"][0].items() if k != "filters"}
        for name, job in jobs.items()
    }
    assert sd == {
        "node-ec2-data-us": {
            "region": "us-east-1",
            "role_arn": "arn:aws:iam::222222222222:role/mac-monitoring",
            "port": 9100,
        },
        "node-ec2-shop": {
            "region": "us-east-1",
            "role_arn": "arn:aws:iam::111111111111:role/mac-monitoring",
            "port": 9100,
        },
    }


@pytest.mark.integration
def test_promtool_accepts_the_per_account_discovery(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert run_mac("generate", "-i", str(MULTI), "-o", str(out), "-q").returncode == 0
    result = subprocess.run(
        [tool("promtool"), "check", "config", str(out / "prometheus" / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_has_a_cloudwatch_datasource_per_account_and_region() -> None:
    from dashboards.opensearch import build
    from monitoring.generate.grafana import dashboard_json, datasources_provisioning

    inventory = _multi()
    cloudwatch = [d for d in datasources_provisioning(inventory)["datasources"] if d["type"] == "cloudwatch"]
    assert [(d["uid"], d["jsonData"]) for d in cloudwatch] == [
        (
            "cloudwatch",  # the default account and region keep the declared uid
            {
                "authType": "default",
                "defaultRegion": "us-east-1",
                "assumeRoleArn": "arn:aws:iam::111111111111:role/mac-monitoring",
            },
        ),
        *(
            (
                f"cloudwatch-{account}-{region}",
                {
                    "authType": "default",
                    "defaultRegion": region,
                    "assumeRoleArn": f"arn:aws:iam::{account_id}:role/mac-monitoring",
                },
            )
            for account, account_id, region in (
                ("data", "222222222222", "eu-west-1"),
                ("data", "222222222222", "us-east-1"),
                ("shop", "111111111111", "eu-west-1"),
            )
        ),
    ]
    board = dashboard_json(build(inventory))
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["label"] == "Account and region"
    assert [o["value"] for o in variables["datasource"]["options"]] == [d["uid"] for d in cloudwatch]
    assert [o["value"] for o in variables["account_id"]["options"]] == ["111111111111", "222222222222"]
    client_ids = {
        t["dimensions"]["ClientId"]
        for panel in board["panels"]
        for t in panel.get("targets", [])
        if "dimensions" in t
    }
    assert client_ids == {"$account_id"}
