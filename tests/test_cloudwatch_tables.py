"""Alarm tables, metric facades and the CloudWatch metric catalogs: every mistake fails when built."""

from __future__ import annotations

import copy
import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import monitoring.generate.cloudwatch as cloudwatch_generator
from cli.main import cli
from monitoring.artifacts import Artifact
from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope
from monitoring.aws.catalog import CATALOG_DIR, catalog_file, load_path
from monitoring.aws.checks import check_cloudwatch
from monitoring.aws.facade import Facade, FacadeError, Level
from monitoring.aws.presets import docdb, elasticache, rds
from monitoring.aws.retention import retention_policy
from monitoring.generate.cloudwatch import ALARMS_PATH, desired_alarms
from monitoring.inventory.build import load_inventory
from monitoring.kinds import KINDS
from monitoring.lazy import resolve
from monitoring.model import LogRetention, Service, Settings
from tests.helpers import REPO

FLEET = REPO / "tests/fixtures/cloudwatch/inventory"
HERE = Path(__file__).name


def _instance(service: Service, settings: Settings) -> list[Resource]:
    return [Resource("", ("db-1",))]


def table(*rows: Alarm, scopes: dict[str, Scope] | None = None) -> AlarmTable:
    return AlarmTable(
        "test",
        rds.FACADE,
        kinds=("mysql",),
        scopes=scopes or {"instance": Scope("instance", _instance)},
        rows={"instance": rows},
    )


def test_every_kind_with_alarms_names_a_table_that_serves_it_and_resolves_its_thresholds() -> None:
    with_alarms = {name: kind for name, kind in KINDS.items() if kind.alarms is not None}
    assert with_alarms
    for name, kind in with_alarms.items():
        assert kind.alarms is not None
        alarms = resolve(kind.alarms)
        assert isinstance(alarms, AlarmTable), name
        assert name in alarms.kinds, f"{kind.alarms} does not list kind {name}"
        alarms.threshold_factors(kind)  # raises, naming the row, on an unknown threshold or unit


def test_an_unknown_threshold_name_fails_at_build_time_naming_the_row() -> None:
    row = Alarm("cpu-high", "CPUUtilization", 300, "> max_cpu_precent", 3, 3, "missing", "warning", "x")
    line = sys._getframe().f_lineno - 1
    with pytest.raises(FacadeError) as raised:
        table(row)
    message = str(raised.value)
    assert message.startswith(f"tests/{HERE}:{line}: alarm table test, row 'cpu-high': ")
    assert "kind 'mysql' has no threshold 'max_cpu_precent'; its thresholds: " in message
    assert "max_cpu_percent" in message


def test_an_unknown_facade_metric_fails_at_build_time() -> None:
    with pytest.raises(FacadeError, match=r"row 'swap': facade of AWS/RDS does not read 'SwapUsage'"):
        table(Alarm("swap", "SwapUsage", 300, "> 1", 3, 3, "missing", "warning", "swap"))


def test_a_facade_metric_outside_the_catalog_fails_with_a_suggestion() -> None:
    with pytest.raises(FacadeError) as raised:
        Facade("AWS/RDS", Level("instance", ("DBInstanceIdentifier",), {"SwapUsge": "Maximum"}))
    assert str(raised.value) == (
        "facade of AWS/RDS: level instance: AWS/RDS has no metric 'SwapUsge' (did you mean SwapUsage?)"
    )


def test_a_dimension_set_the_metric_is_not_published_with_fails() -> None:
    with pytest.raises(FacadeError, match=r"AWS/Kafka publishes UnderReplicatedPartitions with dimensions"):
        Facade("AWS/Kafka", Level("cluster", ("Cluster Name",), {"UnderReplicatedPartitions": "Maximum"}))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            Alarm("m", "FreeableMemory", 300, "> max_cpu_percent", 1, 1, "missing", "warning", "x"),
            "threshold max_cpu_percent (in percent) cannot be compared with FreeableMemory (in Bytes",
        ),
        (
            Alarm("m", "CPUUtilization", 300, "above max_cpu_percent", 1, 1, "missing", "warning", "x"),
            "is not '<operator> <threshold name or number>', the operator one of >, >=, <, <=",
        ),
        (
            Alarm("m", "CPUUtilization", 300, "> 1", 1, 1, "missing", "warning", "CPU on {broker_id}"),
            "summary uses broker_id; it may use threshold",
        ),
        (
            Alarm("m", "CPUUtilization", 300, "> 1", 1, 1, "missing", "warning", "CPU {threshold:q}"),
            "does not format",
        ),
    ],
)
def test_rows_are_checked_when_the_table_is_built(row: Alarm, message: str) -> None:
    with pytest.raises(FacadeError, match="row 'm': ") as raised:
        table(row)
    assert message in str(raised.value)


