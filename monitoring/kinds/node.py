"""EC2 instances discovered by tag (ec2_sd_configs), each running node_exporter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import BoardSpec, Kind, OverviewSpec, ScrapeJob, ThresholdSpec, label_replacements
from monitoring.model import Service, Settings
from monitoring.naming import target_labels


@dataclass(frozen=True, kw_only=True)
class NodeService(Service):
    ec2_tag_filters: Mapping[str, tuple[str, ...]]
    port: int
    auto_scaling_groups: tuple[str, ...]


class NodeKind(Kind):
    name = "node"
    title = "EC2 nodes"
    description = "EC2 instances discovered by tags (ec2_sd_configs), each running node_exporter."
    fields: ClassVar[Mapping[str, Any]] = {
        "ec2_tag_filters": {
            "description": "EC2 tag filters: tag name -> accepted values; instances matching all are "
            "scraped.",
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[A-Za-z0-9 _.:/=+@-]{1,128}$"},
            "additionalProperties": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "minLength": 1},
            },
        },
        "port": {
            "description": "node_exporter port on every instance.",
            "type": "integer",
            "minimum": 1,
            "maximum": 65535,
        },
        "auto_scaling_groups": {
            "description": "Auto Scaling group names of these instances, for CloudWatch status-check "
            "alarms per group.",
            "type": "array",
            "items": {"type": "string", "minLength": 1},
        },
    }
    required = ("ec2_tag_filters",)
    thresholds = (
        ThresholdSpec(
            "max_cpu_use_ratio",
            0.9,
            "ratio",
            "Alert when non-idle CPU time exceeds this share (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_memory_use_ratio",
            0.9,
            "ratio",
            "Alert when used memory (1 - MemAvailable/MemTotal) exceeds this (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_disk_use_ratio",
            0.85,
            "ratio",
            "Alert when a filesystem is fuller than this (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_load_per_cpu", 2.0, "per_cpu", "Alert when the 15-minute load average per CPU exceeds this."
        ),
    )
    exporter = None
    catalogs = ("node_exporter", "prometheus_synthetic")
    jobs = ("node",)
    checks = ()
    alarms = "monitoring.aws.presets.ec2:node_alarms"
    boards = (
        BoardSpec("node", "dashboards.node:build", "prometheus", "dashboards.node:NO_DATA_UNTIL_TRAFFIC"),
    )
    overview = OverviewSpec("dashboards.node:OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/node.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> NodeService:
        filters = raw["ec2_tag_filters"]
        return NodeService(
            **common,
            ec2_tag_filters={tag: tuple(filters[tag]) for tag in sorted(filters)},
            port=raw.get("port", 9100),
            auto_scaling_groups=tuple(raw.get("auto_scaling_groups", ())),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        jobs = []
        for service in sorted((s for s in services if isinstance(s, NodeService)), key=lambda s: s.name):
            filters = [{"name": "instance-state-name", "values": ["running"]}] + [
                {"name": f"tag:{tag}", "values": list(values)}
                for tag, values in service.ec2_tag_filters.items()
            ]
            # Discovery runs in the service's region and account (through its role, when it has one).
            role = {"role_arn": service.account.role_arn} if service.account.role_arn else {}
            sd_config = {"region": service.region, **role, "port": service.port, "filters": filters}
            # Job names must be unique per config; relabeling sets job="node" for every group.
            jobs.append(
                {
                    "job_name": f"node-{service.name}",
                    "ec2_sd_configs": [sd_config],
                    "relabel_configs": [
                        {"source_labels": ["__meta_ec2_instance_id"], "target_label": "instance"},
                        {"source_labels": ["__meta_ec2_tag_Name"], "target_label": "instance_name"},
                        {
                            "source_labels": ["__meta_ec2_availability_zone"],
                            "target_label": "availability_zone",
                        },
                        {"source_labels": ["__meta_ec2_instance_type"], "target_label": "instance_type"},
                        *label_replacements({**target_labels(service, settings), "job": "node"}),
                    ],
                }
            )
        return jobs
