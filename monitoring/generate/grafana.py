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
from monitoring.model import Datasource, Inventory
from monitoring.naming import folder_uid

DASHBOARDS_ROOT = "/var/lib/grafana/dashboards"
DASHBOARD_DIR = "grafana/dashboards"
DATASOURCES_FILE = "grafana/provisioning/datasources/datasources.yaml"
PROVIDERS_FILE = "grafana/provisioning/dashboards/dashboards.yaml"


def dashboard_json(board: Dashboard) -> dict[str, Any]:
    """grafanalib's to_json_data as plain JSON data (nested grafanalib objects resolved)."""
    data: dict[str, Any] = json.loads(json.dumps(board.to_json_data(), cls=DashboardEncoder))
    return data


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
        json_data = {"authType": "default", "defaultRegion": region}
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
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": folder,
                "orgId": 1,
                "folder": folder_title(inventory, folder),
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
    folders = sorted({board.folder for board in boards})
    artifacts.append(Artifact(DATASOURCES_FILE, datasources_provisioning(inventory), "yaml"))
    artifacts.append(Artifact(PROVIDERS_FILE, dashboard_providers(inventory, folders), "yaml"))
    return artifacts
