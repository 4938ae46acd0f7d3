"""Amazon RDS (MySQL and PostgreSQL), namespace AWS/RDS, one alarm set per DB instance (ReplicaLag
only on read replicas)."""

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
    # Aurora: instance metrics aggregated per role of a cluster, read at the role's worst instance.
    Level(
        "cluster_role",
        ("DBClusterIdentifier", "Role"),
        {
            "CPUUtilization": "Maximum",
            "FreeLocalStorage": "Minimum",
            "DBLoad": "Maximum",
            "Deadlocks": "Average",
            "AuroraReplicaLag": "Maximum",
            "DatabaseConnections": "Maximum",
        },
    ),
    Level("cluster", ("DBClusterIdentifier",), {"VolumeBytesUsed": "Maximum"}),
)


def _database(service: Service) -> MysqlService | PostgresqlService:
    if not isinstance(service, MysqlService | PostgresqlService):
        raise TypeError(f"RDS presets need a mysql or postgresql service, got {service.kind}")
    return service


def _instance(service: Service, settings: Settings) -> Iterator[Resource]:
    yield Resource("", (_database(service).rds_instance_id,))


def _replica(service: Service, settings: Settings) -> Iterator[Resource]:
    # Only read replicas publish ReplicaLag: on a primary the alarm would never see data.
    database = _database(service)
    if database.replica_of:
        yield Resource("", (database.rds_instance_id,), {"source": database.replica_of})


# fmt: off
rds_alarms = AlarmTable(
    "rds",
    FACADE,
    kinds=("mysql", "postgresql"),
    scopes={"instance": Scope("instance", _instance), "replica": Scope("instance", _replica, ("source",))},
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
            Alarm("read-latency-high", "ReadLatency",
                  300, "> max_read_latency_seconds", 3, 3, "missing", "warning",
                  "Read latency above {threshold:g}s for 15 minutes"),
            Alarm("write-latency-high", "WriteLatency",
                  300, "> max_write_latency_seconds", 3, 3, "missing", "warning",
                  "Write latency above {threshold:g}s for 15 minutes"),
        ),
        "replica": (
            Alarm("replica-lag-high", "ReplicaLag",
                  60, "> max_replication_lag_seconds", 5, 5, "notBreaching", "warning",
                  "Replica lag behind {source} above {threshold:g}s for 5 minutes"),
        ),
    },
)
# fmt: on
