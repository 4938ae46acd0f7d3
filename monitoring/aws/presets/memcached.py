"""ElastiCache Memcached, namespace AWS/ElastiCache: alarms per node (CacheClusterId, CacheNodeId).

The metrics come from the ElastiCache facade's memcached_node level, shared with the Redis alarms.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.presets.elasticache import FACADE
from monitoring.kinds.memcached import MemcachedService
from monitoring.model import Service, Settings


def _nodes(service: Service, settings: Settings) -> Iterator[Resource]:
    cluster = require(service, MemcachedService, "ElastiCache Memcached")
    for node_id in cluster.cache_node_ids:
        yield Resource(node_id, (cluster.cache_cluster_id, node_id), {"node": node_id})


# fmt: off
memcached_alarms = AlarmTable(
    "elasticache-memcached",
    FACADE,
    kinds=("memcached",),
    scopes={"node": Scope("memcached_node", _nodes, ("node",))},
    rows={
        "node": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            Alarm("cpu-high", "CPUUtilization",
                  300, "> max_cpu_percent", 3, 3, "missing", "warning",
                  "Memcached node {node} CPU above {threshold:g}% for 15 minutes"),
            # Swap on a cache node means its memory is overcommitted: latency climbs before evictions do.
            Alarm("swap-usage-high", "SwapUsage",
                  300, "> max_swap_usage_bytes", 3, 3, "missing", "critical",
                  "Memcached node {node} swaps more than {threshold:g} bytes for 15 minutes"),
            # Evictions is a count per period: the per-second threshold is scaled to the period.
            Alarm("evictions", "Evictions",
                  60, "> max_evictions_per_second", 5, 3, "notBreaching", "warning",
                  "Memcached node {node} evicts items faster than {threshold:g}/s in 3 of 5 minutes"),
            Alarm("connections-high", "CurrConnections",
                  300, "> max_current_connections", 3, 3, "missing", "warning",
                  "Memcached node {node} has more than {threshold:g} connections for 15 minutes"),
        ),
    },
)
# fmt: on
