"""grafanalib dashboard builders, one module per kind plus domain and fleet overviews.

A board is built when a kind it shows is in the inventory and its datasource type (Prometheus or
CloudWatch) is provisioned: without a datasource to point at, a board could only show errors.

Folders: boards that span every domain (one per kind, the CloudWatch views and the fleet overview)
live in the "fleet" folder, where the domain variable narrows them, so 61 MySQL servers share one
board; each domain's overview lives in a folder named after the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from grafanalib.core import Dashboard

from dashboards import (
    documentdb,
    domain,
    elasticache,
    fleet,
    kafka,
    kubernetes,
    msk,
    mysql,
    node,
    opensearch,
    postgresql,
    rds,
    redis,
)
from dashboards.common import DatasourceType
from monitoring.model import Inventory
from monitoring.naming import FLEET_FOLDER

Builder = Callable[[Inventory], Dashboard]


@dataclass(frozen=True)
class BoardBuilder:
    """A builder, the kinds whose presence calls for the board, its datasource type and no-data panels."""

    build: Builder
    kinds: tuple[str, ...]
    datasource: DatasourceType
    no_data_until_traffic: Mapping[str, str]


def _rds(kind: str) -> Builder:
    return lambda inventory: rds.build(inventory, kind)


# Boards of the fleet folder, by name; each is built when one of its kinds is in the inventory.
FLEET_BOARDS: dict[str, BoardBuilder] = {
    "mysql": BoardBuilder(mysql.build, ("mysql",), "prometheus", mysql.NO_DATA_UNTIL_TRAFFIC),
    "redis": BoardBuilder(redis.build, ("redis",), "prometheus", redis.NO_DATA_UNTIL_TRAFFIC),
    "postgresql": BoardBuilder(
        postgresql.build, ("postgresql",), "prometheus", postgresql.NO_DATA_UNTIL_TRAFFIC
    ),
    "node": BoardBuilder(node.build, ("node",), "prometheus", node.NO_DATA_UNTIL_TRAFFIC),
    "kafka": BoardBuilder(kafka.build, ("kafka",), "prometheus", kafka.NO_DATA_UNTIL_TRAFFIC),
    "kubernetes": BoardBuilder(
        kubernetes.build, ("kubernetes",), "prometheus", kubernetes.NO_DATA_UNTIL_TRAFFIC
    ),
    "opensearch": BoardBuilder(
        opensearch.build, ("opensearch",), "cloudwatch", opensearch.NO_DATA_UNTIL_TRAFFIC
    ),
    "documentdb": BoardBuilder(
        documentdb.build, ("documentdb",), "cloudwatch", documentdb.NO_DATA_UNTIL_TRAFFIC
    ),
    "rds-mysql": BoardBuilder(_rds("mysql"), ("mysql",), "cloudwatch", rds.NO_DATA_UNTIL_TRAFFIC),
    "rds-postgresql": BoardBuilder(
        _rds("postgresql"), ("postgresql",), "cloudwatch", rds.NO_DATA_UNTIL_TRAFFIC
    ),
    "elasticache": BoardBuilder(
        elasticache.build, ("redis",), "cloudwatch", elasticache.NO_DATA_UNTIL_TRAFFIC
    ),
    "msk": BoardBuilder(msk.build, ("kafka",), "cloudwatch", msk.NO_DATA_UNTIL_TRAFFIC),
    "fleet": BoardBuilder(fleet.build, (), "prometheus", fleet.NO_DATA_UNTIL_TRAFFIC),
}


@dataclass(frozen=True)
class Board:
    folder: str
    dashboard: Dashboard
    no_data_until_traffic: Mapping[str, str]


def build_boards(inventory: Inventory) -> list[Board]:
    """Every board the inventory calls for: fleet-folder boards, then one overview per domain."""
    present = set(inventory.kinds_present())
    provisioned = {d.type for d in inventory.settings.datasources}
    boards = [
        Board(FLEET_FOLDER, builder.build(inventory), builder.no_data_until_traffic)
        for builder in FLEET_BOARDS.values()
        if builder.datasource in provisioned and (not builder.kinds or present.intersection(builder.kinds))
    ]
    if "prometheus" in provisioned:
        boards += [
            Board(name, domain.build(inventory, inventory.domain(name)), domain.NO_DATA_UNTIL_TRAFFIC)
            for name in sorted({s.domain for s in inventory.services})
        ]
    return boards


def folder_title(inventory: Inventory, folder: str) -> str:
    return "Fleet" if folder == FLEET_FOLDER else inventory.domain(folder).title
