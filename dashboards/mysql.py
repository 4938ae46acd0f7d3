"""MySQL board: one board for every MySQL server, chosen with the domain and service variables."""

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
from monitoring.naming import cloudwatch_board_uid, kind_dashboard_uid, settings_rate_window

KIND = "mysql"

NO_DATA_UNTIL_TRAFFIC = {
    "Replication lag": "the service is a replica: mysqld_exporter reports slave status only on replicas",
}


def build(inventory: Inventory) -> Dashboard:
    window = settings_rate_window(inventory.settings)
    ds = datasource_ref("prometheus")
    s = selector("mysql")
    by = "sum by (service)"
    return dashboard(
        title="MySQL",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="Every MySQL server of the inventory (RDS, mysqld_exporter); pick domain and service.",
        tags=[kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=prometheus_variables(inventory.settings, KINDS[KIND].jobs),
        links=sibling_links(
            inventory,
            "RDS CloudWatch metrics",
            cloudwatch_board_uid(inventory.settings, "rds-mysql"),
            "cloudwatch",
        ),
        sections=[
            Section(
                "Availability and saturation",
                [
                    stat(
                        "MySQL up",
                        "none",
                        [PromQuery(f"min by (service) (mysql_up{s})", "{{service}}")],
                        ds,
                        description="1 when mysqld_exporter can query the server.",
                        limit=up_steps(),
                    ),
                    stat(
                        "Scrape target up",
                        "none",
                        [PromQuery(f"min by (service) (up{s})", "{{service}}")],
                        ds,
                        description="1 when Prometheus reaches the service's mysqld_exporter.",
                        limit=up_steps(),
                    ),
                    timeseries(
                        "Connection use",
                        "percentunit",
                        [PromQuery(f"service:mysql_connection_use_ratio:max{selector()}", "{{service}}")],
                        ds,
                        description="Threads connected / max_connections.",
                        limit=threshold(inventory, KIND, "max_connection_use_ratio"),
                    ),
                ],
            ),
            Section(
                "Load",
                [
                    timeseries(
                        "Queries per second",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(mysql_global_status_queries{s}[$__rate_interval]))",
                                "{{service}}",
                            )
                        ],
                        ds,
                    ),
                    timeseries(
                        "Threads",
                        "short",
                        [
                            PromQuery(
                                f"{by} (mysql_global_status_threads_connected{s})", "{{service}} connected"
                            ),
                            PromQuery(
                                f"{by} (mysql_global_status_threads_running{s})", "{{service}} running"
                            ),
                        ],
                        ds,
                    ),
                    timeseries(
                        "Slow queries",
                        "ops",
                        [PromQuery(f"service:mysql_slow_queries:rate{window}{selector()}", "{{service}}")],
                        ds,
                        description=f"Queries slower than long_query_time, per second ({window} rate).",
                        limit=threshold(inventory, KIND, "max_slow_queries_per_second", resolution=0.001),
                    ),
                    timeseries(
                        "Aborted connects",
                        "ops",
                        [
                            PromQuery(
                                f"{by} (rate(mysql_global_status_aborted_connects{s}[$__rate_interval]))",
                                "{{service}}",
                            )
                        ],
                        ds,
                        description="Failed connection attempts per second (bad credentials, timeouts).",
                        limit=threshold(inventory, KIND, "max_aborted_connects_per_second", resolution=0.001),
                    ),
                ],
            ),
            Section(
                "Replication and traffic",
                [
                    timeseries(
                        "Replication lag",
                        "s",
                        [
                            PromQuery(
                                f"max by (service) (mysql_slave_status_seconds_behind_master{s})",
                                "{{service}}",
                            )
                        ],
                        ds,
                        limit=threshold(inventory, KIND, "max_replication_lag_seconds"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Replication lag"],
                    ),
                    timeseries(
                        "Network traffic",
                        "Bps",
                        [
                            PromQuery(
                                f"{by} (rate(mysql_global_status_bytes_received{s}[$__rate_interval]))",
                                "{{service}} in",
                            ),
                            PromQuery(
                                f"{by} (rate(mysql_global_status_bytes_sent{s}[$__rate_interval]))",
                                "{{service}} out",
                            ),
                        ],
                        ds,
                    ),
                ],
            ),
        ],
    )


# This kind's row on each domain overview.
OVERVIEW_ROW = prometheus_row(
    KIND,
    PrometheusOverview(
        'avg(mysql_up{{job="mysql", {f}}})',
        "Connection use (top 5)",
        "topk(5, service:mysql_connection_use_ratio:max{{{f}}})",
        "percentunit",
        "max_connection_use_ratio",
    ),
)
