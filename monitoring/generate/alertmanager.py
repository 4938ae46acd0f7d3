"""alertmanager.yml: one route per domain, critical alerts paged, secrets by file reference."""

from __future__ import annotations

from typing import Any

from monitoring.artifacts import Artifact
from monitoring.model import Inventory, Receiver

GROUP_BY = ["alertname", "domain", "service"]
SLACK_TITLE = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.service }})"
SLACK_TEXT = "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}"


def _notifiers(receiver: Receiver, page: bool) -> dict[str, Any]:
    configs: dict[str, Any] = {"name": f"{receiver.name}-page" if page else receiver.name}
    if receiver.slack_channel and receiver.slack_api_url_file:
        configs["slack_configs"] = [
            {
                "api_url_file": receiver.slack_api_url_file,
                "channel": receiver.slack_channel,
                "send_resolved": True,
                "title": SLACK_TITLE,
                "text": SLACK_TEXT,
            }
        ]
    if receiver.email_to:
        configs["email_configs"] = [{"to": receiver.email_to, "send_resolved": True}]
    if receiver.webhook_url:
        configs["webhook_configs"] = [{"url": receiver.webhook_url, "send_resolved": True}]
    if page and receiver.pagerduty_routing_key_file:
        configs["pagerduty_configs"] = [
            {"routing_key_file": receiver.pagerduty_routing_key_file, "send_resolved": True}
        ]
    return configs


def alertmanager_config(inventory: Inventory) -> list[Artifact]:
    settings = inventory.settings.alertmanager
    receivers = {r.name: r for r in settings.receivers} or {
        settings.default_receiver: Receiver(settings.default_receiver)
    }
    pages = {name for name, r in receivers.items() if r.pagerduty_routing_key_file}
    routes = []
    for domain in inventory.domains:
        route: dict[str, Any] = {"matchers": [f'domain="{domain.name}"'], "receiver": domain.receiver}
        if domain.receiver in pages:
            route["routes"] = [{"matchers": ['severity="critical"'], "receiver": f"{domain.receiver}-page"}]
        routes.append(route)
    config = {
        "route": {
            "receiver": settings.default_receiver,
            "group_by": GROUP_BY,
            "group_wait": f"{settings.group_wait_seconds}s",
            "group_interval": "5m",
            "repeat_interval": f"{settings.repeat_interval_hours}h",
            "routes": routes,
        },
        "inhibit_rules": [
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity="warning"'],
                "equal": ["alertname", "service"],
            }
        ],
        "receivers": [
            _notifiers(receivers[name], page)
            for name in sorted(receivers)
            for page in ((False, True) if name in pages else (False,))
        ],
    }
    return [Artifact("alertmanager/alertmanager.yml", config, "yaml")]
