"""ElastiCache Redis, scraped through one redis_exporter in multi-target mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import (
    BoardSpec,
    ExporterSpec,
    Kind,
    OverviewSpec,
    ScrapeJob,
    ThresholdSpec,
    multi_target_relabeling,
    static_job,
)
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
    description = "An ElastiCache Redis cluster, scraped by the shared multi-target redis_exporter."
    fields: ClassVar[Mapping[str, Any]] = {
        "endpoint": {"$ref": "#/$defs/host_port", "description": "Primary endpoint host:port."},
        "replication_group_id": {
            "description": "ElastiCache replication group id. Defaults to the service name.",
            "type": "string",
            "pattern": "^[a-zA-Z][a-zA-Z0-9-]{0,39}$",
        },
        "node_count": {
            "description": "Cache nodes in the group; CloudWatch alarms are per node (<group>-001, "
            "-002, ...).",
            "type": "integer",
            "minimum": 1,
            "maximum": 500,
        },
    }
    required = ("endpoint",)
    thresholds = (
        ThresholdSpec(
            "min_hit_ratio",
            0.8,
            "ratio",
            "Alert when keyspace hits / (hits + misses) falls below this (0-1); luckyus-shopsale "
            "ran at 0.029.",
            maximum=1,
        ),
        ThresholdSpec(
            "max_keys_without_ttl",
            1_000_000,
            "keys",
            "Alert when keys without an expiry (keys - expires) exceed this count; luckyus-isales-market "
            "had 2.69M.",
        ),
        ThresholdSpec(
            "max_memory_use_ratio",
            0.9,
            "ratio",
            "Alert when used memory / maxmemory exceeds this (0-1); ignored where maxmemory is 0 (no limit).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_client_use_ratio",
            0.8,
            "ratio",
            "Alert when connected clients / maxclients exceeds this (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_evictions_per_second", 0, "per_second", "Alert when keys are evicted faster than this rate."
        ),
        ThresholdSpec(
            "max_rejected_connections_per_second",
            0,
            "per_second",
            "Alert when connections are rejected faster than this rate.",
        ),
        ThresholdSpec(
            "max_engine_cpu_percent",
            90,
            "percent",
            "CloudWatch EngineCPUUtilization alarm threshold, percent.",
            maximum=100,
        ),
        ThresholdSpec(
            "max_database_memory_usage_percent",
            90,
            "percent",
            "CloudWatch DatabaseMemoryUsagePercentage alarm threshold, percent.",
            maximum=100,
        ),
        ThresholdSpec(
            "max_current_connections",
            5000,
            "connections",
            "CloudWatch CurrConnections alarm threshold, connections.",
        ),
        ThresholdSpec(
            "max_replication_lag_seconds",
            30,
            "seconds",
            "CloudWatch ReplicationLag alarm threshold, seconds.",
        ),
    )
    exporter = ExporterSpec(
        "redis_exporter",
        "redis_exporter in multi-target mode: one for all clusters.",
        "redis-exporter.monitoring.svc:9121",
        False,
    )
    catalogs = ("redis_exporter", "prometheus_synthetic")
    jobs = ("redis",)
    checks = ()
    alarms = "monitoring.aws.presets.elasticache:redis_alarms"
    boards = (
        BoardSpec("redis", "dashboards.redis:build", "prometheus", "dashboards.redis:NO_DATA_UNTIL_TRAFFIC"),
        BoardSpec(
            "elasticache",
            "dashboards.elasticache:build",
            "cloudwatch",
            "dashboards.elasticache:NO_DATA_UNTIL_TRAFFIC",
        ),
    )
    overview = OverviewSpec("dashboards.redis:OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/redis.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> RedisService:
        return RedisService(
            **common,
            endpoint=raw["endpoint"],
            replication_group_id=raw.get("replication_group_id", raw["name"]),
            node_count=raw.get("node_count", 1),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        redis = [s for s in services if isinstance(s, RedisService)]
        return [
            static_job(
                "redis",
                redis,
                settings,
                lambda s: f"redis://{s.endpoint}",
                metrics_path="/scrape",
                relabel_configs=multi_target_relabeling(self.exporter_address(settings)),
            )
        ]
