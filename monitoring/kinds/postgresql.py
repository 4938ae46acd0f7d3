"""PostgreSQL on RDS, scraped by one postgres_exporter per database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import (
    BoardSpec,
    ExporterSpec,
    Kind,
    OverviewSpec,
    ScrapeJob,
    ThresholdSpec,
    static_job,
)
from monitoring.kinds.rds import (
    DATABASE_EXPORTER,
    RDS_INSTANCE_ID,
    RDS_LATENCY_THRESHOLDS,
    RDS_THRESHOLDS,
    REPLICA_OF,
)
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class PostgresqlService(Service):
    endpoint: str
    rds_instance_id: str
    exporter: str
    # The service this read replica replicates from; "" on a primary.
    replica_of: str


class PostgresqlKind(Kind):
    name = "postgresql"
    title = "PostgreSQL"
    description = "A PostgreSQL database (RDS), scraped by postgres_exporter."
    fields: ClassVar[Mapping[str, Any]] = {
        "endpoint": {
            "$ref": "#/$defs/host_port",
            "description": "Database endpoint host:port, scraped through its exporter.",
        },
        "rds_instance_id": RDS_INSTANCE_ID,
        "exporter": DATABASE_EXPORTER,
        "replica_of": REPLICA_OF,
    }
    required = ("endpoint",)
    thresholds = (
        ThresholdSpec(
            "max_connection_use_ratio",
            0.8,
            "ratio",
            "Alert when backends / max_connections exceeds this (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_replication_lag_seconds",
            30,
            "seconds",
            "Alert when a replica lags by more than this many seconds: CloudWatch ReplicaLag; on the"
            " Prometheus side measured on the primary (WAL not replayed over its WAL write rate), so set"
            " it on the primary.",
        ),
        ThresholdSpec(
            "max_deadlocks_per_second", 0.01, "per_second", "Alert when deadlocks exceed this rate."
        ),
        *RDS_THRESHOLDS,
        ThresholdSpec(
            "max_database_connections",
            500,
            "connections",
            "CloudWatch DatabaseConnections alarm threshold, connections.",
        ),
        *RDS_LATENCY_THRESHOLDS,
    )
    exporter = ExporterSpec(
        "postgres_exporter",
        "postgres_exporter: one per database.",
        "{name}.postgres-exporter.monitoring.svc:9187",
        True,
    )
    catalogs = ("postgres_exporter", "prometheus_synthetic")
    jobs = ("postgresql",)
    checks = ()
    alarms = "monitoring.aws.presets.rds:rds_alarms"
    boards = (
        BoardSpec(
            "postgresql",
            "dashboards.postgresql:build",
            "prometheus",
            "dashboards.postgresql:NO_DATA_UNTIL_TRAFFIC",
        ),
        BoardSpec(
            "rds-postgresql",
            "dashboards.rds:build",
            "cloudwatch",
            "dashboards.rds:NO_DATA_UNTIL_TRAFFIC",
            ("postgresql",),
        ),
    )
    overview = OverviewSpec("dashboards.postgresql:OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/postgresql.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> PostgresqlService:
        return PostgresqlService(
            **common,
            endpoint=raw["endpoint"],
            rds_instance_id=raw.get("rds_instance_id", raw["name"]),
            exporter=raw.get("exporter", self.exporter_address(settings, raw["name"])),
            replica_of=raw.get("replica_of", ""),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        postgres = [s for s in services if isinstance(s, PostgresqlService)]
        return [static_job("postgresql", postgres, settings, lambda s: s.exporter)]
