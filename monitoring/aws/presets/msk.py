"""Amazon MSK, namespace AWS/Kafka. Dimension names contain spaces: "Cluster Name", "Broker ID".

Controller metrics (ActiveControllerCount, OfflinePartitionsCount) are reported by every broker
but only the active controller reports a real value, so they are summed across brokers at the
cluster dimension; Average would hide a missing or duplicated controller.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.kafka import KafkaService
from monitoring.model import Service, Settings

FACADE = Facade(
    "AWS/Kafka",
    Level(
        "cluster",
        ("Cluster Name",),
        {"ActiveControllerCount": "Sum", "OfflinePartitionsCount": "Sum"},
    ),
    Level(
        "broker",
        ("Cluster Name", "Broker ID"),
        {"KafkaDataLogsDiskUsed": "Maximum", "UnderReplicatedPartitions": "Maximum", "CpuUser": "Average"},
    ),
    Level(
        "consumer_group_topic",
        ("Cluster Name", "Consumer Group", "Topic"),
        {"SumOffsetLag": "Maximum", "EstimatedMaxTimeLag": "Maximum"},
    ),
)


def _cluster(service: Service, settings: Settings) -> Iterator[Resource]:
    yield Resource("", (require(service, KafkaService, "MSK").cluster_name,))


def _brokers(service: Service, settings: Settings) -> Iterator[Resource]:
    kafka = require(service, KafkaService, "MSK")
    for broker_id in range(1, len(kafka.brokers) + 1):
        yield Resource(
            f"broker-{broker_id}", (kafka.cluster_name, str(broker_id)), {"broker_id": str(broker_id)}
        )


def _consumer_groups(service: Service, settings: Settings) -> Iterator[Resource]:
    # CloudWatch publishes lag per group and topic only: one alarm per topic the group consumes.
    kafka = require(service, KafkaService, "MSK")
    for group in kafka.consumer_groups:
        for topic in group.topics:
            yield Resource(
                f"consumer-{group.name}-{topic}",
                (kafka.cluster_name, group.name, topic),
                {"consumer_group": group.name, "topic": topic},
                owner=group.domain,
            )


# fmt: off
msk_alarms = AlarmTable(
    "msk",
    FACADE,
    kinds=("kafka",),
    scopes={
        "cluster": Scope("cluster", _cluster),
        "broker": Scope("broker", _brokers, ("broker_id",)),
        "consumer_group": Scope("consumer_group_topic", _consumer_groups, ("consumer_group", "topic")),
    },
    rows={
        "cluster": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            # "Exactly one active controller" is two alarms: none (or silence) and more than one.
            Alarm("no-active-controller", "ActiveControllerCount",
                  60, "< 1", 3, 3, "breaching", "critical",
                  "No active controller (sum across brokers below 1) for 3 minutes"),
            Alarm("multiple-active-controllers", "ActiveControllerCount",
                  60, "> 1", 3, 3, "notBreaching", "critical",
                  "More than one active controller (sum across brokers above 1) for 3 minutes"),
            Alarm("offline-partitions", "OfflinePartitionsCount",
                  60, "> max_offline_partitions", 1, 1, "notBreaching", "critical",
                  "More than {threshold:g} partitions offline"),
        ),
        "broker": (
            Alarm("data-logs-disk-used-high", "KafkaDataLogsDiskUsed",
                  300, "> max_disk_used_percent", 1, 1, "missing", "critical",
                  "Broker {broker_id} data log disk above {threshold:g}%"),
            Alarm("under-replicated-partitions", "UnderReplicatedPartitions",
                  60, "> max_under_replicated_partitions", 5, 5, "notBreaching", "warning",
                  "Broker {broker_id} has more than {threshold:g} under-replicated partitions for 5 minutes"),
        ),
        "consumer_group": (
            Alarm("consumer-lag-high", "SumOffsetLag",
                  300, "> max_consumer_lag_messages", 3, 3, "notBreaching", "warning",
                  "Consumer group {consumer_group} lags more than {threshold:g} messages on topic {topic}"
                  " for 15 minutes"),
            # Seconds behind, as MSK estimates it from the largest partition lag and the topic's rate:
            # the lag a consumer's owner can reason about whatever the topic's volume.
            Alarm("consumer-time-lag-high", "EstimatedMaxTimeLag",
                  300, "> max_time_lag_seconds", 3, 3, "notBreaching", "warning",
                  "Consumer group {consumer_group} is more than {threshold:g} s behind on topic {topic}"
                  " for 15 minutes"),
        ),
    },
)
# fmt: on
