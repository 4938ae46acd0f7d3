"""prometheus.yml (or one per shard) from the kinds' scrape job builders."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.kinds import KINDS
from monitoring.kinds.base import ScrapeJob
from monitoring.model import GlobalStore, Inventory

RULE_FILES_GLOB = "rules/*.rules.yml"


def scrape_jobs(inventory: Inventory) -> list[ScrapeJob]:
    jobs: list[ScrapeJob] = []
    for kind_name in inventory.kinds_present():
        services = [s for s in inventory.services if s.kind == kind_name]
        jobs.extend(KINDS[kind_name].scrape_jobs(services, inventory.settings))
    return sorted(jobs, key=lambda job: str(job["job_name"]))


def _shard(job: ScrapeJob, shard: int, shards: int) -> ScrapeJob:
    # A shallow copy: the shards share the job's other values, each dumped into its own file.
    sharded = dict(job)
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


def hashmod(value: str, modulus: int) -> int:
    """Prometheus' `hashmod` relabeling: the md5 of the value, its last 8 bytes big-endian, modulo."""
    return int.from_bytes(hashlib.md5(value.encode(), usedforsecurity=False).digest()[8:], "big") % modulus


def _static_shard(group: Mapping[str, Any], shards: int) -> int | None:
    service = group.get("labels", {}).get("service")
    return hashmod(service, shards) if service else None


def _shard_by_service(job: ScrapeJob, shard: int, shards: int) -> ScrapeJob | None:
    """The job keeping the targets whose service (else address) hashes to `shard`, after the job's own
    relabeling sets `service`: every series of a service lands on one shard, so rules that aggregate
    `by (service)` over its targets (brokers, nodes, cluster members) stay correct there.

    Listed targets whose `service` the job's relabeling leaves alone are placed here already: each
    shard's file lists only its own (none: the job is left out), and the relabeling keeps them all."""
    sharded = dict(job)
    relabels_service = any(
        r.get("target_label") == "service" or str(r.get("action", "")).startswith("label")
        for r in job.get("relabel_configs", [])
    )
    if "static_configs" in job and not relabels_service:
        groups = [g for g in job["static_configs"] if _static_shard(g, shards) in (shard, None)]
        if not groups:
            return None
        sharded["static_configs"] = groups
    sharded["relabel_configs"] = [
        *job.get("relabel_configs", []),
        {"source_labels": ["__address__"], "target_label": "__tmp_shard_key", "action": "replace"},
        {
            "source_labels": ["service"],
            "regex": "(.+)",
            "target_label": "__tmp_shard_key",
            "action": "replace",
        },
        {
            "source_labels": ["__tmp_shard_key"],
            "modulus": shards,
            "target_label": "__tmp_shard",
            "action": "hashmod",
        },
        {"source_labels": ["__tmp_shard"], "regex": str(shard), "action": "keep"},
    ]
    return sharded


def remote_write(store: GlobalStore) -> dict[str, Any]:
    # Larger batches than Prometheus' defaults (2000 samples): the store ingests fewer, bigger requests.
    return {
        "name": "global-store",
        "url": store.write_url,
        "queue_config": {
            "capacity": 20000,
            "max_samples_per_send": 5000,
            "batch_send_deadline": "5s",
            "min_shards": 1,
            "max_shards": 30,
            "min_backoff": "100ms",
            "max_backoff": "10s",
        },
    }


def _config(inventory: Inventory, jobs: list[ScrapeJob], shard: int | None) -> dict[str, Any]:
    settings = inventory.settings
    store = settings.prometheus.global_store
    external_labels = {"organization": settings.organization, "env": settings.environment}
    if shard is not None:
        external_labels["shard"] = str(shard)
    if store is not None:
        # Not `cluster`: EKS targets carry the Kubernetes cluster's name in it.
        external_labels["prometheus_cluster"] = settings.prometheus.cluster
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
    if store is not None:
        config["remote_write"] = [remote_write(store)]
    config["scrape_configs"] = jobs
    return config


def prometheus_config(inventory: Inventory) -> list[Artifact]:
    jobs = scrape_jobs(inventory) + [dict(job) for job in inventory.settings.passthrough.scrape_configs]
    shards = inventory.settings.prometheus.shards
    if shards == 1:
        return [Artifact("prometheus/prometheus.yml", _config(inventory, jobs, None), "yaml")]
    split: Callable[[ScrapeJob, int, int], ScrapeJob | None] = (
        _shard_by_service if inventory.settings.prometheus.split_rules else _shard
    )
    return [
        Artifact(
            f"prometheus/shard-{shard}/prometheus.yml",
            _config(inventory, [j for job in jobs if (j := split(job, shard, shards)) is not None], shard),
            "yaml",
        )
        for shard in range(shards)
    ]
