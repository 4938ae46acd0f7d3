"""What discovery read from AWS, before it becomes inventory YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Found:
    """One resource that becomes one service: `resource_id` is its AWS identity (its kind's id field)."""

    kind: str
    resource_id: str
    account: str
    region: str
    # The kind's own fields, in the order they are written (no kind/name/domain/account/region).
    fields: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    # resource_id of the RDS instance this read replica replicates from.
    replica_source: str = ""
    description: str = ""


@dataclass(frozen=True)
class FoundInstance:
    """An EC2 instance: only its tags matter, instances become discovery rules, never a list."""

    account: str
    region: str
    tags: Mapping[str, str]


@dataclass(frozen=True)
class FoundLogGroup:
    name: str
    account: str
    region: str
    retention_days: int | None
    stored_bytes: int


@dataclass(frozen=True)
class Skipped:
    """A service family that could not be read in one placement (permissions, unsupported API)."""

    account: str
    region: str
    family: str
    reason: str


@dataclass
class Scan:
    found: list[Found] = field(default_factory=list)
    instances: list[FoundInstance] = field(default_factory=list)
    log_groups: list[FoundLogGroup] = field(default_factory=list)
    # (account, region, family) read in full: only there can a resource be missing.
    read: set[tuple[str, str, str]] = field(default_factory=set)
    skipped: list[Skipped] = field(default_factory=list)
    # account name -> account id, as STS reported it where no id was given.
    account_ids: dict[str, str] = field(default_factory=dict)


# Service family (one line of progress, one unit of "read in full") -> the kinds it yields.
FAMILY_KINDS: Mapping[str, tuple[str, ...]] = {
    "rds": ("mysql", "postgresql", "aurora_mysql", "aurora_postgresql", "documentdb"),
    "elasticache": ("redis", "memcached"),
    "opensearch": ("opensearch",),
    "msk": ("kafka",),
    "ec2": ("node",),
    "eks": ("kubernetes",),
    "lambda": ("lambda",),
    "apigateway": ("apigateway",),
    "logs": (),
}
KIND_FAMILY = {kind: family for family, kinds in FAMILY_KINDS.items() for kind in kinds}
