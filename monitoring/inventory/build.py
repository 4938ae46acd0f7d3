"""Located documents -> the frozen model; the one place where defaults are merged."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from monitoring.aws.retention import retention_rule_problems
from monitoring.inventory.coverage_settings import coverage_settings
from monitoring.inventory.loader import Document, load_documents, walk_items
from monitoring.inventory.mixins import load_mixins
from monitoring.inventory.passthrough import check_collisions, passthrough, shape_problems, split_passthrough
from monitoring.inventory.topology import global_store, with_global_store
from monitoring.inventory.validate import schema_problems, semantic_problems
from monitoring.kinds import KINDS
from monitoring.model import (
    DEFAULT_ACCOUNT,
    Account,
    AlertmanagerSettings,
    Datasource,
    Domain,
    Inventory,
    LogRetention,
    Override,
    Passthrough,
    PrometheusOperatorSettings,
    PrometheusSettings,
    Receiver,
    RetentionRule,
    Service,
    Settings,
    SmtpSettings,
)
from monitoring.naming import stable_uid
from monitoring.problems import InputError
from monitoring.rule_packs import pack_problems
from monitoring.secrets import refuse_secrets
from monitoring.slo.build import attach_slos
from monitoring.slo.model import Slo
from monitoring.slo.spec import read_slos, split_openslo


def load_inventory(root: Path) -> Inventory:
    """Load, validate and model the inventory under root; InputError lists every problem."""
    documents, files, problems = split_passthrough(root, load_documents(root))
    documents, openslo = split_openslo(documents)
    problems += [p for doc in documents for p in schema_problems(doc)]
    slos: list[Slo] = []
    if not problems:
        problems = semantic_problems(documents) + retention_rule_problems(documents) + shape_problems(files)
        slos, slo_problems = read_slos(documents, openslo)
        problems += slo_problems
    # The rule packs are checked with the inventory: a typo in one is bad input too.
    problems = refuse_secrets(documents + openslo + files.documents(), problems) + pack_problems()
    if problems:
        raise InputError(problems)
    mixins, problems = load_mixins(root, documents)
    if problems:
        raise InputError(problems)
    inventory = dataclasses.replace(build_inventory(documents, passthrough(files)), mixins=mixins)
    inventory = dataclasses.replace(inventory, slos=attach_slos(slos, inventory))
    check_collisions(files, inventory)
    return inventory


def _overrides(*scopes: Mapping[str, Mapping[str, Any]]) -> dict[str, Override]:
    """Overrides by name, the later scopes' fields winning over the earlier ones'."""
    merged: dict[str, dict[str, Any]] = {}
    for scope in scopes:
        for name, fields in scope.items():
            merged.setdefault(name, {}).update(fields)
    return {
        name: Override(fields.get("enabled", True), fields.get("for"), fields.get("severity"))
        for name, fields in sorted(merged.items())
    }


def _smtp(raw: Mapping[str, str]) -> SmtpSettings:
    return SmtpSettings(
        smarthost=raw["smarthost"],
        from_=raw["from"],
        auth_username=raw.get("auth_username", ""),
        auth_password_file=raw.get("auth_password_file", ""),
    )


def _accounts(raw: Mapping[str, Any]) -> tuple[Account, ...]:
    """settings.accounts, the default one (settings.account, else the first) first; an inventory
    without them has one account, of settings.account_id."""
    if "accounts" not in raw:
        return (Account(DEFAULT_ACCOUNT, raw.get("account_id", "")),)
    accounts = [Account(a["name"], a["account_id"], a.get("role_arn", "")) for a in raw["accounts"]]
    default = raw.get("account", accounts[0].name)
    return tuple(sorted(accounts, key=lambda a: (a.name != default, a.name)))


def _settings(raw: Mapping[str, Any]) -> Settings:
    prom = raw.get("prometheus", {})
    exporters = prom.get("exporters", {})
    prom_defaults = PrometheusSettings()
    am = raw.get("alertmanager", {})
    am_defaults = AlertmanagerSettings()
    grafana = raw.get("grafana", {})
    defaults = Settings(organization="", environment="", region="")
    accounts = _accounts(raw)
    return Settings(
        organization=raw["organization"],
        environment=raw["environment"],
        region=raw["region"],
        inventory_id=raw.get("inventory_id", f"{raw['organization']}/{raw['environment']}"),
        account_id=accounts[0].account_id,
        accounts=accounts,
        regions=tuple(sorted({raw["region"], *raw.get("regions", ())})),
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
            cluster=prom.get("cluster", f"{raw['organization']}-{raw['environment']}"),
            global_store=global_store(prom["global_store"]) if "global_store" in prom else None,
        ),
        alertmanager=AlertmanagerSettings(
            default_receiver=am.get("default_receiver", am_defaults.default_receiver),
            receivers=tuple(Receiver(**r) for r in am.get("receivers", ())),
            smtp=_smtp(am["smtp"]) if "smtp" in am else None,
            group_wait_seconds=am.get("group_wait_seconds", am_defaults.group_wait_seconds),
            repeat_interval_hours=am.get("repeat_interval_hours", am_defaults.repeat_interval_hours),
        ),
        prometheus_operator=_prometheus_operator(raw.get("prometheus_operator", {})),
        coverage=coverage_settings(raw.get("coverage", {}), grafana.get("url", "")),
    )


def _prometheus_operator(raw: Mapping[str, Any]) -> PrometheusOperatorSettings:
    defaults = PrometheusOperatorSettings()
    return PrometheusOperatorSettings(
        enabled=raw.get("enabled", defaults.enabled),
        namespace=raw.get("namespace", defaults.namespace),
        labels=dict(sorted(raw.get("labels", {}).items())),
        secret=raw.get("secret", defaults.secret),
    )


def _datasources(settings: Settings, services: list[Service]) -> tuple[Datasource, ...]:
    """Each CloudWatch datasource once per (account, region) the services live in, named after
    them; the default account and region first, under the datasource's own uid (boards keep it)."""
    default = (settings.accounts[0], settings.region)
    placements = [
        default,
        *sorted({(s.account, s.region) for s in services} - {default}, key=lambda p: (p[0].name, p[1])),
    ]
    expanded: list[Datasource] = []
    for ds in settings.datasources:
        if ds.type != "cloudwatch":
            expanded.append(ds)
            continue
        expanded += [
            dataclasses.replace(
                ds,
                name=f"{ds.name} {account.name} {region}" if len(placements) > 1 else ds.name,
                uid=ds.uid if (account, region) == default else stable_uid(ds.uid, account.name, region),
                is_default=ds.is_default and (account, region) == default,
                region=region,
                assume_role_arn=account.role_arn,
            )
            for account, region in placements
        ]
    return tuple(expanded)


