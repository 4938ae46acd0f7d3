"""The generated scrape config against Debian's promtool and a real Prometheus on loopback."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.inventory.build import load_inventory
from tests.helpers import REPO
from tests.servers import MysqldExporter, NodeExporter, RedisExporter, RedisServer, tool

GENERATED_CONFIG = REPO / "generated" / "prometheus" / "prometheus.yml"
# Debian builds Prometheus without the Kubernetes service discovery (its Go dependencies are not
# packaged), so its promtool cannot parse kubernetes_sd_configs; upstream builds can.
DEBIAN_MISSING_SD = "field kubernetes_sd_configs not found in type config.ScrapeConfig"


def _promtool_check(config: dict[str, Any], directory: Path) -> subprocess.CompletedProcess[str]:
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    (directory / "rules").mkdir(exist_ok=True)
    return subprocess.run(
        [tool("promtool"), "check", "config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_promtool_accepts(config: dict[str, Any], directory: Path) -> None:
    """promtool accepts the config, but for the kubernetes_sd jobs when Debian's build lacks it."""
    result = _promtool_check(config, directory)
    if result.returncode != 0:
        errors = [
            line.strip()
            for line in result.stdout.splitlines() + result.stderr.splitlines()
            if line.strip().startswith("line ")
        ]
        assert errors and all(DEBIAN_MISSING_SD in line for line in errors), result.stdout + result.stderr
        without_kubernetes = copy.deepcopy(config)
        without_kubernetes["scrape_configs"] = [
            job for job in config["scrape_configs"] if "kubernetes_sd_configs" not in job
        ]
        result = _promtool_check(without_kubernetes, directory)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


@pytest.mark.integration
def test_promtool_accepts_generated_config(tmp_path: Path) -> None:
    assert_promtool_accepts(yaml.safe_load(GENERATED_CONFIG.read_text()), tmp_path)


def _pointed_at_loopback(
    config: dict[str, Any],
    redis: RedisServer,
    redis_exporter: RedisExporter,
    mysqld_exporter: MysqldExporter,
    node_exporter: NodeExporter,
) -> dict[str, Any]:
    """The generated config with only its addresses rewritten to the loopback servers.

    EC2 discovery cannot run here, so each ec2_sd_configs block becomes a static group carrying the
    __meta_ec2_* labels EC2 discovery would set; the generated relabeling runs on them unchanged.
    """
    local = copy.deepcopy(config)
    local.pop("alerting", None)
    local["rule_files"] = []
    local["global"]["scrape_interval"] = "2s"
    jobs = []
    for job in local["scrape_configs"]:
        if job["job_name"] == "redis":
            for group in job["static_configs"]:
                group["targets"] = [f"redis://{redis.address}"]
            job["relabel_configs"][-1]["replacement"] = redis_exporter.address
        elif job["job_name"] == "mysql":
            for group in job["static_configs"]:
                group["targets"] = [mysqld_exporter.address]
        elif "ec2_sd_configs" in job:
            name = job["job_name"].removeprefix("node-")
            job.pop("ec2_sd_configs")
            job["static_configs"] = [
                {
                    "targets": [node_exporter.address],
                    "labels": {
                        "__meta_ec2_instance_id": f"i-{name}",
                        "__meta_ec2_tag_Name": name,
                        "__meta_ec2_availability_zone": "us-east-1a",
                        "__meta_ec2_instance_type": "c6i.large",
                    },
                }
            ]
        else:
            continue
        jobs.append(job)
    local["scrape_configs"] = jobs
    return local


@pytest.mark.integration
def test_real_prometheus_scrapes_every_target_up(
    prometheus_factory: Any,
    redis_server: RedisServer,
    redis_exporter: RedisExporter,
    mysqld_exporter: MysqldExporter,
    node_exporter: NodeExporter,
) -> None:
    config = yaml.safe_load(GENERATED_CONFIG.read_text())
    local = _pointed_at_loopback(config, redis_server, redis_exporter, mysqld_exporter, node_exporter)
    inventory = load_inventory(REPO / "inventory")
    jobs = ("redis", "mysql", "node")
    expected = {job: len([s for s in inventory.services if s.kind == job]) for job in jobs}
    prometheus = prometheus_factory(yaml.safe_dump(local, sort_keys=False))

    def all_up() -> list[dict[str, Any]] | None:
        targets = prometheus.targets()
        healthy = [t for t in targets if t["health"] == "up"]
        return targets if len(healthy) == sum(expected.values()) == len(targets) else None

    targets = prometheus.wait_until(all_up, timeout_s=60, interval_s=0.25)
    by_job: dict[str, int] = {}
    for target in targets:
        labels = target["labels"]
        by_job[labels["job"]] = by_job.get(labels["job"], 0) + 1
        assert {"service", "domain", "team", "kind", "env", "instance"} <= set(labels), labels
    assert by_job == expected
    shopsale = next(t for t in targets if t["labels"]["service"] == "luckyus-shopsale")
    assert shopsale["labels"]["domain"] == "operations" and shopsale["labels"]["team"] == "ops-eng"
    assert shopsale["scrapeUrl"].endswith(
        f"/scrape?target=redis%3A%2F%2F{redis_server.address.replace(':', '%3A')}"
    )
    node = next(t for t in targets if t["labels"]["service"] == "ec2-sales")
    assert node["labels"]["instance"] == "i-ec2-sales" and node["labels"]["job"] == "node"
    samples = prometheus.wait_until(lambda: prometheus.query('redis_up{service="luckyus-iopenlinkeradmin"}'))
    assert samples[0]["value"][1] == "1"
