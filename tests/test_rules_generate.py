"""Generated rules: goldens, promtool check/test, threshold groups, templates, metric catalogs."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
import yaml

from monitoring.alert_templates import expand, humanize, humanize1024, humanize_duration, humanize_percentage
from monitoring.generate.rules import rule_files, threshold_groups
from monitoring.inventory.build import load_inventory
from monitoring.kinds import KINDS
from monitoring.lint.model import parse_rule_file
from monitoring.lint.promql import parsed, selectors
from monitoring.metric_catalog import SYNTHETIC_CATALOG, load_catalog
from monitoring.model import Inventory
from monitoring.rule_packs import available_packs, load_pack
from tests.helpers import assert_generated, promtool_test_failures
from tests.servers import tool

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory(ROOT / "inventory")


@pytest.fixture(scope="module")
def written(inventory: Inventory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rules")
    for artifact in rule_files(inventory):
        target = out / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.render())
    return out


def test_generated_rules_match_the_committed_goldens(inventory: Inventory) -> None:
    artifacts = rule_files(inventory)
    assert {a.path for a in artifacts} == {
        f"prometheus/{folder}/{kind}.{suffix}.yml"
        for kind in {
            *(set(inventory.kinds_present()) & set(available_packs())),
            *(f"slo-{s.id}" for s in inventory.slos),
        }
        for folder, suffix in (("rules", "rules"), ("tests", "test"))
    }
    assert_generated(artifacts)


def test_promtool_check_rules_with_default_lint(written: Path) -> None:
    files = sorted(str(p) for p in (written / "prometheus" / "rules").glob("*.yml"))
    done = subprocess.run(
        [tool("promtool"), "check", "rules", *files], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_fire_every_alert(written: Path) -> None:
    files = sorted(str(p) for p in (written / "prometheus" / "tests").glob("*.yml"))
    failures = promtool_test_failures(files)
    assert not failures, failures


def test_every_alert_rule_has_a_firing_and_a_quiet_test(written: Path) -> None:
    for rules_path in (written / "prometheus" / "rules").glob("*.rules.yml"):
        kind = rules_path.name.split(".")[0]
        rules = yaml.safe_load(rules_path.read_text())["groups"][0]["rules"]
        tests = yaml.safe_load((written / "prometheus" / "tests" / f"{kind}.test.yml").read_text())["tests"]
        alerts = [r for r in rules if "alert" in r]
        for name in {r["alert"] for r in alerts}:
            cases = [t["alert_rule_test"][0] for t in tests if t["alert_rule_test"][0]["alertname"] == name]
            variants = len([r for r in alerts if r["alert"] == name and "domain" not in r["labels"]]) or 1
            assert len([c for c in cases if c["exp_alerts"]]) == variants, name
            assert len([c for c in cases if not c["exp_alerts"]]) == variants, name


def test_every_alert_carries_routing_labels_and_annotations(written: Path) -> None:
    """A service's alert names the service; an absent() alert, about a whole domain, the kind."""
    for tests_path in (written / "prometheus" / "tests").glob("*.test.yml"):
        for test in yaml.safe_load(tests_path.read_text())["tests"]:
            for expected in test["alert_rule_test"][0]["exp_alerts"]:
                labels = set(expected["exp_labels"])
                assert {"severity", "team", "domain"} <= labels, test["name"]
                assert ("service" in labels) != ("kind" in labels and "no target" in test["name"]), test[
                    "name"
                ]
                assert {"summary", "description", "runbook_url", "dashboard"} == set(
                    expected["exp_annotations"]
                )
                assert "{{" not in "".join(expected["exp_annotations"].values())


def test_absent_alerts_name_no_service_and_link_the_domain(inventory: Inventory) -> None:
    """absent() returns no service label: a fixed `service: mysql` named no real service, and
    `?var-service={{ $labels.service }}` opened the board on nothing."""
    services = {s.name for s in inventory.services}
    checked = 0
    for artifact in rule_files(inventory):
        if not artifact.path.endswith(".rules.yml"):
            continue
        for group in artifact.data["groups"]:
            for rule in group["rules"]:
                if not rule.get("expr", "").startswith("absent("):
                    continue
                labels, link = rule["labels"], rule["annotations"]["dashboard"]
                assert "service" not in labels and labels["kind"] in KINDS, rule["alert"]
                assert link.endswith(f"?var-domain={labels['domain']}&var-service=$__all"), link
                assert not services & set(labels.values()), rule["alert"]
                checked += 1
    assert checked


def test_one_rule_per_threshold_group_not_per_service(inventory: Inventory) -> None:
    redis = [s for s in inventory.services if s.kind == "redis"]
    groups = threshold_groups("min_hit_ratio", inventory.fleet_thresholds["redis"]["min_hit_ratio"], redis)
    assert [(g.value, g.matcher) for g in groups] == [
        (0.8, 'service!~"luckyus-session"'),
        (0.95, 'service=~"luckyus-session"'),
    ]
    assert len(groups[0].members) == len(redis) - 1
    mysql = [s for s in inventory.services if s.kind == "mysql"]
    slow = threshold_groups("max_slow_queries_per_second", 0.2, mysql)
    data = sorted(s.name for s in mysql if s.domain == "data")
    assert [g.value for g in slow] == [0.2, 1.0]
    assert slow[1].matcher == 'service=~"' + "|".join(data) + '"'


