"""Grafana boards and provisioning for the bundled inventory: goldens, variables, thresholds, secrets."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboards import FLEET_BOARDS, Board, build_boards
from monitoring.artifacts import Artifact
from monitoring.generate.grafana import DASHBOARDS_ROOT, dashboard_json, grafana_config
from monitoring.generate.rules import rule_files
from monitoring.grafana_checks import check_dashboard
from monitoring.inventory.build import load_inventory
from monitoring.kinds import KINDS
from monitoring.model import Inventory
from monitoring.naming import GRAFANA_UID_MAX, kind_dashboard_uid
from tests.helpers import REPO, assert_generated

GENERATED = REPO / "generated"


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return load_inventory(REPO / "inventory")


@pytest.fixture(scope="module")
def artifacts(inventory: Inventory) -> list[Artifact]:
    return grafana_config(inventory)


def _boards(artifacts: list[Artifact]) -> list[dict[str, Any]]:
    return [a.data for a in artifacts if a.path.startswith("grafana/dashboards/")]


def _json(board: Any) -> dict[str, Any]:
    return dashboard_json(board)


def _panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (p for p in board["panels"] if p["type"] != "row")


def test_bundled_boards_and_provisioning_match_the_committed_files(artifacts: list[Artifact]) -> None:
    """The committed generated/grafana is the golden; UPDATE_GOLDEN=1 rewrites it."""
    assert_generated(artifacts)
    committed = {
        p.relative_to(GENERATED).as_posix() for p in (GENERATED / "grafana").rglob("*") if p.is_file()
    }
    assert committed == {a.path for a in artifacts}


def test_one_board_per_kind_present_plus_cloudwatch_views_fleet_and_domains(
    inventory: Inventory, artifacts: list[Artifact]
) -> None:
    paths = {a.path for a in artifacts}
    for kind in inventory.kinds_present():
        assert f"grafana/dashboards/fleet/{kind_dashboard_uid(inventory.settings, kind)}.json" in paths
    for view in ("rds-mysql", "rds-postgresql", "elasticache", "msk"):
        assert f"grafana/dashboards/fleet/luckyus-cloudwatch-{view}.json" in paths
    assert "grafana/dashboards/fleet/luckyus-fleet.json" in paths
    for domain in inventory.domains:
        assert f"grafana/dashboards/{domain.name}/luckyus-domain-{domain.name}.json" in paths


def test_uids_are_unique_short_and_name_the_file(artifacts: list[Artifact]) -> None:
    boards = [a for a in artifacts if a.path.startswith("grafana/dashboards/")]
    uids = [a.data["uid"] for a in boards]
    assert len(uids) == len(set(uids))
    for artifact in boards:
        assert len(artifact.data["uid"]) <= GRAFANA_UID_MAX
        assert artifact.path.endswith(f"/{artifact.data['uid']}.json")


def test_every_board_passes_the_dashboard_checks(inventory: Inventory, artifacts: list[Artifact]) -> None:
    run = [*artifacts, *rule_files(inventory)]
    for artifact in artifacts:
        if artifact.path.startswith("grafana/dashboards/"):
            assert check_dashboard(artifact, run) == [], artifact.path


def test_prometheus_boards_have_datasource_domain_and_service_variables(artifacts: list[Artifact]) -> None:
    for board in _boards(artifacts):
        variables = {v["name"]: v for v in board["templating"]["list"]}
        prometheus_panels = [p for p in _panels(board) if p["datasource"]["type"] == "prometheus"]
        if prometheus_panels:
            assert {"datasource", "domain", "service"} <= set(variables), board["uid"]
            assert variables["datasource"]["type"] == "datasource"
        for panel in _panels(board):
            assert panel["datasource"]["uid"].startswith("${"), (board["uid"], panel["title"])
            assert panel["fieldConfig"]["defaults"]["unit"], (board["uid"], panel["title"])


def test_kind_boards_filter_every_query_by_the_service_variable(artifacts: list[Artifact]) -> None:
    for board in _boards(artifacts):
        if "kind:mysql" in board["tags"] and board["uid"] == "luckyus-mysql":
            exprs = [t["expr"] for p in _panels(board) for t in p["targets"]]
            assert exprs
            assert all('service=~"$service"' in e for e in exprs)


def _steps(board: dict[str, Any], title: str) -> list[dict[str, Any]]:
    panel = next(p for p in _panels(board) if p["title"] == title)
    steps: list[dict[str, Any]] = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    return steps


def test_threshold_steps_follow_the_inventory_thresholds(inventory: Inventory) -> None:
    """One source of truth: change the fleet value and the panel's red step moves with it."""
    mysql = FLEET_BOARDS["mysql"].build
    assert _steps(_json(mysql(inventory)), "Connection use")[-1]["value"] == 0.8
    raised = dataclasses.replace(
        inventory,
        fleet_thresholds={
            **inventory.fleet_thresholds,
            "mysql": {**inventory.fleet_thresholds["mysql"], "max_connection_use_ratio": 0.65},
        },
    )
    assert _steps(_json(mysql(raised)), "Connection use") == [
        {"color": "green", "value": None},
        {"color": "red", "value": 0.65},
    ]


def test_overridden_thresholds_are_named_on_the_panel(inventory: Inventory) -> None:
    board = _json(FLEET_BOARDS["mysql"].build(inventory))
    slow = next(p for p in _panels(board) if p["title"] == "Slow queries")
    # The data domain raises max_slow_queries_per_second to 1 for its 5 servers.
    assert "5 services override it (5 at 1)" in slow["description"]


