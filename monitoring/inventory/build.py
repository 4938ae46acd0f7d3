"""Located documents -> the frozen model; the one place where defaults are merged."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from monitoring.aws.retention import retention_rule_problems
from monitoring.inventory.loader import Document, load_documents, walk_items
from monitoring.inventory.validate import schema_problems, semantic_problems
from monitoring.kinds import KINDS
from monitoring.model import (
    AlertmanagerSettings,
    Datasource,
    Domain,
    Inventory,
    LogRetention,
    PrometheusSettings,
    Receiver,
    RetentionRule,
    Service,
    Settings,
)
from monitoring.problems import InputError
from monitoring.rule_packs import pack_problems
from monitoring.secrets import refuse_secrets


def load_inventory(root: Path) -> Inventory:
    """Load, validate and model the inventory under root; InputError lists every problem."""
    documents = load_documents(root)
    problems = [p for doc in documents for p in schema_problems(doc)]
    if not problems:
        problems = semantic_problems(documents) + retention_rule_problems(documents)
    # The rule packs are checked with the inventory: a typo in one is bad input too.
    problems = refuse_secrets(documents, problems) + pack_problems()
    if problems:
        raise InputError(problems)
    return build_inventory(documents)


def _settings(raw: Mapping[str, Any]) -> Settings:
    prom = raw.get("prometheus", {})
    exporters = prom.get("exporters", {})
    prom_defaults = PrometheusSettings()
    am = raw.get("alertmanager", {})
    am_defaults = AlertmanagerSettings()
    grafana = raw.get("grafana", {})
    defaults = Settings(organization="", environment="", region="")
    return Settings(
        organization=raw["organization"],
        environment=raw["environment"],
        region=raw["region"],
        inventory_id=raw.get("inventory_id", f"{raw['organization']}/{raw['environment']}"),
        account_id=raw.get("account_id", ""),
        labels=dict(sorted(raw.get("labels", {}).items())),
        runbook_url=raw.get("runbook_url", defaults.runbook_url),
        grafana_url=grafana.get("url", defaults.grafana_url),
        datasources=tuple(Datasource(**d) for d in grafana.get("datasources", ())),
        prometheus=PrometheusSettings(
            scrape_interval_seconds=prom.get(
                "scrape_interval_seconds", prom_defaults.scrape_interval_seconds
            ),
            evaluation_interval_seconds=prom.get(
                "evaluation_interval_seconds", prom_defaults.evaluation_interval_seconds
            ),
            shards=prom.get("shards", prom_defaults.shards),
            alertmanagers=tuple(prom.get("alertmanagers", ())),
            exporters={
                kind: exporter["address"]
                for kind, exporter in sorted(exporters.items())
                if "address" in exporter
            },
            basic_auth_password_file=prom.get("basic_auth_password_file", ""),
        ),
        alertmanager=AlertmanagerSettings(
            default_receiver=am.get("default_receiver", am_defaults.default_receiver),
            receivers=tuple(Receiver(**r) for r in am.get("receivers", ())),
            group_wait_seconds=am.get("group_wait_seconds", am_defaults.group_wait_seconds),
            repeat_interval_hours=am.get("repeat_interval_hours", am_defaults.repeat_interval_hours),
        ),
    )


def build_inventory(documents: list[Document]) -> Inventory:
    plain = [(doc, doc.data) for doc in documents]
    settings_raw = next(data["settings"] for _, data in plain if "settings" in data)
    settings = _settings(settings_raw)
    fleet_thresholds = {
        name: {**kind.threshold_defaults, **settings_raw.get("thresholds", {}).get(name, {})}
        for name, kind in KINDS.items()
    }

    domains: dict[str, Domain] = {}
    domain_thresholds: dict[str, Mapping[str, Mapping[str, float]]] = {}
    for doc, data in plain:
        for index, raw in walk_items(data, "domains"):
            domains[raw["name"]] = Domain(
                name=raw["name"],
                title=raw.get("title", raw["name"].title()),
                team=raw["team"],
                receiver=raw["receiver"],
                alarm_topic_arns=dict(sorted(raw.get("alarm_topic_arns", {}).items())),
                labels={**settings.labels, **raw.get("labels", {})},
                location=doc.location(("domains", index)),
            )
            domain_thresholds[raw["name"]] = raw.get("thresholds", {})

    services: list[Service] = []
    for doc, data in plain:
        for index, raw in walk_items(data, "services"):
            kind = KINDS[raw["kind"]]
            domain = domains[raw["domain"]]
            common = {
                "kind": kind.name,
                "name": raw["name"],
                "domain": domain.name,
                "team": domain.team,
                "description": raw.get("description", ""),
                "labels": dict(sorted({**domain.labels, **raw.get("labels", {})}.items())),
                "thresholds": {
                    **fleet_thresholds[kind.name],
                    **domain_thresholds[domain.name].get(kind.name, {}),
                    **raw.get("thresholds", {}),
                },
                "location": doc.location(("services", index)),
            }
            services.append(kind.build(raw, common, settings))

    retention_raw = next((data["log_retention"] for _, data in plain if "log_retention" in data), None)
    log_retention = (
        LogRetention(
            default_days=retention_raw["default_days"],
            rules=tuple(
                RetentionRule(
                    r["pattern"],
                    r["days"],
                    r.get("description", ""),
                    r.get("count"),
                    r.get("allow_shorten", False),
                )
                for r in retention_raw.get("rules", ())
            ),
            claimed_prefixes=tuple(retention_raw.get("claimed_prefixes", ())),
        )
        if retention_raw is not None
        else None
    )
    return Inventory(
        settings=settings,
        domains=tuple(sorted(domains.values(), key=lambda d: d.name)),
        services=tuple(sorted(services, key=lambda s: (s.kind, s.name))),
        log_retention=log_retention,
        fleet_thresholds=fleet_thresholds,
    )
