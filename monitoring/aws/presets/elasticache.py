"""Amazon ElastiCache for Redis, namespace AWS/ElastiCache: alarms are per node (CacheClusterId)."""

from __future__ import annotations

from monitoring.aws.alarms import AlarmPreset, Metric, Statistic
from monitoring.kinds.redis import RedisService
from monitoring.model import Service, Settings

NAMESPACE = "AWS/ElastiCache"
EVICTION_PERIOD_SECONDS = 60


def redis_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    if not isinstance(service, RedisService):
        raise TypeError(f"ElastiCache presets need a redis service, got {service.kind}")
    t = service.thresholds
    alarms: list[AlarmPreset] = []
    for node in service.cache_cluster_ids:

        def metric(name: str, statistic: Statistic, period_seconds: int, node: str = node) -> Metric:
            return Metric(NAMESPACE, name, (("CacheClusterId", node),), statistic, period_seconds)

        alarms += [
            AlarmPreset(
                "engine-cpu-high",
                metric("EngineCPUUtilization", "Average", 300),
                resource=node,
                comparison="GreaterThanThreshold",
                threshold=t["max_engine_cpu_percent"],
                evaluation_periods=3,
                datapoints_to_alarm=3,
                treat_missing_data="missing",
                severity="warning",
                summary=f"Redis engine CPU above {t['max_engine_cpu_percent']:g}% for 15 minutes",
            ),
            AlarmPreset(
                "memory-usage-high",
                metric("DatabaseMemoryUsagePercentage", "Average", 300),
                resource=node,
                comparison="GreaterThanThreshold",
                threshold=t["max_database_memory_usage_percent"],
                evaluation_periods=3,
                datapoints_to_alarm=3,
                treat_missing_data="missing",
                severity="critical",
                summary=f"Memory usage above {t['max_database_memory_usage_percent']:g}% of maxmemory",
            ),
            # Evictions is a count per period: the per-second threshold is scaled to the period.
            AlarmPreset(
                "evictions",
                metric("Evictions", "Sum", EVICTION_PERIOD_SECONDS),
                resource=node,
                comparison="GreaterThanThreshold",
                threshold=t["max_evictions_per_second"] * EVICTION_PERIOD_SECONDS,
                evaluation_periods=5,
                datapoints_to_alarm=3,
                treat_missing_data="notBreaching",
                severity="warning",
                summary=f"Keys evicted faster than {t['max_evictions_per_second']:g}/s in 3 of 5 minutes",
            ),
            AlarmPreset(
                "connections-high",
                metric("CurrConnections", "Maximum", 300),
                resource=node,
                comparison="GreaterThanThreshold",
                threshold=t["max_current_connections"],
                evaluation_periods=3,
                datapoints_to_alarm=3,
                treat_missing_data="missing",
                severity="warning",
                summary=f"More than {t['max_current_connections']:g} client connections for 15 minutes",
            ),
        ]
        # A single-node group has no replica; with replicas every node gets the alarm, since
        # failover moves the primary role and only the current replicas publish the metric.
        if service.node_count > 1:
            alarms.append(
                AlarmPreset(
                    "replication-lag-high",
                    metric("ReplicationLag", "Maximum", 60),
                    resource=node,
                    comparison="GreaterThanThreshold",
                    threshold=t["max_replication_lag_seconds"],
                    evaluation_periods=5,
                    datapoints_to_alarm=5,
                    treat_missing_data="notBreaching",
                    severity="warning",
                    summary=f"Replication lag above {t['max_replication_lag_seconds']:g}s for 5 minutes",
                )
            )
    return alarms