def test_thresholds_are_converted_to_the_metrics_unit() -> None:
    bundled = load_inventory(REPO / "inventory")
    documentdb = next(s for s in bundled.services if s.kind == "documentdb")
    (lag,) = [
        a for a in docdb.documentdb_alarms(documentdb, bundled.settings) if a.check == "replica-lag-high"
    ][:1]
    assert docdb.FACADE.unit("DBInstanceReplicaLag") == "Milliseconds"
    assert lag.threshold == documentdb.thresholds["max_replica_lag_seconds"] * 1000
    fleet = load_inventory(FLEET)
    evictions = desired_alarms(fleet)["acme/test/redis/sessions/sessions-001/evictions"]
    redis = next(s for s in fleet.services if s.kind == "redis")
    assert (evictions["Statistic"], evictions["Period"]) == ("Sum", 60)
    assert evictions["Threshold"] == redis.thresholds["max_evictions_per_second"] * 60
    assert elasticache.FACADE.statistic("EngineCPUUtilization", "node") == "Average"


def test_every_catalog_parses_and_is_named_after_its_namespace() -> None:
    paths = sorted(CATALOG_DIR.glob("*.txt"))
    assert paths
    for path in paths:
        catalog = load_path(path)
        assert catalog_file(catalog.namespace) == path
        assert catalog.metrics


def alarm_with(fleet_alarms: dict[str, dict[str, Any]], **changes: Any) -> Artifact:
    name = "acme/test/mysql/orders-db/cpu-high"
    return Artifact(ALARMS_PATH, {name: {**copy.deepcopy(fleet_alarms[name]), **changes}}, "json-entries")


def test_the_artifact_check_rejects_a_metric_or_dimension_cloudwatch_does_not_publish() -> None:
    fleet_alarms = desired_alarms(load_inventory(FLEET))
    assert check_cloudwatch(alarm_with(fleet_alarms)) == []
    (typo,) = check_cloudwatch(alarm_with(fleet_alarms, MetricName="SwapUsge"))
    assert (typo.check, typo.location.line) == ("cloudwatch/metric-catalog", 2)
    assert typo.message.endswith("AWS/RDS has no metric 'SwapUsge' (did you mean SwapUsage?)")
    (dimension,) = check_cloudwatch(
        alarm_with(fleet_alarms, Dimensions=[{"Name": "DBInstanceId", "Value": "x"}])
    )
    assert "publishes CPUUtilization with dimensions " in dimension.message
    assert dimension.message.endswith("not DBInstanceId")
    (namespace,) = check_cloudwatch(alarm_with(fleet_alarms, Namespace="AWS/RDSS"))
    assert "no CloudWatch metric catalog for namespace 'AWS/RDSS'" in namespace.message


def test_a_swapusge_typo_fails_generate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = cloudwatch_generator.desired_alarms

    def with_typo(inventory: Any) -> dict[str, dict[str, Any]]:
        alarms = real(inventory)
        alarms["acme/test/mysql/orders-db/cpu-high"]["MetricName"] = "SwapUsge"
        return alarms

    monkeypatch.setattr(cloudwatch_generator, "desired_alarms", with_typo)
    out = tmp_path / "generated"
    result = CliRunner().invoke(cli, ["generate", "-i", str(FLEET), "-o", str(out), "--serial"])
    assert result.exit_code == 1, result.output
    assert "AWS/RDS has no metric 'SwapUsge' (did you mean SwapUsage?)" in result.output
    assert not out.exists()


