"""prometheus.yml (or one per shard) from the kinds' scrape job builders."""

from __future__ import annotations

import copy
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.kinds import KINDS
from monitoring.kinds.base import ScrapeJob
from monitoring.model import Inventory

RULE_FILES_GLOB = "rules/*.rules.yml"


def scrape_jobs(inventory: Inventory) -> list[ScrapeJob]:
    jobs: list[ScrapeJob] = []
    for kind_name in inventory.kinds_present():
        services = [s for s in inventory.services if s.kind == kind_name]
        jobs.extend(KINDS[kind_name].scrape_jobs(services, inventory.settings))
    return sorted(jobs, key=lambda job: str(job["job_name"]))


def _shard(job: ScrapeJob, shard: int, shards: int) -> ScrapeJob:
    sharded = copy.deepcopy(job)
    # Hash the address before any relabeling rewrites it (the redis job points every target at
    # one exporter), so targets spread evenly and each lands on exactly one shard.
    sharded["relabel_configs"] = [
        {
            "source_labels": ["__address__"],
            "modulus": shards,
            "target_label": "__tmp_shard",
            "action": "hashmod",
        },
        {"source_labels": ["__tmp_shard"], "regex": str(shard), "action": "keep"},
        *job.get("relabel_configs", []),
    ]
    return sharded


def _config(inventory: Inventory, jobs: list[ScrapeJob], shard: int | None) -> dict[str, Any]:
    settings = inventory.settings
    external_labels = {"organization": settings.organization, "env": settings.environment}
    if shard is not None:
        external_labels["shard"] = str(shard)
    config: dict[str, Any] = {
        "global": {
            "scrape_interval": f"{settings.prometheus.scrape_interval_seconds}s",
            "evaluation_interval": f"{settings.prometheus.evaluation_interval_seconds}s",
            "external_labels": external_labels,
        },
        "rule_files": [RULE_FILES_GLOB if shard is None else f"../{RULE_FILES_GLOB}"],
    }
    if settings.prometheus.alertmanagers:
        config["alerting"] = {
            "alertmanagers": [{"static_configs": [{"targets": list(settings.prometheus.alertmanagers)}]}]
        }
    config["scrape_configs"] = jobs
    return config


def prometheus_config(inventory: Inventory) -> list[Artifact]:
    jobs = scrape_jobs(inventory) + [dict(job) for job in inventory.settings.passthrough.scrape_configs]
    shards = inventory.settings.prometheus.shards
    if shards == 1:
        return [Artifact("prometheus/prometheus.yml", _config(inventory, jobs, None), "yaml")]
    return [
        Artifact(
            f"prometheus/shard-{shard}/prometheus.yml",
            _config(inventory, [_shard(job, shard, shards) for job in jobs], shard),
            "yaml",
        )
        for shard in range(shards)
    ]
