"""EKS through Container Insights, namespace ContainerInsights, dimension ClusterName.

Node metrics at the ClusterName dimension aggregate every node's samples, so Maximum is the
busiest node. Pod restarts are only published per pod (PodName, Namespace, ClusterName), which
cannot be named ahead of time; they stay with the Prometheus kube-state-metrics rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.kubernetes import KubernetesService
from monitoring.model import Service, Settings

FACADE = Facade(
    "ContainerInsights",
    Level(
        "cluster",
        ("ClusterName",),
        {
            "node_cpu_utilization": "Maximum",
            "node_memory_utilization": "Maximum",
            "cluster_failed_node_count": "Maximum",
        },
    ),
)


def _cluster(service: Service, settings: Settings) -> Iterator[Resource]:
    yield Resource("", (require(service, KubernetesService, "Container Insights").cluster_name,))


# fmt: off
eks_alarms = AlarmTable(
    "container-insights",
    FACADE,
    kinds=("kubernetes",),
    scopes={"cluster": Scope("cluster", _cluster)},
    rows={
        "cluster": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            Alarm("node-cpu-high", "node_cpu_utilization",
                  300, "> max_node_cpu_percent", 3, 3, "missing", "warning",
                  "A node's CPU above {threshold:g}% for 15 minutes"),
            Alarm("node-memory-high", "node_memory_utilization",
                  300, "> max_node_memory_percent", 3, 3, "missing", "warning",
                  "A node's memory above {threshold:g}% for 15 minutes"),
            # Silence means the Container Insights agent stopped reporting: treat it as failing.
            Alarm("failed-nodes", "cluster_failed_node_count",
                  300, ">= 1", 2, 2, "breaching", "critical",
                  "Worker nodes report failing node conditions for 10 minutes"),
        ),
    },
)
# fmt: on
