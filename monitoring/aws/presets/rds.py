"""Amazon RDS (MySQL and PostgreSQL), namespace AWS/RDS, one alarm set per DB instance."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.mysql import MysqlService
from monitoring.kinds.postgresql import PostgresqlService
from monitoring.model import Service, Settings

FACADE = Facade(
    "AWS/RDS",
    Level(
        "instance",
        ("DBInstanceIdentifier",),
        {
            "CPUUtilization": "Average",
            "FreeableMemory": "Average",
            "FreeStorageSpace": "Minimum",
            "DatabaseConnections": "Maximum",
            "ReplicaLag": "Maximum",
            "ReadLatency": "Average",
            "WriteLatency": "Average",
        },
    ),
)


def _instance(service: Service, settings: Settings) -> Iterator[Resource]:
    if not isinstance(service, MysqlService | PostgresqlService):
        raise TypeError(f"RDS presets need a mysql or postgresql service, got {service.kind}")
    yield Resource("", (service.rds_instance_id,))


# fmt: off
rds_alarms = AlarmTable(
    "rds",
    FACADE,
    kinds=("mysql", "postgresql"),
    scopes={"instance": Scope("instance", _instance)},
    rows={
        "instance": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            Alarm("cpu-high", "CPUUtilization",
                  300, "> max_cpu_percent", 3, 3, "missing", "warning",
                  "CPU above {threshold:g}% for 15 minutes"),
            Alarm("freeable-memory-low", "FreeableMemory",
                  300, "< min_freeable_memory_bytes", 3, 3, "missing", "warning",
                  "Freeable memory below {threshold:.0f} bytes for 15 minutes"),
            Alarm("free-storage-low", "FreeStorageSpace",
                  300, "< min_free_storage_bytes", 1, 1, "missing", "critical",
                  "Free storage below {threshold:.0f} bytes"),
            Alarm("connections-high", "DatabaseConnections",
                  300, "> max_database_connections", 3, 3, "missing", "warning",
                  "More than {threshold:g} connections for 15 minutes"),
            # Only read replicas publish ReplicaLag: on a primary the alarm sees no data and stays OK.
            Alarm("replica-lag-high", "ReplicaLag",
                  60, "> max_replication_lag_seconds", 5, 5, "notBreaching", "warning",
                  "Replica lag above {threshold:g}s for 5 minutes"),
            Alarm("read-latency-high", "ReadLatency",
                  300, "> max_read_latency_seconds", 3, 3, "missing", "warning",
                  "Read latency above {threshold:g}s for 15 minutes"),
            Alarm("write-latency-high", "WriteLatency",
                  300, "> max_write_latency_seconds", 3, 3, "missing", "warning",
                  "Write latency above {threshold:g}s for 15 minutes"),
        ),
    },
)
# fmt: on
