"""Generated boards against Grafana's own dashboard model, as its foundation SDK decodes it.

Decoding and re-encoding a board with grafana-foundation-sdk drops every key the current model does
not have and writes out every default it assumes: a board that comes back unchanged carries no
legacy key and leaves nothing for Grafana to guess or migrate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

from monitoring.generate.grafana import grafana_config
from monitoring.inventory.build import load_inventory
from tests.helpers import REPO

register_default_plugins()

BOARDS: dict[str, dict[str, Any]] = {
    a.path: a.data for a in grafana_config(load_inventory(REPO / "inventory")) if a.path.endswith(".json")
}


def _round_trip(board: dict[str, Any]) -> Any:
    return json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder))


def _differences(ours: Any, theirs: Any, path: str = "") -> Iterator[str]:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(ours.keys() | theirs.keys()):
            if key not in theirs:
                yield f"{path}/{key}: dropped"
            elif key not in ours:
                yield f"{path}/{key}: added {theirs[key]!r}"
            else:
                yield from _differences(ours[key], theirs[key], f"{path}/{key}")
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            yield from _differences(a, b, f"{path}/{index}")
    elif ours != theirs or type(ours) is not type(theirs):
        yield f"{path}: {ours!r} -> {theirs!r}"


def _targets(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield from panel.get("targets", [])


@pytest.mark.parametrize("path", sorted(BOARDS))
def test_board_decodes_with_grafanas_sdk_and_re_encodes_unchanged(path: str) -> None:
    board = BOARDS[path]
    assert list(_differences(board, _round_trip(board))) == []


def test_boards_are_in_the_sdks_current_schema_version() -> None:
    assert {b["schemaVersion"] for b in BOARDS.values()} == {Dashboard().schema_version}


def test_grafana_picks_the_resolution_of_every_query() -> None:
    """maxDataPoints 100 with intervalFactor 2 made the step 600 s on a 6 h range."""
    for path, board in BOARDS.items():
        for panel in board["panels"]:
            assert "maxDataPoints" not in panel, (path, panel["title"])
        for target in _targets(board):
            assert not {"intervalFactor", "step"} & target.keys(), (path, target["refId"])


def test_cloudwatch_targets_say_they_are_metric_queries() -> None:
    modes = {
        t["queryMode"]
        for board in BOARDS.values()
        for t in _targets(board)
        if t["datasource"]["type"] == "cloudwatch"
    }
    assert modes == {"Metrics"}


def _board_by_uid() -> dict[str, dict[str, Any]]:
    return {board["uid"]: board for board in BOARDS.values()}


def test_panel_links_set_only_variables_the_target_board_has_with_values_it_offers() -> None:
    """The platform overview linked OpenSearch and DocumentDB with var-domain (those boards have no
    domain variable) and var-service=$__all (their service list has no All)."""
    by_uid = _board_by_uid()
    checked = 0
    for path, board in BOARDS.items():
        for panel in board["panels"]:
            for link in panel.get("links", []):
                url = urlsplit(link["url"])
                target = by_uid[url.path.split("/")[2]]
                variables = {v["name"]: v for v in target["templating"]["list"]}
                values: dict[str, list[str]] = {}
                for name, value in parse_qsl(url.query):
                    values.setdefault(name.removeprefix("var-"), []).append(value)
                for name, chosen in values.items():
                    where = (path, link["url"], name)
                    assert name in variables, where
                    variable = variables[name]
                    assert len(chosen) == 1 or variable.get("multi"), where
                    if "$__all" in chosen:
                        assert variable.get("includeAll"), where
                    elif variable["type"] == "custom":
                        offered = {o["text"] for o in variable["options"]} | {
                            o["value"] for o in variable["options"]
                        }
                        assert set(chosen) <= offered, where
                checked += 1
    assert checked
