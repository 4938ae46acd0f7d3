"""The plan for people (like a terraform plan) and for CI (JSON)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from monitoring.aws.plan import (
    LOG_STORAGE_USD_PER_GB_MONTH,
    STANDARD_ALARM_USD_PER_MONTH,
    AlarmChange,
    Plan,
    RetentionChange,
)
from monitoring.model import DEFAULT_ACCOUNT

_SYMBOL = {"create": "+", "update": "~", "delete": "-"}
_OPERATOR = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}


def _number(value: float) -> str:
    """Thresholds in full (536870912, not 5.36871e+08): they are compared against raw metric values."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _size(size_bytes: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size_bytes >= scale:
            return f"{size_bytes / scale:.1f} {unit}"
    return f"{size_bytes} B"


def _days(days: int | None) -> str:
    return "never expire" if days is None else f"{days} days"


def _alarm_summary(change: AlarmChange) -> str:
    p = change.parameters
    dimensions = ", ".join(f"{d['Name']}={d['Value']}" for d in p["Dimensions"])
    statistic = p.get("Statistic") or p["ExtendedStatistic"]
    return (
        f"{p['Namespace']} {p['MetricName']} [{dimensions}] {statistic}/{p['Period']}s "
        f"{_OPERATOR[p['ComparisonOperator']]} {_number(p['Threshold'])} in {p['DatapointsToAlarm']} of "
        f"{p['EvaluationPeriods']}, missing data {p['TreatMissingData']}"
    )


def _alarm_lines(change: AlarmChange) -> list[str]:
    lines = [f"  {_SYMBOL[change.action]} {change.name}"]
    if change.action == "create":
        lines.append(f"      {_alarm_summary(change)}")
    for field_change in change.field_changes:
        lines.append(f"      {field_change.field}: {field_change.before!r} -> {field_change.after!r}")
    lines += [
        f"      tag {key} = {value!r}"
        for key, value in change.tags_to_set.items()
        if change.action == "update"
    ]
    lines += [f"      untag {key}" for key in change.tags_to_remove]
    return lines


def _retention_line(change: RetentionChange) -> str:
    expiring = f", ~{_size(change.expiring_bytes)} would be deleted for good" if change.expiring_bytes else ""
    source = f"; {change.source}" if change.source else ""
    flag = " [SHORTENS, held back]" if change.held else " [shortens]" if change.shortens else ""
    return (
        f"  ~ {change.group}: {_days(change.before_days)} -> {_days(change.after_days)} "
        f"(stored {_size(change.stored_bytes)}{expiring}{source}){flag}"
    )


def held_text(plan: Plan) -> str:
    held = plan.retention_held
    dropped = sum(change.expiring_bytes for change in held)
    return (
        f"{len(held)} retention changes held back: they shorten retention (~{_size(dropped)} of stored "
        "logs would be deleted for good). Allow them with --allow-shorten-retention, or with "
        "`allow_shorten: true` on their rule."
    )


CONFLICTS_TEXT = "conflicts: alarms with these names exist and are not owned by this inventory"


def summary_line(plan: Plan) -> str:
    if not (plan.has_changes or plan.conflicts):
        return "No changes. CloudWatch matches the inventory."
    actions = {
        action: sum(1 for c in plan.alarm_changes if c.action == action)
        for action in ("create", "update", "delete")
    }
    parts = [
        f"Plan: {actions['create']} to create, {actions['update']} to update, {actions['delete']} to delete, "
        f"{len(plan.retention_to_apply)} retention policies to set."
        if plan.has_changes_to_apply
        else "No changes to apply."
    ]
    if plan.retention_held:
        parts.append(f"{len(plan.retention_held)} retention changes held back (they shorten retention).")
    if plan.conflicts:
        parts.append(f"{len(plan.conflicts)} {CONFLICTS_TEXT}.")
    return " ".join(parts)


def where(plan: Plan) -> str:
    """The plan's region, and its account unless the inventory has only the unnamed one."""
    if plan.account in ("", DEFAULT_ACCOUNT):
        return plan.region
    return f"account {plan.account} ({plan.account_id}), {plan.region}"


