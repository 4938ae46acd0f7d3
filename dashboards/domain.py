"""Per-domain overview: one row per kind present in the domain (availability, saturation, alerts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grafanalib.core import Dashboard

from dashboards.common import (
    ALL,
    Cell,
    CloudwatchQuery,
    PromQuery,
    Section,
    Threshold,
    custom_variable,
    dashboard,
    datasource_ref,
    datasource_variable,
    domain_tag,
    kind_tag,
    kind_title,
    label_variable,
    stat,
    threshold,
    timeseries,
    with_link,
)
from monitoring.kinds import KINDS
from monitoring.kinds.documentdb import DocumentdbService
from monitoring.kinds.opensearch import OpensearchService
from monitoring.model import Domain, Inventory, Service
from monitoring.naming import domain_board_uid, kind_dashboard_uid

NO_DATA_UNTIL_TRAFFIC: dict[str, str] = {}

FILTER = 'domain=~"$domain", service=~"$service"'
ALL_UP = Threshold(
    [{"color": "red", "value": None}, {"color": "green", "value": 1}], "Red unless every target is up."
)
ANY_FIRING = Threshold(
    [{"color": "green", "value": None}, {"color": "red", "value": 1}], "Red while any fires."
)


@dataclass(frozen=True)
class PrometheusOverview:
    """The two queries summing up a Prometheus-scraped kind; `{f}` takes the board's label filter."""

    availability: str
    saturation_title: str
    saturation: str
    unit: str
    threshold_key: str
    scale: float = 1.0


PROMETHEUS_OVERVIEWS: dict[str, PrometheusOverview] = {
    "mysql": PrometheusOverview(
        'avg(mysql_up{{job="mysql", {f}}})',
        "Connection use (top 5)",
        "topk(5, service:mysql_connection_use_ratio:max{{{f}}})",
        "percentunit",
        "max_connection_use_ratio",
    ),
    "postgresql": PrometheusOverview(
        'avg(pg_up{{job="postgresql", {f}}})',
        "Connection use (top 5)",
        "topk(5, service:pg_connection_use_ratio:max{{{f}}})",
        "percentunit",
        "max_connection_use_ratio",
    ),
    "redis": PrometheusOverview(
        'avg(redis_up{{job="redis", {f}}})',
        "Memory use (top 5)",
        "topk(5, service:redis_memory_use_ratio:max{{{f}}})",
        "percentunit",
        "max_memory_use_ratio",
    ),
    "node": PrometheusOverview(
        'avg(up{{job="node", {f}}})',
        "CPU use (top 5 instances)",
        "topk(5, instance:node_cpu_use_ratio:rate5m{{{f}}})",
        "percentunit",
        "max_cpu_use_ratio",
    ),
    "kafka": PrometheusOverview(
        'avg(up{{job="kafka-jmx", {f}}})',
        "Broker disk used",
        '100 * max by (service, instance) (1 - node_filesystem_avail_bytes{{job="kafka-node", {f}}}'
        ' / node_filesystem_size_bytes{{job="kafka-node", {f}}})',
        "percent",
        "max_disk_used_percent",
    ),
    "kubernetes": PrometheusOverview(
        'avg(up{{job=~"kube-state-metrics|kubernetes-nodes", {f}}})',
        "Node CPU (top 5)",
        "100 * topk(5, 1 - avg by (service, instance) "
        '(rate(node_cpu_seconds_total{{job="kubernetes-nodes", mode="idle", {f}}}[$__rate_interval])))',
        "percent",
        "max_node_cpu_percent",
    ),
}


def _firing(services: Sequence[Service], ds: dict[str, str]) -> Cell:
    # Alerts carry the service label; service names are unique across kinds, so they pick the kind.
    names = "|".join(sorted(s.name for s in services))
    return stat(
        "Alerts firing",
        "short",
        [
            PromQuery(
                f'count(ALERTS{{alertstate="firing", domain=~"$domain", service=~"{names}"}}) or vector(0)'
            )
        ],
        ds,
        description="Prometheus alerts firing for this kind's services in the domain.",
        limit=ANY_FIRING,
        width=4,
    )


def _prometheus_row(inventory: Inventory, kind: str, services: Sequence[Service]) -> list[Cell]:
    overview = PROMETHEUS_OVERVIEWS[kind]
    ds = datasource_ref("prometheus")
    return [
        stat(
            "Availability",
            "percentunit",
            [PromQuery(overview.availability.format(f=FILTER))],
            ds,
            description="Share of the kind's targets up.",
            limit=ALL_UP,
            width=4,
        ),
        timeseries(
            overview.saturation_title,
            overview.unit,
            [PromQuery(overview.saturation.format(f=FILTER), "{{service}} {{instance}}")],
            ds,
            limit=threshold(inventory, kind, overview.threshold_key, overview.scale),
            width=16,
        ),
        _firing(services, ds),
    ]


