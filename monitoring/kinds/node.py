"""EC2 instances discovered by tag (ec2_sd_configs), each running node_exporter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import Kind, ScrapeJob, label_replacements
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
    catalogs = ("node_exporter", "prometheus_synthetic")
    jobs = ("node",)
    threshold_defaults: ClassVar[Mapping[str, float]] = {
        "max_cpu_use_ratio": 0.9,
        "max_memory_use_ratio": 0.9,
        "max_disk_use_ratio": 0.85,
        "max_load_per_cpu": 2.0,
    }

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
            # Job names must be unique per config; relabeling sets job="node" for every group.
            jobs.append(
                {
                    "job_name": f"node-{service.name}",
                    "ec2_sd_configs": [{"region": settings.region, "port": service.port, "filters": filters}],
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
