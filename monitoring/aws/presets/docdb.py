"""Amazon DocumentDB, namespace AWS/DocDB: alarms per instance (DBInstanceIdentifier).

The cluster level (DBClusterIdentifier) aggregates its instances: its statistics are the worst
instance's, as the board shows them.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.documentdb import DocumentdbService
from monitoring.model import Service, Settings

FACADE = Facade(
    "AWS/DocDB",
    Level(
        "instance",
        ("DBInstanceIdentifier",),
        {
            "CPUUtilization": "Average",
            "FreeableMemory": "Average",
            "DatabaseConnections": "Maximum",
            "DBInstanceReplicaLag": "Maximum",
        },
    ),
    Level(
        "cluster",
        ("DBClusterIdentifier",),
        {
            "CPUUtilization": "Maximum",
            "FreeableMemory": "Minimum",
            "DatabaseConnections": "Maximum",
            "DBInstanceReplicaLag": "Maximum",
        },
    ),
)


def _instances(service: Service, settings: Settings) -> Iterator[Resource]:
    for instance in require(service, DocumentdbService, "DocumentDB").instance_ids:
        yield Resource(instance, (instance,))


# fmt: off
documentdb_alarms = AlarmTable(
    "docdb",
    FACADE,
    kinds=("documentdb",),
    scopes={"instance": Scope("instance", _instances)},
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
            Alarm("connections-high", "DatabaseConnections",
                  300, "> max_database_connections", 3, 3, "missing", "warning",
                  "More than {threshold:g} connections for 15 minutes"),
            # DBInstanceReplicaLag is in milliseconds: the threshold in seconds is converted.
            Alarm("replica-lag-high", "DBInstanceReplicaLag",
                  60, "> max_replica_lag_seconds", 5, 5, "notBreaching", "warning",
                  "Replica lag above {threshold:g}s for 5 minutes"),
        ),
    },
)
# fmt: on
