"""Lambda board from CloudWatch (AWS/Lambda, per FunctionName), and the overview row."""

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
from monitoring.aws.presets.aws_lambda import FACADE
from monitoring.kinds.aws_lambda import LambdaService
from monitoring.model import Inventory, Service
from monitoring.naming import kind_dashboard_uid

KIND = "lambda"

# Lambda publishes invocation metrics only when they are nonzero.
NO_DATA_UNTIL_TRAFFIC = {
    "Errors": "an invocation fails",
    "Throttles": "an invocation is throttled",
}


def _metric(name: str, function: str, label: str = "{{FunctionName}}") -> CloudwatchQuery:
    return cloudwatch_query(FACADE.series(name, "function", [function]), label)


def build(inventory: Inventory) -> Dashboard:
    services = sorted((s.name, s.function_name) for s in inventory.services_of(KIND, LambdaService))
    ds = datasource_ref("cloudwatch")
    return dashboard(
        title="Lambda",
        uid=kind_dashboard_uid(inventory.settings, KIND),
        description="Lambda functions from CloudWatch.",
        tags=["cloudwatch", kind_tag(KIND), *map(domain_tag, domains_of_kind(inventory, KIND))],
        variables=cloudwatch_variables(inventory.settings, services),
        sections=[
            Section(
                "Invocations",
                [
                    timeseries("Invocations", "short", [_metric("Invocations", "$service")], ds),
                    timeseries(
                        "Errors",
                        "short",
                        [_metric("Errors", "$service")],
                        ds,
                        description="Failed invocations per minute (Sum).",
                        no_data=NO_DATA_UNTIL_TRAFFIC["Errors"],
                    ),
                    timeseries(
                        "Throttles",
                        "short",
                        [_metric("Throttles", "$service")],
                        ds,
                        no_data=NO_DATA_UNTIL_TRAFFIC["Throttles"],
                    ),
                    timeseries(
                        "Duration p99",
                        "ms",
                        [_metric("Duration", "$service")],
                        ds,
                        description="Alarmed at max_duration_timeout_ratio of each function's timeout.",
                    ),
                    timeseries(
                        "Concurrent executions",
                        "short",
                        [_metric("ConcurrentExecutions", "$service")],
                        ds,
                        limit=threshold(inventory, KIND, "max_concurrent_executions"),
                    ),
                ],
            ),
        ],
    )


def overview_row(inventory: Inventory, kind: str, services: Sequence[Service]) -> list[Cell]:
    ds = datasource_ref("cloudwatch", "cloudwatch")
    functions = sorted((s for s in services if isinstance(s, LambdaService)), key=lambda s: s.name)
    return [
        timeseries(
            "Errors",
            "short",
            [_metric("Errors", f.function_name, f.name) for f in functions],
            ds,
            description=CLOUDWATCH_ALARMS,
            no_data=NO_DATA_UNTIL_TRAFFIC["Errors"],
        ),
        timeseries(
            "Duration p99",
            "ms",
            [_metric("Duration", f.function_name, f.name) for f in functions],
            ds,
        ),
    ]
