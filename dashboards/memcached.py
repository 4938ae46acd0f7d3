"""Memcached board: every ElastiCache Memcached cluster through memcached_exporter, per node."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    PromQuery,
    Section,
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
    up_steps,
)
from dashboards.domain import PrometheusOverview, prometheus_row
from monitoring.kinds import KINDS
from monitoring.model import Inventory
from monitoring.naming import kind_dashboard_uid, settings_rate_window

KIND = "memcached"

NO_DATA_UNTIL_TRAFFIC: dict[str, str] = {}


def build(inventory: Inventory) -> Dashboard:
    window = settings_rate_window(inventory.settings)
    ds = datasource_ref("prometheus")
    s = selector("memcached")
    by = "sum by (service)"
    per_node = "max by (service, instance)"
    return dashboard(
        title="Memcached",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="Every ElastiCache Memcached cluster of the inventory (memcached_exporter, "
        "multi-target), one series per node where nodes differ.",
        tags=[kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=prometheus_variables(inventory.settings, KINDS[KIND].jobs),
        sections=[
            Section(
                "Availability and cache efficiency",
                [
                    stat(
                        "Memcached up",
                        "none",
                        [PromQuery(f"min by (service) (memcached_up{s})", "{{service}}")],
                        ds,
                        description="1 when memcached_exporter reaches every node of the cluster.",
                        limit=up_steps(),
                    ),
                    stat(
                        "Get hit ratio",
                        "percentunit",
                        [PromQuery(f"service:memcached_hit_ratio:rate{window}{selector()}", "{{service}}")],
                        ds,
                        description=f"Get hits / (hits + misses) over {window}.",
                        limit=threshold(inventory, KIND, "min_hit_ratio"),
                    ),
                    stat(
                        "Evictions",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(memcached_items_evicted_total{s}[$__rate_interval]))",
                                "{{service}}",
                            )
                        ],
                        ds,
                        description="Items evicted per second to make room for new ones.",
                        limit=threshold(inventory, KIND, "max_evictions_per_second", resolution=0.001),
                    ),
                    stat(
                        "Connection use",
                        "percentunit",
                        [PromQuery(f"service:memcached_connection_use_ratio:max{selector()}", "{{service}}")],
                        ds,
                        description="Open connections / the connection limit, on the busiest node.",
                        limit=threshold(inventory, KIND, "max_connection_use_ratio"),
                    ),
                ],
            ),
            Section(
                "Memory and traffic per node",
                [
                    timeseries(
                        "Memory use",
                        "percentunit",
                        [
                            PromQuery(
                                f"{per_node} (memcached_current_bytes{s} / memcached_limit_bytes{s})",
                                "{{service}} {{instance}}",
                            )
                        ],
                        ds,
                        description="Bytes stored / the memory limit. A full cache is normal for Memcached: "
                        "evictions tell whether it is too small.",
                    ),
                    timeseries(
                        "Items",
                        "short",
                        [PromQuery(f"{per_node} (memcached_current_items{s})", "{{service}} {{instance}}")],
                        ds,
                    ),
                    timeseries(
                        "Commands per second",
                        "ops",
                        [
                            PromQuery(
                                "sum by (service, command) "
                                f"(rate(memcached_commands_total{s}[$__rate_interval]))",
                                "{{service}} {{command}}",
                            )
                        ],
                        ds,
                    ),
                    timeseries(
                        "Network traffic",
                        "Bps",
                        [
                            PromQuery(
                                f"{by} (rate(memcached_read_bytes_total{s}[$__rate_interval]))",
                                "{{service}} in",
                            ),
                            PromQuery(
                                f"{by} (rate(memcached_written_bytes_total{s}[$__rate_interval]))",
                                "{{service}} out",
                            ),
                        ],
                        ds,
                    ),
                ],
            ),
        ],
    )


# This kind's row on each domain overview.
OVERVIEW_ROW = prometheus_row(
    KIND,
    PrometheusOverview(
        'avg(memcached_up{{job="memcached", {f}}})',
        "Connection use (top 5)",
        "topk(5, service:memcached_connection_use_ratio:max{{{f}}})",
        "percentunit",
        "max_connection_use_ratio",
    ),
)
