"""Amazon MSK with open monitoring: JMX exporter on 11001 and node exporter on 11002 per broker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import BoardSpec, Kind, OverviewSpec, ScrapeJob, ThresholdSpec
from monitoring.model import Service, Settings
from monitoring.naming import target_labels

JMX_EXPORTER_PORT = 11001
NODE_EXPORTER_PORT = 11002
# Kafka's legal characters for group ids and topic names.
KAFKA_NAME = "^[A-Za-z0-9._-]{1,249}$"


@dataclass(frozen=True)
class ConsumerGroup:
    """A consumer group and the domain owning it: its lag alerts go to that domain's team."""

    name: str
    domain: str
    topics: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class KafkaService(Service):
    cluster_name: str
    brokers: tuple[str, ...]
    topics: int | None
    consumer_groups: tuple[ConsumerGroup, ...] = ()


class KafkaKind(Kind):
    name = "kafka"
    title = "Kafka (MSK)"
    description = (
        "An MSK cluster with open monitoring (JMX exporter on 11001, node exporter on 11002 per broker)."
    )
    fields: ClassVar[Mapping[str, Any]] = {
        "cluster_name": {
            "description": "MSK cluster name (CloudWatch dimension 'Cluster Name').",
            "type": "string",
            "pattern": "^[A-Za-z0-9-]{1,64}$",
        },
        "brokers": {
            "description": "Broker hostnames, in broker id order (b-1, b-2, ...).",
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/hostname"},
        },
        "topics": {"description": "Number of topics (informational).", "type": "integer", "minimum": 0},
        "consumer_groups": {
            "description": "Consumer groups with an owner: their lag alerts and alarms (CloudWatch"
            " SumOffsetLag and EstimatedMaxTimeLag per group and topic) go to the owning domain instead"
            " of the cluster's.",
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "domain", "topics"],
                "properties": {
                    "name": {"type": "string", "pattern": KAFKA_NAME, "description": "Consumer group id."},
                    "domain": {"$ref": "#/$defs/name", "description": "The owning domain."},
                    "topics": {
                        "description": "Topics the group consumes (CloudWatch publishes lag per topic).",
                        "type": "array",
                        "minItems": 1,
                        "uniqueItems": True,
                        "items": {"type": "string", "pattern": KAFKA_NAME},
                    },
                },
            },
        },
    }
    required = ("cluster_name", "brokers")
    thresholds = (
        ThresholdSpec(
            "max_under_replicated_partitions",
            0,
            "partitions",
            "Alert when under-replicated partitions exceed this count.",
        ),
        ThresholdSpec(
            "max_offline_partitions", 0, "partitions", "Alert when offline partitions exceed this count."
        ),
        ThresholdSpec(
            "max_consumer_lag_messages",
            10000,
            "messages",
            "Alert when a consumer group's summed offset lag exceeds this many messages.",
        ),
        ThresholdSpec(
            "max_time_lag_seconds",
            300,
            "seconds",
            "Alarm when an owned consumer group would need more than this many seconds to drain its"
            " largest partition lag on a topic (CloudWatch EstimatedMaxTimeLag).",
        ),
        ThresholdSpec(
            "max_disk_used_percent",
            85,
            "percent",
            "Alert when a broker's data log disk is fuller than this, percent (KafkaDataLogsDiskUsed).",
            maximum=100,
        ),
        ThresholdSpec(
            "max_cpu_percent",
            80,
            "percent",
            "Alert when broker CPU is busier than this, percent: all but idle time"
            " (user, system, iowait, steal...), as the Kafka board draws it.",
            maximum=100,
        ),
    )
    exporter = None
    catalogs = ("kafka_msk_jmx", "node_exporter", "prometheus_synthetic")
    jobs = ("kafka-jmx", "kafka-node")
    checks = ()
    alarms = "monitoring.aws.presets.msk:msk_alarms"
    boards = (
        BoardSpec("kafka", "dashboards.kafka:build", "prometheus", "dashboards.kafka:NO_DATA_UNTIL_TRAFFIC"),
        BoardSpec("msk", "dashboards.msk:build", "cloudwatch", "dashboards.msk:NO_DATA_UNTIL_TRAFFIC"),
    )
    overview = OverviewSpec("dashboards.kafka:OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/kafka.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> KafkaService:
        return KafkaService(
            **common,
            cluster_name=raw["cluster_name"],
            brokers=tuple(raw["brokers"]),
            topics=raw.get("topics"),
            consumer_groups=tuple(
                ConsumerGroup(g["name"], g["domain"], tuple(g["topics"]))
                for g in raw.get("consumer_groups", ())
            ),
        )

    def owners(self, service: Service) -> Mapping[str, str]:
        groups = service.consumer_groups if isinstance(service, KafkaService) else ()
        return {group.name: group.domain for group in groups}

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        clusters = sorted((s for s in services if isinstance(s, KafkaService)), key=lambda s: s.name)
        return [
            {
                "job_name": job,
                "static_configs": [group for c in clusters for group in _broker_groups(c, port, settings)],
            }
            for job, port in (("kafka-jmx", JMX_EXPORTER_PORT), ("kafka-node", NODE_EXPORTER_PORT))
        ]


def _broker_groups(cluster: KafkaService, port: int, settings: Settings) -> list[dict[str, Any]]:
    return [
        {
            "targets": [f"{broker}:{port}"],
            "labels": {
                **target_labels(cluster, settings),
                "instance": broker,
                "broker_id": str(broker_id),
                "cluster_name": cluster.cluster_name,
            },
        }
        for broker_id, broker in enumerate(cluster.brokers, start=1)
    ]
