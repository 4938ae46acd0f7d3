"""The interface every kind implements; a kind's knowledge stays in its own module."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from monitoring.model import Service, Settings
from monitoring.naming import target_labels

ScrapeJob = dict[str, Any]


class Kind(ABC):
    name: ClassVar[str]
    title: ClassVar[str]
    # Metric catalogs (monitoring/catalog/<name>.txt) of the exporters this kind is scraped with.
    catalogs: ClassVar[tuple[str, ...]] = ()
    # Values of the Prometheus `job` label of this kind's targets.
    jobs: ClassVar[tuple[str, ...]] = ()
    threshold_defaults: ClassVar[Mapping[str, float]]

    @abstractmethod
    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> Service:
        """The kind's service dataclass from validated raw fields plus the merged common ones."""

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        return []


def static_job(
    job: str, services: Sequence[Service], settings: Settings, address: Any, **extra: Any
) -> ScrapeJob:
    """A static_configs job with one target group per service, carrying the standard labels."""
    groups = [
        {"targets": [address(s)], "labels": {**target_labels(s, settings), "instance": s.name}}
        for s in sorted(services, key=lambda s: s.name)
    ]
    job_config: ScrapeJob = {"job_name": job, **extra, "static_configs": groups}
    if settings.prometheus.basic_auth_password_file:
        job_config["basic_auth"] = {
            "username": "prometheus",
            "password_file": settings.prometheus.basic_auth_password_file,
        }
    return job_config


def label_replacements(labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """Relabel steps setting fixed labels on discovered targets (which have no static labels)."""
    return [
        {"target_label": name, "replacement": value, "action": "replace"}
        for name, value in sorted(labels.items())
    ]
