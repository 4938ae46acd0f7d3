"""Reading live CloudWatch state: our candidate alarms (with tags) and every log group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitoring.aws.calls import Backoff

DESCRIBE_ALARMS_PAGE = 100
DESCRIBE_LOG_GROUPS_PAGE = 50


@dataclass(frozen=True)
class LiveAlarm:
    name: str
    arn: str
    parameters: dict[str, Any]
    tags: dict[str, str]


@dataclass(frozen=True)
class LiveLogGroup:
    name: str
    retention_days: int | None
    stored_bytes: int
    creation_time_ms: int


def read_alarms(cloudwatch: Any, prefix: str, backoff: Backoff) -> list[LiveAlarm]:
    """Metric alarms whose name starts with `prefix`; tags are read only for those (ours by name)."""
    alarms: list[LiveAlarm] = []
    request: dict[str, Any] = {
        "AlarmNamePrefix": prefix,
        "AlarmTypes": ["MetricAlarm"],
        "MaxRecords": DESCRIBE_ALARMS_PAGE,
    }
    while True:
        page = backoff.call(cloudwatch.describe_alarms, **request)
        for alarm in page.get("MetricAlarms", []):
            tags = backoff.call(cloudwatch.list_tags_for_resource, ResourceARN=alarm["AlarmArn"])["Tags"]
            alarms.append(
                LiveAlarm(alarm["AlarmName"], alarm["AlarmArn"], alarm, {t["Key"]: t["Value"] for t in tags})
            )
        if not page.get("NextToken"):
            return alarms
        request["NextToken"] = page["NextToken"]


def read_log_groups(logs: Any, backoff: Backoff) -> list[LiveLogGroup]:
    groups: list[LiveLogGroup] = []
    request: dict[str, Any] = {"limit": DESCRIBE_LOG_GROUPS_PAGE}
    while True:
        page = backoff.call(logs.describe_log_groups, **request)
        groups += [
            LiveLogGroup(
                group["logGroupName"],
                group.get("retentionInDays"),
                int(group.get("storedBytes", 0)),
                int(group.get("creationTime", 0)),
            )
            for group in page.get("logGroups", [])
        ]
        if not page.get("nextToken"):
            return groups
        request["nextToken"] = page["nextToken"]


def existing_alarm_names(cloudwatch: Any, names: list[str], backoff: Backoff) -> set[str]:
    """Which of `names` exist, asking at most 100 names per DescribeAlarms call (the API limit)."""
    found: set[str] = set()
    for start in range(0, len(names), DESCRIBE_ALARMS_PAGE):
        request: dict[str, Any] = {
            "AlarmNames": names[start : start + DESCRIBE_ALARMS_PAGE],
            "MaxRecords": DESCRIBE_ALARMS_PAGE,
        }
        while True:
            page = backoff.call(cloudwatch.describe_alarms, **request)
            found |= {a["AlarmName"] for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])}
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    return found