CLOUDWATCH_ALARMS = "Alerts for this kind are CloudWatch alarms, sent to the domain's SNS topics."


def _opensearch_row(inventory: Inventory, kind: str, services: Sequence[Service]) -> list[Cell]:
    ds = datasource_ref("cloudwatch", "cloudwatch")
    domains = [s for s in services if isinstance(s, OpensearchService)]

    def per_domain(metric: str, statistic: str) -> list[CloudwatchQuery]:
        return [
            CloudwatchQuery(
                "AWS/ES",
                metric,
                {"DomainName": s.domain_name, "ClientId": inventory.settings.account_id},
                statistic,
                s.name,
            )
            for s in domains
        ]

    return [
        stat(
            "Cluster status red",
            "none",
            per_domain("ClusterStatus.red", "Maximum"),
            ds,
            description=CLOUDWATCH_ALARMS,
            limit=ANY_FIRING,
            reduce="max",
            width=8,
        ),
        timeseries(
            "JVM memory pressure",
            "percent",
            per_domain("JVMMemoryPressure", "Maximum"),
            ds,
            limit=threshold(inventory, kind, "max_jvm_memory_pressure_percent"),
            width=8,
        ),
        timeseries(
            "Free storage",
            "mbytes",
            per_domain("FreeStorageSpace", "Minimum"),
            ds,
            limit=threshold(inventory, kind, "min_free_storage_megabytes"),
            width=8,
        ),
    ]


def _documentdb_row(inventory: Inventory, kind: str, services: Sequence[Service]) -> list[Cell]:
    ds = datasource_ref("cloudwatch", "cloudwatch")
    clusters = [s for s in services if isinstance(s, DocumentdbService)]

    def per_cluster(metric: str, statistic: str) -> list[CloudwatchQuery]:
        return [
            CloudwatchQuery("AWS/DocDB", metric, {"DBClusterIdentifier": s.cluster_id}, statistic, s.name)
            for s in clusters
        ]

    return [
        timeseries(
            "CPU",
            "percent",
            per_cluster("CPUUtilization", "Maximum"),
            ds,
            description=CLOUDWATCH_ALARMS,
            limit=threshold(inventory, kind, "max_cpu_percent"),
        ),
        timeseries(
            "Connections",
            "short",
            per_cluster("DatabaseConnections", "Maximum"),
            ds,
            limit=threshold(inventory, kind, "max_database_connections"),
        ),
    ]


RowBuilder = Callable[[Inventory, str, Sequence[Service]], list[Cell]]
ROWS: dict[str, RowBuilder] = {
    **{kind: _prometheus_row for kind in PROMETHEUS_OVERVIEWS},
    "opensearch": _opensearch_row,
    "documentdb": _documentdb_row,
}
CLOUDWATCH_KINDS = frozenset({"opensearch", "documentdb"})


def build(inventory: Inventory, domain: Domain) -> Dashboard:
    services = [s for s in inventory.services if s.domain == domain.name]
    settings = inventory.settings
    # CloudWatch rows only when a CloudWatch datasource is provisioned for them to query.
    shown = {s.kind for s in services} - (
        set() if any(d.type == "cloudwatch" for d in settings.datasources) else CLOUDWATCH_KINDS
    )
    kinds = [k for k in KINDS if k in shown]
    variables = [
        datasource_variable(settings, "prometheus"),
        custom_variable("domain", "Domain", [(domain.name, domain.name)]),
        label_variable("service", "Service", 'up{domain=~"$domain"}', datasource_ref("prometheus")),
    ]
    if CLOUDWATCH_KINDS.intersection(kinds):
        variables.append(datasource_variable(settings, "cloudwatch", name="cloudwatch"))
    sections = []
    for kind in kinds:
        first, *rest = ROWS[kind](inventory, kind, [s for s in services if s.kind == kind])
        uid = kind_dashboard_uid(settings, kind)
        board = with_link(
            first, f"{kind_title(kind)} board", f"/d/{uid}/{uid}?var-domain={domain.name}&var-service={ALL}"
        )
        sections.append(Section(kind_title(kind), [board, *rest]))
    return dashboard(
        title=f"{domain.title} overview",
        uid=domain_board_uid(settings, domain.name),
        description=f"Every kind of service in the {domain.name} domain (team {domain.team}): "
        "availability, saturation and firing alerts, with a link to each kind's board.",
        tags=[domain_tag(domain.name), *map(kind_tag, kinds)],
        variables=variables,
        sections=sections,
    )
