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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

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
from monitoring.model import Settings
from monitoring.naming import cloudwatch_board_uid, kind_dashboard_uid

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


@dataclass(frozen=True)
class KindBoard:
    uid: str
    datasource: Literal["prometheus", "cloudwatch"]


def kind_board(settings: Settings, kind: str) -> KindBoard:
    """The board that links and alerts about a kind open: the board named after the kind, or, for a
    kind whose only board is a CloudWatch view (Aurora), that view."""
    specs = KINDS[kind].boards
    own = [spec for spec in specs if spec.name == kind]
    if own:
        return KindBoard(kind_dashboard_uid(settings, kind), own[0].datasource)
    [view] = specs
    return KindBoard(cloudwatch_board_uid(settings, view.name), view.datasource)


def board_selection(board: KindBoard, domain: str, services: Iterable[str]) -> str:
    """The query string opening a kind's board on a domain's services: a Prometheus board filters
    by its domain variable; a CloudWatch board has only a service list (no domain, no All), so it
    gets the names."""
    if board.datasource == "cloudwatch":
        return "&".join(f"var-service={name}" for name in sorted(services))
    return f"var-domain={domain}&var-service=$__all"
