"""Aurora boards from CloudWatch (AWS/RDS role metrics), one per engine, and the overview rows."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    CloudwatchQuery,
    Section,
    cloudwatch_query,
    cloudwatch_variables,
    dashboard,
    datasource_ref,
    domain_tag,
    domains_of_kind,
    kind_tag,
    kind_title,
    threshold,
    timeseries,
)
from dashboards.domain import PrometheusOverview, prometheus_row
from monitoring.aws.presets.rds import FACADE
from monitoring.kinds.aurora import AuroraService
from monitoring.model import Inventory
from monitoring.naming import cloudwatch_board_uid

NO_DATA_UNTIL_TRAFFIC = {
    "Reader lag": "the cluster runs a reader",
    "Deadlocks": "transactions deadlock",
}
_ROLES = ("WRITER", "READER")


def build(inventory: Inventory, kind: str) -> Dashboard:
    clusters = sorted(
        (s.name, s.cluster_id) for s in inventory.services if isinstance(s, AuroraService) and s.kind == kind
    )
    ds = datasource_ref("cloudwatch")

    def per_role(name: str, roles: tuple[str, ...] = _ROLES) -> list[CloudwatchQuery]:
        return [
            cloudwatch_query(
                FACADE.series(name, "cluster_role", ["$service", role]),
                f"{{{{DBClusterIdentifier}}}} {role.lower()}",
            )
            for role in roles
        ]

    return dashboard(
        title=f"{kind_title(kind)} (CloudWatch)",
        uid=cloudwatch_board_uid(inventory.settings, kind.replace("_", "-")),
        description=f"CloudWatch metrics of the {kind_title(kind)} clusters, per role (writer, readers).",
        tags=["cloudwatch", kind_tag(kind), *map(domain_tag, domains_of_kind(inventory, kind))],
        variables=cloudwatch_variables(inventory.settings, clusters),
        sections=[
            Section(
                "Roles",
                [
                    timeseries(
                        "CPU",
                        "percent",
                        per_role("CPUUtilization"),
                        ds,
                        limit=threshold(inventory, kind, "max_cpu_percent"),
                    ),
                    timeseries(
                        "DB load",
                        "short",
                        per_role("DBLoad"),
                        ds,
                        description="Average active sessions.",
                        limit=threshold(inventory, kind, "max_db_load_sessions"),
                    ),
                    timeseries(
                        "Free local storage",
                        "bytes",
                        per_role("FreeLocalStorage"),
                        ds,
                        limit=threshold(inventory, kind, "min_free_local_storage_bytes"),
                    ),
                    timeseries("Connections", "short", per_role("DatabaseConnections"), ds),
                ],
            ),
            Section(
                "Replication and volume",
                [
                    timeseries(
                        "Reader lag",
                        "ms",
                        per_role("AuroraReplicaLag", ("READER",)),
                        ds,
                        description="CloudWatch reports milliseconds; the threshold is converted.",
                        limit=threshold(inventory, kind, "max_replica_lag_seconds", scale=1000),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Reader lag"],
                        width=8,
                    ),
                    timeseries(
                        "Deadlocks",
                        "short",
                        per_role("Deadlocks", ("WRITER",)),
                        ds,
                        limit=threshold(inventory, kind, "max_deadlocks_per_second"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Deadlocks"],
                        width=8,
                    ),
                    timeseries(
                        "Volume used",
                        "bytes",
                        [
                            cloudwatch_query(
                                FACADE.series("VolumeBytesUsed", "cluster", ["$service"]),
                                "{{DBClusterIdentifier}}",
                            )
                        ],
                        ds,
                        limit=threshold(inventory, kind, "max_volume_used_bytes"),
                        width=8,
                    ),
                ],
            ),
        ],
    )


# The kinds' rows on each domain overview.
MYSQL_OVERVIEW_ROW = prometheus_row(
    "aurora_mysql",
    PrometheusOverview(
        'avg(mysql_up{{job="aurora_mysql", {f}}})',
        "Connection use (top 5)",
        "topk(5, service:aurora_mysql_connection_use_ratio:max{{{f}}})",
        "percentunit",
        "max_connection_use_ratio",
    ),
)
POSTGRESQL_OVERVIEW_ROW = prometheus_row(
    "aurora_postgresql",
    PrometheusOverview(
        'avg(pg_up{{job="aurora_postgresql", {f}}})',
        "Connection use (top 5)",
        "topk(5, service:aurora_pg_connection_use_ratio:max{{{f}}})",
        "percentunit",
        "max_connection_use_ratio",
    ),
)
