"""Amazon DocumentDB clusters: CloudWatch only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import BoardSpec, Kind, OverviewSpec, ThresholdSpec
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class DocumentdbService(Service):
    cluster_id: str
    instance_ids: tuple[str, ...]


class DocumentdbKind(Kind):
    name = "documentdb"
    title = "DocumentDB"
    description = "An Amazon DocumentDB cluster, monitored through CloudWatch."
    fields: ClassVar[Mapping[str, Any]] = {
        "cluster_id": {
            "description": "DocumentDB cluster identifier.",
            "type": "string",
            "pattern": "^[a-zA-Z][a-zA-Z0-9-]{0,62}$",
        },
        "instance_ids": {
            "description": "Instance identifiers of the cluster.",
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^[a-zA-Z][a-zA-Z0-9-]{0,62}$"},
        },
    }
    required = ("cluster_id", "instance_ids")
    thresholds = (
        ThresholdSpec(
            "max_cpu_percent", 80, "percent", "CPUUtilization alarm threshold, percent.", maximum=100
        ),
        ThresholdSpec(
            "min_freeable_memory_bytes", 536870912, "bytes", "FreeableMemory alarm threshold, bytes."
        ),
        ThresholdSpec(
            "max_database_connections",
            500,
            "connections",
            "DatabaseConnections alarm threshold, connections.",
        ),
        ThresholdSpec(
            "max_replica_lag_seconds", 10, "seconds", "DBInstanceReplicaLag alarm threshold, seconds."
        ),
    )
    exporter = None
    catalogs = ()
    jobs = ()
    checks = ()
    alarms = "monitoring.aws.presets.docdb:documentdb_alarms"
    boards = (
        BoardSpec(
            "documentdb",
            "dashboards.documentdb:build",
            "cloudwatch",
            "dashboards.documentdb:NO_DATA_UNTIL_TRAFFIC",
        ),
    )
    overview = OverviewSpec("dashboards.domain:documentdb_row", "cloudwatch")
    rule_pack = None

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> DocumentdbService:
        return DocumentdbService(
            **common, cluster_id=raw["cluster_id"], instance_ids=tuple(raw["instance_ids"])
        )
