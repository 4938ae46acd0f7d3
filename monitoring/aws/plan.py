"""The plan: desired alarms and retention compared with live state. Pure: no AWS calls, no clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from monitoring.aws.alarms import is_owned, ownership_tags
from monitoring.aws.live import LiveAlarm, LiveLogGroup
from monitoring.aws.retention import RetentionPolicy
from monitoring.model import Settings

# Amazon CloudWatch pricing, US East (N. Virginia): standard-resolution alarm metric per month,
# and log storage (archived) per GB-month. Other regions cost up to about a quarter more.
STANDARD_ALARM_USD_PER_MONTH = 0.10
LOG_STORAGE_USD_PER_GB_MONTH = 0.03
GB = 1024**3
MS_PER_DAY = 86_400_000

# PutMetricAlarm replaces the whole alarm: every field it sets is compared, with AWS's defaults.
_LIST_FIELDS = ("AlarmActions", "OKActions", "InsufficientDataActions")

Action = Literal["create", "update", "delete"]


def comparable(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm parameters or a DescribeAlarms entry, reduced to what an update would change."""
    evaluation_periods = parameters.get("EvaluationPeriods", 0)
    return {
        "AlarmDescription": parameters.get("AlarmDescription", ""),
        "ActionsEnabled": parameters.get("ActionsEnabled", True),
        **{name: sorted(parameters.get(name, [])) for name in _LIST_FIELDS},
        "Namespace": parameters.get("Namespace", ""),
        "MetricName": parameters.get("MetricName", ""),
        "Dimensions": ", ".join(
            f"{d['Name']}={d['Value']}"
            for d in sorted(parameters.get("Dimensions", []), key=lambda d: d["Name"])
        ),
        "Statistic": parameters.get("Statistic", ""),
        "ExtendedStatistic": parameters.get("ExtendedStatistic", ""),
        "Unit": parameters.get("Unit", ""),
        "Period": parameters.get("Period", 0),
        "EvaluationPeriods": evaluation_periods,
        "DatapointsToAlarm": parameters.get("DatapointsToAlarm", evaluation_periods),
        "Threshold": float(parameters.get("Threshold", 0.0)),
        "ComparisonOperator": parameters.get("ComparisonOperator", ""),
        "TreatMissingData": parameters.get("TreatMissingData", "missing"),
        "MetricMath": bool(parameters.get("Metrics")),
    }


