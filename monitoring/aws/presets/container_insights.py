"""EKS through Container Insights, namespace ContainerInsights, dimension ClusterName.

Node metrics at the ClusterName dimension aggregate every node's samples, so Maximum is the
busiest node. Pod restarts are only published per pod (PodName, Namespace, ClusterName), which
cannot be named ahead of time; they stay with the Prometheus kube-state-metrics rules.
"""

from __future__ import annotations

from monitoring.aws.alarms import AlarmPreset, Metric
from monitoring.kinds.kubernetes import KubernetesService
from monitoring.model import Service, Settings

NAMESPACE = "ContainerInsights"


def eks_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    if not isinstance(service, KubernetesService):
        raise TypeError(f"Container Insights presets need a kubernetes service, got {service.kind}")
    t = service.thresholds

    def metric(name: str) -> Metric:
        return Metric(NAMESPACE, name, (("ClusterName", service.cluster_name),), "Maximum", 300)

    return [
        AlarmPreset(
            "node-cpu-high",
            metric("node_cpu_utilization"),
            comparison="GreaterThanThreshold",
            threshold=t["max_node_cpu_percent"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="warning",
            summary=f"A node's CPU above {t['max_node_cpu_percent']:g}% for 15 minutes",
        ),
        AlarmPreset(
            "node-memory-high",
            metric("node_memory_utilization"),
            comparison="GreaterThanThreshold",
            threshold=t["max_node_memory_percent"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="warning",
            summary=f"A node's memory above {t['max_node_memory_percent']:g}% for 15 minutes",
        ),
        # Silence means the Container Insights agent stopped reporting: treat it as failing.
        AlarmPreset(
            "failed-nodes",
            metric("cluster_failed_node_count"),
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            treat_missing_data="breaching",
            severity="critical",
            summary="Worker nodes report failing node conditions for 10 minutes",
        ),
    ]
