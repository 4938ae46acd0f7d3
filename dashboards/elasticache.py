"""ElastiCache board from CloudWatch (AWS/ElastiCache): the host-side view of the Redis clusters."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    CloudwatchQuery,
    Section,
    cloudwatch_query,
    cloudwatch_variables,
    dashboard,
    datasource_ref,
    domain_tag,
    domains_of_kind,
    kind_tag,
    sibling_links,
    threshold,
    timeseries,
)
from monitoring.aws.presets.elasticache import FACADE
from monitoring.kinds.redis import RedisService
from monitoring.model import Inventory
from monitoring.naming import cloudwatch_board_uid, kind_dashboard_uid

KIND = "redis"

NO_DATA_UNTIL_TRAFFIC: dict[str, str] = {}


def board_uid(inventory: Inventory) -> str:
    return cloudwatch_board_uid(inventory.settings, "elasticache")


def build(inventory: Inventory) -> Dashboard:
    # CloudWatch reports per node: the service variable selects the group's first node (<group>-001).
    services = sorted((s.name, s.cache_cluster_ids[0]) for s in inventory.services_of(KIND, RedisService))
    ds = datasource_ref("cloudwatch")
    first_node = "Node 001 of the replication group (CloudWatch reports per node)."

    def query(name: str, label: str = "{{CacheClusterId}}") -> CloudwatchQuery:
        return cloudwatch_query(FACADE.series(name, "node", ["$service"]), label)

    def metric(name: str) -> list[CloudwatchQuery]:
        return [query(name)]

    return dashboard(
        title="ElastiCache Redis (CloudWatch)",
        uid=board_uid(inventory),
        description="CloudWatch metrics of the ElastiCache Redis clusters: engine CPU, memory, connections.",
        tags=["cloudwatch", kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=cloudwatch_variables(inventory.settings, services),
        links=sibling_links(
            inventory, "Redis exporter metrics", kind_dashboard_uid(inventory.settings, KIND), "prometheus"
        ),
        sections=[
            Section(
                "Engine",
                [
                    timeseries(
                        "Engine CPU",
                        "percent",
                        metric("EngineCPUUtilization"),
                        ds,
                        description=first_node,
                        limit=threshold(inventory, KIND, "max_engine_cpu_percent"),
                    ),
                    timeseries(
                        "Memory usage",
                        "percent",
                        metric("DatabaseMemoryUsagePercentage"),
                        ds,
                        description=first_node,
                        limit=threshold(inventory, KIND, "max_database_memory_usage_percent"),
                    ),
                    timeseries(
                        "Current connections",
                        "short",
                        metric("CurrConnections"),
                        ds,
                        description=first_node,
                        limit=threshold(inventory, KIND, "max_current_connections"),
                    ),
                    timeseries(
                        "Cache hit rate",
                        "percent",
                        metric("CacheHitRate"),
                        ds,
                        description=first_node,
                        limit=threshold(inventory, KIND, "min_hit_ratio", scale=100),
                    ),
                ],
            ),
            Section(
                "Evictions and network",
                [
                    timeseries(
                        "Evictions",
                        "short",
                        metric("Evictions"),
                        ds,
                        description=f"{first_node} Keys evicted per period; the Redis board draws the "
                        "per-second alert threshold.",
                    ),
                    timeseries(
                        "Network traffic",
                        "bytes",
                        [
                            query("NetworkBytesIn", "{{CacheClusterId}} in"),
                            query("NetworkBytesOut", "{{CacheClusterId}} out"),
                        ],
                        ds,
                        description=f"{first_node} Bytes per period.",
                    ),
                ],
            ),
        ],
    )
