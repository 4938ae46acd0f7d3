"""Debian's Prometheus evaluates the generated rules against real exporters on loopback."""

from __future__ import annotations

import copy
import functools
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.generate import generate_all
from monitoring.inventory.build import load_inventory
from tests.servers import MysqldExporter, NodeExporter, PrometheusHandle, RedisExporter, ServerPool

ROOT = Path(__file__).resolve().parent.parent
KEPT_JOBS = ("mysql", "redis", "node")


def _local_config(
    config: dict[str, Any], redis_target: str, redis_exporter: str, mysqld_exporter: str, node_exporter: str
) -> dict[str, Any]:
    """The generated config with 1s intervals and one target per kept job, pointed at loopback.

    Only addresses change: the first target group of each job keeps its labels and relabeling;
    the EC2-discovered node job gets its instance as a static target (no EC2 here)."""
    local = copy.deepcopy(config)
    local["global"].update(scrape_interval="1s", evaluation_interval="1s")
    local.pop("alerting", None)
    jobs = []
    node_done = False
    for job in local["scrape_configs"]:
        name = job["job_name"]
        if name == "mysql":
            job["static_configs"] = [{**job["static_configs"][0], "targets": [mysqld_exporter]}]
        elif name == "redis":
            job["static_configs"] = [{**job["static_configs"][0], "targets": [redis_target]}]
            job["relabel_configs"] = [
                {**step, "replacement": redis_exporter} if step.get("target_label") == "__address__" else step
                for step in job["relabel_configs"]
            ]
        elif name.startswith("node-") and not node_done:
            del job["ec2_sd_configs"]
            job["static_configs"] = [{"targets": [node_exporter]}]
            node_done = True
        else:
            continue
        jobs.append(job)
    local["scrape_configs"] = jobs
    return local


def _shutdown(redis_address: str) -> None:
    host, port = redis_address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=2.0) as conn:
        conn.sendall(b"SHUTDOWN NOSAVE\r\n")
        conn.recv(64)  # the server closes the connection as it exits


@pytest.fixture(scope="module")
def evaluated(
    server_pool: ServerPool,
    redis_exporter: RedisExporter,
    mysqld_exporter: MysqldExporter,
    node_exporter: NodeExporter,
    prometheus_factory: Any,
) -> tuple[PrometheusHandle, str]:
    families = generate_all(load_inventory(ROOT / "inventory"), only=("prometheus", "rules"))
    artifacts = {a.path: a for family in families.values() for a in family}
    dedicated_redis = server_pool.start_redis()  # stopped by the test; the shared fixture stays up
    config = _local_config(
        artifacts["prometheus/prometheus.yml"].data,
        dedicated_redis.url,
        redis_exporter.address,
        mysqld_exporter.address,
        node_exporter.address,
    )
    rule_texts = {
        path.removeprefix("prometheus/"): a.render().decode()
        for path, a in artifacts.items()
        if path.startswith("prometheus/rules/")
    }
    prometheus = prometheus_factory(yaml.safe_dump(config), rule_texts)
    prometheus.wait_until(
        lambda: (
            len(targets := prometheus.targets()) == len(KEPT_JOBS)
            and all(t["health"] == "up" for t in targets)
        ),
        timeout_s=30,
    )
    return prometheus, dedicated_redis.address


@pytest.mark.integration
def test_every_generated_rule_evaluates_without_error(evaluated: tuple[PrometheusHandle, str]) -> None:
    prometheus, _redis = evaluated
    expected = sum(
        len(yaml.safe_load(text)["groups"][0]["rules"])
        for text in [
            (ROOT / "generated" / "prometheus" / "rules" / f).read_text()
            for f in sorted(p.name for p in (ROOT / "generated" / "prometheus" / "rules").glob("*.yml"))
        ]
    )

    def all_evaluated() -> list[dict[str, Any]] | None:
        found = prometheus.rules()
        return found if found and all(rule["lastEvaluation"] > "2000" for rule in found) else None

    rules = prometheus.wait_until(all_evaluated, timeout_s=30)
    assert len(rules) == expected
    assert [(r["name"], r["lastError"]) for r in rules if r["health"] != "ok"] == []
    # The recording rules compute from real series: slow queries and connection use for MariaDB,
    # CPU for the node; Redis has no maxmemory, so the memory ratio stays empty (guarded, not +Inf).
    for record in (
        "service:mysql_slow_queries:rate5m",
        "service:mysql_connection_use_ratio:max",
        "instance:node_cpu_use_ratio:rate5m",
        "service:redis_keys_without_ttl:sum",
    ):
        prometheus.wait_until(functools.partial(prometheus.query, record), timeout_s=20)
    assert prometheus.query("service:redis_memory_use_ratio:max") == []
    [connection_use] = prometheus.query("service:mysql_connection_use_ratio:max")
    assert set(connection_use["metric"]) == {"__name__", "service", "domain", "team", "env"}


@pytest.mark.integration
def test_stopping_redis_makes_its_availability_alert_pending(evaluated: tuple[PrometheusHandle, str]) -> None:
    prometheus, redis_address = evaluated
    assert not [a for a in prometheus.alerts() if a["labels"]["alertname"] == "RedisDown"]
    _shutdown(redis_address)
    [alert] = prometheus.wait_until(
        lambda: [a for a in prometheus.alerts() if a["labels"]["alertname"] == "RedisDown"], timeout_s=20
    )
    assert alert["state"] == "pending"
    assert alert["labels"]["severity"] == "critical"
    assert {"team", "domain", "service"} <= set(alert["labels"])
    assert alert["annotations"]["summary"] == f"Redis {alert['labels']['service']} is down"
