"""Redis board: every ElastiCache Redis cluster through redis_exporter, one service at a time or all."""

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
    sibling_links,
    stat,
    threshold,
    timeseries,
    up_steps,
)
from dashboards.domain import PrometheusOverview, prometheus_row
from monitoring.kinds import KINDS
from monitoring.model import Inventory
from monitoring.naming import cloudwatch_board_uid, kind_dashboard_uid, settings_rate_window

KIND = "redis"

NO_DATA_UNTIL_TRAFFIC = {
    "Memory use": "maxmemory is set (ElastiCache always sets it): with 0, no limit, there is no ratio",
    "Replication lag": "the cluster has replicas: only a primary reports its replicas' lag",
}


def build(inventory: Inventory) -> Dashboard:
    window = settings_rate_window(inventory.settings)
    hit_ratio = f"service:redis_keyspace_hit_ratio:rate{window}"
    ds = datasource_ref("prometheus")
    s = selector("redis")
    by = "sum by (service)"
    return dashboard(
        title="Redis",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="Every ElastiCache Redis cluster of the inventory (redis_exporter, multi-target).",
        tags=[kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=prometheus_variables(inventory.settings, KINDS[KIND].jobs),
        links=[
            *sibling_links(
                inventory,
                "ElastiCache CloudWatch metrics",
                cloudwatch_board_uid(inventory.settings, "elasticache"),
                "cloudwatch",
            )
        ],
        sections=[
            Section(
                "Availability and cache efficiency",
                [
                    stat(
                        "Redis up",
                        "none",
                        [PromQuery(f"min by (service) (redis_up{s})", "{{service}}")],
                        ds,
                        description="1 when redis_exporter can reach the cluster.",
                        limit=up_steps(),
                    ),
                    stat(
                        "Keyspace hit ratio",
                        "percentunit",
                        [PromQuery(f"{hit_ratio}{selector()}", "{{service}}")],
                        ds,
                        description=f"Hits / (hits + misses) over {window}: when low, most reads hit the"
                        " database.",
                        limit=threshold(inventory, KIND, "min_hit_ratio"),
                    ),
                    stat(
                        "Keys without TTL",
                        "short",
                        [PromQuery(f"service:redis_keys_without_ttl:sum{selector()}", "{{service}}")],
                        ds,
                        description="Keys that never expire: memory only eviction gives back.",
                        limit=threshold(inventory, KIND, "max_keys_without_ttl"),
                    ),
                    stat(
                        "Evictions",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(redis_evicted_keys_total{s}[$__rate_interval]))", "{{service}}"
                            )
                        ],
                        ds,
                        description="Keys evicted per second because maxmemory was reached.",
                        limit=threshold(inventory, KIND, "max_evictions_per_second", resolution=0.001),
                    ),
                ],
            ),
            Section(
                "Memory and clients",
                [
                    timeseries(
                        "Memory use",
                        "percentunit",
                        [PromQuery(f"service:redis_memory_use_ratio:max{selector()}", "{{service}}")],
                        ds,
                        description="Used memory / maxmemory.",
                        limit=threshold(inventory, KIND, "max_memory_use_ratio"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Memory use"],
                    ),
                    timeseries(
                        "Memory used",
                        "bytes",
                        [PromQuery(f"{by} (redis_memory_used_bytes{s})", "{{service}}")],
                        ds,
                    ),
                    timeseries(
                        "Client use",
                        "percentunit",
                        [PromQuery(f"service:redis_client_use_ratio:max{selector()}", "{{service}}")],
                        ds,
                        description="Connected clients / maxclients.",
                        limit=threshold(inventory, KIND, "max_client_use_ratio"),
                    ),
                    timeseries(
                        "Rejected connections",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(redis_rejected_connections_total{s}[$__rate_interval]))",
                                "{{service}}",
                            )
                        ],
                        ds,
                        description="Connections refused because maxclients was reached.",
                        limit=threshold(
                            inventory, KIND, "max_rejected_connections_per_second", resolution=0.001
                        ),
                    ),
                ],
            ),
            Section(
                "Traffic and replication",
                [
                    timeseries(
                        "Commands per second",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(redis_commands_processed_total{s}[$__rate_interval]))",
                                "{{service}}",
                            )
                        ],
                        ds,
                    ),
                    timeseries(
                        "Keyspace hits and misses",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(redis_keyspace_hits_total{s}[$__rate_interval]))",
                                "{{service}} hits",
                            ),
                            PromQuery(
                                f"{by} (rate(redis_keyspace_misses_total{s}[$__rate_interval]))",
                                "{{service}} misses",
                            ),
                        ],
                        ds,
                    ),
                    timeseries(
                        "Replication lag",
                        "s",
                        [
                            PromQuery(
                                f"max by (service) (redis_connected_slave_lag_seconds{s})", "{{service}}"
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_replication_lag_seconds"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Replication lag"],
                    ),
                    timeseries(
                        "Network traffic",
                        "Bps",
                        [
                            PromQuery(
                                f"{by} (rate(redis_net_input_bytes_total{s}[$__rate_interval]))",
                                "{{service}} in",
                            ),
                            PromQuery(
                                f"{by} (rate(redis_net_output_bytes_total{s}[$__rate_interval]))",
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
        'avg(redis_up{{job="redis", {f}}})',
        "Memory use (top 5)",
        "topk(5, service:redis_memory_use_ratio:max{{{f}}})",
        "percentunit",
        "max_memory_use_ratio",
    ),
)
