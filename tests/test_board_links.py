"""Every link on every generated board (the bundled fleet's and the fintech example's) opens a board
that exists and sets only variables that board defines, with values it offers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from monitoring.generate.grafana import grafana_config
from monitoring.generate.rules import RULES_DIR, rule_files
from monitoring.inventory.build import load_inventory
from tests.helpers import REPO

INVENTORIES = {"bundled": REPO / "inventory", "fintech": REPO / "examples" / "fintech" / "inventory"}
ALL = "$__all"


def _boards(folder: Path) -> dict[str, dict[str, Any]]:
    inventory = load_inventory(folder)
    boards = [a.data for a in grafana_config(inventory) if a.path.endswith(".json")]
    return {board["uid"]: board for board in boards}


def _alert_links(folder: Path) -> list[tuple[str, str]]:
    """(alert, dashboard annotation) of every generated alerting rule, the Grafana URL cut off."""
    inventory = load_inventory(folder)
    return [
        (rule["alert"], rule["annotations"]["dashboard"].removeprefix(inventory.settings.grafana_url))
        for artifact in rule_files(inventory)
        if artifact.path.startswith(RULES_DIR)
        for group in artifact.data["groups"]
        for rule in group["rules"]
        if "dashboard" in rule.get("annotations", {})
    ]


def _variables(board: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in board.get("templating", {}).get("list", [])}


def _links(board: dict[str, Any], node: Any) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every `url` anywhere in a board (dashboard links, panel links, data links), with the
    variables it carries along from this board (includeVars: Grafana appends every one)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "url" and isinstance(value, str):
                yield value, tuple(_variables(board)) if node.get("includeVars") else ()
            else:
                yield from _links(board, value)
    elif isinstance(node, list):
        for item in node:
            yield from _links(board, item)


def _problems(
    uid: str, url: str, boards: dict[str, dict[str, Any]], kept: tuple[str, ...] = ()
) -> Iterator[str]:
    where = f"{uid}: {url}"
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if "d" not in segments:
        yield f"{where}: not a link to a board"
        return
    target_uid = segments[segments.index("d") + 1]
    target = boards.get(target_uid)
    if target is None:
        yield f"{where}: no board has uid {target_uid!r}"
        return
    variables = _variables(target)
    yield from (
        f"{where}: keeps {name!r}, which {target_uid} has no variable for"
        for name in kept
        if name not in variables
    )
    chosen: dict[str, list[str]] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.startswith("var-"):
            chosen.setdefault(name.removeprefix("var-"), []).append(value)
    for name, values in chosen.items():
        variable = variables.get(name)
        if variable is None:
            yield f"{where}: {target_uid} has no variable {name!r}"
            continue
        if len(values) > 1 and not variable.get("multi"):
            yield f"{where}: {target_uid}'s {name} takes one value"
        if ALL in values and not variable.get("includeAll"):
            yield f"{where}: {target_uid}'s {name} offers no All"
        # A Prometheus template ({{ $labels.service }}) is a service name once the alert fires.
        if variable["type"] == "custom":
            offered = {o["value"] for o in variable["options"]} | {o["text"] for o in variable["options"]}
            if not {v for v in values if "{{" not in v} - {ALL} <= offered:
                yield f"{where}: {target_uid}'s {name} offers {sorted(offered)}"


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_every_link_opens_an_existing_board_with_variables_it_has(name: str) -> None:
    boards = _boards(INVENTORIES[name])
    links = [(uid, link) for uid, board in boards.items() for link in _links(board, board)]
    problems = [p for uid, (url, kept) in links for p in _problems(uid, url, boards, kept)]
    assert links and problems == []


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_every_alerts_dashboard_link_opens_an_existing_board_with_variables_it_has(name: str) -> None:
    boards = _boards(INVENTORIES[name])
    links = _alert_links(INVENTORIES[name])
    problems = [p for alert, url in links for p in _problems(alert, url, boards)]
    assert links and problems == []


def test_a_link_to_a_missing_board_or_variable_is_found() -> None:
    boards: dict[str, dict[str, Any]] = {
        "target": {
            "uid": "target",
            "templating": {
                "list": [{"name": "service", "type": "query", "includeAll": False, "multi": True}]
            },
        }
    }
    assert list(_problems("a", "/d/target/target?var-service=x&var-service=y", boards)) == []
    assert [p.split(": ")[-1] for p in _problems("a", "/d/missing/missing", boards)] == [
        "no board has uid 'missing'"
    ]
    found = list(_problems("a", "/d/target/target?var-domain=x&var-service=$__all", boards))
    assert [p.split(": ")[-1] for p in found] == [
        "target has no variable 'domain'",
        "target's service offers no All",
    ]