def test_a_single_value_selects_every_service(inventory: Inventory) -> None:
    pg = [s for s in inventory.services if s.kind == "postgresql"]
    [group] = threshold_groups("max_deadlocks_per_second", 0.01, pg)
    assert group.matcher == 'service!=""'


def test_a_fleet_wide_override_changes_the_rule_not_the_rule_count(inventory: Inventory) -> None:
    services = tuple(
        dataclasses.replace(s, thresholds={**s.thresholds, "min_hit_ratio": 0.5}) if s.kind == "redis" else s
        for s in inventory.services
    )
    fleet = {
        **inventory.fleet_thresholds,
        "redis": {**inventory.fleet_thresholds["redis"], "min_hit_ratio": 0.5},
    }
    changed = dataclasses.replace(inventory, services=services, fleet_thresholds=fleet)
    rules = next(a for a in rule_files(changed) if a.path == "prometheus/rules/redis.rules.yml").data
    hit = [r for r in rules["groups"][0]["rules"] if r.get("alert") == "RedisHitRatioLow"]
    assert [r["expr"] for r in hit] == ['service:redis_keyspace_hit_ratio:rate5m{service!=""} < 0.5']


def test_the_fleet_reports_findings_have_alerts() -> None:
    names = {a.alert for kind in available_packs() for a in load_pack(kind).alerts}
    assert {"MysqlSlowQueries", "RedisHitRatioLow", "RedisKeysWithoutTtlHigh", "RedisEvictions"} <= names
    for kind in available_packs():
        exprs = " ".join(a.expr for a in load_pack(kind).alerts)
        for job in KINDS[kind].jobs:
            assert job in exprs, f"no target-down/no-data alert for job {job}"
        assert "absent(up{" in exprs and "unless up{" in exprs


def test_exporter_traps_are_avoided() -> None:
    redis = " ".join(r.expr for r in load_pack("redis").recording_rules)
    assert 'redis_memory_max_bytes{job="redis"} > 0' in redis
    pg = " ".join(a.expr for a in load_pack("postgresql").alerts)
    # 0.11.1, the supported postgres_exporter, has no lag in seconds: it is derived on the primary.
    assert "pg_replication_lag_seconds" not in pg and "pg_stat_replication_pg_wal_lsn_diff{" in pg
    kafka = " ".join(
        [*(r.expr for r in load_pack("kafka").recording_rules), *(a.expr for a in load_pack("kafka").alerts)]
    )
    for name in (
        'kafka_server_ReplicaManager_Value{job="kafka-jmx", name="UnderReplicatedPartitions"}',
        'name="OfflinePartitionsCount"',
        'name="SumOffsetLag"',
    ):
        assert name in kafka


@pytest.mark.parametrize("kind", ["mysql", "redis", "node", "postgresql"])
def test_every_metric_of_generated_rules_is_in_the_exporter_catalog(written: Path, kind: str) -> None:
    text = (written / "prometheus" / "rules" / f"{kind}.rules.yml").read_text()
    rule_file = parse_rule_file(text, kind)
    recorded = {r.name for r in rule_file.rules if r.kind == "record"}
    catalog = {
        name for exporter in (*KINDS[kind].catalogs, SYNTHETIC_CATALOG) for name in load_catalog(exporter)
    }
    used = {s.name for rule in rule_file.rules for s in selectors(parsed(rule)) if s.name}
    assert used - recorded, "no exporter metric found: the test would pass vacuously"
    assert sorted(used - recorded - catalog) == []


@pytest.mark.parametrize(
    ("function", "value", "text"),
    [
        (humanize, 0.029, "29m"),
        (humanize, 2_690_000, "2.69M"),
        (humanize, 0, "0"),
        (humanize, 1234.5, "1.234k"),
        (humanize_percentage, 0.029, "2.9%"),
        (humanize_percentage, 0.95, "95%"),
        (humanize_duration, 120, "2m 0s"),
        (humanize_duration, 90061, "1d 1h 1m 1s"),
        (humanize_duration, 0.5, "500ms"),
        (humanize1024, 1536, "1.5ki"),
    ],
)
def test_humanizers_match_prometheus(function: object, value: float, text: str) -> None:
    assert function(value) == text  # type: ignore[operator]


def test_expand_rejects_what_it_cannot_predict() -> None:
    assert (
        expand("{{ $labels.service }} at {{ $value | humanizePercentage }}", {"service": "s"}, 0.5)
        == "s at 50%"
    )
    with pytest.raises(ValueError, match="outside the supported subset"):
        expand('{{ $value | printf "%.2f" }}', {}, 1.0)


def test_cpu_and_load_alerts_say_what_they_measure(inventory: Inventory) -> None:
    """NodeLoadHigh said 15-minute load and read node_load1; KafkaBrokerCpuHigh's threshold said
    user + system and counted every non-idle mode."""
    rules = {
        rule["alert"]: rule
        for artifact in rule_files(inventory)
        if artifact.path.endswith(".rules.yml")
        for group in artifact.data["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    load = rules["NodeLoadHigh"]
    assert "node_load15{" in load["expr"] and "15-minute load" in load["annotations"]["description"]
    assert KINDS["node"].threshold("max_load_per_cpu").description.startswith("Alert when the 15-minute load")
    cpu = rules["KafkaBrokerCpuHigh"]
    assert "100 * (1 - avg" in cpu["expr"] and 'mode="idle"' in cpu["expr"]
    assert "all but idle" in KINDS["kafka"].threshold("max_cpu_percent").description
    assert "but idle time" in cpu["annotations"]["description"]
