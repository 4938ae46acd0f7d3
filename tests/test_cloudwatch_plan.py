"""The plan, retention choices, cost estimate, rate limit, backoff and progress, without AWS."""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence
from typing import Any

import pytest
from botocore.exceptions import ClientError
from helpers import REPO

from monitoring.aws.apply import Progress
from monitoring.aws.calls import Backoff, RateLimiter
from monitoring.aws.live import LiveAlarm, LiveLogGroup
from monitoring.aws.plan import GB, MS_PER_DAY, Plan, compute_plan, expiring_bytes
from monitoring.aws.render import plan_document, render_text
from monitoring.aws.retention import retention_policy
from monitoring.generate.cloudwatch import desired_alarms
from monitoring.inventory.build import load_inventory
from monitoring.model import Inventory

NOW_MS = 400 * MS_PER_DAY
CPU = "acme/mysql/orders-db/cpu-high"


@pytest.fixture(scope="module")
def fleet() -> Inventory:
    return load_inventory(REPO / "tests/fixtures/cloudwatch/inventory")


def live(parameters: dict[str, Any], tags: dict[str, str] | None = None) -> LiveAlarm:
    """An alarm as DescribeAlarms returns it after PutMetricAlarm with `parameters`."""
    described = {k: v for k, v in parameters.items() if k != "Tags"}
    described |= {
        "InsufficientDataActions": [],
        "StateValue": "OK",
        "AlarmArn": f"arn:{parameters['AlarmName']}",
    }
    own = {t["Key"]: t["Value"] for t in parameters.get("Tags", [])}
    return LiveAlarm(parameters["AlarmName"], described["AlarmArn"], described, own if tags is None else tags)


def plan_for(
    inventory: Inventory, alarms: list[LiveAlarm], groups: Sequence[LiveLogGroup] = (), prune: bool = False
) -> Plan:
    return compute_plan(
        inventory.settings,
        "us-east-1",
        desired_alarms(inventory),
        alarms,
        retention_policy(inventory),
        list(groups),
        prune=prune,
        now_ms=NOW_MS,
    )


def test_everything_is_created_from_empty_and_nothing_planned_once_live(fleet: Inventory) -> None:
    wanted = desired_alarms(fleet)
    empty = plan_for(fleet, [])
    assert [c.action for c in empty.alarm_changes] == ["create"] * len(wanted)
    assert empty.counts_by_kind()["mysql"] == {"create": 21, "update": 0, "delete": 0, "unchanged": 0}
    converged = plan_for(fleet, [live(p) for p in wanted.values()])
    assert not converged.has_changes
    assert "No changes. CloudWatch matches the inventory." in render_text(converged)


def test_a_changed_field_is_an_update_listing_only_that_field(fleet: Inventory) -> None:
    current = copy.deepcopy(desired_alarms(fleet))
    current[CPU]["Threshold"] = 95.0
    plan = plan_for(fleet, [live(p) for p in current.values()])
    (change,) = plan.alarm_changes
    assert (change.action, change.name, change.writes_alarm) == ("update", CPU, True)
    assert [(f.field, f.before, f.after) for f in change.field_changes] == [("Threshold", 95.0, 80.0)]
    assert "      Threshold: 95.0 -> 80.0" in render_text(plan)


def test_tag_drift_is_fixed_with_tag_calls_without_rewriting_the_alarm(fleet: Inventory) -> None:
    wanted = desired_alarms(fleet)
    drifted = {t["Key"]: t["Value"] for t in wanted[CPU]["Tags"]} | {"mac:team": "old-team", "mac:stale": "x"}
    drifted["cost-center"] = "42"
    plan = plan_for(fleet, [live(p, drifted if n == CPU else None) for n, p in wanted.items()])
    (change,) = plan.alarm_changes
    assert not change.writes_alarm
    assert change.tags_to_set == {"mac:team": "shop-eng"}
    assert change.tags_to_remove == ("mac:stale",)


