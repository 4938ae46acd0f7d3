"""settings.prometheus_operator: the receivers' credential files become keys of one Secret, named
after the files (as `kubectl create secret generic --from-file=<folder>` names them); two files of
one name would be one key, and a name Kubernetes refuses as a key no key at all."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from monitoring.inventory.loader import shown
from monitoring.model import PrometheusOperatorSettings
from monitoring.problems import Problem

if TYPE_CHECKING:
    from monitoring.inventory.loader import Document, NodePath

SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_RECEIVER_FILES = ("slack_api_url_file", "pagerduty_routing_key_file")


def _credential_files(settings: dict[str, object]) -> list[tuple[NodePath, str]]:
    alertmanager = settings.get("alertmanager", {})
    assert isinstance(alertmanager, dict)
    found: list[tuple[NodePath, str]] = [
        (("settings", "alertmanager", "receivers", index, field), receiver[field])
        for index, receiver in enumerate(alertmanager.get("receivers", ()))
        for field in _RECEIVER_FILES
        if field in receiver
    ]
    smtp = alertmanager.get("smtp", {})
    if "auth_password_file" in smtp:
        found.append((("settings", "alertmanager", "smtp", "auth_password_file"), smtp["auth_password_file"]))
    return found


def operator_secret_problems(documents: list[Document]) -> list[Problem]:
    problems: list[Problem] = []
    for doc in documents:
        settings = doc.data.get("settings", {})
        operator = settings.get("prometheus_operator", {})
        if not operator.get("enabled", False):
            continue
        secret = operator.get("secret", PrometheusOperatorSettings().secret)
        first: dict[str, str] = {}
        for path, file in _credential_files(settings):
            key = posixpath.basename(file)
            if not SECRET_KEY.match(key):
                problems.append(
                    Problem(
                        doc.value_location(path),
                        f"credential file {shown(file)}: {shown(key)} cannot be a key of Secret {secret!r}",
                        "with prometheus_operator enabled a file's name is its Secret key: letters, digits, "
                        "'-', '_' and '.' only",
                        "inventory/operator-secret-key",
                    )
                )
            elif first.setdefault(key, file) != file:
                problems.append(
                    Problem(
                        doc.value_location(path),
                        f"credential files {shown(first[key])} and {shown(file)} would be the same key "
                        f"{key!r} of Secret {secret!r}",
                        "with prometheus_operator enabled a file's name is its Secret key: rename one",
                        "inventory/operator-secret-key",
                    )
                )
    return problems
