"""Amazon RDS (MySQL and PostgreSQL), namespace AWS/RDS, one alarm set per DB instance."""

from __future__ import annotations

from monitoring.aws.alarms import AlarmPreset, Metric, Statistic
from monitoring.kinds.mysql import MysqlService
from monitoring.kinds.postgresql import PostgresqlService
from monitoring.model import Service, Settings

NAMESPACE = "AWS/RDS"


def rds_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    if not isinstance(service, MysqlService | PostgresqlService):
        raise TypeError(f"RDS presets need a mysql or postgresql service, got {service.kind}")
    t = service.thresholds

    def metric(name: str, statistic: Statistic, period_seconds: int) -> Metric:
        return Metric(
            NAMESPACE, name, (("DBInstanceIdentifier", service.rds_instance_id),), statistic, period_seconds
        )

    return [
        AlarmPreset(
            "cpu-high",
            metric("CPUUtilization", "Average", 300),
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
            comparison="LessThanThreshold",
            threshold=t["min_freeable_memory_bytes"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="warning",
            summary=f"Freeable memory below {t['min_freeable_memory_bytes']:.0f} bytes for 15 minutes",
        ),
        AlarmPreset(
            "free-storage-low",
            metric("FreeStorageSpace", "Minimum", 300),
            comparison="LessThanThreshold",
            threshold=t["min_free_storage_bytes"],
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="missing",
            severity="critical",
            summary=f"Free storage below {t['min_free_storage_bytes']:.0f} bytes",
        ),
        AlarmPreset(
            "connections-high",
            metric("DatabaseConnections", "Maximum", 300),
            comparison="GreaterThanThreshold",
            threshold=t["max_database_connections"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="warning",
            summary=f"More than {t['max_database_connections']:g} connections for 15 minutes",
        ),
        # Only read replicas publish ReplicaLag: on a primary the alarm sees no data and stays OK.
        AlarmPreset(
            "replica-lag-high",
            metric("ReplicaLag", "Maximum", 60),
            comparison="GreaterThanThreshold",
            threshold=t["max_replication_lag_seconds"],
            evaluation_periods=5,
            datapoints_to_alarm=5,
            treat_missing_data="notBreaching",
            severity="warning",
            summary=f"Replica lag above {t['max_replication_lag_seconds']:g}s for 5 minutes",
        ),
        AlarmPreset(
            "read-latency-high",
            metric("ReadLatency", "Average", 300),
            comparison="GreaterThanThreshold",
            threshold=t["max_read_latency_seconds"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="warning",
            summary=f"Read latency above {t['max_read_latency_seconds']:g}s for 15 minutes",
        ),
        AlarmPreset(
            "write-latency-high",
            metric("WriteLatency", "Average", 300),
            comparison="GreaterThanThreshold",
            threshold=t["max_write_latency_seconds"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="warning",
            summary=f"Write latency above {t['max_write_latency_seconds']:g}s for 15 minutes",
        ),
    ]
