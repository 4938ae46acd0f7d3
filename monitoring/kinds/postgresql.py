"""PostgreSQL on RDS, scraped by one postgres_exporter per database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import Kind, ScrapeJob, static_job
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class PostgresqlService(Service):
    endpoint: str
    rds_instance_id: str
    exporter: str


class PostgresqlKind(Kind):
    name = "postgresql"
    title = "PostgreSQL"
    catalogs = ("postgres_exporter", "prometheus_synthetic")
    jobs = ("postgresql",)
    threshold_defaults: ClassVar[Mapping[str, float]] = {
        "max_connection_use_ratio": 0.8,
        "max_replication_lag_seconds": 30,
        "max_deadlocks_per_second": 0.01,
        "max_cpu_percent": 80,
        "min_free_storage_bytes": 10 * 1024**3,
        "min_freeable_memory_bytes": 256 * 1024**2,
        "max_database_connections": 500,
        "max_read_latency_seconds": 0.05,
        "max_write_latency_seconds": 0.05,
    }

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> PostgresqlService:
        return PostgresqlService(
            **common,
            endpoint=raw["endpoint"],
            rds_instance_id=raw.get("rds_instance_id", raw["name"]),
            exporter=raw.get(
                "exporter", settings.prometheus.postgresql_exporter_address.format(name=raw["name"])
            ),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        postgres = [s for s in services if isinstance(s, PostgresqlService)]
        return [static_job("postgresql", postgres, settings, lambda s: s.exporter)]
