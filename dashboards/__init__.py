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

from dashboards import domain, fleet, slo
from dashboards.common import DatasourceType
from monitoring.kinds import KINDS
from monitoring.kinds.base import BoardSpec, KindSpecError
from monitoring.lazy import resolve
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


def _kind_board(spec: BoardSpec, kind: str) -> BoardBuilder:
    build = resolve(spec.build)
    builder: Builder = (lambda inventory: build(inventory, *spec.args)) if spec.args else build
    return BoardBuilder(builder, (kind,), spec.datasource, resolve(spec.no_data_until_traffic))


def _fleet_boards() -> dict[str, BoardBuilder]:
    """The boards every kind declares (`Kind.boards`), then the fleet overview."""
    boards: dict[str, BoardBuilder] = {}
    for kind in KINDS.values():
        for spec in kind.boards:
            if spec.name in boards or spec.name == "fleet":
                raise KindSpecError(f"kind {kind.name!r}: board name {spec.name!r} is taken")
            boards[spec.name] = _kind_board(spec, kind.name)
    boards["fleet"] = BoardBuilder(fleet.build, (), "prometheus", fleet.NO_DATA_UNTIL_TRAFFIC)
    return boards


# Boards of the fleet folder, by name; each is built when one of its kinds is in the inventory.
FLEET_BOARDS = _fleet_boards()


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
        # SLO boards live in their domain's folder: one per SLO and the domain's overview.
        boards += [
            Board(objective.domain, slo.build_slo(inventory, objective), slo.NO_DATA_UNTIL_TRAFFIC)
            for objective in inventory.slos
        ]
        boards += [
            Board(name, slo.build_overview(inventory, inventory.domain(name)), slo.NO_DATA_UNTIL_TRAFFIC)
            for name in sorted({s.domain for s in inventory.slos})
        ]
    return boards


def folder_title(inventory: Inventory, folder: str) -> str:
    return "Fleet" if folder == FLEET_FOLDER else inventory.domain(folder).title
