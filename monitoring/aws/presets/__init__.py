"""Alarm presets, one module per AWS service; PRESETS maps each kind to its service's presets.

Presets sit here rather than in monitoring/kinds/<kind>.py because they follow AWS services, not
kinds: RDS serves both mysql and postgresql, and CloudWatch knowledge (namespaces, dimension
names, statistics) stays in one package next to the code that applies it.
"""

from __future__ import annotations

from collections.abc import Callable

from monitoring.aws.alarms import AlarmPreset
from monitoring.aws.presets import container_insights, docdb, ec2, elasticache, msk, opensearch, rds
from monitoring.model import Service, Settings

PresetFunction = Callable[[Service, Settings], list[AlarmPreset]]

PRESETS: dict[str, PresetFunction] = {
    "mysql": rds.rds_alarms,
    "postgresql": rds.rds_alarms,
    "redis": elasticache.redis_alarms,
    "opensearch": opensearch.opensearch_alarms,
    "kafka": msk.msk_alarms,
    "documentdb": docdb.documentdb_alarms,
    "node": ec2.node_alarms,
    "kubernetes": container_insights.eks_alarms,
}


def service_alarms(service: Service, settings: Settings) -> list[AlarmPreset]:
    preset = PRESETS.get(service.kind)
    return preset(service, settings) if preset else []
