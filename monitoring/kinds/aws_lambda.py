"""AWS Lambda functions: CloudWatch only (AWS/Lambda per FunctionName), and their log groups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from monitoring.kinds.base import BoardSpec, Kind, OverviewSpec, ThresholdSpec
from monitoring.model import Service, Settings


@dataclass(frozen=True, kw_only=True)
class LambdaService(Service):
    function_name: str
    # The function's configured timeout; None: no duration alarm (it is a ratio of the timeout).
    timeout_seconds: float | None

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function_name}"


class LambdaKind(Kind):
    name = "lambda"
    title = "Lambda"
    description = "An AWS Lambda function, monitored through CloudWatch (AWS/Lambda, FunctionName)."
    fields: ClassVar[Mapping[str, Any]] = {
        "function_name": {
            "description": "The function's name (CloudWatch FunctionName, log group "
            "/aws/lambda/<function_name>). Defaults to the service name.",
            "type": "string",
            "pattern": "^[a-zA-Z0-9_-]{1,64}$",
        },
        "timeout_seconds": {
            "description": "The function's configured timeout, seconds: the p99 duration alarm fires at "
            "max_duration_timeout_ratio of it. Without it the function gets no duration alarm.",
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 900,
        },
    }
    required = ()
    thresholds = (
        ThresholdSpec(
            "max_errors_per_second",
            0.05,
            "per_second",
            "CloudWatch Errors alarm threshold: failed invocations per second (the per-minute count "
            "is compared with it scaled to the period).",
        ),
        ThresholdSpec(
            "max_throttles_per_second",
            0,
            "per_second",
            "CloudWatch Throttles alarm threshold: throttled invocation requests per second.",
        ),
        ThresholdSpec(
            "max_duration_timeout_ratio",
            0.8,
            "ratio",
            "CloudWatch Duration p99 alarm threshold, as a fraction of timeout_seconds (0-1).",
            maximum=1,
        ),
        ThresholdSpec(
            "max_concurrent_executions",
            800,
            "executions",
            "CloudWatch ConcurrentExecutions alarm threshold (the default account limit is 1000).",
        ),
    )
    exporter = None
    catalogs = ()
    jobs = ()
    checks = ()
    alarms = "monitoring.aws.presets.aws_lambda:lambda_alarms"
    boards = (
        BoardSpec(
            "lambda",
            "dashboards.aws_lambda:build",
            "cloudwatch",
            "dashboards.aws_lambda:NO_DATA_UNTIL_TRAFFIC",
        ),
    )
    overview = OverviewSpec("dashboards.aws_lambda:overview_row", "cloudwatch")
    rule_pack = None

    def build(self, raw: Mapping[str, Any], common: dict[str, Any], settings: Settings) -> LambdaService:
        return LambdaService(
            **common,
            function_name=raw.get("function_name", raw["name"]),
            timeout_seconds=raw.get("timeout_seconds"),
        )
