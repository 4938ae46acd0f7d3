"""Two Prometheus shards remote-write to VictoriaMetrics; vmalert evaluates the global rules.

Debian's prometheus (twice), victoria-metrics, vmalert and prometheus-alertmanager run on loopback
with what `mac` generates for tests/fixtures/global-store, scraping real Redis servers (through one
redis_exporter) and a node_exporter. The test rewrites addresses only, plus timing: the node job's
EC2 discovery becomes a static target, the shards scrape and evaluate every second and flush
remote_write within a second, vmalert evaluates every second.
"""

from __future__ import annotations

import copy
import functools
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from monitoring.generate import generate_all
from monitoring.inventory.build import load_inventory
from monitoring.kinds.redis import RedisService
from monitoring.model import Inventory
from tests.helpers import REPO
from tests.servers import (
    AlertmanagerHandle,
    PrometheusHandle,
    RedisExporter,
    ServerPool,
    VictoriaMetricsHandle,
    VmalertHandle,
)

pytestmark = pytest.mark.integration

FIXTURE = REPO / "tests" / "fixtures" / "global-store"
SHARD_LABEL = "shard"
FAST = "1s"
EMPTIED_SHARD = 0
NO_TARGETS = "NoTargets"


@dataclass(frozen=True)
class Fleet:
    inventory: Inventory
    shards: tuple[PrometheusHandle, ...]
    shard_configs: tuple[dict[str, Any], ...]
    shard_rule_count: int
    store: VictoriaMetricsHandle
    vmalert: VmalertHandle
    global_rules: tuple[dict[str, Any], ...]
    alertmanager: AlertmanagerHandle


def _replace_addresses(value: Any, addresses: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in addresses.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_replace_addresses(item, addresses) for item in value]
    if isinstance(value, dict):
        return {key: _replace_addresses(item, addresses) for key, item in value.items()}
    return value


def _shard_config(
    generated: Mapping[str, Any], addresses: Mapping[str, str], node_target: str
) -> dict[str, Any]:
    config: dict[str, Any] = _replace_addresses(copy.deepcopy(dict(generated)), addresses)
    config["global"].update(scrape_interval=FAST, evaluation_interval=FAST)
    # The Prometheus starter keeps rule files inside the server's own directory.
    config["rule_files"] = [path.removeprefix("../") for path in config["rule_files"]]
    for remote in config["remote_write"]:
        remote.setdefault("queue_config", {})["batch_send_deadline"] = FAST
    for job in config["scrape_configs"]:
        if "ec2_sd_configs" in job:
            del job["ec2_sd_configs"]
            job["static_configs"] = [{"targets": [node_target]}]
    return config


def _vmalert_flags(text: str, addresses: Mapping[str, str]) -> list[str]:
    flags = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        name = line.split("=", 1)[0]
        flags.append(
            f"{name}={FAST}" if name == "-evaluationInterval" else _replace_addresses(line, addresses)
        )
    return flags


def _without_targets(config: Mapping[str, Any]) -> dict[str, Any]:
    """A shard's config with every job's targets gone, as when its discovery finds nothing."""
    emptied = copy.deepcopy(dict(config))
    for job in emptied["scrape_configs"]:
        job["static_configs"] = []
    return emptied


def _rules_in(texts: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        rule for text in texts.values() for group in yaml.safe_load(text)["groups"] for rule in group["rules"]
    ]


def _evaluated(ruler: PrometheusHandle | VmalertHandle) -> list[dict[str, Any]] | None:
    """Its rules once each has been evaluated (both report lastEvaluation 0001-01-01 before)."""
    rules = ruler.rules()
    return rules if rules and all(rule["lastEvaluation"] > "2000" for rule in rules) else None


def _targets_up(shard: PrometheusHandle) -> list[dict[str, Any]] | None:
    targets = shard.targets()
    return targets if targets and all(target["health"] == "up" for target in targets) else None


