"""EKS: kube-state-metrics and per-node node exporters, found with kubernetes_sd_configs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from monitoring.kinds.base import (
    BoardSpec,
    Kind,
    KindCheck,
    OverviewSpec,
    ScrapeJob,
    ThresholdSpec,
    label_replacements,
)
from monitoring.model import Service, Settings
from monitoring.naming import target_labels
from monitoring.problems import Problem

if TYPE_CHECKING:
    from monitoring.inventory.loader import Document, NodePath


@dataclass(frozen=True, kw_only=True)
class KubernetesService(Service):
    cluster_name: str
    api_server: str
    bearer_token_file: str
    ca_file: str
    kube_state_metrics_namespace: str
    node_count: int | None


def _without_api_server(field: str) -> Callable[[Document, NodePath], list[Problem]]:
    # In-cluster discovery uses the pod's service account (token and CA): the file alone would be
    # ignored.
    def run(doc: Document, path: NodePath) -> list[Problem]:
        raw = doc.data[path[0]][path[1]]
        if field not in raw or "api_server" in raw:
            return []
        return [
            Problem(
                doc.location((*path, field)),
                f"service {raw['name']!r}: {field} is used only with api_server, which is not set",
                f"set api_server to the cluster's API URL, or drop {field} when Prometheus runs "
                "inside the cluster",
            )
        ]

    return run


class KubernetesKind(Kind):
    name = "kubernetes"
    title = "Kubernetes (EKS)"
    description = (
        "An EKS cluster: kube-state-metrics and node exporters discovered with kubernetes_sd_configs."
    )
    fields: ClassVar[Mapping[str, Any]] = {
        "cluster_name": {
            "description": "EKS cluster name.",
            "type": "string",
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$",
        },
        "api_server": {
            "description": "Kubernetes API server URL; omit when Prometheus runs inside the cluster.",
            "type": "string",
            "pattern": "^https://[A-Za-z0-9.:-]+$",
        },
        "bearer_token_file": {
            "description": "File holding the API token (only with api_server).",
            "type": "string",
            "minLength": 1,
        },
        "ca_file": {
            "description": "CA certificate (PEM) the API server's certificate is checked against"
            " (tls_config.ca_file of its kubernetes_sd_configs; only with api_server).",
            "type": "string",
            "minLength": 1,
        },
        "kube_state_metrics_namespace": {
            "description": "Namespace of the kube-state-metrics service.",
            "type": "string",
            "pattern": "^[a-z0-9-]+$",
        },
        "node_count": {
            "description": "Worker nodes expected in the cluster.",
            "type": "integer",
            "minimum": 0,
        },
    }
    required = ("cluster_name",)
    thresholds = (
        ThresholdSpec(
            "max_container_restarts_per_hour",
            3,
            "per_hour",
            "Alert when a container restarts more often than this per hour.",
        ),
        ThresholdSpec(
            "max_node_cpu_percent",
            80,
            "percent",
            "Container Insights node_cpu_utilization alarm threshold, percent.",
            maximum=100,
        ),
        ThresholdSpec(
            "max_node_memory_percent",
            80,
            "percent",
            "Container Insights node_memory_utilization alarm threshold, percent.",
            maximum=100,
        ),
    )
    exporter = None
    catalogs = ("kube_state_metrics", "node_exporter", "prometheus_synthetic")
    jobs = ("kube-state-metrics", "kubernetes-nodes")
    checks = (
        KindCheck(
            "inventory/kubernetes-token-without-api-server",
            "a Kubernetes bearer_token_file comes with the api_server it authenticates to",
            _without_api_server("bearer_token_file"),
        ),
        KindCheck(
            "inventory/kubernetes-ca-without-api-server",
            "a Kubernetes ca_file comes with the api_server whose certificate it checks",
            _without_api_server("ca_file"),
        ),
    )
    alarms = "monitoring.aws.presets.container_insights:eks_alarms"
    boards = (
        BoardSpec(
            "kubernetes",
            "dashboards.kubernetes:build",
            "prometheus",
            "dashboards.kubernetes:NO_DATA_UNTIL_TRAFFIC",
        ),
    )
    overview = OverviewSpec("dashboards.kubernetes:OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/kubernetes.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> KubernetesService:
        return KubernetesService(
            **common,
            cluster_name=raw["cluster_name"],
            api_server=raw.get("api_server", ""),
            bearer_token_file=raw.get("bearer_token_file", ""),
            ca_file=raw.get("ca_file", ""),
            kube_state_metrics_namespace=raw.get("kube_state_metrics_namespace", "kube-system"),
            node_count=raw.get("node_count"),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        jobs: list[ScrapeJob] = []
        for cluster in sorted(
            (s for s in services if isinstance(s, KubernetesService)), key=lambda s: s.name
        ):
            labels = {**target_labels(cluster, settings), "cluster": cluster.cluster_name}
            jobs.append(
                {
                    "job_name": f"kube-state-metrics-{cluster.name}",
                    "kubernetes_sd_configs": [
                        _sd_config(cluster, "endpoints", [cluster.kube_state_metrics_namespace])
                    ],
                    "relabel_configs": [
                        {
                            "source_labels": ["__meta_kubernetes_service_name"],
                            "regex": "kube-state-metrics",
                            "action": "keep",
                        },
                        {
                            "source_labels": ["__meta_kubernetes_endpoint_port_name"],
                            "regex": "http-metrics",
                            "action": "keep",
                        },
                        *label_replacements({**labels, "job": "kube-state-metrics"}),
                    ],
                }
            )
            jobs.append(
                {
                    "job_name": f"kubernetes-nodes-{cluster.name}",
                    "kubernetes_sd_configs": [_sd_config(cluster, "node", [])],
                    "relabel_configs": [
                        {"source_labels": ["__meta_kubernetes_node_name"], "target_label": "instance"},
                        {
                            "source_labels": ["__meta_kubernetes_node_address_InternalIP"],
                            "target_label": "__address__",
                            "replacement": "$1:9100",
                        },
                        {
                            "source_labels": [
                                "__meta_kubernetes_node_label_node_kubernetes_io_instance_type"
                            ],
                            "target_label": "instance_type",
                        },
                        *label_replacements({**labels, "job": "kubernetes-nodes"}),
                    ],
                }
            )
        return jobs


def _sd_config(cluster: KubernetesService, role: str, namespaces: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {"role": role}
    if namespaces:
        config["namespaces"] = {"names": namespaces}
    if cluster.api_server:
        config["api_server"] = cluster.api_server
        if cluster.bearer_token_file:
            config["authorization"] = {"credentials_file": cluster.bearer_token_file}
        if cluster.ca_file:
            config["tls_config"] = {"ca_file": cluster.ca_file}
    return config
