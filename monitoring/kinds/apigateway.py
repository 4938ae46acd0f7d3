"""Amazon API Gateway REST API stages: CloudWatch only (AWS/ApiGateway per ApiName and Stage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import BoardSpec, Kind, OverviewSpec, ThresholdSpec
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class ApigatewayService(Service):
    api_name: str
    stage: str


class ApigatewayKind(Kind):
    name = "apigateway"
    title = "API Gateway"
    description = (
        "One stage of an Amazon API Gateway REST API, monitored through CloudWatch "
        "(AWS/ApiGateway, ApiName and Stage)."
    )
    fields: ClassVar[Mapping[str, Any]] = {
        "api_name": {
            "description": "The REST API's name (CloudWatch ApiName). Defaults to the service name.",
            "type": "string",
            "minLength": 1,
            "maxLength": 1024,
        },
        "stage": {
            "description": "The deployed stage alarmed on (CloudWatch Stage).",
            "type": "string",
            "pattern": "^[a-zA-Z0-9_]{1,128}$",
        },
    }
    required = ("stage",)
    thresholds = (
        ThresholdSpec(
            "max_server_error_ratio",
            0.01,
            "ratio",
            "CloudWatch 5XXError alarm threshold: server errors / requests (the metric's Average), 0-1.",
            maximum=1,
        ),
        ThresholdSpec(
            "max_latency_seconds",
            2,
            "seconds",
            "CloudWatch Latency p99 alarm threshold, seconds (the metric is in milliseconds: the "
            "threshold is converted).",
        ),
        ThresholdSpec(
            "min_requests_per_second",
            0,
            "per_second",
            "Alarm when the stage serves fewer requests per second than this (CloudWatch Count; no "
            "data counts as silence); 0: no such alarm.",
        ),
    )
    exporter = None
    catalogs = ()
    jobs = ()
    checks = ()
    alarms = "monitoring.aws.presets.apigateway:apigateway_alarms"
    boards = (
        BoardSpec(
            "apigateway",
            "dashboards.apigateway:build",
            "cloudwatch",
            "dashboards.apigateway:NO_DATA_UNTIL_TRAFFIC",
        ),
    )
    overview = OverviewSpec("dashboards.apigateway:overview_row", "cloudwatch")
    rule_pack = None

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> ApigatewayService:
        return ApigatewayService(**common, api_name=raw.get("api_name", raw["name"]), stage=raw["stage"])