def _placement(fleet_shards: tuple[PrometheusHandle, ...]) -> dict[str, int]:
    """Service -> the shard scraping it, from the shards' own target lists."""
    return {
        target["labels"]["service"]: shard
        for shard, handle in enumerate(fleet_shards)
        for target in handle.targets()
    }


def _stored_targets(store: VictoriaMetricsHandle) -> set[tuple[str, str]]:
    """(service, shard label) of every target the store holds `up == 1` for."""
    return {(s["metric"]["service"], s["metric"].get(SHARD_LABEL, "")) for s in store.query("up == 1")}


def _no_targets(alerts: list[dict[str, Any]], state: str) -> set[tuple[str, str]]:
    return {
        (alert["labels"]["alertname"], alert["labels"]["domain"])
        for alert in alerts
        if alert["labels"]["alertname"].endswith(NO_TARGETS) and alert["state"] == state
    }


def _held_by_alertmanager(alertmanager: AlertmanagerHandle) -> set[tuple[str, str]]:
    return {
        (alert["labels"]["alertname"], alert["labels"]["domain"])
        for alert in alertmanager.alerts()
        if alert["labels"]["alertname"].endswith(NO_TARGETS) and alert["status"]["state"] == "active"
    }


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory, redis_exporter: RedisExporter) -> Iterator[Fleet]:
    inventory = load_inventory(FIXTURE)
    prometheus = inventory.settings.prometheus
    assert prometheus.global_store is not None
    artifacts = {a.path: a for family in generate_all(inventory).values() for a in family}
    shard_rules = {
        path.removeprefix("prometheus/"): a.render().decode()
        for path, a in artifacts.items()
        if path.startswith("prometheus/rules/")
    }
    global_rules = {
        path.removeprefix("vmalert/"): a.render().decode()
        for path, a in artifacts.items()
        if path.startswith("vmalert/rules/")
    }
    pool = ServerPool(tmp_path_factory.mktemp)
    try:
        redis = {s.endpoint: pool.start_redis() for s in inventory.services if isinstance(s, RedisService)}
        node = pool.start_node_exporter()
        store = pool.start_victoria_metrics()
        alertmanager = pool.start_alertmanager(artifacts["alertmanager/alertmanager.yml"].render().decode())
        addresses = {
            urllib.parse.urlsplit(prometheus.global_store.read_url).netloc: store.address,
            **{address: alertmanager.address for address in prometheus.alertmanagers},
            prometheus.exporters["redis"]: redis_exporter.address,
            **{endpoint: server.address for endpoint, server in redis.items()},
        }
        shard_configs = tuple(
            _shard_config(artifacts[f"prometheus/shard-{shard}/prometheus.yml"].data, addresses, node.address)
            for shard in range(prometheus.shards)
        )
        shards = tuple(pool.start_prometheus(yaml.safe_dump(config), shard_rules) for config in shard_configs)
        for shard in shards:
            shard.wait_until(functools.partial(_targets_up, shard), timeout_s=30)
        # vmalert starts once the store holds every target's series: before, each absent() is true.
        services = {s.name for s in inventory.services}
        store.wait_until(lambda: {service for service, _ in _stored_targets(store)} == services, timeout_s=30)
        flags = _vmalert_flags(artifacts["vmalert/vmalert.flags"].render().decode(), addresses)
        vmalert = pool.start_vmalert(flags, global_rules)
        yield Fleet(
            inventory,
            shards,
            shard_configs,
            len(_rules_in(shard_rules)),
            store,
            vmalert,
            tuple(_rules_in(global_rules)),
            alertmanager,
        )
    finally:
        pool.stop_all()


def test_each_shard_scrapes_its_slice_and_remote_writes_it(fleet: Fleet) -> None:
    placement = _placement(fleet.shards)
    assert set(placement) == {s.name for s in fleet.inventory.services}
    assert set(placement.values()) == set(range(len(fleet.shards))), "a shard scrapes nothing"
    # Each target's series reach the store once, labelled with the shard that scraped it.
    assert _stored_targets(fleet.store) == {(service, str(shard)) for service, shard in placement.items()}
    for sample in fleet.store.query("up"):
        shard = placement[sample["metric"]["service"]]
        external_labels = fleet.shard_configs[shard]["global"]["external_labels"]
        assert external_labels.items() <= sample["metric"].items()