def render_text(plan: Plan) -> str:
    lines = [f"CloudWatch plan for inventory {plan.inventory_id!r} in {where(plan)}", ""]
    if plan.alarm_changes:
        lines.append("Alarms:")
        for change in plan.alarm_changes:
            lines += _alarm_lines(change)
        lines.append("")
    if plan.retention_changes:
        lines.append("Log group retention (existing groups only; none is created):")
        lines += [_retention_line(change) for change in plan.retention_changes]
        if plan.retention_held:
            lines.append(held_text(plan))
        lines.append("")
    counts = plan.counts_by_kind()
    if counts:
        lines.append(f"  {'kind':<12}{'create':>8}{'update':>8}{'delete':>8}{'unchanged':>11}")
        for kind, by_action in counts.items():
            lines.append(
                f"  {kind:<12}{by_action['create']:>8}{by_action['update']:>8}"
                f"{by_action['delete']:>8}{by_action['unchanged']:>11}"
            )
        lines.append("")
    if plan.orphans:
        lines.append(
            f"{len(plan.orphans)} owned alarms are no longer in the inventory; --prune deletes them:"
        )
        lines += [f"    {name}" for name in plan.orphans]
    if plan.conflicts:
        lines.append(
            f"{len(plan.conflicts)} wanted alarm names belong to alarms we do not own (left untouched):"
        )
        lines += [f"    {name}" for name in plan.conflicts]
    if plan.missing_log_groups:
        lines.append(
            f"{len(plan.missing_log_groups)} slow-query log groups do not exist yet (RDS creates them "
            "when it publishes the log; retention is set on a later run)"
        )
    if plan.unseen_metrics:
        lines.append(
            f"{len(plan.unseen_metrics)} alarms watch a metric CloudWatch does not list here yet "
            "(ListMetrics, last two weeks): they cannot see data until the resource publishes it:"
        )
        lines += [f"    {name}: {metric}" for name, metric in plan.unseen_metrics.items()]
    cost = plan.cost()
    lines.append(
        f"Monthly cost estimate: alarms {cost.alarms_usd_per_month:+.2f} USD ({cost.alarms_added} added, "
        f"{cost.alarms_removed} removed, {STANDARD_ALARM_USD_PER_MONTH:.2f} USD per standard alarm); "
        f"log storage -{cost.log_storage_saving_usd_per_month:.2f} USD ({_size(cost.expiring_bytes)} "
        f"expired by retention at {LOG_STORAGE_USD_PER_GB_MONTH:.2f} USD per GB-month, assuming even "
        "writes since creation). US East prices."
    )
    lines.append(summary_line(plan))
    return "\n".join(lines)


def plan_document(plan: Plan) -> dict[str, Any]:
    cost = plan.cost()
    return {
        "organization": plan.organization,
        "inventory_id": plan.inventory_id,
        "account": plan.account,
        "account_id": plan.account_id,
        "region": plan.region,
        "has_changes": plan.has_changes,
        "owned_alarms": plan.owned_alarms,
        "unseen_metrics": dict(plan.unseen_metrics),
        "counts_by_kind": plan.counts_by_kind(),
        "alarms": [
            {
                "action": change.action,
                "name": change.name,
                "kind": change.kind,
                "changes": {c.field: {"before": c.before, "after": c.after} for c in change.field_changes},
                "tags_to_set": dict(change.tags_to_set),
                "tags_to_remove": list(change.tags_to_remove),
            }
            for change in plan.alarm_changes
        ],
        "retention": [
            {
                "log_group": change.group,
                "before_days": change.before_days,
                "after_days": change.after_days,
                "stored_bytes": change.stored_bytes,
                "expiring_bytes": change.expiring_bytes,
                "source": change.source,
                "shortens": change.shortens,
                "held": change.held,
            }
            for change in plan.retention_changes
        ],
        "orphans": list(plan.orphans),
        "conflicts": list(plan.conflicts),
        "missing_log_groups": list(plan.missing_log_groups),
        "cost_estimate_usd_per_month": {
            "alarms": round(cost.alarms_usd_per_month, 2),
            "log_storage_saving": round(cost.log_storage_saving_usd_per_month, 2),
            "alarms_added": cost.alarms_added,
            "alarms_removed": cost.alarms_removed,
            "expiring_bytes": cost.expiring_bytes,
        },
    }


def plans_document(plans: Sequence[Plan]) -> dict[str, Any]:
    """The plans of one run (one per account and region) as one JSON document: the totals, and
    under `placements` each plan's own document."""
    documents = [plan_document(plan) for plan in plans]
    counts: dict[str, Counter[str]] = {}
    for document in documents:
        for kind, by_action in document["counts_by_kind"].items():
            counts.setdefault(kind, Counter()).update(by_action)
    return {
        "organization": plans[0].organization,
        "inventory_id": plans[0].inventory_id,
        "has_changes": any(plan.has_changes for plan in plans),
        "owned_alarms": sum(plan.owned_alarms for plan in plans),
        "counts_by_kind": {kind: dict(counts[kind]) for kind in sorted(counts)},
        **{
            key: [item for document in documents for item in document[key]]
            for key in ("alarms", "retention", "orphans", "conflicts", "missing_log_groups")
        },
        "placements": documents,
    }
