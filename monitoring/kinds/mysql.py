"""MySQL on RDS, scraped by one mysqld_exporter per database."""

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
    MYSQL_QUERY_THRESHOLDS,
    RDS_INSTANCE_ID,
    RDS_LATENCY_THRESHOLDS,
    RDS_THRESHOLDS,
    REPLICA_OF,
)
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class MysqlService(Service):
    endpoint: str
    rds_instance_id: str
    exporter: str
    # The service this read replica replicates from; "" on a primary.
    replica_of: str
    slow_query_log: bool

    @property
    def slow_query_log_group(self) -> str:
        return f"/aws/rds/instance/{self.rds_instance_id}/slowquery"


class MysqlKind(Kind):
    name = "mysql"
    title = "MySQL"
    description = "A MySQL or MariaDB database (RDS), scraped by mysqld_exporter."
    fields: ClassVar[Mapping[str, Any]] = {
        "endpoint": {
            "$ref": "#/$defs/host_port",
            "description": "Database endpoint host:port, scraped through its exporter.",
        },
        "rds_instance_id": RDS_INSTANCE_ID,
        "exporter": DATABASE_EXPORTER,
        "replica_of": REPLICA_OF,
        "slow_query_log": {
            "description": "Whether RDS publishes this instance's slow query log to CloudWatch Logs.",
            "type": "boolean",
        },
    }
    required = ("endpoint",)
    thresholds = (
        ThresholdSpec(
            "max_connection_use_ratio",
            0.8,
            "ratio",
            "Alert when Threads_connected / max_connections exceeds this (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_replication_lag_seconds",
            30,
            "seconds",
            "Alert when a replica lags its source by more than this many seconds (Prometheus and "
            "CloudWatch ReplicaLag).",
        ),
        *MYSQL_QUERY_THRESHOLDS,
        *RDS_THRESHOLDS,
        ThresholdSpec(
            "max_database_connections",
            1000,
            "connections",
            "CloudWatch DatabaseConnections alarm threshold, connections.",
        ),
        *RDS_LATENCY_THRESHOLDS,
    )
    exporter = ExporterSpec(
        "mysqld_exporter",
        "mysqld_exporter: one per database.",
        "{name}.mysqld-exporter.monitoring.svc:9104",
        True,
    )
    catalogs = ("mysqld_exporter", "prometheus_synthetic")
    jobs = ("mysql",)
    checks = ()
    alarms = "monitoring.aws.presets.rds:rds_alarms"
    boards = (
        BoardSpec("mysql", "dashboards.mysql:build", "prometheus", "dashboards.mysql:NO_DATA_UNTIL_TRAFFIC"),
        BoardSpec(
            "rds-mysql",
            "dashboards.rds:build",
            "cloudwatch",
            "dashboards.rds:NO_DATA_UNTIL_TRAFFIC",
            ("mysql",),
        ),
    )
    overview = OverviewSpec("dashboards.mysql:OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/mysql.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> MysqlService:
        return MysqlService(
            **common,
            endpoint=raw["endpoint"],
            rds_instance_id=raw.get("rds_instance_id", raw["name"]),
            exporter=raw.get("exporter", self.exporter_address(settings, raw["name"])),
            replica_of=raw.get("replica_of", ""),
            slow_query_log=raw.get("slow_query_log", True),
        )

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        mysql = [s for s in services if isinstance(s, MysqlService)]
        return [static_job("mysql", mysql, settings, lambda s: s.exporter)]
