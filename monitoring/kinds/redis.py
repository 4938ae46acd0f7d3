"""ElastiCache Redis, scraped through one redis_exporter in multi-target mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import Kind, ScrapeJob, static_job
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class RedisService(Service):
    endpoint: str
    replication_group_id: str
    node_count: int

    @property
    def cache_cluster_ids(self) -> tuple[str, ...]:
        return tuple(f"{self.replication_group_id}-{n:03d}" for n in range(1, self.node_count + 1))


class RedisKind(Kind):
    name = "redis"
    title = "Redis"
    catalogs = ("redis_exporter", "prometheus_synthetic")
    jobs = ("redis",)
    threshold_defaults: ClassVar[Mapping[str, float]] = {
        "min_hit_ratio": 0.8,
        "max_keys_without_ttl": 1_000_000,
        "max_memory_use_ratio": 0.9,
        "max_client_use_ratio": 0.8,
        "max_evictions_per_second": 0,
        "max_rejected_connections_per_second": 0,
        "max_engine_cpu_percent": 90,
        "max_database_memory_usage_percent": 90,
        "max_current_connections": 5000,
        "max_replication_lag_seconds": 30,
    }

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> RedisService:
        return RedisService(
            **common,
            endpoint=raw["endpoint"],
            replication_group_id=raw.get("replication_group_id", raw["name"]),
            node_count=raw.get("node_count", 1),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        redis = [s for s in services if isinstance(s, RedisService)]
        exporter = settings.prometheus.redis_exporter_address
        # One exporter serves every cluster: the cluster goes in ?target=, the exporter is dialled.
        return [
            static_job(
                "redis",
                redis,
                settings,
                lambda s: f"redis://{s.endpoint}",
                metrics_path="/scrape",
                relabel_configs=[
                    {"source_labels": ["__address__"], "target_label": "__param_target"},
                    {"target_label": "__address__", "replacement": exporter},
                ],
            )
        ]
