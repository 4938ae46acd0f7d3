"""Amazon DocumentDB clusters: CloudWatch only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import Kind
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class DocumentdbService(Service):
    cluster_id: str
    instance_ids: tuple[str, ...]


class DocumentdbKind(Kind):
    name = "documentdb"
    title = "DocumentDB"
    threshold_defaults: ClassVar[Mapping[str, float]] = {
        "max_cpu_percent": 80,
        "min_freeable_memory_bytes": 512 * 1024**2,
        "max_database_connections": 500,
        "max_replica_lag_seconds": 10,
    }

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> DocumentdbService:
        return DocumentdbService(
            **common, cluster_id=raw["cluster_id"], instance_ids=tuple(raw["instance_ids"])
        )
