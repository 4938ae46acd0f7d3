"""Amazon OpenSearch Service, namespace AWS/ES, dimensions DomainName and ClientId (the account id).

Follows AWS's recommended OpenSearch alarms (statistics, periods and consecutive datapoints).
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.opensearch import OpensearchService
from monitoring.model import Service, Settings

FACADE = Facade(
    "AWS/ES",
    Level(
        "domain",
        ("DomainName", "ClientId"),
        {
            "ClusterStatus.red": "Maximum",
            "ClusterStatus.yellow": "Maximum",
            "Nodes": "Minimum",
            "FreeStorageSpace": "Minimum",
            "ClusterIndexWritesBlocked": "Maximum",
            "JVMMemoryPressure": "Maximum",
            "OldGenJVMMemoryPressure": "Maximum",
            "AutomatedSnapshotFailure": "Maximum",
            "CPUUtilization": "Maximum",
        },
    ),
)


def _domain(service: Service, settings: Settings) -> Iterator[Resource]:
    yield Resource(
        "", (require(service, OpensearchService, "OpenSearch").domain_name, service.account.account_id)
    )


# fmt: off
opensearch_alarms = AlarmTable(
    "opensearch",
    FACADE,
    kinds=("opensearch",),
    scopes={"domain": Scope("domain", _domain)},
    rows={
        "domain": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            # Published every minute by a healthy domain: silence is as bad as red.
            Alarm("cluster-status-red", "ClusterStatus.red",
                  60, ">= 1", 1, 1, "breaching", "critical",
                  "Cluster status red: a primary shard and its replicas are unassigned"),
            Alarm("cluster-status-yellow", "ClusterStatus.yellow",
                  60, ">= 1", 5, 5, "notBreaching", "warning",
                  "Cluster status yellow for 5 minutes: replica shards are unassigned"),
            Alarm("free-storage-low", "FreeStorageSpace",
                  60, "<= min_free_storage_megabytes", 1, 1, "missing", "critical",
                  "A node has {threshold:g} MiB of free storage or less"),
            Alarm("index-writes-blocked", "ClusterIndexWritesBlocked",
                  300, ">= 1", 1, 1, "notBreaching", "critical",
                  "The cluster is blocking index writes"),
            Alarm("jvm-memory-pressure-high", "JVMMemoryPressure",
                  60, ">= max_jvm_memory_pressure_percent", 3, 3, "missing", "critical",
                  "JVM memory pressure at {threshold:g}% or more for 3 minutes"),
            Alarm("old-gen-jvm-memory-pressure-high", "OldGenJVMMemoryPressure",
                  60, ">= max_old_gen_jvm_memory_pressure_percent", 3, 3, "missing", "warning",
                  "Old generation JVM memory pressure at {threshold:g}% or more for 3 minutes"),
            Alarm("automated-snapshot-failure", "AutomatedSnapshotFailure",
                  60, ">= 1", 1, 1, "notBreaching", "warning",
                  "An automated snapshot failed"),
            Alarm("cpu-high", "CPUUtilization",
                  900, ">= max_cpu_percent", 3, 3, "missing", "warning",
                  "CPU at {threshold:g}% or more for 45 minutes"),
        ),
    },
)
# fmt: on
