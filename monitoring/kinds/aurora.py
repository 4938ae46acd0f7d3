"""Aurora MySQL and Aurora PostgreSQL clusters: a writer and readers that may autoscale.

CloudWatch alarms are on the cluster's role metrics (DBClusterIdentifier + Role=WRITER/READER),
which follow the roles across failover and autoscaling, never on instance ids. The exporter is
pointed at the writer; reader exporters, where listed, are scraped as role="reader" targets.
Aurora readers expose no replica status (`mysql_slave_status_*`), so the rule packs have none.
"""

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
    scrape_job,
)
from monitoring.kinds.rds import MYSQL_QUERY_THRESHOLDS
from monitoring.model import Service, Settings
from monitoring.naming import target_labels


@dataclass(frozen=True, kw_only=True)
class AuroraService(Service):
    cluster_id: str
    writer_endpoint: str
    exporter: str
    # At least this many readers run (autoscaling may add more); 0: no READER alarms.
    readers: int
    reader_exporters: tuple[str, ...]
    slow_query_log: bool

    @property
    def slow_query_log_group(self) -> str:
        return f"/aws/rds/cluster/{self.cluster_id}/slowquery"


_FIELDS: Mapping[str, Any] = {
    "cluster_id": {
        "description": "Aurora DB cluster identifier (CloudWatch DBClusterIdentifier, log groups "
        "/aws/rds/cluster/<id>/...). Defaults to the service name.",
        "type": "string",
        "pattern": "^[a-zA-Z][a-zA-Z0-9-]{0,62}$",
    },
    "writer_endpoint": {
        "$ref": "#/$defs/host_port",
        "description": "The cluster (writer) endpoint host:port, scraped through its exporter.",
    },
    "exporter": {
        "$ref": "#/$defs/host_port",
        "description": "host:port of the exporter connected to the writer endpoint. Defaults to "
        "settings.prometheus.exporters.<kind>.address with {name} replaced.",
    },
    "readers": {
        "description": "Reader instances the cluster runs at least (autoscaling may add more): with 0 "
        "the cluster gets no READER alarms (AuroraReplicaLag and the READER role metrics).",
        "type": "integer",
        "minimum": 0,
        "maximum": 15,
    },
    "reader_exporters": {
        "description": "host:port of exporters connected to reader instances, each scraped as a "
        'role="reader" target.',
        "type": "array",
        "uniqueItems": True,
        "items": {"$ref": "#/$defs/host_port"},
    },
}
_CLOUDWATCH_THRESHOLDS = (
    ThresholdSpec(
        "max_cpu_percent",
        80,
        "percent",
        "CloudWatch CPUUtilization alarm threshold per role (the busiest instance), percent.",
        maximum=100,
    ),
    ThresholdSpec(
        "max_replica_lag_seconds",
        2,
        "seconds",
        "CloudWatch AuroraReplicaLag alarm threshold of the readers, seconds (the metric is in "
        "milliseconds: the threshold is converted).",
    ),
    ThresholdSpec(
        "min_free_local_storage_bytes",
        2 * 1024**3,
        "bytes",
        "CloudWatch FreeLocalStorage alarm threshold per role (temporary tables and logs), bytes.",
    ),
    ThresholdSpec(
        "max_volume_used_bytes",
        64 * 1024**4,
        "bytes",
        "CloudWatch VolumeBytesUsed alarm threshold of the cluster volume, bytes.",
    ),
    ThresholdSpec(
        "max_deadlocks_per_second",
        0.01,
        "per_second",
        "Alert when the writer's deadlocks exceed this rate (CloudWatch Deadlocks; on PostgreSQL "
        "also pg_stat_database_deadlocks).",
    ),
    ThresholdSpec(
        "max_db_load_sessions",
        16,
        "sessions",
        "CloudWatch DBLoad (average active sessions) alarm threshold per role, sessions.",
    ),
)
_CONNECTION_USE = ThresholdSpec(
    "max_connection_use_ratio",
    0.8,
    "ratio",
    "Alert when connections / max_connections of an instance exceeds this (0-1).",
    maximum=1,
)


