"""AWS Lambda, namespace AWS/Lambda: alarms per function (FunctionName).

Duration is read as its p99 (ExtendedStatistic) and alarmed at a ratio of the function's timeout:
a function near its timeout is about to fail with timeouts that Errors counts only afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.aws.alarm_table import Alarm, AlarmTable, Resource, Scope, require
from monitoring.aws.facade import Facade, Level
from monitoring.kinds.aws_lambda import LambdaService
from monitoring.model import Service, Settings

FACADE = Facade(
    "AWS/Lambda",
    Level(
        "function",
        ("FunctionName",),
        {
            "Invocations": "Sum",
            "Errors": "Sum",
            "Throttles": "Sum",
            "Duration": "p99",
            "ConcurrentExecutions": "Maximum",
        },
    ),
)


def _function(service: Service) -> LambdaService:
    return require(service, LambdaService, "Lambda")


def _functions(service: Service, settings: Settings) -> Iterator[Resource]:
    yield Resource("", (_function(service).function_name,))


def _timed(service: Service, settings: Settings) -> Iterator[Resource]:
    function = _function(service)
    if function.timeout_seconds is not None:
        yield Resource(
            "",
            (function.function_name,),
            {"timeout": f"{function.timeout_seconds:g}"},
            {"timeout_seconds": function.timeout_seconds},
        )


# fmt: off
lambda_alarms = AlarmTable(
    "lambda",
    FACADE,
    kinds=("lambda",),
    scopes={
        "function": Scope("function", _functions),
        "timed": Scope("function", _timed, ("timeout",), ("timeout_seconds",)),
    },
    rows={
        "function": (
            # check, metric,
            #       period (s), condition, evaluation periods, datapoints to alarm, missing data, severity,
            #       summary ({threshold} is the inventory's value, in its unit)
            # Errors and Throttles are counts per period, published only when nonzero.
            Alarm("errors", "Errors",
                  60, "> max_errors_per_second", 5, 3, "notBreaching", "warning",
                  "Function errors above {threshold:g}/s in 3 of 5 minutes"),
            Alarm("throttles", "Throttles",
                  60, "> max_throttles_per_second", 5, 3, "notBreaching", "warning",
                  "Function throttled above {threshold:g}/s in 3 of 5 minutes"),
            Alarm("concurrent-executions-high", "ConcurrentExecutions",
                  60, "> max_concurrent_executions", 5, 5, "notBreaching", "warning",
                  "More than {threshold:g} concurrent executions for 5 minutes"),
        ),
        "timed": (
            Alarm("duration-near-timeout", "Duration",
                  300, "> max_duration_timeout_ratio * timeout_seconds", 3, 3, "notBreaching", "warning",
                  "Duration p99 above {threshold:g} of the {timeout}s timeout for 15 minutes"),
        ),
    },
)
# fmt: on