def test_min_thresholds_are_red_below_and_scaled_to_the_panel_unit(inventory: Inventory) -> None:
    board = _json(FLEET_BOARDS["elasticache"].build(inventory))
    assert _steps(board, "Cache hit rate") == [
        {"color": "red", "value": None},
        {"color": "green", "value": 80},
    ]


def test_documented_no_data_panels_exist_and_say_so(inventory: Inventory) -> None:
    boards: list[Board] = build_boards(inventory)
    for board in boards:
        data = _json(board.dashboard)
        by_title = {p["title"]: p for p in _panels(data)}
        for title, reason in board.no_data_until_traffic.items():
            assert title in by_title, (data["uid"], title)
            assert f"No data until {reason}." in by_title[title]["description"]


def test_alert_dashboard_links_select_the_service_on_the_kind_board(artifacts: list[Artifact]) -> None:
    rules = yaml.safe_load((GENERATED / "prometheus" / "rules" / "redis.rules.yml").read_text())
    link = next(r["annotations"]["dashboard"] for g in rules["groups"] for r in g["rules"] if "alert" in r)
    uid = link.split("/d/")[1].split("/")[0]
    board = next(b for b in _boards(artifacts) if b["uid"] == uid)
    assert "?var-service=" in link
    assert "service" in {v["name"] for v in board["templating"]["list"]}


def test_datasources_keep_their_uids_and_secrets_stay_in_the_environment(
    inventory: Inventory, artifacts: list[Artifact], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAFANA_MYSQL_LDAS_PASSWORD", "hunter2-not-for-files")
    [provisioning] = [a for a in grafana_config(inventory) if a.path.endswith("datasources.yaml")]
    text = provisioning.render().decode()
    assert "hunter2-not-for-files" not in text
    entries = {d["name"]: d for d in yaml.safe_load(text)["datasources"]}
    assert {d.uid for d in inventory.settings.datasources} == {d["uid"] for d in entries.values()}
    assert entries["MySQL-Ldas"]["secureJsonData"] == {"password": "$__env{GRAFANA_MYSQL_LDAS_PASSWORD}"}
    assert entries["CloudWatch"]["type"] == "cloudwatch"
    for entry in entries.values():
        assert "password" not in entry
        for value in entry.get("secureJsonData", {}).values():
            assert value.startswith("$__env{") and value.endswith("}")


def test_no_secret_in_any_generated_provisioning_file(inventory: Inventory) -> None:
    references = {f"$__env{{{d.password_env}}}" for d in inventory.settings.datasources if d.password_env}
    assert references
    for path in (GENERATED / "grafana" / "provisioning").rglob("*.yaml"):
        for entry in yaml.safe_load(path.read_text()).get("datasources", []):
            assert set(entry.get("secureJsonData", {}).values()) <= references, path
            assert not {"password", "basicAuthPassword"} & set(entry), path


def test_one_dashboard_provider_per_folder(inventory: Inventory, artifacts: list[Artifact]) -> None:
    [providers] = [a.data for a in artifacts if a.path.endswith("dashboards.yaml")]
    folders = {a.path.split("/")[2] for a in artifacts if a.path.startswith("grafana/dashboards/")}
    assert {p["name"] for p in providers["providers"]} == folders
    for provider in providers["providers"]:
        assert provider["options"]["path"] == f"{DASHBOARDS_ROOT}/{provider['name']}"
    titles = {p["name"]: p["folder"] for p in providers["providers"]}
    assert titles["fleet"] == "Fleet"
    assert titles["data"] == inventory.domain("data").title


def test_domain_overview_has_a_row_per_kind_present(inventory: Inventory, artifacts: list[Artifact]) -> None:
    [platform] = [b for b in _boards(artifacts) if b["uid"] == "luckyus-domain-platform"]
    rows = [p["title"] for p in platform["panels"] if p["type"] == "row"]
    kinds = {s.kind for s in inventory.services if s.domain == "platform"}
    assert rows == [KINDS[k].title for k in KINDS if k in kinds]


def test_no_grafana_output_without_datasources(inventory: Inventory) -> None:
    bare = dataclasses.replace(inventory, settings=dataclasses.replace(inventory.settings, datasources=()))
    assert grafana_config(bare) == []


def test_cloudwatch_boards_are_skipped_without_a_cloudwatch_datasource(inventory: Inventory) -> None:
    prometheus_only = tuple(d for d in inventory.settings.datasources if d.type != "cloudwatch")
    settings = dataclasses.replace(inventory.settings, datasources=prometheus_only)
    changed = dataclasses.replace(inventory, settings=settings)
    artifacts = grafana_config(changed)
    boards = [a for a in artifacts if a.path.startswith("grafana/dashboards/")]
    assert boards
    for artifact in boards:
        assert "cloudwatch" not in artifact.data["tags"], artifact.path
        assert check_dashboard(artifact, [*artifacts, *rule_files(changed)]) == [], artifact.path


def test_generation_is_pure_and_deterministic(inventory: Inventory) -> None:
    first = [(a.path, a.render()) for a in grafana_config(inventory)]
    second = [(a.path, a.render()) for a in grafana_config(inventory)]
    assert first == second


def test_committed_boards_are_valid_json_files() -> None:
    for path in (GENERATED / "grafana" / "dashboards").rglob("*.json"):
        assert json.loads(Path(path).read_text())["uid"] == path.stem
