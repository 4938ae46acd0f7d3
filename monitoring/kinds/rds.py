"""Pieces the two RDS kinds (mysql, postgresql) share: fields and CloudWatch (AWS/RDS) thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitoring.kinds.base import ThresholdSpec

RDS_INSTANCE_ID: Mapping[str, Any] = {
    "description": "RDS DB instance identifier (CloudWatch DBInstanceIdentifier, log groups "
    "/aws/rds/instance/<id>/...). Defaults to the service name.",
    "type": "string",
    "pattern": "^[a-zA-Z][a-zA-Z0-9-]{0,62}$",
}
REPLICA_OF: Mapping[str, Any] = {
    "description": "Name of the service (same kind) this RDS read replica replicates from; only "
    "replicas get the CloudWatch ReplicaLag alarm, which primaries never publish.",
    "type": "string",
    "minLength": 1,
}
DATABASE_EXPORTER: Mapping[str, Any] = {
    "$ref": "#/$defs/host_port",
    "description": "host:port of this database's exporter. Defaults to "
    "settings.prometheus.exporters.<kind>.address with {name} replaced.",
}
# The CloudWatch (AWS/RDS) thresholds MySQL and PostgreSQL share.
RDS_THRESHOLDS = (
    ThresholdSpec(
        "max_cpu_percent", 80, "percent", "CloudWatch CPUUtilization alarm threshold, percent.", maximum=100
    ),
    ThresholdSpec(
        "min_free_storage_bytes", 10 * 1024**3, "bytes", "CloudWatch FreeStorageSpace alarm threshold, bytes."
    ),
    ThresholdSpec(
        "min_freeable_memory_bytes",
        256 * 1024**2,
        "bytes",
        "CloudWatch FreeableMemory alarm threshold, bytes.",
    ),
)
RDS_LATENCY_THRESHOLDS = (
    ThresholdSpec(
        "max_read_latency_seconds", 0.05, "seconds", "CloudWatch ReadLatency alarm threshold, seconds."
    ),
    ThresholdSpec(
        "max_write_latency_seconds", 0.05, "seconds", "CloudWatch WriteLatency alarm threshold, seconds."
    ),
)


# MySQL's own counters, shared by RDS MySQL and Aurora MySQL.
MYSQL_QUERY_THRESHOLDS = (
    ThresholdSpec(
        "max_slow_queries_per_second",
        0.2,
        "per_second",
        "Alert when slow queries (Slow_queries counter) exceed this rate.",
    ),
    ThresholdSpec(
        "max_aborted_connects_per_second",
        0.5,
        "per_second",
        "Alert when failed connection attempts (Aborted_connects) exceed this rate.",
    ),
)