def _build(kind: Kind, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> AuroraService:
    return AuroraService(
        **common,
        cluster_id=raw.get("cluster_id", raw["name"]),
        writer_endpoint=raw["writer_endpoint"],
        exporter=raw.get("exporter", kind.exporter_address(settings, raw["name"])),
        readers=raw.get("readers", 1),
        reader_exporters=tuple(raw.get("reader_exporters", ())),
        slow_query_log=raw.get("slow_query_log", False),
    )


def _scrape_jobs(job: str, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
    clusters = sorted((s for s in services if isinstance(s, AuroraService)), key=lambda s: s.name)
    groups = [
        {
            "targets": [address],
            "labels": {**target_labels(cluster, settings), "instance": instance, "role": role},
        }
        for cluster in clusters
        for address, instance, role in (
            (cluster.exporter, cluster.name, "writer"),
            *((a, a.rsplit(":", 1)[0], "reader") for a in cluster.reader_exporters),
        )
    ]
    return [scrape_job(job, groups, settings)]


class AuroraMysqlKind(Kind):
    name = "aurora_mysql"
    title = "Aurora MySQL"
    description = "An Aurora MySQL cluster (writer and readers), scraped by mysqld_exporter."
    fields: ClassVar[Mapping[str, Any]] = {
        **_FIELDS,
        "slow_query_log": {
            "description": "Whether the cluster publishes its slow query log to CloudWatch Logs "
            "(/aws/rds/cluster/<cluster_id>/slowquery).",
            "type": "boolean",
        },
    }
    required = ("writer_endpoint",)
    thresholds = (
        _CONNECTION_USE,
        *MYSQL_QUERY_THRESHOLDS,
        *_CLOUDWATCH_THRESHOLDS,
    )
    exporter = ExporterSpec(
        "mysqld_exporter",
        "mysqld_exporter: one per cluster, connected to its writer endpoint.",
        "{name}.mysqld-exporter.monitoring.svc:9104",
        True,
    )
    catalogs = ("mysqld_exporter", "prometheus_synthetic")
    jobs = ("aurora_mysql",)
    checks = ()
    alarms = "monitoring.aws.presets.aurora:aurora_alarms"
    boards = (
        BoardSpec(
            "aurora-mysql",
            "dashboards.aurora:build",
            "cloudwatch",
            "dashboards.aurora:NO_DATA_UNTIL_TRAFFIC",
            ("aurora_mysql",),
        ),
    )
    overview = OverviewSpec("dashboards.aurora:MYSQL_OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/aurora_mysql.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> AuroraService:
        return _build(self, {"slow_query_log": True, **raw}, common, settings)

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        return _scrape_jobs(self.jobs[0], services, settings)


class AuroraPostgresqlKind(Kind):
    name = "aurora_postgresql"
    title = "Aurora PostgreSQL"
    description = "An Aurora PostgreSQL cluster (writer and readers), scraped by postgres_exporter."
    fields: ClassVar[Mapping[str, Any]] = _FIELDS
    required = ("writer_endpoint",)
    thresholds = (_CONNECTION_USE, *_CLOUDWATCH_THRESHOLDS)
    exporter = ExporterSpec(
        "postgres_exporter",
        "postgres_exporter: one per cluster, connected to its writer endpoint.",
        "{name}.postgres-exporter.monitoring.svc:9187",
        True,
    )
    catalogs = ("postgres_exporter", "prometheus_synthetic")
    jobs = ("aurora_postgresql",)
    checks = ()
    alarms = "monitoring.aws.presets.aurora:aurora_alarms"
    boards = (
        BoardSpec(
            "aurora-postgresql",
            "dashboards.aurora:build",
            "cloudwatch",
            "dashboards.aurora:NO_DATA_UNTIL_TRAFFIC",
            ("aurora_postgresql",),
        ),
    )
    overview = OverviewSpec("dashboards.aurora:POSTGRESQL_OVERVIEW_ROW", "prometheus")
    rule_pack = "rules/aurora_postgresql.yaml"

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> AuroraService:
        return _build(self, raw, common, settings)

    def scrape_jobs(self, services: Sequence[Service], settings: Settings) -> list[ScrapeJob]:
        return _scrape_jobs(self.jobs[0], services, settings)
