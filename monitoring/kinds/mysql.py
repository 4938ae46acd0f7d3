"""MySQL on RDS, scraped by one mysqld_exporter per database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import Kind, ScrapeJob, static_job
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class MysqlService(Service):
    endpoint: str
    rds_instance_id: str
    exporter: str
    slow_query_log: bool

    @property
    def slow_query_log_group(self) -> str:
        return f"/aws/rds/instance/{self.rds_instance_id}/slowquery"


class MysqlKind(Kind):
    name = "mysql"
    title = "MySQL"
    catalogs = ("mysqld_exporter", "prometheus_synthetic")
    jobs = ("mysql",)
    threshold_defaults: ClassVar[Mapping[str, float]] = {
        "max_connection_use_ratio": 0.8,
        "max_replication_lag_seconds": 30,
        "max_slow_queries_per_second": 0.2,
        "max_aborted_connects_per_second": 0.5,
        "max_cpu_percent": 80,
        "min_free_storage_bytes": 10 * 1024**3,
        "min_freeable_memory_bytes": 256 * 1024**2,
        "max_database_connections": 1000,
        "max_read_latency_seconds": 0.05,
        "max_write_latency_seconds": 0.05,
    }

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> MysqlService:
        return MysqlService(
            **common,
            endpoint=raw["endpoint"],
            rds_instance_id=raw.get("rds_instance_id", raw["name"]),
            exporter=raw.get("exporter", settings.prometheus.mysql_exporter_address.format(name=raw["name"])),
            slow_query_log=raw.get("slow_query_log", True),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        mysql = [s for s in services if isinstance(s, MysqlService)]
        return [static_job("mysql", mysql, settings, lambda s: s.exporter)]
