"""Amazon MSK with open monitoring: JMX exporter on 11001 and node exporter on 11002 per broker."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import Kind, ScrapeJob
from monitoring.model import Service, Settings
from monitoring.naming import target_labels

JMX_EXPORTER_PORT = 11001
NODE_EXPORTER_PORT = 11002


@dataclass(frozen=True, kw_only=True)
class KafkaService(Service):
    cluster_name: str
    brokers: tuple[str, ...]
    topics: int | None


class KafkaKind(Kind):
    name = "kafka"
    title = "Kafka (MSK)"
    catalogs = ("kafka_msk_jmx", "node_exporter", "prometheus_synthetic")
    jobs = ("kafka-jmx", "kafka-node")
    threshold_defaults: ClassVar[Mapping[str, float]] = {
        "max_under_replicated_partitions": 0,
        "max_offline_partitions": 0,
        "max_consumer_lag_messages": 10_000,
        "max_disk_used_percent": 85,
        "max_cpu_percent": 80,
    }

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> KafkaService:
        return KafkaService(
            **common,
            cluster_name=raw["cluster_name"],
            brokers=tuple(raw["brokers"]),
            topics=raw.get("topics"),
        )

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
