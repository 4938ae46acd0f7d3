"""Amazon OpenSearch Service domains: CloudWatch only (no exporter in the fleet)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import Kind
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class OpensearchService(Service):
    domain_name: str


class OpensearchKind(Kind):
    name = "opensearch"
    title = "OpenSearch"
    threshold_defaults: ClassVar[Mapping[str, float]] = {
        "max_jvm_memory_pressure_percent": 95,
        "max_old_gen_jvm_memory_pressure_percent": 80,
        "min_free_storage_megabytes": 20480,
        "max_cpu_percent": 80,
    }

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> OpensearchService:
        return OpensearchService(**common, domain_name=raw.get("domain_name", raw["name"]))
