"""DocumentDB board from CloudWatch (AWS/DocDB)."""

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
    threshold,
    timeseries,
)
from monitoring.aws.presets.docdb import FACADE
from monitoring.kinds.documentdb import DocumentdbService
from monitoring.model import Inventory
from monitoring.naming import kind_dashboard_uid

KIND = "documentdb"

NO_DATA_UNTIL_TRAFFIC = {
    "Replica lag": "the cluster has a replica instance",
}


def build(inventory: Inventory) -> Dashboard:
    services = sorted((s.name, s.cluster_id) for s in inventory.services_of(KIND, DocumentdbService))
    ds = datasource_ref("cloudwatch")

    def metric(name: str) -> list[CloudwatchQuery]:
        return [cloudwatch_query(FACADE.series(name, "cluster", ["$service"]), "{{DBClusterIdentifier}}")]

    return dashboard(
        title="DocumentDB",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="DocumentDB clusters from CloudWatch.",
        tags=["cloudwatch", kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=cloudwatch_variables(inventory.settings, services),
        sections=[
            Section(
                "Cluster",
                [
                    timeseries(
                        "CPU",
                        "percent",
                        metric("CPUUtilization"),
                        ds,
                        limit=threshold(inventory, KIND, "max_cpu_percent"),
                    ),
                    timeseries(
                        "Freeable memory",
                        "bytes",
                        metric("FreeableMemory"),
                        ds,
                        limit=threshold(inventory, KIND, "min_freeable_memory_bytes"),
                    ),
                    timeseries(
                        "Connections",
                        "short",
                        metric("DatabaseConnections"),
                        ds,
                        limit=threshold(inventory, KIND, "max_database_connections"),
                    ),
                    timeseries(
                        "Replica lag",
                        "ms",
                        metric("DBInstanceReplicaLag"),
                        ds,
                        description="CloudWatch reports milliseconds; the threshold is converted.",
                        limit=threshold(inventory, KIND, "max_replica_lag_seconds", scale=1000),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Replica lag"],
                    ),
                ],
            ),
        ],
    )
