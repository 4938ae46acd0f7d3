"""The plan, retention choices, cost estimate, rate limit, backoff and progress, without AWS."""

from __future__ import annotations

import copy
import io
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from click.testing import CliRunner, Result

from cli.main import cli
from monitoring.aws.apply import Progress
from monitoring.aws.calls import AwsUnreachable, Backoff, RateLimiter
from monitoring.aws.live import LiveAlarm, LiveLogGroup
from monitoring.aws.plan import (
    GB,
    MS_PER_DAY,
    STANDARD_ALARM_USD_PER_MONTH,
    Plan,
    compute_plan,
    expiring_bytes,
    prune_refusal,
)
from monitoring.aws.render import plan_document, render_text
from monitoring.aws.retention import retention_document, retention_policy
from monitoring.aws.reviewed import retention_from_document
from monitoring.generate.cloudwatch import ALARMS_PATH, PLACEMENTS_PATH, desired_alarms
from monitoring.inventory.build import load_inventory
from monitoring.model import Inventory
from monitoring.problems import InputError
from tests.helpers import REPO
from tests.servers import free_port

FLEET = REPO / "tests/fixtures/cloudwatch/inventory"
NOW_MS = 400 * MS_PER_DAY
CPU = "acme/test/mysql/orders-db/cpu-high"


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
    inventory: Inventory,
    alarms: list[LiveAlarm],
    groups: Sequence[LiveLogGroup] = (),
    prune: bool = False,
    allow_shorten: bool = False,
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
        allow_shorten_retention=allow_shorten,
    )


