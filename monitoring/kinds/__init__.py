"""The registry of kinds: adding a kind is its module plus one line here."""

from __future__ import annotations

from monitoring.kinds.base import Kind
from monitoring.kinds.documentdb import DocumentdbKind
from monitoring.kinds.kafka import KafkaKind
from monitoring.kinds.kubernetes import KubernetesKind
from monitoring.kinds.mysql import MysqlKind
from monitoring.kinds.node import NodeKind
from monitoring.kinds.opensearch import OpensearchKind
from monitoring.kinds.postgresql import PostgresqlKind
from monitoring.kinds.redis import RedisKind

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        MysqlKind(),
        PostgresqlKind(),
        RedisKind(),
        NodeKind(),
        KafkaKind(),
        KubernetesKind(),
        OpensearchKind(),
        DocumentdbKind(),
    )
}