def test_leftovers_are_deleted_only_with_prune_and_unowned_alarms_never(fleet: Inventory) -> None:
    wanted = desired_alarms(fleet)
    leftover = copy.deepcopy(wanted[CPU]) | {"AlarmName": "acme/mysql/gone-db/cpu-high"}
    unowned_taken = copy.deepcopy(wanted["acme/mysql/billing-db/cpu-high"])
    alarms = [live(p) for n, p in wanted.items() if n != "acme/mysql/billing-db/cpu-high"]
    alarms += [
        live(leftover),
        live(unowned_taken, tags={}),
        live(leftover | {"AlarmName": "acme/x"}, tags={}),
    ]
    kept = plan_for(fleet, alarms)
    assert kept.alarm_changes == ()
    assert kept.orphans == ("acme/mysql/gone-db/cpu-high",)
    assert kept.conflicts == ("acme/mysql/billing-db/cpu-high",)
    pruned = plan_for(fleet, alarms, prune=True)
    assert [(c.action, c.name) for c in pruned.alarm_changes] == [("delete", "acme/mysql/gone-db/cpu-high")]
    assert pruned.cost().alarms_usd_per_month == pytest.approx(-0.10)


def test_retention_rules_named_groups_and_a_default_that_never_shortens(fleet: Inventory) -> None:
    groups = [
        LiveLogGroup("/aws/rds/instance/orders-db/slowquery", None, 10 * GB, 0),
        LiveLogGroup("/aws/lambda/thumbs", 30, 0, 0),
        LiveLogGroup("/app/no-policy", None, 0, 0),
        LiveLogGroup("/app/audit", 3653, 0, 0),
        LiveLogGroup("/aws/rds/instance/billing-db/slowquery", 30, 0, 0),
    ]
    plan = plan_for(fleet, [live(p) for p in desired_alarms(fleet).values()], groups)
    assert [(c.group, c.before_days, c.after_days) for c in plan.retention_changes] == [
        ("/app/no-policy", None, 90),
        ("/aws/lambda/thumbs", 30, 14),
        ("/aws/rds/instance/orders-db/slowquery", None, 30),
    ]
    assert plan.missing_log_groups == ()


def test_storage_expiring_assumes_even_writes_since_creation() -> None:
    created_400_days_ago = LiveLogGroup("g", None, 400 * GB, 0)
    assert expiring_bytes(created_400_days_ago, 30, NOW_MS) == 370 * GB
    already_60_days = LiveLogGroup("g", 60, 60 * GB, 0)
    assert expiring_bytes(already_60_days, 30, NOW_MS) == 30 * GB
    young = LiveLogGroup("g", None, GB, NOW_MS - 10 * MS_PER_DAY)
    assert expiring_bytes(young, 30, NOW_MS) == 0


def test_cost_estimate_and_json_rendering(fleet: Inventory) -> None:
    groups = [LiveLogGroup("/aws/rds/instance/orders-db/slowquery", None, 400 * GB, 0)]
    document = plan_document(plan_for(fleet, [], groups))
    assert document["cost_estimate_usd_per_month"] == {
        "alarms": 4.7,
        "alarms_added": 47,
        "alarms_removed": 0,
        "expiring_bytes": 370 * GB,
        "log_storage_saving": 11.1,
    }
    assert document["missing_log_groups"] == ["/aws/rds/instance/billing-db/slowquery"]


def throttling() -> ClientError:
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "PutMetricAlarm")


def test_backoff_retries_throttling_with_growing_jittered_sleeps() -> None:
    sleeps: list[float] = []
    outcomes: list[Any] = [throttling(), throttling(), {"ok": True}]

    def operation(**_: Any) -> Any:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    backoff = Backoff(sleep=sleeps.append, jitter=lambda low, high: high)
    assert backoff.call(operation) == {"ok": True}
    assert sleeps == [0.2, 0.4]
    assert backoff.throttled == 2


def test_backoff_gives_up_and_never_retries_other_errors() -> None:
    def denied(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutMetricAlarm")

    def always_throttled(**_: Any) -> Any:
        raise throttling()

    sleeps: list[float] = []
    with pytest.raises(ClientError, match="AccessDenied"):
        Backoff(sleep=sleeps.append).call(denied)
    assert sleeps == []
    with pytest.raises(ClientError, match="Throttling"):
        Backoff(max_attempts=3, sleep=sleeps.append).call(always_throttled)
    assert len(sleeps) == 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_rate_limiter_spaces_calls_evenly() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(4):
        limiter.wait()
        starts.append(round(clock.now, 3))
    assert starts == [0.0, 0.333, 0.667, 1.0]


def test_progress_reports_an_eta_from_the_rate_limit() -> None:
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(1500, 3.0, stream, clock=clock, every_seconds=0)
    assert progress.eta_seconds() == pytest.approx(500)
    clock.sleep(100)
    progress.advance(300)
    assert stream.getvalue() == "apply: 300/1500 (20%), 100s elapsed, ETA 6m40s\n"