def test_everything_is_created_from_empty_and_nothing_planned_once_live(fleet: Inventory) -> None:
    wanted = desired_alarms(fleet)
    empty = plan_for(fleet, [])
    assert [c.action for c in empty.alarm_changes] == ["create"] * len(wanted)
    mysql = sum("/mysql/" in name for name in wanted)
    assert empty.counts_by_kind()["mysql"] == {"create": mysql, "update": 0, "delete": 0, "unchanged": 0}
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
    leftover = copy.deepcopy(wanted[CPU]) | {"AlarmName": "acme/test/mysql/gone-db/cpu-high"}
    unowned_taken = copy.deepcopy(wanted["acme/test/mysql/billing-db/cpu-high"])
    alarms = [live(p) for n, p in wanted.items() if n != "acme/test/mysql/billing-db/cpu-high"]
    alarms += [
        live(leftover),
        live(unowned_taken, tags={}),
        live(leftover | {"AlarmName": "acme/test/x"}, tags={}),
    ]
    kept = plan_for(fleet, alarms)
    assert kept.alarm_changes == ()
    assert kept.orphans == ("acme/test/mysql/gone-db/cpu-high",)
    assert kept.conflicts == ("acme/test/mysql/billing-db/cpu-high",)
    pruned = plan_for(fleet, alarms, prune=True)
    assert [(c.action, c.name) for c in pruned.alarm_changes] == [
        ("delete", "acme/test/mysql/gone-db/cpu-high")
    ]
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
    document = plan_document(plan_for(fleet, [], groups, allow_shorten=True))
    wanted = desired_alarms(fleet)
    assert document["cost_estimate_usd_per_month"] == {
        "alarms": round(len(wanted) * STANDARD_ALARM_USD_PER_MONTH, 2),
        "alarms_added": len(wanted),
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


def server_error(status: int = 500) -> ClientError:
    response: Any = {
        "Error": {"Code": "InternalFailure", "Message": "oops"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "PutMetricAlarm")


def scripted(*outcomes: Any) -> Any:
    remaining = list(outcomes)

    def operation(**_: Any) -> Any:
        outcome = remaining.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return operation


def test_backoff_retries_server_errors_timeouts_and_resets_with_jittered_sleeps() -> None:
    sleeps: list[float] = []
    backoff = Backoff(sleep=sleeps.append, jitter=lambda low, high: high)
    reset = ConnectionClosedError(endpoint_url="http://aws")
    timeout = ReadTimeoutError(endpoint_url="http://aws")
    operation = scripted(server_error(500), server_error(503), reset, timeout, throttling(), {"ok": 1})
    assert backoff.call(operation) == {"ok": 1}
    assert sleeps == [0.2, 0.4, 0.8, 1.6, 3.2]
    assert backoff.retried == {"server error": 2, "connection error": 2, "throttling": 1}
    assert backoff.summary() == "retried with backoff: 2 connection error, 2 server error, 1 throttling"


def test_backoff_never_retries_a_4xx_that_is_not_throttling() -> None:
    sleeps: list[float] = []
    with pytest.raises(ClientError, match="InternalFailure"):
        Backoff(sleep=sleeps.append).call(scripted(server_error(400), {"ok": 1}))
    assert sleeps == []


def test_backoff_turns_a_connection_that_never_comes_up_into_aws_unreachable() -> None:
    refused = EndpointConnectionError(endpoint_url="http://127.0.0.1:1/")
    backoff = Backoff(max_attempts=3, sleep=lambda _: None)
    with pytest.raises(AwsUnreachable, match=r"Could not connect to the endpoint URL.*\(3 attempts\)"):
        backoff.call(scripted(refused, refused, refused))
    # A server error that persists is a failed call, not an unreachable AWS.
    with pytest.raises(ClientError):
        backoff.call(scripted(server_error(), server_error(), server_error()))


def group(name: str, days: int | None, stored: int = 0, tagged: bool = False) -> LiveLogGroup:
    return LiveLogGroup(name, days, stored, 0, f"arn:aws:logs:us-east-1:1:log-group:{name}", tagged)


def test_retention_is_planned_only_for_named_claimed_or_tagged_groups(fleet: Inventory) -> None:
    groups = [
        group("/aws/lambda/thumbs", None),  # claimed, rule
        group("/app/no-policy", None),  # claimed, default
        group("/team-b/no-policy", None),  # nobody's: untouched
        group("/aws/ecs/other", 365),  # nobody's: untouched
        group("/legacy/ours", None, tagged=True),  # tagged as ours: default
        group("/aws/rds/instance/orders-db/slowquery", None),  # named
    ]
    plan = plan_for(fleet, [live(p) for p in desired_alarms(fleet).values()], groups)
    assert [(c.group, c.after_days, c.source, c.needs_tags) for c in plan.retention_changes] == [
        ("/app/no-policy", 90, "default", True),
        ("/aws/lambda/thumbs", 14, "rule /aws/lambda/*", True),
        ("/aws/rds/instance/orders-db/slowquery", 30, "rule /aws/rds/instance/*/slowquery", True),
        ("/legacy/ours", 90, "default", False),
    ]


def test_shortening_retention_is_held_back_with_the_data_it_would_drop(fleet: Inventory) -> None:
    groups = [
        group("/aws/lambda/thumbs", 365, stored=365 * GB),
        group("/aws/lambda/resizer", 7, stored=GB),
    ]
    alarms = [live(p) for p in desired_alarms(fleet).values()]
    plan = plan_for(fleet, alarms, groups)
    assert [(c.group, c.shortens, c.held) for c in plan.retention_changes] == [
        ("/aws/lambda/resizer", False, False),
        ("/aws/lambda/thumbs", True, True),
    ]
    assert plan.has_changes and plan.retention_to_apply == (plan.retention_changes[0],)
    text = render_text(plan)
    assert (
        "  ~ /aws/lambda/thumbs: 365 days -> 14 days (stored 365.0 GB, ~351.0 GB would be deleted for good; "
        "rule /aws/lambda/*) [SHORTENS, held back]" in text
    )
    assert "1 retention changes held back: they shorten retention (~351.0 GB of stored logs" in text
    assert text.endswith(
        "Plan: 0 to create, 0 to update, 0 to delete, 1 retention policies to set. "
        "1 retention changes held back (they shorten retention)."
    )
    assert plan.cost().expiring_bytes == 0  # what apply will do: the held change is not counted
    document = plan_document(plan)
    assert [(r["log_group"], r["held"]) for r in document["retention"]] == [
        ("/aws/lambda/resizer", False),
        ("/aws/lambda/thumbs", True),
    ]
    allowed = plan_for(fleet, alarms, groups, allow_shorten=True)
    assert [c.held for c in allowed.retention_changes] == [False, False]


def test_prune_refuses_beyond_ten_percent_of_owned_alarms_with_a_floor(fleet: Inventory) -> None:
    wanted = desired_alarms(fleet)
    leftovers = [
        live(copy.deepcopy(p) | {"AlarmName": f"acme/test/mysql/gone-{n}/cpu-high"}, tags=None)
        for n, p in enumerate([wanted[CPU]] * 11)
    ]
    for alarm in leftovers:
        alarm.tags["mac:service"] = alarm.name.split("/")[3]
    alarms = [live(p) for p in wanted.values()] + leftovers
    plan = plan_for(fleet, alarms, prune=True)
    assert plan.owned_alarms == len(wanted) + 11
    assert prune_refusal(plan, None).startswith(
        "refusing to prune: 11 owned alarms of 11 services would be deleted, more than the default limit "
        f"of 10 (10% of the {len(wanted) + 11} owned alarms live, at least 10, at most 100)."
    )
    assert prune_refusal(plan, 11) == ""
    assert "more than --prune-max 5" in prune_refusal(plan, 5)
    assert prune_refusal(plan_for(fleet, alarms[:-1], prune=True), None) == ""


def retention_inventory(tmp_path: Path, rules: str, claimed: str) -> Path:
    text = (REPO / "tests/fixtures/cloudwatch/inventory/fleet.yaml").read_text()
    start, end = text.index("log_retention:\n"), text.index("domains:\n")
    folder = tmp_path / "inventory"
    folder.mkdir()
    (folder / "fleet.yaml").write_text(
        text[:start] + f"log_retention:\n{claimed}  default_days: 90\n  rules:\n{rules}" + text[end:]
    )
    return folder


def test_a_rule_outside_every_claimed_prefix_is_rejected_located_with_a_hint(tmp_path: Path) -> None:
    folder = retention_inventory(
        tmp_path,
        "    - pattern: /aws/lambda/*\n      days: 14\n    - pattern: /aws/*\n      days: 30\n",
        "  claimed_prefixes: [/aws/lambda/]\n",
    )
    with pytest.raises(InputError) as raised:
        load_inventory(folder)
    (problem,) = raised.value.problems
    assert (problem.location.file.endswith("fleet.yaml"), problem.location.line) == (True, 16)
    assert problem.message == (
        "log_retention.rules[1].pattern '/aws/*' lies outside every claimed prefix: it could change the "
        "retention of log groups this inventory does not own"
    )
    assert problem.hint.startswith("claimed prefixes: '/aws/lambda/'; add the groups' prefix to ")
    assert "(e.g. '/aws/')" in problem.hint


def test_inventory_id_defaults_to_organization_and_environment_and_is_checked(tmp_path: Path) -> None:
    fleet = load_inventory(REPO / "tests/fixtures/cloudwatch/inventory")
    assert fleet.settings.inventory_id == "acme/test"
    folder = tmp_path / "inventory"
    folder.mkdir()
    text = (REPO / "tests/fixtures/cloudwatch/inventory/fleet.yaml").read_text()
    (folder / "fleet.yaml").write_text(
        text.replace("  environment: test\n", "  environment: test\n  inventory_id: Acme//x\n")
    )
    with pytest.raises(InputError, match="'Acme//x' is not an inventory id"):
        load_inventory(folder)


def test_the_retention_document_reads_back_as_the_policy_it_was_written_from(fleet: Inventory) -> None:
    policy = retention_policy(fleet)
    document = json.loads(json.dumps(retention_document(policy)))
    read = retention_from_document(document)
    assert (read.log_groups, read.default_days, read.claimed_prefixes) == (
        policy.log_groups,
        policy.default_days,
        policy.claimed_prefixes,
    )
    assert [(r.pattern, r.days, r.description, r.allow_shorten) for r in read.rules] == [
        (r.pattern, r.days, r.description, r.allow_shorten) for r in policy.rules
    ]


def plan_cli(inventory: Path, out: Path) -> Result:
    # A closed port: a plan that got as far as AWS would exit 3, not 2.
    closed = f"http://127.0.0.1:{free_port()}"
    args = ["plan", "cloudwatch", "-i", str(inventory), "-o", str(out), "--endpoint-url", closed]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_plan_refuses_a_generated_folder_that_is_stale_missing_or_edited(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert CliRunner().invoke(cli, ["generate", "-i", str(FLEET), "-o", str(out), "-q"]).exit_code == 0
    changed = tmp_path / "inventory"
    shutil.copytree(FLEET, changed)
    text = (changed / "fleet.yaml").read_text()
    (changed / "fleet.yaml").write_text(text.replace("  environment: test\n", "  environment: staging\n"))

    stale = plan_cli(changed, out)
    assert stale.exit_code == 2, stale.output
    assert stale.stderr == (
        f"error: {out / 'cloudwatch'} does not match the inventory (changed: {out / ALARMS_PATH}; "
        f"changed: {out / PLACEMENTS_PATH}): "
        f"run `mac generate -o {out}`, review the difference, then plan again\n"
    )

    missing = plan_cli(FLEET, tmp_path / "nothing")
    assert missing.exit_code == 2
    assert f"(missing: {tmp_path / 'nothing' / ALARMS_PATH}; missing: " in missing.stderr

    alarms = out / ALARMS_PATH
    reviewed = alarms.read_text()
    assert '"Threshold": 80.0' in reviewed
    alarms.write_text(reviewed.replace('"Threshold": 80.0', '"Threshold": 99.0', 1))
    edited = plan_cli(FLEET, out)
    assert edited.exit_code == 2
    assert f"(changed: {alarms})" in edited.stderr
