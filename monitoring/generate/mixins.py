"""The evaluated mixins' rule groups and dashboards as artifacts beside ours.

What a mixin lacks, the inventory gives: every alert gets its domain's labels (team, domain and the
custom ones, so Alertmanager routes it like ours), a `mixin` label naming its origin, and runbook_url
and dashboard annotations; every board gets the `generated` and `mixin:<name>` tags, a stable uid
when it has none, and the provisioned Prometheus datasources as the options of a datasource variable
that lists none. Nothing the mixin sets is changed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.mixin_files import RULES_PREFIX
from monitoring.model import Inventory, Mixin, Settings
from monitoring.naming import domain_board_uid, runbook_url, stable_uid

FOLDER_PREFIX = "mixin-"
ORIGIN_LABEL = "mixin"
DASHBOARD_DIR = "grafana/dashboards"
_UID = re.compile(r"^[a-zA-Z0-9_-]{1,40}$")
_BOARD_SUFFIX = re.compile(r"\.json$")


def rules_path(mixin: Mixin) -> str:
    return f"prometheus/rules/{RULES_PREFIX}{mixin.name}.rules.yml"


def folder(mixin: Mixin) -> str:
    return f"{FOLDER_PREFIX}{mixin.name}"


def board_uid(settings: Settings, mixin: Mixin, file_name: str, board: Mapping[str, Any]) -> str:
    uid = board.get("uid")
    if isinstance(uid, str) and _UID.match(uid):
        return uid
    return stable_uid(settings.organization, "mixin", mixin.name, _BOARD_SUFFIX.sub("", file_name))


def _board_link(settings: Settings, uid: str) -> str:
    return f"{settings.grafana_url}/d/{uid}/{uid}"


def _dashboard_link(inventory: Inventory, mixin: Mixin) -> str | None:
    """The mixin's first board, else its domain's overview (built when the domain has services)."""
    if mixin.dashboards:
        file_name, board = next(iter(mixin.dashboards.items()))
        return _board_link(inventory.settings, board_uid(inventory.settings, mixin, file_name, board))
    if any(s.domain == mixin.domain for s in inventory.services):
        return _board_link(inventory.settings, domain_board_uid(inventory.settings, mixin.domain))
    return None


def _alert(rule: Mapping[str, Any], inventory: Inventory, mixin: Mixin, link: str | None) -> dict[str, Any]:
    domain = inventory.domain(mixin.domain)
    given = dict(rule)
    labels = {
        **domain.labels,
        "team": domain.team,
        "domain": domain.name,
        ORIGIN_LABEL: mixin.name,
        **given.get("labels", {}),
    }
    annotations = {
        "runbook_url": runbook_url(inventory.settings, mixin.name, str(rule["alert"])),
        **({"dashboard": link} if link else {}),
        **given.get("annotations", {}),
    }
    given["labels"] = dict(sorted(labels.items()))
    given["annotations"] = dict(sorted(annotations.items()))
    return given


def _group(group: Mapping[str, Any], inventory: Inventory, mixin: Mixin, link: str | None) -> dict[str, Any]:
    rules = group.get("rules")
    if not isinstance(rules, list):
        return dict(group)
    return {
        **group,
        "rules": [
            _alert(rule, inventory, mixin, link) if isinstance(rule, dict) and "alert" in rule else rule
            for rule in rules
        ],
    }


def mixin_rule_files(inventory: Inventory) -> list[Artifact]:
    """One rule file per mixin with rules: its recording groups, then its alerting groups."""
    artifacts = []
    for mixin in inventory.mixins:
        groups = [*mixin.rule_groups, *mixin.alert_groups]
        if not groups:
            continue
        link = _dashboard_link(inventory, mixin)
        data = {"groups": [_group(group, inventory, mixin, link) for group in groups]}
        interval = inventory.settings.prometheus.scrape_interval_seconds
        artifacts.append(Artifact(rules_path(mixin), data, "yaml", mixin.source, scrape_interval_s=interval))
    return artifacts


def _datasource_options(inventory: Inventory) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    sources = [d for d in inventory.settings.datasources if d.type == "prometheus"]
    options = [{"selected": d.is_default, "text": d.name, "value": d.uid} for d in sources]
    default = next((d for d in sources if d.is_default), sources[0] if sources else None)
    current = {"text": default.name, "value": default.uid} if default else {}
    return options, current


def _board(board: Mapping[str, Any], uid: str, mixin: Mixin, inventory: Inventory) -> dict[str, Any]:
    data = copy.deepcopy(dict(board))
    data["uid"] = uid
    tags = [tag for tag in data.get("tags", []) if isinstance(tag, str)]
    data["tags"] = [*tags, *(t for t in ("generated", f"{ORIGIN_LABEL}:{mixin.name}") if t not in tags)]
    options, current = _datasource_options(inventory)
    for variable in data.get("templating", {}).get("list", []):
        listed = variable.get("options")
        if variable.get("type") == "datasource" and variable.get("query") == "prometheus" and not listed:
            variable["options"] = options
            variable.setdefault("current", current)
    return data


def mixin_dashboards(inventory: Inventory) -> list[Artifact]:
    settings = inventory.settings
    return [
        Artifact(
            f"{DASHBOARD_DIR}/{folder(mixin)}/{uid}.json",
            _board(board, uid, mixin, inventory),
            "json",
        )
        for mixin in inventory.mixins
        for file_name, board in mixin.dashboards.items()
        if (uid := board_uid(settings, mixin, file_name, board))
    ]


def folder_titles(inventory: Inventory) -> dict[str, str]:
    """Grafana folder -> title of each mixin with boards."""
    return {
        folder(mixin): f"{inventory.domain(mixin.domain).title} / {mixin.name}"
        for mixin in inventory.mixins
        if mixin.dashboards
    }
