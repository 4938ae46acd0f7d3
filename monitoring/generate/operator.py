"""Prometheus Operator resources per EKS cluster (settings.prometheus_operator), in kubernetes/<cluster>/.

The Operator's Prometheus runs inside the cluster and evaluates what it scrapes: the cluster's own
jobs (kube-state-metrics, the node exporters) and so the rule groups of the kubernetes pack, less
the per-domain absent() alerts of domains with no service in the cluster, which would fire there
for ever. The jobs become ScrapeConfigs, not ServiceMonitors or PodMonitors: those select Services
and Pods by labels the inventory does not know (and the node exporters have no Service), while a
ScrapeConfig carries the job's own discovery and relabeling, so the series, their labels and hence
the rules are those of prometheus.yml. Discovery is in-cluster (the pod's service account): a
service's api_server and token are for a Prometheus outside the cluster.

AlertmanagerConfig routes the alerts of the cluster's domains as alertmanager.yml does, in the
CRD's own field names; credential files become keys of one Secret (settings.prometheus_operator.
secret), never values. Maintenance windows with a location (time zone) cannot be written: the
CRD's time intervals are UTC only, so they are left out (alerts page rather than being muted at
the wrong hours) and named in an annotation.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.generate.alertmanager import (
    GROUP_BY,
    PAGERDUTY_SEVERITY,
    SLACK_TEXT,
    SLACK_TITLE,
    inhibit_rules,
)
from monitoring.generate.rules import render_kind
from monitoring.kinds import KINDS
from monitoring.kinds.kubernetes import KubernetesKind, KubernetesService
from monitoring.model import Domain, Inventory, Receiver, Service
from monitoring.rule_packs import load_pack

OUTPUT_DIR = "kubernetes"
GROUP = "monitoring.coreos.com"
MANAGED_BY = {"app.kubernetes.io/managed-by": "monitoring-as-code"}
UNEXPRESSED_ANNOTATION = "monitoring-as-code/maintenance-not-expressed"
_MATCHER = re.compile(r'^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"(.*)"$')
_NOT_DNS = re.compile(r"[^a-z0-9-]+")
_SD_ROLES = {"endpoints": "Endpoints", "node": "Node", "pod": "Pod", "service": "Service"}
_RELABEL_FIELDS = {
    "source_labels": "sourceLabels",
    "separator": "separator",
    "target_label": "targetLabel",
    "regex": "regex",
    "modulus": "modulus",
    "replacement": "replacement",
    "action": "action",
}


def dns_name(name: str) -> str:
    """A DNS-1123 name from an inventory name (cluster names may hold capitals and underscores)."""
    return _NOT_DNS.sub("-", name.lower()).strip("-")


def clusters(inventory: Inventory) -> dict[str, tuple[KubernetesService, ...]]:
    """The kubernetes services by cluster_name: one Operator per cluster."""
    found: dict[str, list[KubernetesService]] = {}
    for service in inventory.services_of(KubernetesKind.name, KubernetesService):
        found.setdefault(service.cluster_name, []).append(service)
    return {name: tuple(sorted(found[name], key=lambda s: s.name)) for name in sorted(found)}


def _resource(inventory: Inventory, kind: str, version: str, name: str, spec: Any) -> dict[str, Any]:
    operator = inventory.settings.prometheus_operator
    return {
        "apiVersion": f"{GROUP}/{version}",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": operator.namespace,
            "labels": dict(sorted({**operator.labels, **MANAGED_BY}.items())),
        },
        "spec": spec,
    }


def _cluster_rules(groups: Sequence[Mapping[str, Any]], domains: set[str]) -> list[dict[str, Any]]:
    return [
        {
            **group,
            "rules": [
                rule for rule in group["rules"] if rule.get("labels", {}).get("domain", "") in {"", *domains}
            ],
        }
        for group in groups
    ]


def _relabeling(step: Mapping[str, Any]) -> dict[str, Any]:
    # An unknown field is kept under its own name: the CRD's schema check then refuses it.
    return {_RELABEL_FIELDS.get(key, key): value for key, value in step.items()}


def _sd_config(sd: Mapping[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {"role": _SD_ROLES.get(sd["role"], sd["role"])}
    if "namespaces" in sd:
        config["namespaces"] = {"names": list(sd["namespaces"]["names"])}
    return config


def _scrape_config(inventory: Inventory, job: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "jobName": job["job_name"],
        "scrapeInterval": f"{inventory.settings.prometheus.scrape_interval_seconds}s",
        "kubernetesSDConfigs": [_sd_config(sd) for sd in job["kubernetes_sd_configs"]],
        "relabelings": [_relabeling(step) for step in job.get("relabel_configs", [])],
    }
    return _resource(inventory, "ScrapeConfig", "v1alpha1", dns_name(job["job_name"]), spec)


def _matcher(text: str) -> dict[str, str]:
    found = _MATCHER.match(text)
    if found is None:
        raise ValueError(f"not a matcher of ours: {text!r}")
    name, match_type, value = found.groups()
    return {"name": name, "value": value, "matchType": match_type}


def _secret(inventory: Inventory, path: str) -> dict[str, str]:
    return {"name": inventory.settings.prometheus_operator.secret, "key": posixpath.basename(path)}


def _receiver(inventory: Inventory, receiver: Receiver, page: bool) -> dict[str, Any]:
    configs: dict[str, Any] = {"name": f"{receiver.name}-page" if page else receiver.name}
    if receiver.slack_channel and receiver.slack_api_url_file:
        configs["slackConfigs"] = [
            {
                "apiURL": _secret(inventory, receiver.slack_api_url_file),
                "channel": receiver.slack_channel,
                "sendResolved": True,
                "title": SLACK_TITLE,
                "text": SLACK_TEXT,
            }
        ]
    if receiver.email_to:
        configs["emailConfigs"] = [{"to": receiver.email_to, "sendResolved": True, **_smtp(inventory)}]
    if receiver.webhook_url:
        configs["webhookConfigs"] = [{"url": receiver.webhook_url, "sendResolved": True}]
    if page and receiver.pagerduty_routing_key_file:
        configs["pagerdutyConfigs"] = [
            {
                "routingKey": _secret(inventory, receiver.pagerduty_routing_key_file),
                "severity": PAGERDUTY_SEVERITY,
                "sendResolved": True,
            }
        ]
    return configs


def _smtp(inventory: Inventory) -> dict[str, Any]:
    smtp = inventory.settings.alertmanager.smtp
    if smtp is None:
        return {}
    fields: dict[str, Any] = {"smarthost": smtp.smarthost, "from": smtp.from_}
    if smtp.auth_username:
        fields["authUsername"] = smtp.auth_username
    if smtp.auth_password_file:
        fields["authPassword"] = _secret(inventory, smtp.auth_password_file)
    return fields


def _interval_name(scope: str, name: str) -> str:
    return f"{scope}-{name}-maintenance"


def _range_of_days(text: str) -> dict[str, int]:
    start, _, end = str(text).partition(":")
    return {"start": int(start), "end": int(end or start)}


def _time_interval(window: Mapping[str, Any]) -> dict[str, Any]:
    interval: dict[str, Any] = {}
    if "times" in window:
        interval["times"] = [
            {"startTime": t["start_time"], "endTime": t["end_time"]} for t in window["times"]
        ]
    for field, name in (("weekdays", "weekdays"), ("months", "months"), ("years", "years")):
        if field in window:
            interval[name] = [str(value) for value in window[field]]
    if "days_of_month" in window:
        interval["daysOfMonth"] = [_range_of_days(days) for days in window["days_of_month"]]
    return interval


def _muted(scope: str, name: str, windows: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any] | None, str]:
    """The mute time interval of a scope's windows, or why it cannot be written (a time zone)."""
    zones = sorted({str(w["location"]) for w in windows if "location" in w})
    if zones:
        return None, f"{_interval_name(scope, name)} ({', '.join(zones)})"
    return {"name": _interval_name(scope, name), "timeIntervals": [_time_interval(w) for w in windows]}, ""


