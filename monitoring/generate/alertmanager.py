"""alertmanager.yml: one route per domain, critical alerts paged, secrets by file reference."""

from __future__ import annotations

import re
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.kinds import KINDS
from monitoring.model import Domain, Inventory, Receiver, SmtpSettings
from monitoring.rule_packs import load_pack

GROUP_BY = ["alertname", "domain", "service"]
TARGET_DOWN = re.compile(r'up\{job=~?"[^"]*"\} == 0')
SLACK_TITLE = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.service }})"
SLACK_TEXT = "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}"
# Our severities (critical, warning) are PagerDuty's own; a group mixing them has no common one.
PAGERDUTY_SEVERITY = '{{ or .CommonLabels.severity "error" }}'


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
            {
                "routing_key_file": receiver.pagerduty_routing_key_file,
                "severity": PAGERDUTY_SEVERITY,
                "send_resolved": True,
            }
        ]
    return configs


def _global(smtp: SmtpSettings | None) -> dict[str, str]:
    if smtp is None:
        return {}
    fields = {
        "smtp_smarthost": smtp.smarthost,
        "smtp_from": smtp.from_,
        "smtp_auth_username": smtp.auth_username,
        "smtp_auth_password_file": smtp.auth_password_file,
    }
    return {name: value for name, value in fields.items() if value}


def target_down_alerts(inventory: Inventory) -> list[str]:
    """The alerts of the packs that say a service's exporter cannot be scraped (`up == 0`)."""
    return sorted(
        alert.alert
        for kind in inventory.kinds_present()
        if KINDS[kind].rule_pack is not None
        for alert in load_pack(kind).alerts
        if TARGET_DOWN.fullmatch(alert.expr.strip())
    )


def inhibit_rules(inventory: Inventory) -> list[dict[str, Any]]:
    """A critical alert silences the warnings of its service, a target that is down every other
    alert of its service. Alerts of one instance inhibit those of the same instance; those without
    an instance label (aggregated per service) are inhibited by any instance of the service."""
    sources = [['severity="critical"']]
    targets = [['severity="warning"']]
    down = target_down_alerts(inventory)
    if down:
        sources.append([f'alertname=~"{"|".join(down)}"'])
        targets.append(['severity=~"critical|warning"'])
    return [
        {
            "source_matchers": list(source),
            "target_matchers": [*target, *extra],
            "equal": list(equal),
        }
        for source, target in zip(sources, targets, strict=True)
        for extra, equal in (
            ((), ("domain", "service", "instance")),
            (('instance=""',), ("domain", "service")),
        )
    ]


def _interval_name(scope: str, name: str) -> str:
    return f"{scope}-{name}-maintenance"


def time_intervals(inventory: Inventory) -> list[dict[str, Any]]:
    scoped = [("domain", d.name, d.maintenance) for d in inventory.domains]
    scoped += [("service", s.name, s.maintenance) for s in sorted(inventory.services, key=lambda s: s.name)]
    return [
        {"name": _interval_name(scope, name), "time_intervals": [dict(w) for w in windows]}
        for scope, name, windows in scoped
        if windows
    ]


def _route(matcher: str, receiver: str, page: bool, muted: list[str]) -> dict[str, Any]:
    """A route; Alertmanager does not pass mute_time_intervals down, so each route lists them all."""
    route: dict[str, Any] = {"matchers": [matcher], "receiver": receiver}
    if muted:
        route["mute_time_intervals"] = muted
    if page:
        paging: dict[str, Any] = {"matchers": ['severity="critical"'], "receiver": f"{receiver}-page"}
        if muted:
            paging["mute_time_intervals"] = muted
        route["routes"] = [paging]
    return route


def _domain_route(inventory: Inventory, domain: Domain, page: bool) -> dict[str, Any]:
    muted = [_interval_name("domain", domain.name)] if domain.maintenance else []
    route = _route(f'domain="{domain.name}"', domain.receiver, page, muted)
    # Services with windows of their own go first: the first matching route wins.
    services = [
        _route(f'service="{s.name}"', domain.receiver, page, [*muted, _interval_name("service", s.name)])
        for s in sorted(inventory.services, key=lambda s: s.name)
        if s.domain == domain.name and s.maintenance
    ]
    if services:
        route["routes"] = [*services, *route.get("routes", [])]
    return route


def _receivers(inventory: Inventory) -> dict[str, Receiver]:
    settings = inventory.settings.alertmanager
    return {r.name: r for r in settings.receivers} or {
        settings.default_receiver: Receiver(settings.default_receiver)
    }


def receiver_names(inventory: Inventory) -> set[str]:
    """The names of the generated receivers, paging ones included."""
    receivers = _receivers(inventory)
    return {*receivers, *(f"{n}-page" for n, r in receivers.items() if r.pagerduty_routing_key_file)}


def alertmanager_config(inventory: Inventory) -> list[Artifact]:
    settings = inventory.settings.alertmanager
    receivers = _receivers(inventory)
    extra = inventory.settings.passthrough
    pages = {name for name, r in receivers.items() if r.pagerduty_routing_key_file}
    intervals = time_intervals(inventory)
    config = {
        **({"global": _global(settings.smtp)} if settings.smtp else {}),
        "route": {
            "receiver": settings.default_receiver,
            "group_by": GROUP_BY,
            "group_wait": f"{settings.group_wait_seconds}s",
            "group_interval": "5m",
            "repeat_interval": f"{settings.repeat_interval_hours}h",
            # Passthrough routes come after ours: they get only the alerts no domain route takes.
            "routes": [
                *(_domain_route(inventory, d, d.receiver in pages) for d in inventory.domains),
                *(dict(route) for route in extra.routes),
            ],
        },
        "inhibit_rules": inhibit_rules(inventory),
        **({"time_intervals": intervals} if intervals else {}),
        "receivers": [
            _notifiers(receivers[name], page)
            for name in sorted(receivers)
            for page in ((False, True) if name in pages else (False,))
        ]
        + [dict(receiver) for receiver in extra.receivers],
    }
    return [Artifact("alertmanager/alertmanager.yml", config, "yaml")]