def test_replica_lag_is_alarmed_on_read_replicas_only() -> None:
    inventory = load_inventory(REPO / "tests/fixtures/inventory/valid/every-kind")
    alarms = desired_alarms(inventory)
    alarmed = {name.split("/")[3] for name in alarms if name.split("/")[2] in ("mysql", "postgresql")}
    assert {"orders-db", "orders-db-replica", "geo-db"} <= alarmed
    replica_lag = sorted(name for name in alarms if "/replica-lag-high" in name and "/mysql/" in name)
    assert replica_lag == ["acme/test/mysql/orders-db-replica/replica-lag-high"]
    alarm = alarms[replica_lag[0]]
    assert alarm["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "orders-db-replica"}]
    assert "behind orders-db" in alarm["AlarmDescription"]


def test_aurora_alarms_are_on_the_cluster_roles_and_lag_only_on_readers() -> None:
    inventory = load_inventory(REPO / "tests/fixtures/inventory/valid/every-kind")
    alarms = desired_alarms(inventory)
    ledger = {
        n.removeprefix("acme/test/aurora_mysql/ledger/"): a for n, a in alarms.items() if "/ledger/" in n
    }
    lag = ledger["reader/replica-lag-high"]
    assert (lag["MetricName"], lag["Namespace"]) == ("AuroraReplicaLag", "AWS/RDS")
    assert lag["Dimensions"] == [
        {"Name": "DBClusterIdentifier", "Value": "ledger"},
        {"Name": "Role", "Value": "READER"},
    ]
    assert rds.FACADE.unit("AuroraReplicaLag") == "Milliseconds"
    assert lag["Threshold"] == KINDS["aurora_mysql"].threshold_defaults["max_replica_lag_seconds"] * 1000
    assert ledger["writer/deadlocks"]["Dimensions"][1] == {"Name": "Role", "Value": "WRITER"}
    assert ledger["volume-used-high"]["Dimensions"] == [{"Name": "DBClusterIdentifier", "Value": "ledger"}]
    assert not any(d["Name"] == "DBInstanceIdentifier" for a in ledger.values() for d in a["Dimensions"])
    # A writer-only cluster: no READER alarm; the cluster id, not the service name, is the dimension.
    payments = {n: a for n, a in alarms.items() if "/aurora_postgresql/payments/" in n}
    assert payments and not any("/reader/" in n for n in payments)
    assert {a["Dimensions"][0]["Value"] for a in payments.values()} == {"payments-cluster"}


def test_aurora_mysql_slow_query_log_group_is_the_clusters() -> None:
    inventory = load_inventory(REPO / "tests/fixtures/inventory/valid/every-kind")
    with_retention = dataclasses.replace(inventory, log_retention=LogRetention(30, ()))
    groups = retention_policy(with_retention).log_groups
    assert groups["/aws/rds/cluster/ledger/slowquery"] == 30
    assert not any(g.startswith("/aws/rds/cluster/payments") for g in groups)
    assert "/aws/rds/instance/ledger/slowquery" not in groups


def test_redis_cluster_mode_alarms_and_scrapes_awss_real_node_ids() -> None:
    inventory = load_inventory(REPO / "tests/fixtures/inventory/valid/every-kind")
    carts = next(s for s in inventory.services if s.name == "carts")
    nodes = [f"carts-{shard:04d}-{node:03d}" for shard in (1, 2, 3) for node in (1, 2)]
    alarmed = {n.split("/")[4] for n in desired_alarms(inventory) if "/redis/carts/" in n}
    assert sorted(alarmed) == nodes
    lag = {n.split("/")[4] for n in desired_alarms(inventory) if "/carts/" in n and "replication-lag" in n}
    assert lag == set(nodes)
    (job,) = KINDS["redis"].scrape_jobs([carts], inventory.settings)
    targets = {g["labels"]["cache_cluster_id"]: g["targets"] for g in job["static_configs"]}
    assert sorted(targets) == nodes
    assert targets["carts-0002-001"] == ["redis://carts-0002-001.carts.abc123.use1.cache.amazonaws.com:6379"]
    assert not any("clustercfg" in t for ts in targets.values() for t in ts)
