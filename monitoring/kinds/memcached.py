"""ElastiCache Memcached, every node scraped through one memcached_exporter in multi-target mode."""

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


@dataclass(frozen=True, kw_only=True)
class MemcachedService(Service):
    cache_cluster_id: str
    # Node endpoints host:port, in node id order.
    nodes: tuple[str, ...]

    @property
    def cache_node_ids(self) -> tuple[str, ...]:
        """ElastiCache's CacheNodeId of each node: 0001, 0002, ..."""
        return tuple(f"{n:04d}" for n in range(1, len(self.nodes) + 1))


def _configuration_endpoint(doc: Document, path: NodePath) -> list[Problem]:
    # The configuration endpoint is a DNS name that resolves to one node at a time: scraped as a
    # node, its series would jump between nodes and the other nodes would go unwatched.
    raw = doc.data[path[0]][path[1]]
    return [
        Problem(
            doc.value_location((*path, "nodes", index)),
            f"service {raw['name']!r}: nodes[{index}] {node!r} is the cluster's configuration endpoint, "
            "not a node",
            "list each node endpoint (<cluster>.<id>.0001.<region>.cache.amazonaws.com:11211, ...): "
            "the configuration endpoint answers for one node at a time",
        )
        for index, node in enumerate(raw["nodes"])
        if ".cfg." in node
    ]


class MemcachedKind(Kind):
    name = "memcached"
    title = "Memcached"
    description = (
        "An ElastiCache Memcached cluster, every node scraped by the shared multi-target memcached_exporter."
    )
    fields: ClassVar[Mapping[str, Any]] = {
        "cache_cluster_id": {
            "description": "ElastiCache cluster id (CloudWatch CacheClusterId). Defaults to the "
            "service name.",
            "type": "string",
            "pattern": "^[a-zA-Z][a-zA-Z0-9-]{0,39}$",
        },
        "nodes": {
            "description": "Node endpoints host:port in node id order (CacheNodeId 0001, 0002, ...), each "
            "scraped and alarmed on; not the configuration endpoint.",
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"$ref": "#/$defs/host_port"},
        },
    }
    required = ("nodes",)
    thresholds = (
        ThresholdSpec(
            "min_hit_ratio",
            0.8,
            "ratio",
            "Alert when get hits / (hits + misses) falls below this (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_evictions_per_second",
            0,
            "per_second",
            "Alert when items are evicted faster than this rate (Prometheus, and CloudWatch Evictions "
            "per node).",
        ),
        ThresholdSpec(
            "max_connection_use_ratio",
            0.8,
            "ratio",
            "Alert when a node's open connections / its connection limit exceed this (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_cpu_percent",
            90,
            "percent",
            "CloudWatch CPUUtilization alarm threshold, percent.",
            maximum=100,
        ),
        ThresholdSpec(
            "max_swap_usage_bytes",
            50 * 1024**2,
            "bytes",
            "CloudWatch SwapUsage alarm threshold, bytes (AWS advises staying under 50 MB).",
        ),
        ThresholdSpec(
            "max_current_connections",
            5000,
            "connections",
            "CloudWatch CurrConnections alarm threshold, connections per node.",
        ),
    )
    exporter = ExporterSpec(
        "memcached_exporter",
        "memcached_exporter (0.13 or later) in multi-target mode: one for all clusters.",
        "memcached-exporter.monitoring.svc:9150",
        False,
    )
    catalogs = ("memcached_exporter", "prometheus_synthetic")
    jobs = ("memcached",)
    checks = (
        KindCheck(
            "inventory/memcached-configuration-endpoint",
            "Memcached nodes are node endpoints, not the configuration endpoint",
            _configuration_endpoint,
        ),
    )
    alarms = "monitoring.aws.presets.memcached:memcached_alarms"
    boards = (
        BoardSpec(
            "memcached",
            "dashboards.memcached:build",
            "prometheus",
            "dashboards.memcached:NO_DATA_UNTIL_TRAFFIC",
        ),
    )
    overview = OverviewSpec("dashboards.memcached:OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/memcached.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> MemcachedService:
        return MemcachedService(
            **common,
            cache_cluster_id=raw.get("cache_cluster_id", raw["name"]),
            nodes=tuple(raw["nodes"]),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        clusters = sorted((s for s in services if isinstance(s, MemcachedService)), key=lambda s: s.name)
        groups = [
            {
                "targets": [node],
                "labels": {
                    **target_labels(cluster, settings),
                    "instance": node.rsplit(":", 1)[0],
                    "cache_node_id": node_id,
                },
            }
            for cluster in clusters
            for node, node_id in zip(cluster.nodes, cluster.cache_node_ids, strict=True)
        ]
        return [
            scrape_job(
                "memcached",
                groups,
                settings,
                metrics_path="/scrape",
                relabel_configs=multi_target_relabeling(self.exporter_address(settings)),
            )
        ]
