"""The whole chain CI runs on the second example inventory (examples/fintech/, two accounts, two
regions): validate, generate, promtool, amtool, lint, and plan + apply + plan-again on moto."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from cli.main import cli
from monitoring.aws.catalog import catalog_file
from monitoring.aws.checks import catalog_problem
from monitoring.inventory.build import load_inventory
from monitoring.kinds.apigateway import ApigatewayService
from monitoring.kinds.aurora import AuroraService
from monitoring.kinds.aws_lambda import LambdaService
from monitoring.kinds.kafka import KafkaService
from monitoring.kinds.kubernetes import KubernetesService
from monitoring.kinds.mysql import MysqlService
from monitoring.kinds.postgresql import PostgresqlService
from monitoring.kinds.redis import RedisService
from monitoring.model import Inventory, Service
from tests.aws_fixtures import MotoServer
from tests.helpers import REPO, promtool_test_failures
from tests.servers import tool
from tests.test_placement_apply import client, live_alarms
from tests.test_prometheus_config import assert_promtool_accepts

EXAMPLE = REPO / "examples" / "fintech" / "inventory"


def mac(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory(EXAMPLE)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fintech") / "generated"
    done = mac("generate", "-i", EXAMPLE, "-o", folder, "--quiet")
    assert done.exit_code == 0, done.output
    return folder


def _run(name: str, *args: str) -> str:
    done = subprocess.run([tool(name), *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def _alarms(out: Path) -> dict[str, dict[str, Any]]:
    alarms: dict[str, dict[str, Any]] = json.loads((out / "cloudwatch" / "alarms.json").read_text())
    return alarms


def test_the_example_validates_and_its_output_is_current(out: Path) -> None:
    valid = mac("validate", "-i", EXAMPLE)
    assert valid.exit_code == 0, valid.output
    check = mac("generate", "-i", EXAMPLE, "-o", out, "--check")
    assert check.exit_code == 0, check.output
    assert mac("lint", "-o", out).exit_code == 0


def test_the_example_has_what_the_issue_asks_for(inventory: Inventory) -> None:
    kinds = Counter(s.kind for s in inventory.services)
    assert kinds["kafka"] == 2 and kinds["kubernetes"] >= 2
    assert kinds["lambda"] >= 1 and kinds["apigateway"] >= 1
    assert {"aurora_mysql", "aurora_postgresql", "redis", "mysql"} <= set(kinds)
    assert {(a.name, region) for a, region in inventory.placements()} == {
        (account, region) for account in ("core", "data") for region in ("us-east-1", "eu-west-1")
    }
    assert all(a.role_arn for a, _ in inventory.placements())
    assert any(s.readers for s in inventory.services if isinstance(s, AuroraService))
    assert any(s.replica_of for s in inventory.services if isinstance(s, MysqlService))
    assert any(s.cluster_mode for s in inventory.services if isinstance(s, RedisService))
    owners = {g.domain for s in inventory.services if isinstance(s, KafkaService) for g in s.consumer_groups}
    clusters = {s.domain for s in inventory.services if isinstance(s, KafkaService) and s.consumer_groups}
    assert len(owners - clusters) >= 2
    assert any(o.enabled is False for s in inventory.services for o in s.alert_overrides.values())
    assert any(s.maintenance for s in inventory.domains) or any(s.maintenance for s in inventory.services)
    assert inventory.settings.labels and all(
        any(x.labels for x in scope) for scope in (inventory.domains, inventory.services)
    )
    receivers = inventory.settings.alertmanager.receivers
    assert all(
        any(getattr(r, field) for r in receivers)
        for field in ("slack_channel", "pagerduty_routing_key_file", "email_to", "webhook_url")
    )


@pytest.mark.integration
def test_promtool_accepts_the_config_rules_and_tests(out: Path, tmp_path: Path) -> None:
    assert_promtool_accepts(yaml.safe_load((out / "prometheus" / "prometheus.yml").read_text()), tmp_path)
    rules = sorted(str(p) for p in (out / "prometheus" / "rules").glob("*.yml"))
    tests = sorted(str(p) for p in (out / "prometheus" / "tests").glob("*.yml"))
    assert rules and len(rules) == len(tests)
    _run("promtool", "check", "rules", *rules)
    failures = promtool_test_failures(tests)
    assert not failures, failures


def _severities(out: Path, alertname: str) -> set[str]:
    return {
        rule["labels"]["severity"]
        for path in (out / "prometheus" / "rules").glob("*.rules.yml")
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if rule.get("alert") == alertname
    }


@pytest.mark.integration
@pytest.mark.parametrize(
    ("alertname", "service", "domain", "severity", "receiver"),
    [
        ("AuroraMysqlDown", "auth-ledger", "payments", "critical", "payments-eng-page"),
        ("RedisClusterStateFail", "card-tokens", "payments", "critical", "payments-eng-page"),
        ("MysqlReplicationLag", "merchants-db-replica", "payments", "critical", "payments-eng-page"),
        ("AuroraMysqlSlowQueries", "auth-ledger", "payments", "warning", "payments-eng"),
        # Overridden to critical for this service: cards has no pager, so it is still mail.
        ("AuroraPostgresqlConnectionsHigh", "issuing-db", "cards", "critical", "cards-eng"),
        ("KafkaBrokerCpuHigh", "scoring-events", "risk", "warning", "risk-eng"),
        ("PostgresqlDown", "case-db", "risk", "critical", "risk-eng"),
    ],
)
def test_amtool_routes_generated_alerts_to_their_owners(
    out: Path, alertname: str, service: str, domain: str, severity: str, receiver: str
) -> None:
    config = out / "alertmanager" / "alertmanager.yml"
    assert "SUCCESS" in _run("amtool", "check-config", str(config))
    assert severity in _severities(out, alertname)
    labels = (f"alertname={alertname}", f"service={service}", f"domain={domain}", f"severity={severity}")
    assert _run("amtool", "config", "routes", "test", f"--config.file={config}", *labels) == receiver


@pytest.mark.integration
def test_amtool_routes_lag_of_an_owned_consumer_group_to_its_owner(out: Path) -> None:
    config = out / "alertmanager" / "alertmanager.yml"
    labels = ("alertname=KafkaConsumerLagHigh", "service=payment-events", "severity=warning")
    route = ("config", "routes", "test", f"--config.file={config}", *labels)
    assert _run("amtool", *route, "domain=payments") == "payments-eng"
    assert _run("amtool", *route, "routed_by=consumerGroup", "domain=cards") == "cards-eng"
    assert _run("amtool", *route, "routed_by=consumerGroup", "domain=risk") == "risk-eng"


def _dimensions(service: Service) -> dict[str, set[str]]:
    """The CloudWatch dimension values naming the service's own resources, as AWS names them."""
    if isinstance(service, MysqlService | PostgresqlService):
        return {"DBInstanceIdentifier": {service.rds_instance_id}}
    if isinstance(service, AuroraService):
        return {
            "DBClusterIdentifier": {service.cluster_id},
            "Role": {"WRITER", "READER"} if service.readers else {"WRITER"},
        }
    if isinstance(service, RedisService):
        group = service.replication_group_id
        nodes = (
            {
                f"{group}-{shard:04d}-{node:03d}"
                for shard in range(1, service.shards + 1)
                for node in range(1, service.replicas_per_shard + 2)
            }
            if service.cluster_mode
            else {f"{group}-{node:03d}" for node in range(1, service.node_count + 1)}
        )
        return {"CacheClusterId": nodes}
    if isinstance(service, KafkaService):
        brokers = {str(n) for n in range(1, len(service.brokers) + 1)}
        return {
            "Cluster Name": {service.cluster_name},
            "Broker ID": brokers,
            "Consumer Group": {g.name for g in service.consumer_groups},
            "Topic": {t for g in service.consumer_groups for t in g.topics},
        }
    if isinstance(service, KubernetesService):
        return {"ClusterName": {service.cluster_name}}
    if isinstance(service, LambdaService):
        return {"FunctionName": {service.function_name}}
    if isinstance(service, ApigatewayService):
        return {"ApiName": {service.api_name}, "Stage": {service.stage}}
    raise AssertionError(f"{service.kind} in the example: say which resources its alarms may name")


