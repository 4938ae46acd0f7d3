"""Amazon OpenSearch Service, namespace AWS/ES, dimensions DomainName and ClientId (the account id).

Follows AWS's recommended OpenSearch alarms (statistics, periods and consecutive datapoints).
"""

from __future__ import annotations

from monitoring.aws.alarms import AlarmPreset, Metric, Statistic
from monitoring.kinds.opensearch import OpensearchService
from monitoring.model import Service, Settings

NAMESPACE = "AWS/ES"


def opensearch_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    if not isinstance(service, OpensearchService):
        raise TypeError(f"OpenSearch presets need an opensearch service, got {service.kind}")
    t = service.thresholds
    dims = (("DomainName", service.domain_name), ("ClientId", settings.account_id))

    def metric(name: str, statistic: Statistic, period_seconds: int) -> Metric:
        return Metric(NAMESPACE, name, dims, statistic, period_seconds)

    return [
        # Published every minute by a healthy domain: silence is as bad as red.
        AlarmPreset(
            "cluster-status-red",
            metric("ClusterStatus.red", "Maximum", 60),
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="breaching",
            severity="critical",
            summary="Cluster status red: a primary shard and its replicas are unassigned",
        ),
        AlarmPreset(
            "cluster-status-yellow",
            metric("ClusterStatus.yellow", "Maximum", 60),
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=5,
            datapoints_to_alarm=5,
            treat_missing_data="notBreaching",
            severity="warning",
            summary="Cluster status yellow for 5 minutes: replica shards are unassigned",
        ),
        AlarmPreset(
            "free-storage-low",
            metric("FreeStorageSpace", "Minimum", 60),
            comparison="LessThanOrEqualToThreshold",
            threshold=t["min_free_storage_megabytes"],
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="missing",
            severity="critical",
            summary=f"A node has {t['min_free_storage_megabytes']:g} MiB of free storage or less",
        ),
        AlarmPreset(
            "index-writes-blocked",
            metric("ClusterIndexWritesBlocked", "Maximum", 300),
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
            severity="critical",
            summary="The cluster is blocking index writes",
        ),
        AlarmPreset(
            "jvm-memory-pressure-high",
            metric("JVMMemoryPressure", "Maximum", 60),
            comparison="GreaterThanOrEqualToThreshold",
            threshold=t["max_jvm_memory_pressure_percent"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="critical",
            summary=f"JVM memory pressure at {t['max_jvm_memory_pressure_percent']:g}% or more for 3 minutes",
        ),
        AlarmPreset(
            "old-gen-jvm-memory-pressure-high",
            metric("OldGenJVMMemoryPressure", "Maximum", 60),
            comparison="GreaterThanOrEqualToThreshold",
            threshold=t["max_old_gen_jvm_memory_pressure_percent"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="warning",
            summary=f"Old generation JVM memory pressure at "
            f"{t['max_old_gen_jvm_memory_pressure_percent']:g}% or more for 3 minutes",
        ),
        AlarmPreset(
            "automated-snapshot-failure",
            metric("AutomatedSnapshotFailure", "Maximum", 60),
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
            severity="warning",
            summary="An automated snapshot failed",
        ),
        AlarmPreset(
            "cpu-high",
            metric("CPUUtilization", "Maximum", 900),
            comparison="GreaterThanOrEqualToThreshold",
            threshold=t["max_cpu_percent"],
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="missing",
            severity="warning",
            summary=f"CPU at {t['max_cpu_percent']:g}% or more for 45 minutes",
        ),
    ]
