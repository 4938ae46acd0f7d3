"""Amazon Aurora clusters (MySQL and PostgreSQL), namespace AWS/RDS: alarms per cluster role.

Instance ids change with failover and reader autoscaling, so the alarms read the role metrics
(DBClusterIdentifier, Role=WRITER/READER) of the RDS facade, and VolumeBytesUsed per cluster.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.presets.rds import FACADE
from monitoring.kinds.aurora import AuroraService
from monitoring.model import Service, Settings


def _cluster(service: Service) -> AuroraService:
    return require(service, AuroraService, "Aurora")


def _roles(service: Service, settings: Settings) -> Iterator[Resource]:
    cluster = _cluster(service)
    yield Resource("writer", (cluster.cluster_id, "WRITER"), {"role": "writer"})
    if cluster.readers:
        yield Resource("reader", (cluster.cluster_id, "READER"), {"role": "readers"})


def _writer(service: Service, settings: Settings) -> Iterator[Resource]:
    yield Resource("writer", (_cluster(service).cluster_id, "WRITER"))


def _readers(service: Service, settings: Settings) -> Iterator[Resource]:
    # Only readers publish AuroraReplicaLag: a writer-only cluster gets no lag alarm.
    cluster = _cluster(service)
    if cluster.readers:
        yield Resource("reader", (cluster.cluster_id, "READER"))


def _volume(service: Service, settings: Settings) -> Iterator[Resource]:
    yield Resource("", (_cluster(service).cluster_id,))


# fmt: off
aurora_alarms = AlarmTable(
    "aurora",
    FACADE,
    kinds=("aurora_mysql", "aurora_postgresql"),
    scopes={
        "role": Scope("cluster_role", _roles, ("role",)),
        "writer": Scope("cluster_role", _writer),
        "readers": Scope("cluster_role", _readers),
        "cluster": Scope("cluster", _volume),
    },
    rows={
        "role": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            Alarm("cpu-high", "CPUUtilization",
                  300, "> max_cpu_percent", 3, 3, "missing", "warning",
                  "CPU of the {role} above {threshold:g}% for 15 minutes"),
            Alarm("free-local-storage-low", "FreeLocalStorage",
                  300, "< min_free_local_storage_bytes", 1, 1, "missing", "critical",
                  "Free local storage of the {role} below {threshold:.0f} bytes"),
            Alarm("db-load-high", "DBLoad",
                  300, "> max_db_load_sessions", 3, 3, "missing", "warning",
                  "DB load of the {role} above {threshold:g} active sessions for 15 minutes"),
        ),
        "writer": (
            Alarm("deadlocks", "Deadlocks",
                  300, "> max_deadlocks_per_second", 2, 2, "notBreaching", "warning",
                  "Writer deadlocks above {threshold:g}/s for 10 minutes"),
        ),
        "readers": (
            # AuroraReplicaLag is in milliseconds: the threshold in seconds is converted.
            Alarm("replica-lag-high", "AuroraReplicaLag",
                  60, "> max_replica_lag_seconds", 5, 5, "missing", "warning",
                  "Reader lag above {threshold:g}s for 5 minutes"),
        ),
        "cluster": (
            Alarm("volume-used-high", "VolumeBytesUsed",
                  3600, "> max_volume_used_bytes", 1, 1, "missing", "warning",
                  "Cluster volume above {threshold:.0f} bytes"),
        ),
    },
)
# fmt: on
