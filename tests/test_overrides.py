"""Alert and alarm overrides per domain and service: rules, promtool tests, alarms, validation."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.aws.presets import service_alarms
from monitoring.checks import check_artifacts
from monitoring.generate.rules import rule_files
from monitoring.inventory.build import load_inventory
from monitoring.model import Inventory
from monitoring.problems import InputError
from tests.servers import tool


def _db(name: str, domain: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "mysql",
        "name": name,
        "domain": domain,
        "endpoint": f"{name}.abc.us-east-1.rds.amazonaws.com:3306",
        **extra,
    }


OVERRIDDEN: dict[str, Any] = {
    "settings": {"organization": "acme", "environment": "test", "region": "us-east-1"},
    "domains": [
        {
            "name": "shop",
            "team": "shop-eng",
            "receiver": "default",
            "alerts": {"MysqlNoTargets": {"for": "30m"}, "MysqlConnectionsHigh": {"severity": "critical"}},
            "alarms": {"cpu-high": {"severity": "critical"}},
        },
        {
            "name": "lab",
            "team": "lab-eng",
            "receiver": "default",
            "alerts": {"MysqlNoTargets": {"enabled": False}},
        },
    ],
    "services": [
        _db(
            "orders",
            "shop",
            alerts={
                "MysqlSlowQueries": {"enabled": False},
                "MysqlDown": {"for": "5m", "severity": "warning"},
                "MysqlConnectionsHigh": {"severity": "warning"},
                "MysqlTargetMissing": {"for": "30m"},
            },
            alarms={"cpu-high": {"enabled": False}},
        ),
        _db("billing", "shop", thresholds={"max_slow_queries_per_second": 1}),
        _db("search", "shop"),
        _db("sandbox", "lab", alerts={"MysqlDown": {"enabled": False}}),
    ],
}


def _load(raw: Mapping[str, Any], tmp_path: Path) -> Inventory:
    folder = tmp_path / "inventory"
    folder.mkdir(exist_ok=True)
    (folder / "inventory.yaml").write_text(yaml.safe_dump(dict(raw), sort_keys=False))
    return load_inventory(folder)


def _rules(inventory: Inventory, out: Path) -> dict[str, list[dict[str, Any]]]:
    by_alert: dict[str, list[dict[str, Any]]] = {}
    for artifact in rule_files(inventory):
        target = out / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.render())
        if artifact.path.endswith(".rules.yml"):
            for rule in artifact.data["groups"][0]["rules"]:
                if "alert" in rule:
                    by_alert.setdefault(rule["alert"], []).append(rule)
    return by_alert


def test_overridden_rules_leave_the_other_services_alone(tmp_path: Path) -> None:
    rules = _rules(_load(OVERRIDDEN, tmp_path), tmp_path / "out")
    slow = rules["MysqlSlowQueries"]
    assert [r["expr"] for r in slow] == [
        'service:mysql_slow_queries:rate5m{service!~"billing|orders"} > 0.2',
        'service:mysql_slow_queries:rate5m{service=~"billing"} > 1',
    ]
    down = {(r["for"], r["labels"]["severity"]): r["expr"] for r in rules["MysqlDown"]}
    assert down == {
        ("1m", "critical"): 'mysql_up{service!~"orders|sandbox", job="mysql"} == 0',
        ("5m", "warning"): 'mysql_up{service=~"orders", job="mysql"} == 0',
    }
    connections = sorted(
        (r["labels"]["severity"], r["expr"].split("{")[1]) for r in rules["MysqlConnectionsHigh"]
    )
    assert connections == [
        ("critical", 'service=~"billing|search"} > 0.8'),
        ("warning", 'service!~"billing|search"} > 0.8'),
    ]
    missing = {r["for"]: r["expr"] for r in rules["MysqlTargetMissing"]}
    assert set(missing) == {"5m", "30m"} and 'service=~"orders"' in missing["30m"]
    [no_targets] = rules["MysqlNoTargets"]
    assert no_targets["labels"]["domain"] == "shop" and no_targets["for"] == "30m"
    # The text says how long, as the rule waits: the override's `for`, not the pack's.
    assert " for 30m" in no_targets["annotations"]["description"]
    assert all(f" for {r['for']}" in r["annotations"]["description"] for r in rules["MysqlDown"])


def test_overridden_rules_pass_the_generate_checks(tmp_path: Path) -> None:
    # A group that overrides only `for` must still be told apart from the fleet's rule.
    artifacts = rule_files(_load(OVERRIDDEN, tmp_path))
    assert check_artifacts(artifacts, artifacts) == []
    missing = _rules(_load(OVERRIDDEN, tmp_path), tmp_path / "out")["MysqlTargetMissing"]
    assert sorted(r["labels"].get("for", "") for r in missing) == ["", "30m"]


@pytest.mark.integration
def test_promtool_passes_the_overridden_rules_and_their_tests(tmp_path: Path) -> None:
    _rules(_load(OVERRIDDEN, tmp_path), tmp_path / "out")
    rule_paths = sorted(str(p) for p in (tmp_path / "out" / "prometheus" / "rules").glob("*.yml"))
    test_paths = sorted(str(p) for p in (tmp_path / "out" / "prometheus" / "tests").glob("*.yml"))
    for command in (["check", "rules", *rule_paths], ["test", "rules", *test_paths]):
        done = subprocess.run([tool("promtool"), *command], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    tests = yaml.safe_load((tmp_path / "out" / "prometheus" / "tests" / "mysql.test.yml").read_text())
    fired = {
        (
            case["alert_rule_test"][0]["alertname"],
            alert["exp_labels"].get("service"),
            alert["exp_labels"]["severity"],
        )
        for case in tests["tests"]
        for alert in case["alert_rule_test"][0]["exp_alerts"]
    }
    assert ("MysqlDown", "orders", "warning") in fired
    assert ("MysqlConnectionsHigh", "billing", "critical") in fired
    assert not any(name == "MysqlSlowQueries" and service == "orders" for name, service, _ in fired)


def test_alarm_overrides_drop_and_reroute_alarms(tmp_path: Path) -> None:
    inventory = _load(OVERRIDDEN, tmp_path)
    by_service = {
        s.name: {a.check: a.severity for a in service_alarms(s, inventory.settings)}
        for s in inventory.services
    }
    assert "cpu-high" not in by_service["orders"]
    assert by_service["billing"]["cpu-high"] == "critical"
    assert by_service["sandbox"]["cpu-high"] == "warning"
    assert set(by_service["orders"]) == set(by_service["billing"]) - {"cpu-high"}


@pytest.mark.parametrize(
    ("path", "name", "message", "hint"),
    [
        (
            ("services", 0, "alerts"),
            "MysqlSlowQuery",
            "no alert named 'MysqlSlowQuery'",
            "'MysqlSlowQueries'",
        ),
        (("services", 0, "alarms"), "cpu-hihg", "no alarm named 'cpu-hihg'", "'cpu-high'"),
        (("domains", 1, "alerts"), "RedisDown", "no alert named 'RedisDown'", "known: Mysql"),
        (("services", 0, "alerts"), "MysqlNoTargets", "fires per domain", "override it on the domain"),
    ],
)
def test_unknown_overrides_are_located_errors(
    tmp_path: Path, path: tuple[str, int, str], name: str, message: str, hint: str
) -> None:
    raw = copy.deepcopy(OVERRIDDEN)
    raw[path[0]][path[1]].setdefault(path[2], {})[name] = {"enabled": False}
    with pytest.raises(InputError) as raised:
        _load(raw, tmp_path)
    [problem] = raised.value.problems
    assert problem.check == f"inventory/unknown-{path[2][:-1]}"
    assert message in problem.message and hint in problem.hint
    assert problem.location.line > 1
