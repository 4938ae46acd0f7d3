"""Amazon API Gateway REST APIs, namespace AWS/ApiGateway: alarms per stage (ApiName, Stage).

5XXError is read as its Average, the stage's server error rate; Latency as its p99.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.apigateway import ApigatewayService
from monitoring.model import Service, Settings

FACADE = Facade(
    "AWS/ApiGateway",
    Level(
        "stage",
        ("ApiName", "Stage"),
        {
            "5XXError": "Average",
            "4XXError": "Average",
            "Latency": "p99",
            "IntegrationLatency": "p99",
            "Count": "Sum",
        },
    ),
)


def _api(service: Service) -> ApigatewayService:
    return require(service, ApigatewayService, "API Gateway")


def _stage(service: Service, settings: Settings) -> Iterator[Resource]:
    api = _api(service)
    yield Resource("", (api.api_name, api.stage), {"stage": api.stage})


def _watched_for_silence(service: Service, settings: Settings) -> Iterator[Resource]:
    if service.thresholds["min_requests_per_second"] > 0:
        yield from _stage(service, settings)


# fmt: off
apigateway_alarms = AlarmTable(
    "apigateway",
    FACADE,
    kinds=("apigateway",),
    scopes={
        "stage": Scope("stage", _stage, ("stage",)),
        "silence": Scope("stage", _watched_for_silence, ("stage",)),
    },
    rows={
        "stage": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            # No requests, no datapoint: silence is not an error rate.
            Alarm("server-errors", "5XXError",
                  60, "> max_server_error_ratio", 5, 3, "notBreaching", "critical",
                  "Stage {stage} server error rate above {threshold:g} in 3 of 5 minutes"),
            # Latency is in milliseconds: the threshold in seconds is converted.
            Alarm("latency-high", "Latency",
                  300, "> max_latency_seconds", 3, 3, "notBreaching", "warning",
                  "Stage {stage} latency p99 above {threshold:g}s for 15 minutes"),
        ),
        "silence": (
            # Count is a count per period; no datapoint means no request at all.
            Alarm("requests-low", "Count",
                  300, "< min_requests_per_second", 3, 3, "breaching", "warning",
                  "Stage {stage} serves fewer than {threshold:g} requests/s for 15 minutes"),
        ),
    },
)
# fmt: on
