"""MSK consumer groups with owners: lag alerts and alarms go to the owning domain, checked with
promtool and amtool; an unknown owner is a located error."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.generate.alertmanager import alertmanager_config
from monitoring.generate.cloudwatch import desired_alarms
from monitoring.generate.rules import rule_files
from monitoring.inventory.build import load_inventory
from monitoring.model import Inventory
from monitoring.problems import InputError
from tests.helpers import run_mac
from tests.servers import tool


def _cluster(name: str, domain: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "kafka",
        "name": name,
        "domain": domain,
        "cluster_name": name,
        "brokers": [f"b-1.{name}.abc123.c2.kafka.us-east-1.amazonaws.com"],
        **extra,
    }


OWNED: dict[str, Any] = {
    "settings": {
        "organization": "acme",
        "environment": "test",
        "region": "us-east-1",
        "account_id": "123456789012",
        "alertmanager": {
            "default_receiver": "ops",
            "receivers": [{"name": "ops"}, {"name": "shop-eng"}, {"name": "billing-eng"}],
        },
    },
    "domains": [
        {
            "name": name,
            "team": f"{name}-eng",
            "receiver": f"{name}-eng",
            "alarm_topic_arns": {"warning": f"arn:aws:sns:us-east-1:123456789012:{name}-warning"},
        }
        for name in ("shop", "billing")
    ],
    "services": [
        _cluster("events", "shop"),
        _cluster(
            "payments",
            "shop",
            consumer_groups=[
                {"name": "invoice-writer", "domain": "billing", "topics": ["payments", "refunds"]}
            ],
        ),
    ],
}


def _load(raw: Mapping[str, Any], tmp_path: Path) -> Inventory:
    folder = tmp_path / "inventory"
    folder.mkdir(exist_ok=True)
    (folder / "inventory.yaml").write_text(yaml.safe_dump(dict(raw), sort_keys=False))
    return load_inventory(folder)


def _write(inventory: Inventory, out: Path) -> list[dict[str, Any]]:
    for artifact in [*rule_files(inventory), *alertmanager_config(inventory)]:
        target = out / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.render())
    rules = yaml.safe_load((out / "prometheus/rules/kafka.rules.yml").read_text())["groups"][0]["rules"]
    return [r for r in rules if r.get("alert") == "KafkaConsumerLagHigh" or "record" in r]


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def test_owned_groups_get_an_owner_series_and_a_rule_of_their_own(tmp_path: Path) -> None:
    rules = _write(_load(OWNED, tmp_path), tmp_path / "out")
    owners = [r["labels"] for r in rules if r.get("record") == "kafka:consumerGroup_owner:info"]
    assert owners == [
        {"consumerGroup": "invoice-writer", "domain": "billing", "service": "payments", "team": "billing-eng"}
    ]
    unowned, owned = [r for r in rules if "alert" in r]
    assert "unless on (service, consumerGroup)" in unowned["expr"]
    assert "group_left (domain, team)" in owned["expr"]
    assert owned["labels"]["routed_by"] == "consumerGroup" and "routed_by" not in unowned["labels"]


def test_without_consumer_groups_the_lag_rule_is_the_packs(tmp_path: Path) -> None:
    raw = copy.deepcopy(OWNED)
    del raw["services"][1]["consumer_groups"]
    rules = _write(_load(raw, tmp_path), tmp_path / "out")
    assert not [r for r in rules if r.get("record") == "kafka:consumerGroup_owner:info"]
    [lag] = [r for r in rules if "alert" in r]
    assert lag["expr"] == 'cluster:kafka_consumer_lag_messages:sum{service!=""} > 10000'


@pytest.mark.integration
def test_lag_of_an_owned_group_reaches_its_owner_and_the_rest_the_cluster(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write(_load(OWNED, tmp_path), out)
    prometheus = out / "prometheus"
    _run(tool("promtool"), "check", "rules", str(prometheus / "rules/kafka.rules.yml"))
    _run(tool("promtool"), "test", "rules", str(prometheus / "tests/kafka.test.yml"))

    def lag(group: str) -> dict[str, str]:
        labels = {
            "job": "kafka-jmx",
            "name": "SumOffsetLag",
            "service": "payments",
            "cluster_name": "payments",
            "domain": "shop",
            "team": "shop-eng",
            "groupId": group,
            "topic": "payments",
        }
        body = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        return {"series": f"kafka_consumer_group_ConsumerLagMetrics_Value{{{body}}}", "values": "50000x30"}

    # The same lag on an owned and an unowned group of one cluster: one alert each, to two domains.
    alerts = "count by (consumerGroup, domain, team) (ALERTS{alertname='KafkaConsumerLagHigh'})"
    expected = [("invoice-writer", "billing"), ("audit", "shop")]
    samples = [
        {"labels": f"{{consumerGroup='{group}', domain='{domain}', team='{domain}-eng'}}", "value": 1}
        for group, domain in expected
    ]
    case = {
        "rule_files": ["rules/kafka.rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [lag("invoice-writer"), lag("audit")],
                "promql_expr_test": [{"expr": alerts, "eval_time": "25m", "exp_samples": samples}],
            }
        ],
    }
    (prometheus / "owners.test.yml").write_text(yaml.safe_dump(case))
    _run(tool("promtool"), "test", "rules", str(prometheus / "owners.test.yml"))
    config = str(out / "alertmanager/alertmanager.yml")
    _run(tool("amtool"), "check-config", config)
    route = (tool("amtool"), "config", "routes", "test", f"--config.file={config}")
    owned = ("alertname=KafkaConsumerLagHigh", "routed_by=consumerGroup", "service=payments")
    assert _run(*route, *owned, "domain=billing", "severity=warning") == "billing-eng"
    assert _run(*route, "alertname=KafkaConsumerLagHigh", "service=payments", "domain=shop") == "shop-eng"


def test_lag_alarms_per_group_and_topic_notify_the_owner(tmp_path: Path) -> None:
    alarms = desired_alarms(_load(OWNED, tmp_path))
    lag = {name: a for name, a in alarms.items() if a["MetricName"] == "SumOffsetLag"}
    assert sorted(lag) == [
        "acme/test/kafka/payments/consumer-invoice-writer-payments/consumer-lag-high",
        "acme/test/kafka/payments/consumer-invoice-writer-refunds/consumer-lag-high",
    ]
    alarm = lag["acme/test/kafka/payments/consumer-invoice-writer-refunds/consumer-lag-high"]
    assert alarm["Namespace"] == "AWS/Kafka" and alarm["Threshold"] == 10000.0
    assert alarm["Dimensions"] == [
        {"Name": "Cluster Name", "Value": "payments"},
        {"Name": "Consumer Group", "Value": "invoice-writer"},
        {"Name": "Topic", "Value": "refunds"},
    ]
    assert (
        alarm["AlarmActions"] == alarm["OKActions"] == ["arn:aws:sns:us-east-1:123456789012:billing-warning"]
    )
    tags = {t["Key"]: t["Value"] for t in alarm["Tags"]}
    assert (tags["mac:domain"], tags["mac:team"], tags["mac:service"]) == (
        "billing",
        "billing-eng",
        "payments",
    )
    # The cluster's own alarms still notify the cluster's domain.
    under = alarms["acme/test/kafka/payments/broker-1/under-replicated-partitions"]
    assert under["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:shop-warning"]


def test_an_unknown_owner_is_a_located_error(tmp_path: Path) -> None:
    raw = copy.deepcopy(OWNED)
    raw["services"][1]["consumer_groups"][0]["domain"] = "biling"
    with pytest.raises(InputError) as raised:
        _load(raw, tmp_path)
    [problem] = raised.value.problems
    assert problem.check == "inventory/consumer-group-owner"
    assert "consumer group 'invoice-writer'" in problem.message and "'biling'" in problem.message
    assert "billing" in problem.hint and problem.location.line > 1
    done = run_mac("validate", "-i", str(tmp_path / "inventory"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "inventory/consumer-group-owner" in done.stdout + done.stderr


@pytest.mark.integration
def test_owning_the_packs_test_group_keeps_the_generated_tests_passing(tmp_path: Path) -> None:
    raw = copy.deepcopy(OWNED)
    raw["services"][0]["consumer_groups"] = [
        {"name": "orders-consumer", "domain": "billing", "topics": ["orders"]}
    ]
    out = tmp_path / "out"
    _write(_load(raw, tmp_path), out)
    _run(tool("promtool"), "test", "rules", str(out / "prometheus/tests/kafka.test.yml"))
    tests = yaml.safe_load((out / "prometheus/tests/kafka.test.yml").read_text())["tests"]
    groups = {
        (alert["exp_labels"]["consumerGroup"], alert["exp_labels"]["domain"])
        for case in tests
        for alert in case["alert_rule_test"][0]["exp_alerts"]
        if case["alert_rule_test"][0]["alertname"] == "KafkaConsumerLagHigh"
    }
    # Every owned group is tested with its owner, the pack's own test value renamed away from them.
    assert groups == {
        ("orders-consumer-unowned", "shop"),
        ("orders-consumer", "billing"),
        ("invoice-writer", "billing"),
    }


@pytest.mark.integration
def test_owners_without_the_clusters_custom_labels_keep_the_generated_tests_passing(tmp_path: Path) -> None:
    """The owned rule takes only domain and team from the owner: the lag series' custom labels (the
    cluster domain's cost_center here, which the owner lacks) stay on the alert, as expected."""
    raw = copy.deepcopy(OWNED)
    raw["settings"]["labels"] = {"company": "acme"}
    raw["domains"][0]["labels"] = {"cost_center": "cc-1"}
    raw["domains"][1]["labels"] = {"ledger": "general"}
    raw["services"][1]["labels"] = {"tier": "tier0"}
    out = tmp_path / "out"
    _write(_load(raw, tmp_path), out)
    _run(tool("promtool"), "test", "rules", str(out / "prometheus/tests/kafka.test.yml"))
    tests = yaml.safe_load((out / "prometheus/tests/kafka.test.yml").read_text())["tests"]
    [owned] = [
        alert["exp_labels"]
        for case in tests
        for alert in case["alert_rule_test"][0]["exp_alerts"]
        if alert["exp_labels"].get("consumerGroup") == "invoice-writer"
    ]
    assert (owned["domain"], owned["cost_center"], owned["tier"], owned["company"]) == (
        "billing",
        "cc-1",
        "tier0",
        "acme",
    )
    assert "ledger" not in owned


