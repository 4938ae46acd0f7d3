"""Per-domain overview: one row per kind present in the domain (availability, saturation, alerts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grafanalib.core import Dashboard

from dashboards.common import (
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
from monitoring.kinds import KINDS, board_selection, kind_board
from monitoring.kinds.documentdb import DocumentdbService
from monitoring.kinds.opensearch import OpensearchService
from monitoring.lazy import resolve
from monitoring.model import Domain, Inventory, Service
from monitoring.naming import domain_board_uid, settings_rate_window

NO_DATA_UNTIL_TRAFFIC: dict[str, str] = {}

FILTER = 'domain=~"$domain", service=~"$service"'
ALL_UP = Threshold(
    [{"color": "red", "value": None}, {"color": "green", "value": 1}], "Red unless every target is up."
)
ANY_FIRING = Threshold(
    [{"color": "green", "value": None}, {"color": "red", "value": 1}], "Red while any fires."
)


RowBuilder = Callable[[Inventory, str, Sequence[Service]], list[Cell]]


@dataclass(frozen=True)
class PrometheusOverview:
    """The two queries summing up a Prometheus-scraped kind; `{f}` takes the board's label filter,
    `{window}` the packs' rate window (naming.settings_rate_window)."""

    availability: str
    saturation_title: str
    saturation: str
    unit: str
    threshold_key: str
    scale: float = 1.0


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


def prometheus_row(kind: str, overview: PrometheusOverview) -> RowBuilder:
    """The row of a Prometheus-scraped kind: availability, one saturation series, alerts firing.
    Its threshold is checked here, so a wrong name fails when the board module is imported."""
    KINDS[kind].threshold(overview.threshold_key, stacklevel=2)
    return lambda inventory, kind, services: _prometheus_row(overview, inventory, kind, services)


def _prometheus_row(
    overview: PrometheusOverview, inventory: Inventory, kind: str, services: Sequence[Service]
) -> list[Cell]:
    ds = datasource_ref("prometheus")
    saturation = overview.saturation.format(f=FILTER, window=settings_rate_window(inventory.settings))
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
            [PromQuery(saturation, "{{service}} {{instance}}")],
            ds,
            limit=threshold(inventory, kind, overview.threshold_key, overview.scale),
            width=16,
        ),
        _firing(services, ds),
    ]


CLOUDWATCH_ALARMS = "Alerts for this kind are CloudWatch alarms, sent to the domain's SNS topics."


def opensearch_row(inventory: Inventory, kind: str, services: Sequence[Service]) -> list[Cell]:
    ds = datasource_ref("cloudwatch", "cloudwatch")
    domains = [s for s in services if isinstance(s, OpensearchService)]

    def per_domain(metric: str, statistic: str) -> list[CloudwatchQuery]:
        return [
            CloudwatchQuery(
                "AWS/ES",
                metric,
                {"DomainName": s.domain_name, "ClientId": s.account.account_id},
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


def documentdb_row(inventory: Inventory, kind: str, services: Sequence[Service]) -> list[Cell]:
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


def build(inventory: Inventory, domain: Domain) -> Dashboard:
    services = [s for s in inventory.services if s.domain == domain.name]
    settings = inventory.settings
    present = {s.kind for s in services}
    provisioned = {d.type for d in settings.datasources}
    # A row only where its datasource is provisioned for it to query; kinds declare their row.
    rows = {
        name: kind.overview
        for name, kind in KINDS.items()
        if name in present and kind.overview is not None and kind.overview.datasource in provisioned
    }
    kinds = list(rows)
    variables = [
        datasource_variable(settings, "prometheus"),
        custom_variable("domain", "Domain", [(domain.name, domain.name)]),
        label_variable("service", "Service", 'up{domain=~"$domain"}', datasource_ref("prometheus")),
    ]
    if any(row.datasource == "cloudwatch" for row in rows.values()):
        variables.append(datasource_variable(settings, "cloudwatch", name="cloudwatch"))
    sections = []
    for kind in kinds:
        row: RowBuilder = resolve(rows[kind].row)
        of_kind = [s for s in services if s.kind == kind]
        first, *rest = row(inventory, kind, of_kind)
        target = kind_board(settings, kind)
        if target.datasource in provisioned:
            query = board_selection(target, domain.name, (s.name for s in of_kind))
            first = with_link(first, f"{kind_title(kind)} board", f"/d/{target.uid}/{target.uid}?{query}")
        sections.append(Section(kind_title(kind), [first, *rest]))
    return dashboard(
        title=f"{domain.title} overview",
        uid=domain_board_uid(settings, domain.name),
        description=f"Every kind of service in the {domain.name} domain (team {domain.team}): "
        "availability, saturation and firing alerts, with a link to each kind's board.",
        tags=[domain_tag(domain.name), *map(kind_tag, kinds)],
        variables=variables,
        sections=sections,
    )
