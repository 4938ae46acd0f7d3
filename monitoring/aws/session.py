"""Connecting to CloudWatch and reading the plan: the steps `mac plan/apply cloudwatch` share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from monitoring.aws.alarms import name_prefix, ownership_tags
from monitoring.aws.calls import Backoff
from monitoring.aws.live import read_alarms, read_log_groups
from monitoring.aws.plan import Plan, compute_plan
from monitoring.aws.reviewed import Reviewed
from monitoring.model import Inventory

CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 60


@dataclass
class CloudWatchClients:
    cloudwatch: Any
    logs: Any
    # Resource Groups Tagging API: alarm and log group tags in bulk.
    tagging: Any
    region: str
    endpoint_url: str | None = None
    # HTTP requests sent, by "service.Operation" (retries included).
    requests: Counter[str] = field(default_factory=Counter)

    def count_request(self, event_name: str, **_: Any) -> None:
        self.requests[event_name.removeprefix("before-send.")] += 1


def connect(region: str, endpoint_url: str | None = None) -> CloudWatchClients:
    """Clients from the standard boto3 credential chain; retries are ours (Backoff), not botocore's,
    so that every retry is counted and paced by one policy."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    session = boto3.session.Session()

    def new_client(service: Literal["cloudwatch", "logs", "resourcegroupstaggingapi"]) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint_url, config=config)

    clients = CloudWatchClients(
        new_client("cloudwatch"),
        new_client("logs"),
        new_client("resourcegroupstaggingapi"),
        region,
        endpoint_url,
    )
    for client in (clients.cloudwatch, clients.logs, clients.tagging):
        client.meta.events.register("before-send", clients.count_request)
    return clients


def read_plan(
    inventory: Inventory,
    reviewed: Reviewed,
    clients: CloudWatchClients,
    *,
    prune: bool,
    now_ms: int,
    backoff: Backoff,
    allow_shorten_retention: bool = False,
) -> Plan:
    """The plan from the reviewed artifact (monitoring/aws/reviewed.py) against live CloudWatch;
    the inventory gives ownership (inventory_id) only."""
    settings = inventory.settings
    return compute_plan(
        settings,
        clients.region,
        reviewed.alarms,
        read_alarms(clients.cloudwatch, clients.tagging, name_prefix(settings), backoff),
        reviewed.policy,
        read_log_groups(clients.logs, clients.tagging, ownership_tags(settings), backoff),
        prune=prune,
        now_ms=now_ms,
        allow_shorten_retention=allow_shorten_retention,
    )
