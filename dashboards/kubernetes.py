"""Kubernetes (EKS) board: kube-state-metrics and the worker nodes' node exporters."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    PromQuery,
    Section,
    Threshold,
    dashboard,
    datasource_ref,
    domain_tag,
    domains_of_kind,
    kind_tag,
    prometheus_variables,
    selector,
    stat,
    threshold,
    timeseries,
)
from dashboards.domain import PrometheusOverview, prometheus_row
from monitoring.kinds import KINDS
from monitoring.model import Inventory
from monitoring.naming import kind_dashboard_uid

KIND = "kubernetes"

NO_DATA_UNTIL_TRAFFIC: dict[str, str] = {}

ANY_IS_BAD = Threshold([{"color": "green", "value": None}, {"color": "red", "value": 1}], "Red at 1 or more.")


def build(inventory: Inventory) -> Dashboard:
    ds = datasource_ref("prometheus")
    ksm = "kube-state-metrics"
    ready = selector(ksm, condition='="Ready"', status='="true"')
    not_ready = selector(ksm, condition='="Ready"', status='!="true"')
    stuck = selector(ksm, phase='=~"Pending|Failed|Unknown"')
    node_idle = selector("kubernetes-nodes", mode='="idle"')
    nodes = selector("kubernetes-nodes")
    return dashboard(
        title="Kubernetes (EKS)",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="EKS clusters: kube-state-metrics for objects, node exporter on every worker node.",
        tags=[kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=prometheus_variables(inventory.settings, KINDS[KIND].jobs),
        sections=[
            Section(
                "Cluster",
                [
                    stat(
                        "Nodes ready",
                        "short",
                        [PromQuery(f"sum by (service) (kube_node_status_condition{ready})", "{{service}}")],
                        ds,
                    ),
                    stat(
                        "Nodes not ready",
                        "short",
                        [
                            PromQuery(
                                f"sum by (service) (kube_node_status_condition{not_ready})", "{{service}}"
                            )
                        ],
                        ds,
                        limit=ANY_IS_BAD,
                    ),
                    stat(
                        "Pods not running",
                        "short",
                        [PromQuery(f"sum by (service) (kube_pod_status_phase{stuck})", "{{service}}")],
                        ds,
                        description="Pods Pending, Failed or Unknown.",
                        limit=ANY_IS_BAD,
                    ),
                    stat(
                        "Deployments short of replicas",
                        "short",
                        [
                            PromQuery(
                                "sum by (service) "
                                f"(kube_deployment_status_replicas_unavailable{selector(ksm)} > bool 0)",
                                "{{service}}",
                            )
                        ],
                        ds,
                        limit=ANY_IS_BAD,
                    ),
                ],
            ),
            Section(
                "Workloads",
                [
                    timeseries(
                        "Container restarts per hour",
                        "short",
                        [
                            PromQuery(
                                f"topk(10, sum by (service, namespace, pod) "
                                f"(increase(kube_pod_container_status_restarts_total{selector(ksm)}[1h])))",
                                "{{namespace}}/{{pod}}",
                            )
                        ],
                        ds,
                        description="The ten pods restarting most.",
                        limit=threshold(inventory, KIND, "max_container_restarts_per_hour"),
                        width=24,
                    ),
                ],
            ),
            Section(
                "Worker nodes",
                [
                    timeseries(
                        "Node CPU",
                        "percent",
                        [
                            PromQuery(
                                "100 * (1 - avg by (service, instance) "
                                f"(rate(node_cpu_seconds_total{node_idle}[$__rate_interval])))",
                                "{{instance}}",
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_node_cpu_percent"),
                    ),
                    timeseries(
                        "Node memory",
                        "percent",
                        [
                            PromQuery(
                                f"100 * (1 - node_memory_MemAvailable_bytes{nodes}"
                                f" / node_memory_MemTotal_bytes{nodes})",
                                "{{instance}}",
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_node_memory_percent"),
                    ),
                ],
            ),
        ],
    )


# This kind's row on each domain overview.
OVERVIEW_ROW = prometheus_row(
    KIND,
    PrometheusOverview(
        'avg(up{{job=~"kube-state-metrics|kubernetes-nodes", {f}}})',
        "Node CPU (top 5)",
        "100 * topk(5, 1 - avg by (service, instance) "
        '(rate(node_cpu_seconds_total{{job="kubernetes-nodes", mode="idle", {f}}}[$__rate_interval])))',
        "percent",
        "max_node_cpu_percent",
    ),
)