def _tags(parameters: Mapping[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in parameters.get("Tags", [])}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class AlarmChange:
    action: Action
    name: str
    kind: str
    arn: str = ""
    # The full PutMetricAlarm request (create and update); Tags are honoured on create only.
    parameters: Mapping[str, Any] = field(default_factory=dict)
    field_changes: tuple[FieldChange, ...] = ()
    tags_to_set: Mapping[str, str] = field(default_factory=dict)
    tags_to_remove: tuple[str, ...] = ()
    service: str = ""

    @property
    def writes_alarm(self) -> bool:
        return self.action == "create" or bool(self.field_changes)


def shortens(before_days: int | None, after_days: int) -> bool:
    """Never-expire counts as infinite: setting any retention on such a group shortens it."""
    return before_days is None or after_days < before_days


@dataclass(frozen=True)
class RetentionChange:
    group: str
    before_days: int | None
    after_days: int
    stored_bytes: int
    expiring_bytes: int
    arn: str = ""
    # Why this retention: "rule <pattern>", "default", ...
    source: str = ""
    # A shortening deletes stored data for good; it waits for --allow-shorten-retention or
    # `allow_shorten: true` on its rule.
    allowed: bool = True
    # The group does not carry our ownership tags yet; apply tags it before setting the retention.
    needs_tags: bool = False

    @property
    def shortens(self) -> bool:
        return shortens(self.before_days, self.after_days)

    @property
    def held(self) -> bool:
        return self.shortens and not self.allowed


@dataclass(frozen=True)
class CostEstimate:
    alarms_added: int
    alarms_removed: int
    expiring_bytes: int

    @property
    def alarms_usd_per_month(self) -> float:
        return (self.alarms_added - self.alarms_removed) * STANDARD_ALARM_USD_PER_MONTH

    @property
    def log_storage_saving_usd_per_month(self) -> float:
        return self.expiring_bytes / GB * LOG_STORAGE_USD_PER_GB_MONTH


@dataclass(frozen=True)
class Plan:
    organization: str
    inventory_id: str
    region: str
    alarm_changes: tuple[AlarmChange, ...]
    retention_changes: tuple[RetentionChange, ...]
    unchanged_by_kind: Mapping[str, int]
    # Owned alarms no longer in the inventory, kept because --prune was not given.
    orphans: tuple[str, ...]
    # Wanted names already used by alarms we do not own: left alone, reported.
    conflicts: tuple[str, ...]
    # Named log groups (RDS slow-query groups) that do not exist yet: never created here.
    missing_log_groups: tuple[str, ...]
    # Live alarms carrying our ownership tags (the base of the --prune limit).
    owned_alarms: int = 0
    ownership_tags: Mapping[str, str] = field(default_factory=dict)
    # The account (inventory name and id) the plan is for; its region is `region`.
    account: str = ""
    account_id: str = ""
    # Wanted alarms whose metric CloudWatch does not list yet (monitoring/aws/metric_presence.py).
    unseen_metrics: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        """Anything pending, held-back retention shortenings included."""
        return bool(self.alarm_changes or self.retention_changes)

    @property
    def retention_to_apply(self) -> tuple[RetentionChange, ...]:
        return tuple(c for c in self.retention_changes if not c.held)

    @property
    def retention_held(self) -> tuple[RetentionChange, ...]:
        return tuple(c for c in self.retention_changes if c.held)

    @property
    def has_changes_to_apply(self) -> bool:
        return bool(self.alarm_changes or self.retention_to_apply)

    @property
    def deletions(self) -> tuple[AlarmChange, ...]:
        return tuple(c for c in self.alarm_changes if c.action == "delete")

    def counts_by_kind(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {}
        for change in self.alarm_changes:
            counts.setdefault(change.kind, Counter())[change.action] += 1
        for kind, unchanged in self.unchanged_by_kind.items():
            counts.setdefault(kind, Counter())["unchanged"] += unchanged
        return {
            kind: {action: counts[kind][action] for action in ("create", "update", "delete", "unchanged")}
            for kind in sorted(counts)
        }

    def cost(self) -> CostEstimate:
        actions = Counter(change.action for change in self.alarm_changes)
        return CostEstimate(
            actions["create"], actions["delete"], sum(c.expiring_bytes for c in self.retention_to_apply)
        )


# The default --prune limit: 10% of the owned alarms live, at least 10, at most 100. Deleting
# more (an emptied inventory file, a wrong inventory) needs --prune-max.
PRUNE_SHARE = 0.10
PRUNE_FLOOR = 10
PRUNE_CAP = 100


def default_prune_limit(owned_alarms: int) -> int:
    return min(PRUNE_CAP, max(PRUNE_FLOOR, int(owned_alarms * PRUNE_SHARE)))


def prune_refusal(plan: Plan, prune_max: int | None) -> str:
    """Why apply refuses to run this plan's deletions, or '' when they are within the limit."""
    deletions = plan.deletions
    limit = default_prune_limit(plan.owned_alarms) if prune_max is None else prune_max
    if len(deletions) <= limit:
        return ""
    services = {(change.kind, change.service) for change in deletions}
    basis = (
        f"--prune-max {prune_max}"
        if prune_max is not None
        else f"the default limit of {limit} (10% of the {plan.owned_alarms} owned alarms live, "
        f"at least {PRUNE_FLOOR}, at most {PRUNE_CAP})"
    )
    return (
        f"refusing to prune: {len(deletions)} owned alarms of {len(services)} services would be deleted, "
        f"more than {basis}. Nothing was changed. Check the deletions in the plan; to allow them, "
        f"re-run with --prune-max {len(deletions)}."
    )


def expiring_bytes(group: LiveLogGroup, after_days: int, now_ms: int) -> int:
    """Stored bytes older than the new retention, assuming the group was written evenly since creation."""
    age_days = max((now_ms - group.creation_time_ms) / MS_PER_DAY, 0.0)
    kept_days = min(age_days, group.retention_days) if group.retention_days is not None else age_days
    if kept_days <= after_days:
        return 0
    return round(group.stored_bytes * (1 - after_days / kept_days))


def _alarm_change(name: str, wanted: Mapping[str, Any], live: LiveAlarm) -> AlarmChange | None:
    before, after = comparable(live.parameters), comparable(wanted)
    changes = tuple(FieldChange(f, before[f], after[f]) for f in after if before[f] != after[f])
    wanted_tags = _tags(wanted)
    to_set = {k: v for k, v in wanted_tags.items() if live.tags.get(k) != v}
    # Only our own tag keys are removed; tags someone else added stay.
    to_remove = tuple(sorted(k for k in live.tags if k not in wanted_tags and k.startswith("mac:")))
    if not (changes or to_set or to_remove):
        return None
    return AlarmChange(
        "update", name, wanted_tags.get("mac:kind", ""), live.arn, wanted, changes, to_set, to_remove
    )


def compute_plan(
    settings: Settings,
    region: str,
    wanted_alarms: Mapping[str, Mapping[str, Any]],
    live_alarms: Sequence[LiveAlarm],
    policy: RetentionPolicy,
    live_groups: Sequence[LiveLogGroup],
    *,
    prune: bool,
    now_ms: int,
    allow_shorten_retention: bool = False,
    account: str = "",
    account_id: str = "",
) -> Plan:
    live_by_name = {alarm.name: alarm for alarm in live_alarms}
    changes: list[AlarmChange] = []
    unchanged: Counter[str] = Counter()
    conflicts: list[str] = []
    for name, wanted in wanted_alarms.items():
        kind = _tags(wanted).get("mac:kind", "")
        live = live_by_name.get(name)
        if live is None:
            changes.append(AlarmChange("create", name, kind, "", wanted, (), _tags(wanted)))
        elif not is_owned(live.tags, settings):
            conflicts.append(name)
        elif (change := _alarm_change(name, wanted, live)) is not None:
            changes.append(change)
        else:
            unchanged[kind] += 1
    owned = [alarm for alarm in live_alarms if is_owned(alarm.tags, settings)]
    leftovers = sorted(alarm.name for alarm in owned if alarm.name not in wanted_alarms)
    if prune:
        changes += [
            AlarmChange(
                "delete",
                name,
                live_by_name[name].tags.get("mac:kind", ""),
                live_by_name[name].arn,
                service=live_by_name[name].tags.get("mac:service", ""),
            )
            for name in leftovers
        ]

    retention: list[RetentionChange] = []
    for group in sorted(live_groups, key=lambda g: g.name):
        target = policy.wanted(group.name, group.retention_days, group.tagged_ours)
        if target is not None and target.days != group.retention_days:
            retention.append(
                RetentionChange(
                    group.name,
                    group.retention_days,
                    target.days,
                    group.stored_bytes,
                    expiring_bytes(group, target.days, now_ms),
                    arn=group.arn,
                    source=target.source,
                    allowed=allow_shorten_retention or target.allow_shorten,
                    needs_tags=not group.tagged_ours,
                )
            )
    live_group_names = {g.name for g in live_groups}
    return Plan(
        organization=settings.organization,
        inventory_id=settings.inventory_id,
        region=region,
        alarm_changes=tuple(changes),
        retention_changes=tuple(retention),
        unchanged_by_kind=dict(sorted(unchanged.items())),
        orphans=() if prune else tuple(leftovers),
        conflicts=tuple(conflicts),
        missing_log_groups=tuple(g for g in policy.log_groups if g not in live_group_names),
        owned_alarms=len(owned),
        ownership_tags=ownership_tags(settings),
        account=account,
        account_id=account_id,
    )