def build_inventory(documents: list[Document], extra: Passthrough) -> Inventory:
    plain = [(doc, doc.data) for doc in documents]
    settings_raw = next(data["settings"] for _, data in plain if "settings" in data)
    settings = _settings(settings_raw)
    fleet_thresholds = {
        name: {**kind.threshold_defaults, **settings_raw.get("thresholds", {}).get(name, {})}
        for name, kind in KINDS.items()
    }

    accounts = {account.name: account for account in settings.accounts}
    domains: dict[str, Domain] = {}
    domain_thresholds: dict[str, Mapping[str, Mapping[str, float]]] = {}
    domain_overrides: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
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
                account=accounts[raw["account"]] if "account" in raw else settings.accounts[0],
                region=raw.get("region", settings.region),
                alert_overrides=_overrides(raw.get("alerts", {})),
                alarm_overrides=_overrides(raw.get("alarms", {})),
                maintenance=tuple(raw.get("maintenance", ())),
            )
            domain_thresholds[raw["name"]] = raw.get("thresholds", {})
            domain_overrides[raw["name"]] = (raw.get("alerts", {}), raw.get("alarms", {}))

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
                "account": accounts[raw["account"]] if "account" in raw else domain.account,
                "region": raw.get("region", domain.region),
                "alert_overrides": _overrides(domain_overrides[domain.name][0], raw.get("alerts", {})),
                "alarm_overrides": _overrides(domain_overrides[domain.name][1], raw.get("alarms", {})),
                "maintenance": tuple(raw.get("maintenance", ())),
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
        settings=dataclasses.replace(
            settings,
            datasources=with_global_store(settings, _datasources(settings, services)),
            passthrough=extra,
        ),
        domains=tuple(sorted(domains.values(), key=lambda d: d.name)),
        services=tuple(sorted(services, key=lambda s: (s.kind, s.name))),
        log_retention=log_retention,
        fleet_thresholds=fleet_thresholds,
    )
