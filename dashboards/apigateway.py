"""API Gateway board from CloudWatch (AWS/ApiGateway, per ApiName and Stage), and the overview row."""

from __future__ import annotations

from collections.abc import Sequence

from grafanalib.core import Dashboard

from dashboards.common import (
    Cell,
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
from dashboards.domain import CLOUDWATCH_ALARMS
from monitoring.aws.presets.apigateway import FACADE
from monitoring.kinds.apigateway import ApigatewayService
from monitoring.model import Inventory, Service
from monitoring.naming import kind_dashboard_uid

KIND = "apigateway"

# API Gateway publishes a stage's metrics only for periods with requests.
NO_DATA_UNTIL_TRAFFIC = {
    "Server error rate": "the stage serves requests",
    "Latency p99": "the stage serves requests",
}
_LABEL = "{{ApiName}} {{Stage}}"


def _metric(name: str, api: str, stage: str, label: str = _LABEL) -> CloudwatchQuery:
    return cloudwatch_query(FACADE.series(name, "stage", [api, stage]), label)


def build(inventory: Inventory) -> Dashboard:
    # The service picker chooses the API; every stage of it is shown.
    services = sorted((s.name, s.api_name) for s in inventory.services_of(KIND, ApigatewayService))
    ds = datasource_ref("cloudwatch")
    return dashboard(
        title="API Gateway",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="API Gateway REST API stages from CloudWatch.",
        tags=["cloudwatch", kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=cloudwatch_variables(inventory.settings, services),
        sections=[
            Section(
                "Stages",
                [
                    timeseries("Requests", "short", [_metric("Count", "$service", "*")], ds),
                    timeseries(
                        "Server error rate",
                        "percentunit",
                        [_metric("5XXError", "$service", "*")],
                        ds,
                        description="5XXError Average: server errors / requests.",
                        limit=threshold(inventory, KIND, "max_server_error_ratio"),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Server error rate"],
                    ),
                    timeseries(
                        "Client error rate",
                        "percentunit",
                        [_metric("4XXError", "$service", "*")],
                        ds,
                    ),
                    timeseries(
                        "Latency p99",
                        "ms",
                        [_metric("Latency", "$service", "*"), _metric("IntegrationLatency", "$service", "*")],
                        ds,
                        description="Latency includes the integration's; the threshold is converted to ms.",
                        limit=threshold(inventory, KIND, "max_latency_seconds", scale=1000),
                        no_data=NO_DATA_UNTIL_TRAFFIC["Latency p99"],
                    ),
                ],
            ),
        ],
    )


def overview_row(inventory: Inventory, kind: str, services: Sequence[Service]) -> list[Cell]:
    ds = datasource_ref("cloudwatch", "cloudwatch")
    stages = sorted((s for s in services if isinstance(s, ApigatewayService)), key=lambda s: s.name)
    return [
        timeseries(
            "Server error rate",
            "percentunit",
            [_metric("5XXError", s.api_name, s.stage, s.name) for s in stages],
            ds,
            description=CLOUDWATCH_ALARMS,
            limit=threshold(inventory, kind, "max_server_error_ratio"),
        ),
        timeseries(
            "Latency p99",
            "ms",
            [_metric("Latency", s.api_name, s.stage, s.name) for s in stages],
            ds,
            limit=threshold(inventory, kind, "max_latency_seconds", scale=1000),
        ),
    ]
