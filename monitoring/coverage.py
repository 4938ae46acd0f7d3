"""COVERAGE.md: metrics, logs, alerts and dashboards per kind, read off the generated artifacts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.kinds import KINDS
from monitoring.model import Inventory, Passthrough
from monitoring.naming import GENERATED_HEADER


def _scrape_targets(
    families: dict[str, list[Artifact]], passthrough: set[str]
) -> tuple[Counter[str], set[str]]:
    static: Counter[str] = Counter()
    discovered: set[str] = set()
    for artifact in families.get("prometheus", []):
        for job in artifact.data["scrape_configs"]:
            if job["job_name"] in passthrough:
                continue
            for group in job.get("static_configs", []):
                static[group["labels"]["kind"]] += len(group["targets"])
            if "static_configs" not in job:
                kind = next(
                    r["replacement"] for r in job["relabel_configs"] if r.get("target_label") == "kind"
                )
                discovered.add(kind)
    return static, discovered


def _rules(families: dict[str, list[Artifact]]) -> tuple[Counter[str], Counter[str]]:
    alerts: Counter[str] = Counter()
    records: Counter[str] = Counter()
    for artifact in families.get("rules", []):
        if not artifact.path.startswith("prometheus/rules/") or artifact.source:
            continue
        kind = artifact.path.rsplit("/", 1)[1].split(".", 1)[0]
        for group in artifact.data["groups"]:
            for rule in group["rules"]:
                (alerts if "alert" in rule else records)[kind] += 1
    return alerts, records


def _alarms(families: dict[str, list[Artifact]]) -> Counter[str]:
    alarms: Counter[str] = Counter()
    for artifact in families.get("cloudwatch", []):
        if artifact.path == "cloudwatch/alarms.json":
            for params in artifact.data.values():
                alarms[next(t["Value"] for t in params["Tags"] if t["Key"] == "mac:kind")] += 1
    return alarms


def _boards(families: dict[str, list[Artifact]]) -> Counter[str]:
    boards: Counter[str] = Counter()
    for artifact in families.get("grafana", []):
        if artifact.path.startswith("grafana/dashboards/"):
            for tag in artifact.data.get("tags", []):
                if tag.startswith("kind:"):
                    boards[tag.removeprefix("kind:")] += 1
    return boards


def coverage_report(inventory: Inventory, families: dict[str, list[Artifact]]) -> Artifact:
    extra = inventory.settings.passthrough
    static, discovered = _scrape_targets(families, {str(job["job_name"]) for job in extra.scrape_configs})
    alerts, records = _rules(families)
    alarms = _alarms(families)
    boards = _boards(families)
    services = Counter(s.kind for s in inventory.services)
    lines = [
        f"<!-- {GENERATED_HEADER} -->",
        "# Monitoring coverage",
        "",
        "What the generated configuration covers, per kind of system in the inventory.",
        "",
        "| system | services | Prometheus targets | alert rules | recording rules | CloudWatch alarms "
        "| dashboards showing it |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in sorted(services):
        targets = "discovered" if kind in discovered else str(static[kind])
        lines.append(
            f"| {KINDS[kind].title} | {services[kind]} | {targets} | {alerts[kind]} | {records[kind]} "
            f"| {alarms[kind]} | {boards[kind]} |"
        )
    lines.append(
        f"| **total** | {sum(services.values())} | {sum(static.values())} + discovered "
        f"| {sum(alerts.values())} | {sum(records.values())} | {sum(alarms.values())} "
        f"| {sum(1 for a in families.get('grafana', []) if a.path.startswith('grafana/dashboards/'))} |"
    )
    if extra != Passthrough():
        lines += [
            "",
            f"Passthrough (settings.passthrough, not counted above): {len(extra.scrape_configs)} "
            f"scrape jobs, {len(extra.rule_files)} rule files, {len(extra.receivers)} receivers, "
            f"{len(extra.routes)} routes.",
        ]
    lines += _mixins_section(inventory)
    lines += _logs_section(inventory, families)
    return Artifact("COVERAGE.md", "\n".join(lines) + "\n", "text")


def _mixins_section(inventory: Inventory) -> list[str]:
    """The mixins' rules (not in the table: they belong to no kind); their boards are in the total."""
    if not inventory.mixins:
        return []
    lines = ["", "Mixins (domains[].mixins; their rules are not counted above, their dashboards are):"]
    for mixin in inventory.mixins:
        rules = [r for g in (*mixin.rule_groups, *mixin.alert_groups) for r in g.get("rules", ())]
        alerts = sum(1 for r in rules if "alert" in r)
        lines.append(
            f"- {mixin.name} ({mixin.domain}): {alerts} alert rules, {len(rules) - alerts} recording rules, "
            f"{len(mixin.dashboards)} dashboards"
        )
    return lines


def _logs_section(inventory: Inventory, families: dict[str, list[Artifact]]) -> list[str]:
    retention = inventory.log_retention
    if retention is None:
        return ["", "## Logs", "", "No log retention is managed: the inventory has no `log_retention`."]
    named: dict[str, Any] = next(
        (
            a.data.get("log_groups", {})
            for a in families.get("cloudwatch", [])
            if a.path == "cloudwatch/log-retention.json"
        ),
        {},
    )
    lines = [
        "",
        "## Logs (CloudWatch Logs retention)",
        "",
        "| log groups | retention | expected groups |",
        "|---|---:|---:|",
    ]
    for rule in retention.rules:
        lines.append(
            f"| `{rule.pattern}` | {rule.days} days | {rule.count if rule.count is not None else '-'} |"
        )
    lines.append(f"| any other group without a policy | {retention.default_days} days | - |")
    lines += [
        "",
        f"{len(named)} log groups are named explicitly (RDS slow-query logs of the inventory's databases).",
    ]
    return lines
