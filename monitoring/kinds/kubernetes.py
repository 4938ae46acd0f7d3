"""EKS: kube-state-metrics and per-node node exporters, found with kubernetes_sd_configs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import Kind, ScrapeJob, label_replacements
from monitoring.model import Service, Settings
from monitoring.naming import target_labels


@dataclass(frozen=True, kw_only=True)
class KubernetesService(Service):
    cluster_name: str
    api_server: str
    bearer_token_file: str
    kube_state_metrics_namespace: str
    node_count: int | None


class KubernetesKind(Kind):
    name = "kubernetes"
    title = "Kubernetes (EKS)"
    catalogs = ("kube_state_metrics", "node_exporter", "prometheus_synthetic")
    jobs = ("kube-state-metrics", "kubernetes-nodes")
    threshold_defaults: ClassVar[Mapping[str, float]] = {
        "max_container_restarts_per_hour": 3,
        "max_node_cpu_percent": 80,
        "max_node_memory_percent": 80,
    }

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> KubernetesService:
        return KubernetesService(
            **common,
            cluster_name=raw["cluster_name"],
            api_server=raw.get("api_server", ""),
            bearer_token_file=raw.get("bearer_token_file", ""),
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
    return config
