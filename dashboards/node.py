"""EC2 node board: instances discovered by tag, grouped as services (one per node group)."""

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
from monitoring.naming import kind_dashboard_uid, settings_rate_window

KIND = "node"

NO_DATA_UNTIL_TRAFFIC: dict[str, str] = {}


def build(inventory: Inventory) -> Dashboard:
    window = settings_rate_window(inventory.settings)
    cpu_use = f"instance:node_cpu_use_ratio:rate{window}"
    ds = datasource_ref("prometheus")
    s = selector("node")
    idle = selector("node", mode='="idle"')
    nic = selector("node", device='!="lo"')
    return dashboard(
        title="EC2 nodes",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="EC2 instances found by tag (node_exporter); the service is the node group.",
        tags=[kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=prometheus_variables(inventory.settings, KINDS[KIND].jobs),
        sections=[
            Section(
                "Instances",
                [
                    stat(
                        "Instances up",
                        "short",
                        [PromQuery(f"sum by (service) (up{s})", "{{service}}")],
                        ds,
                        description="Instances of the node group that Prometheus scrapes successfully.",
                    ),
                    stat(
                        "Instances down",
                        "short",
                        [PromQuery(f"sum by (service) (1 - up{s})", "{{service}}")],
                        ds,
                        description="Discovered instances whose node_exporter does not answer.",
                        limit=_any_down(),
                    ),
                ],
            ),
            Section(
                "Saturation",
                [
                    timeseries(
                        "CPU use",
                        "percentunit",
                        [PromQuery(f"{cpu_use}{selector()}", "{{service}} {{instance}}")],
                        ds,
                        description=f"Share of CPU time not idle ({window} rate).",
                        limit=threshold(inventory, KIND, "max_cpu_use_ratio"),
                    ),
                    timeseries(
                        "Memory use",
                        "percentunit",
                        [
                            PromQuery(
                                f"instance:node_memory_use_ratio:max{selector()}", "{{service}} {{instance}}"
                            )
                        ],
                        ds,
                        description="1 - MemAvailable / MemTotal.",
                        limit=threshold(inventory, KIND, "max_memory_use_ratio"),
                    ),
                    timeseries(
                        "Filesystem use",
                        "percentunit",
                        [
                            PromQuery(
                                f"instance:node_filesystem_use_ratio:max{selector()}",
                                "{{service}} {{instance}} {{mountpoint}}",
                            )
                        ],
                        ds,
                        description="Used share of each mounted filesystem.",
                        limit=threshold(inventory, KIND, "max_disk_use_ratio"),
                    ),
                    timeseries(
                        "Load per CPU",
                        "short",
                        [
                            PromQuery(
                                f"max by (service, instance) (node_load5{s})"
                                f" / count by (service, instance) (node_cpu_seconds_total{idle})",
                                "{{service}} {{instance}}",
                            )
                        ],
                        ds,
                        description="5-minute load average divided by the number of CPUs.",
                        limit=threshold(inventory, KIND, "max_load_per_cpu"),
                    ),
                ],
            ),
            Section(
                "Network",
                [
                    timeseries(
                        "Network traffic",
                        "Bps",
                        [
                            PromQuery(
                                f"sum by (service, instance) (rate(node_network_receive_bytes_total"
                                f"{nic}[$__rate_interval]))",
                                "{{instance}} in",
                            ),
                            PromQuery(
                                f"sum by (service, instance) (rate(node_network_transmit_bytes_total"
                                f"{nic}[$__rate_interval]))",
                                "{{instance}} out",
                            ),
                        ],
                        ds,
                        width=24,
                    ),
                ],
            ),
        ],
    )


def _any_down() -> Threshold:
    return Threshold(
        [{"color": "green", "value": None}, {"color": "red", "value": 1}], "Red when any instance is down."
    )


# This kind's row on each domain overview.
OVERVIEW_ROW = prometheus_row(
    KIND,
    PrometheusOverview(
        'avg(up{{job="node", {f}}})',
        "CPU use (top 5 instances)",
        "topk(5, instance:node_cpu_use_ratio:rate{window}{{{f}}})",
        "percentunit",
        "max_cpu_use_ratio",
    ),
)
