"""Amazon DocumentDB, namespace AWS/DocDB, one alarm set per instance (DBInstanceIdentifier)."""

from __future__ import annotations

from monitoring.aws.alarms import AlarmPreset, Metric, Statistic
from monitoring.kinds.documentdb import DocumentdbService
from monitoring.model import Service, Settings

NAMESPACE = "AWS/DocDB"
MILLISECONDS_PER_SECOND = 1000


def documentdb_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    if not isinstance(service, DocumentdbService):
        raise TypeError(f"DocumentDB presets need a documentdb service, got {service.kind}")
    t = service.thresholds
    alarms: list[AlarmPreset] = []
    for instance in service.instance_ids:

        def metric(name: str, statistic: Statistic, period_seconds: int, instance: str = instance) -> Metric:
            return Metric(NAMESPACE, name, (("DBInstanceIdentifier", instance),), statistic, period_seconds)

        alarms += [
            AlarmPreset(
                "cpu-high",
                metric("CPUUtilization", "Average", 300),
                resource=instance,
                comparison="GreaterThanThreshold",
                threshold=t["max_cpu_percent"],
                evaluation_periods=3,
                datapoints_to_alarm=3,
                treat_missing_data="missing",
                severity="warning",
                summary=f"CPU above {t['max_cpu_percent']:g}% for 15 minutes",
            ),
            AlarmPreset(
                "freeable-memory-low",
                metric("FreeableMemory", "Average", 300),
                resource=instance,
                comparison="LessThanThreshold",
                threshold=t["min_freeable_memory_bytes"],
                evaluation_periods=3,
                datapoints_to_alarm=3,
                treat_missing_data="missing",
                severity="warning",
                summary=f"Freeable memory below {t['min_freeable_memory_bytes']:.0f} bytes for 15 minutes",
            ),
            AlarmPreset(
                "connections-high",
                metric("DatabaseConnections", "Maximum", 300),
                resource=instance,
                comparison="GreaterThanThreshold",
                threshold=t["max_database_connections"],
                evaluation_periods=3,
                datapoints_to_alarm=3,
                treat_missing_data="missing",
                severity="warning",
                summary=f"More than {t['max_database_connections']:g} connections for 15 minutes",
            ),
            # DBInstanceReplicaLag is in milliseconds; the threshold is kept in seconds.
            AlarmPreset(
                "replica-lag-high",
                metric("DBInstanceReplicaLag", "Maximum", 60),
                resource=instance,
                comparison="GreaterThanThreshold",
                threshold=t["max_replica_lag_seconds"] * MILLISECONDS_PER_SECOND,
                evaluation_periods=5,
                datapoints_to_alarm=5,
                treat_missing_data="notBreaching",
                severity="warning",
                summary=f"Replica lag above {t['max_replica_lag_seconds']:g}s for 5 minutes",
            ),
        ]
    return alarms
