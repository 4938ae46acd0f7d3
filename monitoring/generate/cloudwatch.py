"""cloudwatch/alarms.json (PutMetricAlarm parameter sets by alarm name), log-retention.json, and
placements.json: the account and region each alarm and named log group is applied in."""

from __future__ import annotations

from typing import Any

from monitoring.artifacts import Artifact
from monitoring.aws.alarms import put_metric_alarm_parameter_sets
from monitoring.aws.presets import service_alarms
from monitoring.aws.retention import named_log_groups, retention_document, retention_policy
from monitoring.model import Account, Inventory

ALARMS_PATH = "cloudwatch/alarms.json"
RETENTION_PATH = "cloudwatch/log-retention.json"
PLACEMENTS_PATH = "cloudwatch/placements.json"


def placement_key(account: Account, region: str) -> str:
    return f"{account.name}/{region}"


def desired_alarms(inventory: Inventory) -> dict[str, dict[str, Any]]:
    alarms: dict[str, dict[str, Any]] = {}
    owners = {d.name: d for d in inventory.domains}
    for service in inventory.services:
        domain = inventory.domain(service.domain)
        alarm_presets = service_alarms(service, inventory.settings)
        for parameters in put_metric_alarm_parameter_sets(
            inventory.settings, domain, service, alarm_presets, owners
        ):
            alarms[parameters["AlarmName"]] = parameters
    return dict(sorted(alarms.items()))


def placements_document(inventory: Inventory, alarms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per "<account>/<region>": the session to open (account id, role) and the alarms and named log
    groups it holds. Retention rules and claimed prefixes apply in every placement that holds a
    service. Every account and region the settings declare is a placement, with no service left
    too: alarms this inventory provably owns (its ownership tags) are found there, and pruned."""
    settings = inventory.settings
    declared = {(account, region) for account in settings.accounts for region in settings.regions}
    placements = sorted(declared | set(inventory.placements()), key=lambda pair: (pair[0].name, pair[1]))
    document: dict[str, Any] = {
        placement_key(account, region): {
            "account": account.name,
            "account_id": account.account_id,
            "role_arn": account.role_arn,
            "region": region,
            "services": [],
            "alarms": [],
            "log_groups": [],
        }
        for account, region in placements
    }
    where = {s.name: placement_key(s.account, s.region) for s in inventory.services}
    for service in sorted(inventory.services, key=lambda s: s.name):
        document[where[service.name]]["services"].append(service.name)
    for name, parameters in alarms.items():
        service = next(t["Value"] for t in parameters["Tags"] if t["Key"] == "mac:service")
        document[where[service]]["alarms"].append(name)
    # A named log group lives where the service writing it does.
    writers = named_log_groups(inventory)
    for group in retention_policy(inventory).log_groups:
        writer = writers[group]
        document[placement_key(writer.account, writer.region)]["log_groups"].append(group)
    return document


def cloudwatch_config(inventory: Inventory) -> list[Artifact]:
    alarms = desired_alarms(inventory)
    return [
        Artifact(ALARMS_PATH, alarms, "json-entries"),
        Artifact(RETENTION_PATH, retention_document(retention_policy(inventory)), "json"),
        Artifact(PLACEMENTS_PATH, placements_document(inventory, alarms), "json"),
    ]
