"""Several EKS clusters: each with its API server and CA, and a `cluster` label on every target
and alert; checked with promtool (all but kubernetes_sd on Debian's build)."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.generate.rules import rule_files
from monitoring.inventory.build import load_inventory
from monitoring.kinds import KINDS
from monitoring.model import Inventory
from monitoring.problems import InputError
from tests.helpers import run_mac
from tests.servers import tool
from tests.test_prometheus_config import assert_promtool_accepts


def _cluster(name: str, domain: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "kubernetes", "name": name, "domain": domain, "cluster_name": f"{name}-cluster", **extra}


CLUSTERS: dict[str, Any] = {
    "settings": {"organization": "acme", "environment": "test", "region": "us-east-1"},
    "domains": [{"name": name, "team": f"{name}-eng", "receiver": "default"} for name in ("shop", "billing")],
    "services": [
        _cluster("shop-eks", "shop"),
        _cluster(
            "billing-eks",
            "billing",
            api_server="https://ABC123.gr7.us-east-1.eks.amazonaws.com",
            bearer_token_file="/etc/prometheus/secrets/billing-token",
            ca_file="/etc/prometheus/secrets/billing-ca.crt",
        ),
        _cluster(
            "data-eks",
            "billing",
            api_server="https://DEF456.gr7.us-east-1.eks.amazonaws.com",
            ca_file="/etc/prometheus/secrets/data-ca.crt",
        ),
    ],
}


def _load(raw: Mapping[str, Any], tmp_path: Path) -> Inventory:
    folder = tmp_path / "inventory"
    folder.mkdir(exist_ok=True)
    (folder / "inventory.yaml").write_text(yaml.safe_dump(dict(raw), sort_keys=False))
    return load_inventory(folder)


def _jobs(inventory: Inventory) -> list[dict[str, Any]]:
    return KINDS["kubernetes"].scrape_jobs(inventory.services, inventory.settings)


def test_every_cluster_gets_its_own_jobs_ca_and_cluster_label(tmp_path: Path) -> None:
    jobs = _jobs(_load(CLUSTERS, tmp_path))
    names = [job["job_name"] for job in jobs]
    assert len(names) == len(set(names)) == 6
    by_name = {job["job_name"]: job for job in jobs}
    for service in ("shop-eks", "billing-eks", "data-eks"):
        for job in (f"kube-state-metrics-{service}", f"kubernetes-nodes-{service}"):
            relabel = by_name[job]["relabel_configs"]
            assert {
                "target_label": "cluster",
                "replacement": f"{service}-cluster",
                "action": "replace",
            } in relabel
    [billing] = by_name["kubernetes-nodes-billing-eks"]["kubernetes_sd_configs"]
    assert billing["tls_config"] == {"ca_file": "/etc/prometheus/secrets/billing-ca.crt"}
    assert billing["authorization"] == {"credentials_file": "/etc/prometheus/secrets/billing-token"}
    [data] = by_name["kube-state-metrics-data-eks"]["kubernetes_sd_configs"]
    assert (
        data["tls_config"] == {"ca_file": "/etc/prometheus/secrets/data-ca.crt"}
        and "authorization" not in data
    )
    [in_cluster] = by_name["kube-state-metrics-shop-eks"]["kubernetes_sd_configs"]
    assert "tls_config" not in in_cluster and "api_server" not in in_cluster


@pytest.mark.integration
def test_promtool_accepts_the_jobs_of_several_clusters(tmp_path: Path) -> None:
    config = {"global": {"scrape_interval": "30s"}, "scrape_configs": _jobs(_load(CLUSTERS, tmp_path))}
    assert_promtool_accepts(config, tmp_path)


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.integration
def test_alerts_of_two_clusters_keep_their_cluster(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for artifact in rule_files(_load(CLUSTERS, tmp_path)):
        target = out / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artifact.render())
    prometheus = out / "prometheus"
    _run(tool("promtool"), "check", "rules", str(prometheus / "rules/kubernetes.rules.yml"))
    _run(tool("promtool"), "test", "rules", str(prometheus / "tests/kubernetes.test.yml"))

    # The same node name in two clusters (EKS reuses private IPs across VPCs): two alerts.
    def idle(service: str, domain: str) -> dict[str, str]:
        labels = {
            "job": "kubernetes-nodes",
            "service": service,
            "cluster": f"{service}-cluster",
            "domain": domain,
            "team": f"{domain}-eng",
            "env": "test",
            "instance": "ip-10-0-1-23.ec2.internal",
            "cpu": "0",
            "mode": "idle",
        }
        body = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        return {"series": f"node_cpu_seconds_total{{{body}}}", "values": "0+3x40"}

    firing = "ALERTS{alertname='KubernetesNodeCpuHigh', alertstate='firing'}"
    alerts = f"count by (cluster, domain, instance) ({firing})"
    samples = [
        {
            "labels": f"{{cluster='{s}-cluster', domain='{d}', instance='ip-10-0-1-23.ec2.internal'}}",
            "value": 1,
        }
        for s, d in (("shop-eks", "shop"), ("billing-eks", "billing"))
    ]
    case = {
        "rule_files": ["rules/kubernetes.rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [idle("shop-eks", "shop"), idle("billing-eks", "billing")],
                "promql_expr_test": [{"expr": alerts, "eval_time": "30m", "exp_samples": samples}],
            }
        ],
    }
    (prometheus / "clusters.test.yml").write_text(yaml.safe_dump(case))
    _run(tool("promtool"), "test", "rules", str(prometheus / "clusters.test.yml"))


@pytest.mark.parametrize(
    ("change", "check", "words"),
    [
        ({"ca_file": "secrets/ca.crt"}, "secrets/inline-secret", "not an absolute file path"),
        (
            {"ca_file": "/etc/ca.crt", "api_server": None},
            "inventory/kubernetes-ca-without-api-server",
            "ca_file",
        ),
    ],
)
def test_a_bad_ca_file_is_a_located_error(
    tmp_path: Path, change: dict[str, str | None], check: str, words: str
) -> None:
    raw = copy.deepcopy(CLUSTERS)
    service = raw["services"][2]
    for key, value in change.items():
        if value is None:
            del service[key]
        else:
            service[key] = value
    with pytest.raises(InputError) as raised:
        _load(raw, tmp_path)
    [problem] = raised.value.problems
    assert problem.check == check and words in problem.message and problem.location.line > 1
    done = run_mac("validate", "-i", str(tmp_path / "inventory"))
    assert done.returncode == 2 and "Traceback" not in done.stderr and check in done.stdout + done.stderr
