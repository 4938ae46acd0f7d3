"""Grafana: dashboard JSON per folder, datasource and dashboard-provider provisioning.

Grafana is expected to mount generated/grafana/dashboards at DASHBOARDS_ROOT and
generated/grafana/provisioning at /etc/grafana/provisioning.
"""

from __future__ import annotations

import json
from typing import Any

from grafanalib._gen import DashboardEncoder
from grafanalib.core import Dashboard

from dashboards import build_boards, folder_title
from monitoring.artifacts import Artifact
from monitoring.generate.mixins import folder_titles, mixin_dashboards
from monitoring.model import Datasource, Inventory
from monitoring.naming import folder_uid

DASHBOARDS_ROOT = "/var/lib/grafana/dashboards"
DASHBOARD_DIR = "grafana/dashboards"
DATASOURCES_FILE = "grafana/provisioning/datasources/datasources.yaml"
PROVIDERS_FILE = "grafana/provisioning/dashboards/dashboards.yaml"


def dashboard_json(board: Dashboard) -> dict[str, Any]:
    """grafanalib's to_json_data as plain JSON data, in the current dashboard model (`current_model`)."""
    data: dict[str, Any] = json.loads(json.dumps(board.to_json_data(), cls=DashboardEncoder))
    return current_model(data)


# What grafanalib writes that today's dashboard model (Grafana's own schema, as its foundation SDK
# decodes it) no longer has; maxDataPoints/intervalFactor also pinned a coarse step on every query.
_LEGACY_BOARD_KEYS = frozenset({"__inputs", "rows", "hideControls", "sharedCrosshair", "style", "gnetId"})
_LEGACY_PANEL_KEYS = frozenset({"editable", "error", "span", "height", "minSpan", "maxDataPoints"})
_ROW_KEYS = frozenset({"type", "id", "title", "collapsed", "gridPos", "panels", "datasource", "repeat"})
_LEGACY_PROMETHEUS_KEYS = frozenset({"query", "target", "metric", "step", "intervalFactor"})
# Values Grafana assumes when a key is absent, written out so the file says what Grafana shows.
_STAT_DEFAULTS = {"percentChangeColorMode": "standard", "showPercentChange": False, "wideLayout": True}
_VARIABLE_DEFAULTS = {"allowCustomValue": True, "skipUrlSync": False}
_CLOUDWATCH_DEFAULTS = {"queryMode": "Metrics", "metricQueryType": 0, "metricEditorMode": 0}


def _without_nulls(value: Any) -> Any:
    """Nulls are grafanalib's "unset"; a threshold step's null value is the base step and stays."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None or k == "value"}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _target(target: dict[str, Any]) -> dict[str, Any]:
    kind = (target.get("datasource") or {}).get("type")
    if kind == "prometheus":
        return {k: v for k, v in target.items() if k not in _LEGACY_PROMETHEUS_KEYS}
    if kind == "cloudwatch":
        return {**_CLOUDWATCH_DEFAULTS, **target}
    return target


def _panel(panel: dict[str, Any]) -> dict[str, Any]:
    if panel.get("type") == "row":
        return {k: v for k, v in panel.items() if k in _ROW_KEYS} | {
            "panels": [_panel(p) for p in panel.get("panels", [])]
        }
    panel = {k: v for k, v in panel.items() if k not in _LEGACY_PANEL_KEYS}
    panel["targets"] = [_target(t) for t in panel.get("targets", [])]
    options = dict(panel.get("options", {}))
    if panel.get("type") == "stat":
        options = {**_STAT_DEFAULTS, **options}
    if "legend" in options:
        options["legend"] = {"showLegend": True, **options["legend"]}
    if options:
        panel["options"] = options
    panel.setdefault("repeatDirection", "h")
    return panel


def current_model(board: dict[str, Any]) -> dict[str, Any]:
    """A grafanalib board in the current dashboard model: legacy keys and unset values dropped,
    defaults Grafana would assume written out. Uids and panel content stay as they are."""
    board = {k: v for k, v in _without_nulls(board).items() if k not in _LEGACY_BOARD_KEYS}
    board["panels"] = [_panel(p) for p in board.get("panels", [])]
    board.setdefault("fiscalYearStartMonth", 0)
    board.get("timepicker", {}).pop("time_options", None)
    templating = board.get("templating", {})
    templating["list"] = [
        {**_VARIABLE_DEFAULTS, **{k: v for k, v in var.items() if k != "useTags"}}
        for var in templating.get("list", [])
    ]
    return board


def env_reference(variable: str) -> str:
    """Grafana's provisioning syntax for a value read from the environment at start-up."""
    return f"$__env{{{variable}}}"


def _datasource(ds: Datasource, region: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": ds.name,
        "uid": ds.uid,
        "type": ds.type,
        "access": "proxy",
        "isDefault": ds.is_default,
        "editable": False,
    }
    if ds.url:
        entry["url"] = ds.url
    if ds.user:
        entry["user"] = ds.user
    json_data: dict[str, Any] = {}
    if ds.type == "cloudwatch":
        json_data = {"authType": "default", "defaultRegion": ds.region or region}
        if ds.assume_role_arn:
            json_data["assumeRoleArn"] = ds.assume_role_arn
    elif ds.type == "elasticsearch":
        json_data = {"index": ds.database, "timeField": "@timestamp"}
    elif ds.type == "alertmanager":
        json_data = {"implementation": "prometheus"}
    elif ds.database:
        json_data = {"database": ds.database}
    if ds.type == "prometheus":
        json_data["httpMethod"] = "POST"
    if json_data:
        entry["jsonData"] = json_data
    if ds.password_env:
        entry["secureJsonData"] = {"password": env_reference(ds.password_env)}
    return entry


def datasources_provisioning(inventory: Inventory) -> dict[str, Any]:
    settings = inventory.settings
    return {
        "apiVersion": 1,
        "deleteDatasources": [],
        "datasources": [_datasource(ds, settings.region) for ds in settings.datasources],
    }


def dashboard_providers(inventory: Inventory, folders: list[str]) -> dict[str, Any]:
    mixin_titles = folder_titles(inventory)
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": folder,
                "orgId": 1,
                "folder": mixin_titles.get(folder) or folder_title(inventory, folder),
                "folderUid": folder_uid(inventory.settings, folder),
                "type": "file",
                "disableDeletion": True,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": f"{DASHBOARDS_ROOT}/{folder}", "foldersFromFilesStructure": False},
            }
            for folder in folders
        ],
    }


def grafana_config(inventory: Inventory) -> list[Artifact]:
    """Nothing for an inventory that provisions no Grafana datasource (it does not use Grafana)."""
    if not inventory.settings.datasources:
        return []
    boards = build_boards(inventory)
    artifacts = [
        Artifact(
            f"{DASHBOARD_DIR}/{board.folder}/{board.dashboard.uid}.json",
            dashboard_json(board.dashboard),
            "json",
        )
        for board in boards
    ]
    artifacts += mixin_dashboards(inventory)
    folders = sorted({board.folder for board in boards} | set(folder_titles(inventory)))
    artifacts.append(Artifact(DATASOURCES_FILE, datasources_provisioning(inventory), "yaml"))
    artifacts.append(Artifact(PROVIDERS_FILE, dashboard_providers(inventory, folders), "yaml"))
    return artifacts
