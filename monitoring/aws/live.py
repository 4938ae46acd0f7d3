"""Reading live CloudWatch state: our candidate alarms (with tags) and every log group.

Tags come in bulk from the Resource Groups Tagging API (GetResources), not one
ListTagsForResource per alarm: alarms by ResourceARNList, 100 ARNs a request (exact for every
alarm under our name prefix, whichever inventory tagged it); log groups by our ownership tags.
An alarm GetResources does not return was never tagged, or was tagged so recently that the
tagging index has not caught up: only those few are asked with ListTagsForResource.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from monitoring.aws.calls import Backoff

DESCRIBE_ALARMS_PAGE = 100
DESCRIBE_LOG_GROUPS_PAGE = 50
TAGGING_ARN_LIST_MAX = 100
TAGGING_PAGE = 100


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
    arn: str = ""
    # Carries this inventory's ownership tags (set by an earlier apply).
    tagged_ours: bool = False


TOKEN_RESTARTS = 3


def _tag_pages(tagging: Any, request: dict[str, Any], backoff: Backoff) -> Iterator[dict[str, Any]]:
    while True:
        page = backoff.call(tagging.get_resources, **request)
        yield from page.get("ResourceTagMappingList", [])
        token = page.get("PaginationToken")
        if not token:
            return
        # A follow-up page is asked for by its token alone (ResourceARNList excludes pagination).
        request = {"PaginationToken": token}


def _tag_mappings(tagging: Any, request: dict[str, Any], backoff: Backoff) -> list[dict[str, Any]]:
    """Every page of a GetResources query, read again from the start if a token expired (a retried
    request whose answer was lost may have used its token up)."""
    from botocore.exceptions import ClientError

    for restart in range(TOKEN_RESTARTS):
        try:
            return list(_tag_pages(tagging, request, backoff))
        except ClientError as error:
            expired = error.response.get("Error", {}).get("Code") == "PaginationTokenExpiredException"
            if not expired or restart == TOKEN_RESTARTS - 1:
                raise
    raise AssertionError("unreachable: the last restart returns or raises")


def _tags(mapping: Mapping[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}


def read_alarms(cloudwatch: Any, tagging: Any, prefix: str, backoff: Backoff) -> list[LiveAlarm]:
    """Metric alarms whose name starts with `prefix`, with their tags."""
    described: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "AlarmNamePrefix": prefix,
        "AlarmTypes": ["MetricAlarm"],
        "MaxRecords": DESCRIBE_ALARMS_PAGE,
    }
    while True:
        page = backoff.call(cloudwatch.describe_alarms, **request)
        described += page.get("MetricAlarms", [])
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]

    tags: dict[str, dict[str, str]] = {}
    arns = [alarm["AlarmArn"] for alarm in described]
    for start in range(0, len(arns), TAGGING_ARN_LIST_MAX):
        batch = {"ResourceARNList": arns[start : start + TAGGING_ARN_LIST_MAX]}
        for mapping in _tag_mappings(tagging, batch, backoff):
            tags[mapping["ResourceARN"]] = _tags(mapping)
    for arn in arns:
        if not tags.get(arn):
            listed = backoff.call(cloudwatch.list_tags_for_resource, ResourceARN=arn)
            tags[arn] = _tags(listed)
    return [LiveAlarm(a["AlarmName"], a["AlarmArn"], a, tags[a["AlarmArn"]]) for a in described]


def _group_arn(group: Mapping[str, Any]) -> str:
    """The log group ARN TagResource takes (DescribeLogGroups' `arn` ends in ':*')."""
    return str(group.get("logGroupArn") or str(group.get("arn", "")).removesuffix(":*"))


def read_log_groups(
    logs: Any, tagging: Any, ownership: Mapping[str, str], backoff: Backoff
) -> list[LiveLogGroup]:
    """Every log group; those carrying exactly our ownership tags are marked `tagged_ours`."""
    ours: set[str] = set()
    request: dict[str, Any] = {
        "TagFilters": [{"Key": key, "Values": [value]} for key, value in sorted(ownership.items())],
        # "logs" rather than "logs:log-group": moto calls the type "logs:loggroup"; the ARN tells.
        "ResourceTypeFilters": ["logs"],
        "ResourcesPerPage": TAGGING_PAGE,
    }
    for mapping in _tag_mappings(tagging, request, backoff):
        arn = str(mapping["ResourceARN"]).removesuffix(":*")
        if ":log-group:" in arn and all(_tags(mapping).get(k) == v for k, v in ownership.items()):
            ours.add(arn)

    groups: list[LiveLogGroup] = []
    request = {"limit": DESCRIBE_LOG_GROUPS_PAGE}
    while True:
        page = backoff.call(logs.describe_log_groups, **request)
        for group in page.get("logGroups", []):
            arn = _group_arn(group)
            groups.append(
                LiveLogGroup(
                    group["logGroupName"],
                    group.get("retentionInDays"),
                    int(group.get("storedBytes", 0)),
                    int(group.get("creationTime", 0)),
                    arn,
                    arn in ours,
                )
            )
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
