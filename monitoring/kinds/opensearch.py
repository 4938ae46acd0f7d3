"""Amazon OpenSearch Service domains: CloudWatch only (no exporter in the fleet)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import BoardSpec, Kind, OverviewSpec, ThresholdSpec
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class OpensearchService(Service):
    domain_name: str


class OpensearchKind(Kind):
    name = "opensearch"
    title = "OpenSearch"
    description = "An Amazon OpenSearch Service domain, monitored through CloudWatch."
    fields: ClassVar[Mapping[str, Any]] = {
        "domain_name": {
            "description": "OpenSearch domain name. Defaults to the service name.",
            "type": "string",
            "pattern": "^[a-z][a-z0-9-]{2,27}$",
        }
    }
    required = ()
    thresholds = (
        ThresholdSpec(
            "max_jvm_memory_pressure_percent",
            95,
            "percent",
            "JVMMemoryPressure alarm threshold, percent (luckylfe-log went red from JVM OOM).",
            maximum=100,
        ),
        ThresholdSpec(
            "max_old_gen_jvm_memory_pressure_percent",
            80,
            "percent",
            "OldGenJVMMemoryPressure alarm threshold, percent.",
            maximum=100,
        ),
        ThresholdSpec(
            "min_free_storage_megabytes",
            20480,
            "megabytes",
            "FreeStorageSpace alarm threshold, megabytes per node (luckyur-log nearly filled its disks).",
        ),
        ThresholdSpec(
            "max_cpu_percent", 80, "percent", "CPUUtilization alarm threshold, percent.", maximum=100
        ),
    )
    exporter = None
    catalogs = ()
    jobs = ()
    checks = ()
    alarms = "monitoring.aws.presets.opensearch:opensearch_alarms"
    boards = (
        BoardSpec(
            "opensearch",
            "dashboards.opensearch:build",
            "cloudwatch",
            "dashboards.opensearch:NO_DATA_UNTIL_TRAFFIC",
        ),
    )
    overview = OverviewSpec("dashboards.domain:opensearch_row", "cloudwatch")
    rule_pack = None

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> OpensearchService:
        return OpensearchService(**common, domain_name=raw.get("domain_name", raw["name"]))