def test_every_alarm_names_a_resource_of_its_own_service(inventory: Inventory, out: Path) -> None:
    services = {s.name: s for s in inventory.services}
    alarms = _alarms(out)
    strays = []
    for name, alarm in alarms.items():
        tags = {t["Key"]: t["Value"] for t in alarm["Tags"]}
        own = _dimensions(services[tags["mac:service"]])
        strays += [
            (name, d["Name"], d["Value"])
            for d in alarm["Dimensions"]
            if d["Value"] not in own.get(d["Name"], ())
        ]
    assert alarms and strays == []


def test_every_alarm_is_checked_against_the_cloudwatch_catalog(out: Path) -> None:
    alarms = _alarms(out).values()
    assert all(catalog_file(a["Namespace"]).is_file() and catalog_problem(a) == "" for a in alarms)


@pytest.mark.integration
def test_plan_apply_and_plan_again_across_both_accounts_and_regions(
    moto: MotoServer,
    out: Path,
) -> None:
    placements: dict[str, Any] = json.loads((out / "cloudwatch" / "placements.json").read_text())
    assert sorted(placements) == ["core/eu-west-1", "core/us-east-1", "data/eu-west-1", "data/us-east-1"]
    for placement in placements.values():
        for group in placement["log_groups"]:
            client("logs", moto.url, placement).create_log_group(logGroupName=group)

    common = ("-i", EXAMPLE, "-o", out, "--endpoint-url", moto.url)
    pending = mac("plan", "cloudwatch", *common, "--format", "json", "--detailed-exitcode")
    assert pending.exit_code == 1, pending.output
    planned = {
        f"{p['account']}/{p['region']}": sorted(a["name"] for a in p["alarms"])
        for p in json.loads(pending.output)["placements"]
    }
    assert planned == {key: sorted(p["alarms"]) for key, p in placements.items()}

    # The slow-query groups were created without retention: setting 90 days shortens it.
    applied = mac(
        "apply", "cloudwatch", *common, "--yes", "--max-calls-per-second", "500", "--allow-shorten-retention"
    )
    assert applied.exit_code == 0, applied.output
    for key, placement in placements.items():
        alarms = live_alarms(moto.url, placement)
        assert sorted(alarms) == sorted(placement["alarms"]), key
        assert all(
            arn.split(":")[3:5] == [placement["region"], placement["account_id"]] for arn in alarms.values()
        )
        groups = client("logs", moto.url, placement).describe_log_groups()["logGroups"]
        assert {g["logGroupName"]: g.get("retentionInDays") for g in groups} == dict.fromkeys(
            placement["log_groups"], 90
        )

    again = mac("plan", "cloudwatch", *common, "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert again.output.count("No changes. CloudWatch matches the inventory.") == len(placements)
