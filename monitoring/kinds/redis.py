"""ElastiCache Redis, scraped through one redis_exporter in multi-target mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from monitoring.kinds.base import (
    BoardSpec,
    ExporterSpec,
    Kind,
    KindCheck,
    OverviewSpec,
    ScrapeJob,
    ThresholdSpec,
    multi_target_relabeling,
    scrape_job,
)
from monitoring.model import Service, Settings
from monitoring.naming import target_labels
from monitoring.problems import Problem

if TYPE_CHECKING:
    from monitoring.inventory.loader import Document, NodePath


# The host part ElastiCache gives a cluster-mode group's configuration endpoint; each node's
# endpoint has its node id in its place.
CONFIGURATION_HOST = "clustercfg"


@dataclass(frozen=True, kw_only=True)
class RedisService(Service):
    endpoint: str
    replication_group_id: str
    node_count: int
    cluster_mode: bool
    shards: int
    replicas_per_shard: int

    @property
    def cache_cluster_ids(self) -> tuple[str, ...]:
        """ElastiCache's node ids: <group>-001, -002, ...; in cluster mode <group>-<shard 4 digits>-<node
        3 digits>, the shard's primary and replicas."""
        group = self.replication_group_id
        if self.cluster_mode:
            return tuple(
                f"{group}-{shard:04d}-{node:03d}"
                for shard in range(1, self.shards + 1)
                for node in range(1, self.replicas_per_shard + 2)
            )
        return tuple(f"{group}-{n:03d}" for n in range(1, self.node_count + 1))

    @property
    def has_replicas(self) -> bool:
        return self.replicas_per_shard > 0 if self.cluster_mode else self.node_count > 1

    @property
    def node_endpoints(self) -> tuple[tuple[str, str], ...]:
        """(node id, host:port) of every node a cluster-mode group's configuration endpoint stands for."""
        suffix = self.endpoint.removeprefix(f"{CONFIGURATION_HOST}.")
        return tuple((node, f"{node}.{suffix}") for node in self.cache_cluster_ids)


def _cluster_mode(doc: Document, path: NodePath) -> list[Problem]:
    raw = doc.data[path[0]][path[1]]
    name = raw["name"]
    problems: list[Problem] = []

    def problem(key: str, message: str, hint: str) -> None:
        problems.append(Problem(doc.value_location((*path, key)), f"service {name!r}: {message}", hint))

    if raw.get("cluster_mode", False):
        if "shards" not in raw:
            problem("cluster_mode", "cluster_mode needs shards", "set shards (and replicas_per_shard)")
        if "node_count" in raw:
            problem(
                "node_count",
                "node_count does not apply in cluster mode",
                "the nodes are shards x (1 + replicas_per_shard): drop node_count",
            )
        if not raw["endpoint"].startswith(f"{CONFIGURATION_HOST}."):
            problem(
                "endpoint",
                f"in cluster mode the endpoint is the configuration endpoint, not {raw['endpoint']!r}",
                f"use {CONFIGURATION_HOST}.<group>.<id>.<region>.cache.amazonaws.com:6379: each node's "
                "endpoint is derived from it",
            )
    else:
        for key in ("shards", "replicas_per_shard"):
            if key in raw:
                problem(key, f"{key} applies only in cluster mode", "set cluster_mode: true, or drop it")
    return problems


def _targets(group: RedisService) -> list[tuple[str, dict[str, str]]]:
    """The group's scrape targets and their own labels: a cluster-mode group answers only for its
    nodes' shards, so every node is a target of its own, never the configuration endpoint."""
    if not group.cluster_mode:
        return [(group.endpoint, {"instance": group.name})]
    return [(address, {"instance": node, "cache_cluster_id": node}) for node, address in group.node_endpoints]


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
            "-002, ...). Not in cluster mode.",
            "type": "integer",
            "minimum": 1,
            "maximum": 500,
        },
        "cluster_mode": {
            "description": "Cluster mode enabled: the endpoint is the configuration endpoint, the nodes "
            "are <group>-0001-001 ... (shard, node), each scraped and alarmed on.",
            "type": "boolean",
        },
        "shards": {
            "description": "Shards (node groups) of a cluster-mode group.",
            "type": "integer",
            "minimum": 1,
            "maximum": 500,
        },
        "replicas_per_shard": {
            "description": "Replicas of each shard's primary in a cluster-mode group (default 0).",
            "type": "integer",
            "minimum": 0,
            "maximum": 5,
        },
    }
    required = ("endpoint",)
    thresholds = (
        ThresholdSpec(
            "min_hit_ratio",
            0.8,
            "ratio",
            "Alert when keyspace hits / (hits + misses) falls below this (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_keys_without_ttl",
            1_000_000,
            "keys",
            "Alert when keys without an expiry (keys - expires) exceed this count.",
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
    checks = (
        KindCheck(
            "inventory/redis-cluster-mode",
            "Redis cluster mode has shards, a configuration endpoint and no node_count",
            _cluster_mode,
        ),
    )
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
            cluster_mode=raw.get("cluster_mode", False),
            shards=raw.get("shards", 1),
            replicas_per_shard=raw.get("replicas_per_shard", 0),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        redis = sorted((s for s in services if isinstance(s, RedisService)), key=lambda s: s.name)
        groups = [
            {"targets": [f"redis://{address}"], "labels": {**target_labels(group, settings), **labels}}
            for group in redis
            for address, labels in _targets(group)
        ]
        return [
            scrape_job(
                "redis",
                groups,
                settings,
                metrics_path="/scrape",
                relabel_configs=multi_target_relabeling(self.exporter_address(settings)),
            )
        ]
