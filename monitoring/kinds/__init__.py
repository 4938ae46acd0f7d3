"""The registry of kinds. A kind is one declaration (monitoring/kinds/base.py: Kind, PIECES) that
owns every piece of it: inventory fields, thresholds, exporter setting, scrape jobs, catalogs,
semantic checks, alarm presets, boards, domain-overview row and rule pack. The published schema,
the defaults, the CloudWatch presets and the Grafana boards are all read from here.

Adding a kind (README, "Adding a kind"): its module here (monitoring/kinds/<kind>.py), the modules
its pieces name (its board in dashboards/<kind>.py, its alarm table in monitoring/aws/presets/),
its rule pack rules/<kind>.yaml, its exporter's catalog monitoring/catalog/<exporter>.txt, and
its entry below; then `mac schema > monitoring/schema/inventory.schema.json`. A piece left out
fails when the class is defined; tests/test_kinds.py resolves every declared one.
"""

from __future__ import annotations

from monitoring.kinds.apigateway import ApigatewayKind
from monitoring.kinds.aurora import AuroraMysqlKind, AuroraPostgresqlKind
from monitoring.kinds.aws_lambda import LambdaKind
from monitoring.kinds.base import Kind
from monitoring.kinds.documentdb import DocumentdbKind
from monitoring.kinds.kafka import KafkaKind
from monitoring.kinds.kubernetes import KubernetesKind
from monitoring.kinds.memcached import MemcachedKind
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
        MemcachedKind(),
        AuroraMysqlKind(),
        AuroraPostgresqlKind(),
        LambdaKind(),
        ApigatewayKind(),
    )
}
