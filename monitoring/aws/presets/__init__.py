"""Alarm presets, one module per AWS service; each kind names its preset function (`Kind.alarms`).

Presets sit here rather than in monitoring/kinds/<kind>.py because they follow AWS services, not
kinds: RDS serves both mysql and postgresql, and CloudWatch knowledge (namespaces, dimension
names, statistics) stays in one package next to the code that applies it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from monitoring.aws.alarms import AlarmPreset
from monitoring.kinds import KINDS
from monitoring.lazy import resolve
from monitoring.model import Service, Settings

PresetFunction = Callable[[Service, Settings], list[AlarmPreset]]


def service_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    """The service's alarms; a kind without CloudWatch alarms says so with `alarms = None`."""
    path = KINDS[service.kind].alarms
    if path is None:
        return []
    preset: PresetFunction = resolve(path)
    overrides = service.alarm_overrides
    return [
        dataclasses.replace(alarm, severity=override.severity) if override and override.severity else alarm
        for alarm in preset(service, settings)
        if (override := overrides.get(alarm.check)) is None or override.enabled
    ]
