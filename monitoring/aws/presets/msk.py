"""Amazon MSK, namespace AWS/Kafka. Dimension names contain spaces: "Cluster Name", "Broker ID".

Controller metrics (ActiveControllerCount, OfflinePartitionsCount) are reported by every broker
but only the active controller reports a real value, so they are summed across brokers at the
cluster dimension; Average would hide a missing or duplicated controller.
"""

from __future__ import annotations

from monitoring.aws.alarms import AlarmPreset, Metric, Statistic
from monitoring.kinds.kafka import KafkaService
from monitoring.model import Service, Settings

NAMESPACE = "AWS/Kafka"
CLUSTER_NAME = "Cluster Name"
BROKER_ID = "Broker ID"


def msk_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    if not isinstance(service, KafkaService):
        raise TypeError(f"MSK presets need a kafka service, got {service.kind}")
    t = service.thresholds
    cluster = ((CLUSTER_NAME, service.cluster_name),)

    def cluster_metric(name: str) -> Metric:
        return Metric(NAMESPACE, name, cluster, "Sum", 60)

    def broker_metric(name: str, statistic: Statistic, broker_id: int, period_seconds: int) -> Metric:
        return Metric(NAMESPACE, name, (*cluster, (BROKER_ID, str(broker_id))), statistic, period_seconds)

    alarms = [
        # "Exactly one active controller" is two alarms: none (or silence) and more than one.
        AlarmPreset(
            "no-active-controller",
            cluster_metric("ActiveControllerCount"),
            comparison="LessThanThreshold",
            threshold=1,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="breaching",
            severity="critical",
            summary="No active controller (sum across brokers below 1) for 3 minutes",
        ),
        AlarmPreset(
            "multiple-active-controllers",
            cluster_metric("ActiveControllerCount"),
            comparison="GreaterThanThreshold",
            threshold=1,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            severity="critical",
            summary="More than one active controller (sum across brokers above 1) for 3 minutes",
        ),
        AlarmPreset(
            "offline-partitions",
            cluster_metric("OfflinePartitionsCount"),
            comparison="GreaterThanThreshold",
            threshold=t["max_offline_partitions"],
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
            severity="critical",
            summary=f"More than {t['max_offline_partitions']:g} partitions offline",
        ),
    ]
    for broker_id in range(1, len(service.brokers) + 1):
        broker = f"broker-{broker_id}"
        alarms += [
            AlarmPreset(
                "data-logs-disk-used-high",
                broker_metric("KafkaDataLogsDiskUsed", "Maximum", broker_id, 300),
                resource=broker,
                comparison="GreaterThanThreshold",
                threshold=t["max_disk_used_percent"],
                evaluation_periods=1,
                datapoints_to_alarm=1,
                treat_missing_data="missing",
                severity="critical",
                summary=f"Broker {broker_id} data log disk above {t['max_disk_used_percent']:g}%",
            ),
            AlarmPreset(
                "under-replicated-partitions",
                broker_metric("UnderReplicatedPartitions", "Maximum", broker_id, 60),
                resource=broker,
                comparison="GreaterThanThreshold",
                threshold=t["max_under_replicated_partitions"],
                evaluation_periods=5,
                datapoints_to_alarm=5,
                treat_missing_data="notBreaching",
                severity="warning",
                summary=f"Broker {broker_id} has more than {t['max_under_replicated_partitions']:g} "
                "under-replicated partitions for 5 minutes",
            ),
        ]
    return alarms
