"""cloudwatch/alarms.json (PutMetricAlarm parameter sets by alarm name) and log-retention.json."""

from __future__ import annotations

from typing import Any

from monitoring.artifacts import Artifact
from monitoring.aws.alarms import put_metric_alarm_parameter_sets
from monitoring.aws.presets import service_alarms
from monitoring.aws.retention import retention_document, retention_policy
from monitoring.model import Inventory

ALARMS_PATH = "cloudwatch/alarms.json"
RETENTION_PATH = "cloudwatch/log-retention.json"


def desired_alarms(inventory: Inventory) -> dict[str, dict[str, Any]]:
    alarms: dict[str, dict[str, Any]] = {}
    for service in inventory.services:
        domain = inventory.domain(service.domain)
        alarm_presets = service_alarms(service, inventory.settings)
        for parameters in put_metric_alarm_parameter_sets(inventory.settings, domain, service, alarm_presets):
            alarms[parameters["AlarmName"]] = parameters
    return dict(sorted(alarms.items()))


def cloudwatch_config(inventory: Inventory) -> list[Artifact]:
    return [
        Artifact(ALARMS_PATH, desired_alarms(inventory), "json-entries"),
        Artifact(RETENTION_PATH, retention_document(retention_policy(inventory)), "json"),
    ]