def test_time_lag_alarms_per_group_and_topic_in_seconds_overridable(tmp_path: Path) -> None:
    raw = copy.deepcopy(OWNED)
    raw["services"][1]["thresholds"] = {"max_time_lag_seconds": 90}
    alarms = desired_alarms(_load(raw, tmp_path))
    lag = {name: a for name, a in alarms.items() if a["MetricName"] == "EstimatedMaxTimeLag"}
    assert sorted(lag) == [
        "acme/test/kafka/payments/consumer-invoice-writer-payments/consumer-time-lag-high",
        "acme/test/kafka/payments/consumer-invoice-writer-refunds/consumer-time-lag-high",
    ]
    alarm = lag["acme/test/kafka/payments/consumer-invoice-writer-payments/consumer-time-lag-high"]
    assert (alarm["Namespace"], alarm["Statistic"], alarm["Threshold"]) == ("AWS/Kafka", "Maximum", 90.0)
    assert alarm["Dimensions"] == [
        {"Name": "Cluster Name", "Value": "payments"},
        {"Name": "Consumer Group", "Value": "invoice-writer"},
        {"Name": "Topic", "Value": "payments"},
    ]
    assert alarm["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:billing-warning"]
    # Without an override, the kind's default; a cluster without owned groups has none.
    default = desired_alarms(_load(OWNED, tmp_path))
    thresholds = {a["Threshold"] for a in default.values() if a["MetricName"] == "EstimatedMaxTimeLag"}
    assert thresholds == {300.0}
    assert not [name for name in default if name.startswith("acme/test/kafka/events/consumer-")]
