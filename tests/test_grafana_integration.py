"""Every Prometheus panel of the Redis, MySQL and node boards returns data from a real Prometheus.

Debian's Prometheus scrapes real exporters on loopback with the scrape jobs our generator writes
for the bundled inventory (only addresses rewritten, one service per kind kept) and evaluates the
generated rule files. Each panel query, with the board's template variables set to that service,
must return data unless the board lists the panel in its NO_DATA_UNTIL_TRAFFIC with a reason.
"""

from __future__ import annotations

import contextlib
import copy
import socket
from typing import Any

import pytest
import yaml

from dashboards import FLEET_BOARDS
from monitoring.generate.grafana import dashboard_json
from monitoring.generate.prometheus import prometheus_config
from monitoring.generate.rules import rule_files
from monitoring.grafana_checks import render_query
from monitoring.inventory.build import load_inventory
from monitoring.model import Inventory, Service
from tests.helpers import REPO
from tests.servers import (
    MysqldExporter,
    NodeExporter,
    PrometheusFactory,
    PrometheusHandle,
    RedisExporter,
    RedisServer,
    ServerStartError,
)

BOARDS = ("redis", "mysql", "node")
WAIT_S = 90.0


def _first(inventory: Inventory, kind: str) -> Service:
    return min((s for s in inventory.services if s.kind == kind), key=lambda s: s.name)


def _scrape_config(inventory: Inventory, addresses: dict[str, str], redis_target: str) -> dict[str, Any]:
    """The generated prometheus.yml cut down to one service per board, pointed at loopback."""
    [artifact] = prometheus_config(inventory)
    config: dict[str, Any] = copy.deepcopy(artifact.data)
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config.pop("alerting", None)
    jobs = []
    for job in config["scrape_configs"]:
        name = job["job_name"]
        if name == "mysql":
            job["static_configs"] = [_only(job, _first(inventory, "mysql").name, addresses["mysql"])]
        elif name == "redis":
            job["static_configs"] = [_only(job, _first(inventory, "redis").name, redis_target)]
            for step in job["relabel_configs"]:
                if step.get("target_label") == "__address__":
                    step["replacement"] = addresses["redis"]
        elif name == f"node-{_first(inventory, 'node').name}":
            del job["ec2_sd_configs"]
            job["static_configs"] = [{"targets": [addresses["node"]]}]
        else:
            continue
        jobs.append(job)
    config["scrape_configs"] = jobs
    return config


def _only(job: dict[str, Any], service: str, address: str) -> dict[str, Any]:
    group = next(g for g in job["static_configs"] if g["labels"]["service"] == service)
    return {**group, "targets": [address]}


def _redis_traffic(redis: RedisServer) -> None:
    """Hits, misses and keys with and without TTL, in a database the other tests do not use."""
    commands = [
        ["SELECT", "15"],
        ["SET", "grafana-test:no-ttl", "1"],
        ["SET", "grafana-test:ttl", "1", "EX", "600"],
        ["GET", "grafana-test:no-ttl"],
        ["GET", "grafana-test:missing"],
    ]
    payload = b"".join(
        f"*{len(c)}\r\n".encode() + b"".join(f"${len(a)}\r\n{a}\r\n".encode() for a in c) for c in commands
    )
    with socket.create_connection((redis.host, redis.port), timeout=5) as conn:
        conn.sendall(payload)
        conn.settimeout(5)
        received = b""
        while received.count(b"\r\n") < len(commands):
            received += conn.recv(4096)


def _panel_queries(inventory: Inventory, board: str, service: Service) -> dict[str, list[str]]:
    data = dashboard_json(FLEET_BOARDS[board].build(inventory))
    values = {"service": service.name, "domain": service.domain}
    return {
        f"{board}: {panel['title']}": [render_query(t["expr"], values) for t in panel["targets"]]
        for panel in data["panels"]
        if panel["type"] != "row" and panel["datasource"]["type"] == "prometheus"
    }


@pytest.mark.integration
def test_every_prometheus_panel_returns_data_or_is_documented(
    redis_server: RedisServer,
    redis_exporter: RedisExporter,
    mysqld_exporter: MysqldExporter,
    node_exporter: NodeExporter,
    prometheus_factory: PrometheusFactory,
) -> None:
    inventory = load_inventory(REPO / "inventory")
    addresses = {
        "mysql": mysqld_exporter.address,
        "redis": redis_exporter.address,
        "node": node_exporter.address,
    }
    config = _scrape_config(inventory, addresses, redis_server.url)
    rules = {
        a.path.removeprefix("prometheus/"): a.render().decode()
        for a in rule_files(inventory)
        if a.path in {f"prometheus/rules/{kind}.rules.yml" for kind in BOARDS}
    }
    assert len(rules) == len(BOARDS)
    _redis_traffic(redis_server)
    prometheus: PrometheusHandle = prometheus_factory(yaml.safe_dump(config), rules)
    prometheus.wait_until(
        lambda: len(prometheus.targets()) == 3 and all(t["health"] == "up" for t in prometheus.targets()),
        WAIT_S,
    )

    queries: dict[str, list[str]] = {}
    documented: set[str] = set()
    for board in BOARDS:
        queries.update(_panel_queries(inventory, board, _first(inventory, board)))
        documented |= {f"{board}: {title}" for title in FLEET_BOARDS[board].no_data_until_traffic}
    assert len(queries) > 20

    def silent() -> set[str]:
        return {title for title, exprs in queries.items() if not all(prometheus.query(e) for e in exprs)}

    expected_quiet = documented & set(queries)
    with contextlib.suppress(ServerStartError):  # a timeout: the assertion below names the panels
        prometheus.wait_until(lambda: silent() <= expected_quiet or None, WAIT_S, 1.0)
    unexplained = silent() - expected_quiet
    assert not unexplained, f"panels without data and not documented as such: {sorted(unexplained)}"
