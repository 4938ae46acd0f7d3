"""PostgreSQL board: every PostgreSQL server through postgres_exporter."""

from __future__ import annotations

from grafanalib.core import Dashboard

from dashboards.common import (
    PromQuery,
    Section,
    dashboard,
    datasource_ref,
    domain_tag,
    domains_of_kind,
    kind_tag,
    prometheus_variables,
    selector,
    sibling_links,
    stat,
    threshold,
    timeseries,
    up_steps,
)
from dashboards.domain import PrometheusOverview, prometheus_row
from monitoring.kinds import KINDS
from monitoring.model import Inventory
from monitoring.naming import cloudwatch_board_uid, kind_dashboard_uid

KIND = "postgresql"

NO_DATA_UNTIL_TRAFFIC = {
    "Replication lag": "the service is a primary with a streaming replica: lag is measured on the primary",
}


def build(inventory: Inventory) -> Dashboard:
    ds = datasource_ref("prometheus")
    s = selector("postgresql")
    by = "sum by (service)"
    return dashboard(
        title="PostgreSQL",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="Every PostgreSQL server of the inventory (RDS, postgres_exporter).",
        tags=[kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=prometheus_variables(inventory.settings, KINDS[KIND].jobs),
        links=[
            *sibling_links(
                inventory,
                "RDS CloudWatch metrics",
                cloudwatch_board_uid(inventory.settings, "rds-postgresql"),
                "cloudwatch",
            )
        ],
        sections=[
            Section(
                "Availability and saturation",
                [
                    stat(
                        "PostgreSQL up",
                        "none",
                        [PromQuery(f"min by (service) (pg_up{s})", "{{service}}")],
                        ds,
                        description="1 when postgres_exporter can query the server.",
                        limit=up_steps(),
                    ),
                    timeseries(
                        "Connection use",
                        "percentunit",
                        [PromQuery(f"service:pg_connection_use_ratio:max{selector()}", "{{service}}")],
                        ds,
                        description="Backends / max_connections.",
                        limit=threshold(inventory, KIND, "max_connection_use_ratio"),
                        width=18,
                    ),
                ],
            ),
            Section(
                "Load",
                [
                    timeseries(
                        "Connections by state",
                        "short",
                        [
                            PromQuery(
                                f"sum by (service, state) (pg_stat_activity_count{s})",
                                "{{service}} {{state}}",
                            )
                        ],
                        ds,
                    ),
                    timeseries(
                        "Transactions per second",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(pg_stat_database_xact_commit{s}[$__rate_interval]))",
                                "{{service}} commit",
                            ),
                            PromQuery(
                                f"{by} (rate(pg_stat_database_xact_rollback{s}[$__rate_interval]))",
                                "{{service}} rollback",
                            ),
                        ],
                        ds,
                    ),
                    timeseries(
                        "Deadlocks",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(pg_stat_database_deadlocks{s}[$__rate_interval]))", "{{service}}"
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_deadlocks_per_second", resolution=0.001),
                    ),
                    timeseries(
                        "Database size",
                        "bytes",
                        [PromQuery(f"{by} (pg_database_size_bytes{s})", "{{service}}")],
                        ds,
                    ),
                    timeseries(
                        "Replication lag",
                        "s",
                        [
                            PromQuery(
                                "max by (service, application_name) ("
                                f"pg_stat_replication_pg_wal_lsn_diff{s} / "
                                f"deriv(pg_stat_replication_pg_current_wal_lsn_bytes{s}[$__rate_interval]))",
                                "{{service}} → {{application_name}}",
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_replication_lag_seconds"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Replication lag"],
                    ),
                ],
            ),
        ],
    )


# This kind's row on each domain overview.
OVERVIEW_ROW = prometheus_row(
    KIND,
    PrometheusOverview(
        'avg(pg_up{{job="postgresql", {f}}})',
        "Connection use (top 5)",
        "topk(5, service:pg_connection_use_ratio:max{{{f}}})",
        "percentunit",
        "max_connection_use_ratio",
    ),
)
