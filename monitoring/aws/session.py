"""Connecting to CloudWatch and reading the plan: the steps `mac plan/apply cloudwatch` share."""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from monitoring.aws.alarms import name_prefix, ownership_tags
from monitoring.aws.calls import Backoff
from monitoring.aws.live import read_alarms, read_log_groups
from monitoring.aws.metric_presence import unseen_metrics
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
    # The placement ("<account>/<region>", cloudwatch/placements.json) these clients act in.
    placement: str = ""
    # HTTP requests sent, by "service.Operation" (retries included).
    requests: Counter[str] = field(default_factory=Counter)

    def count_request(self, event_name: str, **_: Any) -> None:
        self.requests[event_name.removeprefix("before-send.")] += 1

    def counted(self, client: Any) -> Any:
        client.meta.events.register("before-send", self.count_request)
        return client


# Shown in CloudTrail as the assumed role's session.
ROLE_SESSION_NAME = "mac-cloudwatch"


@functools.cache
def _model_loader(data_path: str | None) -> Any:
    from botocore.loaders import create_loader

    return create_loader(data_path)


def new_session(**credentials: str) -> Any:
    """A boto3 session (the standard credential chain, or the credentials given) whose botocore
    model loader is the process's one: a session's own loader parses the endpoint and service
    models again, a tenth of a second per client, and a plan opens a session per placement."""
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    loader = _model_loader(core.get_config_variable("data_path"))
    core.register_component("data_loader", loader)
    session = boto3.session.Session(botocore_session=core, **credentials)
    # Each boto3 session appends its resource models' folder to the loader's search path.
    loader.search_paths[:] = dict.fromkeys(loader.search_paths)
    return session


def role_session(sts: Any, role_arn: str, backoff: Backoff, session_name: str = ROLE_SESSION_NAME) -> Any:
    """A boto3 session on the temporary credentials of `role_arn`, assumed through `sts`."""
    answer = backoff.call(sts.assume_role, RoleArn=role_arn, RoleSessionName=session_name)
    credentials = answer["Credentials"]
    return new_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def connect(
    region: str,
    endpoint_url: str | None = None,
    *,
    role_arn: str = "",
    placement: str = "",
    backoff: Backoff | None = None,
) -> CloudWatchClients:
    """Clients from the standard boto3 credential chain, through an assumed role (STS) when
    role_arn is set; retries are ours (Backoff), not botocore's, so that every retry is counted and
    paced by one policy."""
    from botocore.config import Config

    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    session = new_session()

    def new_client(service: Literal["cloudwatch", "logs", "resourcegroupstaggingapi", "sts"]) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint_url, config=config)

    clients = CloudWatchClients(None, None, None, region, endpoint_url, placement=placement)
    if role_arn:
        sts = clients.counted(new_client("sts"))
        session = role_session(sts, role_arn, backoff or Backoff())
    clients.cloudwatch = clients.counted(new_client("cloudwatch"))
    clients.logs = clients.counted(new_client("logs"))
    clients.tagging = clients.counted(new_client("resourcegroupstaggingapi"))
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
    check_metrics: bool = False,
) -> Plan:
    """The plan of the clients' placement, from the reviewed artifacts (monitoring/aws/reviewed.py)
    against live CloudWatch there; the inventory gives ownership (inventory_id) only."""
    settings = inventory.settings
    placement = reviewed.placements[clients.placement]
    policy = reviewed.policy
    named = {group: policy.log_groups[group] for group in placement["log_groups"]}
    wanted = {name: reviewed.alarms[name] for name in placement["alarms"]}
    # Where no service of the inventory remains, only its owned alarms are looked for (to prune):
    # log groups there are no service's, so no retention rule or claimed prefix reaches them.
    emptied = not placement["services"]
    plan = compute_plan(
        settings,
        clients.region,
        wanted,
        read_alarms(clients.cloudwatch, clients.tagging, name_prefix(settings), backoff),
        dataclasses.replace(policy, log_groups=named),
        [] if emptied else read_log_groups(clients.logs, clients.tagging, ownership_tags(settings), backoff),
        prune=prune,
        now_ms=now_ms,
        allow_shorten_retention=allow_shorten_retention,
        account=placement["account"],
        account_id=placement["account_id"],
    )
    if check_metrics:
        plan = dataclasses.replace(plan, unseen_metrics=unseen_metrics(clients.cloudwatch, wanted, backoff))
    return plan
