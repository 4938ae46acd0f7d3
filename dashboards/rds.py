"""RDS boards from CloudWatch (AWS/RDS), one per engine so each draws its own kind's thresholds."""

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
    sibling_links,
    threshold,
    timeseries,
)
from monitoring.aws.presets.rds import FACADE
from monitoring.kinds.mysql import MysqlService
from monitoring.kinds.postgresql import PostgresqlService
from monitoring.model import Inventory
from monitoring.naming import cloudwatch_board_uid, kind_dashboard_uid

ENGINES = ("mysql", "postgresql")

NO_DATA_UNTIL_TRAFFIC = {
    "Replica lag": "the instance is a read replica",
}


def board_uid(inventory: Inventory, kind: str) -> str:
    return cloudwatch_board_uid(inventory.settings, f"rds-{kind}")


def build(inventory: Inventory, kind: str) -> Dashboard:
    services = [
        (s.name, s.rds_instance_id)
        for s in inventory.services
        if s.kind == kind and isinstance(s, MysqlService | PostgresqlService)
    ]
    ds = datasource_ref("cloudwatch")

    def metric(name: str) -> list[CloudwatchQuery]:
        return [cloudwatch_query(FACADE.series(name, "instance", ["$service"]), "{{DBInstanceIdentifier}}")]

    return dashboard(
        title=f"RDS {kind_title(kind)} (CloudWatch)",
        uid=board_uid(inventory, kind),
        description=f"CloudWatch metrics of the {kind_title(kind)} RDS instances: host and I/O.",
        tags=["cloudwatch", kind_tag(kind), *map(domain_tag, domains_of_kind(inventory, kind))],
        variables=cloudwatch_variables(inventory.settings, sorted(services)),
        links=[
            *sibling_links(
                inventory,
                f"{kind_title(kind)} exporter metrics",
                kind_dashboard_uid(inventory.settings, kind),
                "prometheus",
            )
        ],
        sections=[
            Section(
                "Host",
                [
                    timeseries(
                        "CPU",
                        "percent",
                        metric("CPUUtilization"),
                        ds,
                        limit=threshold(inventory, kind, "max_cpu_percent"),
                    ),
                    timeseries(
                        "Connections",
                        "short",
                        metric("DatabaseConnections"),
                        ds,
                        limit=threshold(inventory, kind, "max_database_connections"),
                    ),
                    timeseries(
                        "Free storage",
                        "bytes",
                        metric("FreeStorageSpace"),
                        ds,
                        limit=threshold(inventory, kind, "min_free_storage_bytes"),
                    ),
                    timeseries(
                        "Freeable memory",
                        "bytes",
                        metric("FreeableMemory"),
                        ds,
                        limit=threshold(inventory, kind, "min_freeable_memory_bytes"),
                    ),
                ],
            ),
            Section(
                "I/O and replication",
                [
                    timeseries(
                        "Read latency",
                        "s",
                        metric("ReadLatency"),
                        ds,
                        limit=threshold(inventory, kind, "max_read_latency_seconds"),
                        width=8,
                    ),
                    timeseries(
                        "Write latency",
                        "s",
                        metric("WriteLatency"),
                        ds,
                        limit=threshold(inventory, kind, "max_write_latency_seconds"),
                        width=8,
                    ),
                    timeseries(
                        "Replica lag",
                        "s",
                        metric("ReplicaLag"),
                        ds,
                        limit=threshold(inventory, kind, "max_replication_lag_seconds"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Replica lag"],
                        width=8,
                    ),
                ],
            ),
        ],
    )