def test_every_rule_evaluates_without_error_on_both_shards_and_in_vmalert(fleet: Fleet) -> None:
    assert fleet.shard_rule_count > 0 and fleet.global_rules
    for shard in fleet.shards:
        rules = shard.wait_until(functools.partial(_evaluated, shard), timeout_s=30)
        assert len(rules) == fleet.shard_rule_count
        assert [(r["name"], r["lastError"]) for r in rules if r["health"] != "ok"] == []
    rules = fleet.vmalert.wait_until(functools.partial(_evaluated, fleet.vmalert), timeout_s=30)
    assert len(rules) == len(fleet.global_rules)
    assert [(r["name"], r["lastError"]) for r in rules if r["health"] != "ok"] == []


def test_the_absent_rules_run_in_vmalert_only(fleet: Fleet) -> None:
    assert [rule["alert"] for rule in fleet.global_rules if "absent(" in rule["expr"]]
    for shard in fleet.shards:
        assert [rule["name"] for rule in shard.rules() if "absent" in rule["query"]] == []


def test_emptying_one_shard_fires_the_global_no_targets_alerts_in_alertmanager(fleet: Fleet) -> None:
    """Shard 0 loses its whole target set (reloaded without targets: it writes stale markers, so
    `up` goes absent in the store; a stopped exporter would leave `up` at 0, which TargetDown covers).
    Only the domains with no target left on any shard alert, from vmalert, into Alertmanager."""
    vmalert, alertmanager = fleet.vmalert, fleet.alertmanager
    placement = _placement(fleet.shards)
    shards_of: dict[tuple[str, str], set[int]] = {}
    for service in fleet.inventory.services:
        shards_of.setdefault((service.kind, service.domain), set()).add(placement[service.name])
    no_targets_rules = {
        (rule["alert"], rule["labels"]["domain"]): shards_of[
            (rule["labels"]["kind"], rule["labels"]["domain"])
        ]
        for rule in fleet.global_rules
        if rule.get("alert", "").endswith(NO_TARGETS)
    }
    fired = {alert for alert, shards in no_targets_rules.items() if shards == {EMPTIED_SHARD}}
    quiet = set(no_targets_rules) - fired
    assert fired and quiet, f"the fixture must keep targets of some domain on each shard: {shards_of}"

    vmalert.wait_until(functools.partial(_evaluated, vmalert), timeout_s=30)
    assert _no_targets(vmalert.alerts(), "firing") == set()
    assert _held_by_alertmanager(alertmanager) == set()
    # The other shards alone lack these targets: on them, the same expressions would fire already.
    survivors = [shard for n, shard in enumerate(fleet.shards) if n != EMPTIED_SHARD]
    for rule in fleet.global_rules:
        if (rule.get("alert"), rule.get("labels", {}).get("domain")) in fired:
            assert all(survivor.query(rule["expr"]) for survivor in survivors), rule["expr"]

    emptied = fleet.shards[EMPTIED_SHARD]
    emptied.config_file.write_text(yaml.safe_dump(_without_targets(fleet.shard_configs[EMPTIED_SHARD])))
    emptied.reload()

    vmalert.wait_until(lambda: _no_targets(vmalert.alerts(), "firing") == fired, timeout_s=30)
    alertmanager.wait_until(lambda: _held_by_alertmanager(alertmanager) == fired, timeout_s=30)
    held = [a for a in alertmanager.alerts() if a["labels"]["alertname"].endswith(NO_TARGETS)]
    assert {a["labels"]["ruler"] for a in held} == {"global"}
    # The domains still scraped by the other shard stay quiet.
    assert _no_targets(vmalert.alerts(), "pending") | _no_targets(vmalert.alerts(), "firing") == fired
    for shard in fleet.shards:
        assert [
            a["labels"]["alertname"] for a in shard.alerts() if NO_TARGETS in a["labels"]["alertname"]
        ] == []