def _route(matcher: str, receiver: str, page: bool, muted: list[str]) -> dict[str, Any]:
    route: dict[str, Any] = {"receiver": receiver, "matchers": [_matcher(matcher)]}
    if muted:
        route["muteTimeIntervals"] = muted
    if page:
        paging: dict[str, Any] = {
            "receiver": f"{receiver}-page",
            "matchers": [_matcher('severity="critical"')],
        }
        if muted:
            paging["muteTimeIntervals"] = muted
        route["routes"] = [paging]
    return route


def _domain_route(
    domain: Domain, services: Iterable[Service], page: bool, intervals: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    own = _interval_name("domain", domain.name)
    muted = [own] if own in intervals else []
    route = _route(f'domain="{domain.name}"', domain.receiver, page, muted)
    exceptions = [
        _route(f'service="{s.name}"', domain.receiver, page, [*muted, _interval_name("service", s.name)])
        for s in sorted(services, key=lambda s: s.name)
        if s.domain == domain.name and _interval_name("service", s.name) in intervals
    ]
    if exceptions:
        route["routes"] = [*exceptions, *route.get("routes", [])]
    return route


def _alertmanager_config(
    inventory: Inventory, name: str, domains: Sequence[Domain], services: Sequence[Service]
) -> dict[str, Any]:
    settings = inventory.settings.alertmanager
    receivers = {r.name: r for r in settings.receivers} or {
        settings.default_receiver: Receiver(settings.default_receiver)
    }
    pages = {n for n, r in receivers.items() if r.pagerduty_routing_key_file}
    scoped = [("domain", d.name, d.maintenance) for d in domains]
    scoped += [("service", s.name, s.maintenance) for s in sorted(services, key=lambda s: s.name)]
    intervals: dict[str, dict[str, Any]] = {}
    unexpressed: list[str] = []
    for scope, scope_name, windows in scoped:
        if not windows:
            continue
        interval, reason = _muted(scope, scope_name, windows)
        if interval is None:
            unexpressed.append(reason)
        else:
            intervals[interval["name"]] = interval
    used = sorted({settings.default_receiver, *(d.receiver for d in domains)})
    spec: dict[str, Any] = {
        "route": {
            "receiver": settings.default_receiver,
            "groupBy": GROUP_BY,
            "groupWait": f"{settings.group_wait_seconds}s",
            "groupInterval": "5m",
            "repeatInterval": f"{settings.repeat_interval_hours}h",
            "routes": [_domain_route(d, services, d.receiver in pages, intervals) for d in domains],
        },
        "receivers": [
            _receiver(inventory, receivers[r], page)
            for r in used
            for page in ((False, True) if r in pages else (False,))
        ],
        "inhibitRules": [
            {
                "sourceMatch": [_matcher(m) for m in rule["source_matchers"]],
                "targetMatch": [_matcher(m) for m in rule["target_matchers"]],
                "equal": rule["equal"],
            }
            # The cluster's alerts only: its kinds' target-down alerts inhibit.
            for rule in inhibit_rules(dataclasses.replace(inventory, services=tuple(services)))
        ],
    }
    if intervals:
        spec["muteTimeIntervals"] = [intervals[n] for n in sorted(intervals)]
    resource = _resource(inventory, "AlertmanagerConfig", "v1alpha1", name, spec)
    if unexpressed:
        resource["metadata"]["annotations"] = {UNEXPRESSED_ANNOTATION: "; ".join(unexpressed)}
    return resource


def operator_resources(inventory: Inventory) -> list[Artifact]:
    found = clusters(inventory)
    if not inventory.settings.prometheus_operator.enabled or not found:
        return []
    kind = KINDS[KubernetesKind.name]
    fleet_rules, _tests = render_kind(load_pack(KubernetesKind.name), inventory)
    artifacts: list[Artifact] = []
    for cluster, members in found.items():
        folder = f"{OUTPUT_DIR}/{cluster}"
        name = dns_name(cluster)
        domain_names = {s.domain for s in members}
        domains = [d for d in inventory.domains if d.name in domain_names]
        rules = {"groups": _cluster_rules(fleet_rules["groups"], domain_names)}
        artifacts.append(
            Artifact(
                f"{folder}/prometheusrule.yaml",
                _resource(inventory, "PrometheusRule", "v1", f"{name}-{KubernetesKind.name}", rules),
                "yaml",
            )
        )
        for job in kind.scrape_jobs(members, inventory.settings):
            artifacts.append(
                Artifact(
                    f"{folder}/scrapeconfig-{dns_name(job['job_name'])}.yaml",
                    _scrape_config(inventory, job),
                    "yaml",
                )
            )
        artifacts.append(
            Artifact(
                f"{folder}/alertmanagerconfig.yaml",
                _alertmanager_config(inventory, name, domains, members),
                "yaml",
            )
        )
    return artifacts
