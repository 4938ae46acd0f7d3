"""Amazon ElastiCache, namespace AWS/ElastiCache: Redis alarms are per node (CacheClusterId).

A replication group's nodes are the cache clusters <group>-001, -002, ... (in cluster mode
<group>-0001-001, shard then node); the facade also reads
the Memcached metrics, per node of a Memcached cluster (CacheClusterId, CacheNodeId).
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.redis import RedisService
from monitoring.model import Service, Settings

FACADE = Facade(
    "AWS/ElastiCache",
    Level(
        "node",
        ("CacheClusterId",),
        {
            "EngineCPUUtilization": "Average",
            "DatabaseMemoryUsagePercentage": "Average",
            "Evictions": "Sum",
            "CurrConnections": "Maximum",
            "ReplicationLag": "Maximum",
            "CacheHitRate": "Average",
            "NetworkBytesIn": "Sum",
            "NetworkBytesOut": "Sum",
        },
    ),
    Level(
        "memcached_node",
        ("CacheClusterId", "CacheNodeId"),
        {
            "CPUUtilization": "Average",
            "SwapUsage": "Maximum",
            "Evictions": "Sum",
            "CurrConnections": "Maximum",
        },
    ),
)


def _nodes(service: Service, settings: Settings) -> Iterator[Resource]:
    for node in require(service, RedisService, "ElastiCache").cache_cluster_ids:
        yield Resource(node, (node,))


def _replica_nodes(service: Service, settings: Settings) -> Iterator[Resource]:
    # A group without replicas has no replication; with replicas every node gets the alarm, since
    # failover moves the primary role and only the current replicas publish the metric.
    if require(service, RedisService, "ElastiCache").has_replicas:
        yield from _nodes(service, settings)


# fmt: off
redis_alarms = AlarmTable(
    "elasticache-redis",
    FACADE,
    kinds=("redis",),
    scopes={"node": Scope("node", _nodes), "replica_node": Scope("node", _replica_nodes)},
    rows={
        "node": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            Alarm("engine-cpu-high", "EngineCPUUtilization",
                  300, "> max_engine_cpu_percent", 3, 3, "missing", "warning",
                  "Redis engine CPU above {threshold:g}% for 15 minutes"),
            Alarm("memory-usage-high", "DatabaseMemoryUsagePercentage",
                  300, "> max_database_memory_usage_percent", 3, 3, "missing", "critical",
                  "Memory usage above {threshold:g}% of maxmemory"),
            # Evictions is a count per period: the per-second threshold is scaled to the period.
            Alarm("evictions", "Evictions",
                  60, "> max_evictions_per_second", 5, 3, "notBreaching", "warning",
                  "Keys evicted faster than {threshold:g}/s in 3 of 5 minutes"),
            Alarm("connections-high", "CurrConnections",
                  300, "> max_current_connections", 3, 3, "missing", "warning",
                  "More than {threshold:g} client connections for 15 minutes"),
        ),
        "replica_node": (
            Alarm("replication-lag-high", "ReplicationLag",
                  60, "> max_replication_lag_seconds", 5, 5, "notBreaching", "warning",
                  "Replication lag above {threshold:g}s for 5 minutes"),
        ),
    },
)
# fmt: on
