"""`mac plan/apply cloudwatch` over real HTTP against moto in server mode, directly or through a
fault-injecting proxy that throttles, fails, resets connections and enforces the 100-name limits
like AWS."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

import boto3
import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from monitoring.generate.cloudwatch import desired_alarms
from monitoring.inventory.build import load_inventory
from tests.aws_fixtures import MotoServer
from tests.fault_proxy import FaultProxy
from tests.helpers import REPO
from tests.servers import free_port

pytestmark = pytest.mark.integration

FLEET = REPO / "tests/fixtures/cloudwatch/inventory"
# Derived from the fixture, so a preset change moves the expectations with it.
FLEET_WANTED = desired_alarms(load_inventory(FLEET))
FLEET_ALARMS = len(FLEET_WANTED)


def mac(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


class _Generated:
    """`mac generate` output per inventory folder, made once per module: plan and apply read it."""

    root: Path | None = None
    folders: ClassVar[dict[Path, Path]] = {}


@pytest.fixture(scope="module", autouse=True)
def generated_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    _Generated.root = tmp_path_factory.mktemp("generated")
    yield
    _Generated.root = None
    _Generated.folders.clear()


def generated(inventory: Path) -> Path:
    if inventory not in _Generated.folders:
        assert _Generated.root is not None
        out = _Generated.root / str(len(_Generated.folders))
        result = mac("generate", "-i", inventory, "-o", out, "--quiet")
        assert result.exit_code == 0, result.output
        _Generated.folders[inventory] = out
    return _Generated.folders[inventory]


def plan(inventory: Path, endpoint: str, *extra: str) -> Result:
    return mac(
        "plan",
        "cloudwatch",
        "-i",
        inventory,
        "-o",
        generated(inventory),
        "--endpoint-url",
        endpoint,
        "--detailed-exitcode",
        *extra,
    )


def apply(inventory: Path, endpoint: str, *extra: str) -> Result:
    return mac(
        "apply",
        "cloudwatch",
        "-i",
        inventory,
        "-o",
        generated(inventory),
        "--endpoint-url",
        endpoint,
        "--yes",
        "--max-calls-per-second",
        "500",
        *extra,
    )


def aws(service: Literal["cloudwatch", "logs"], endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def alarms(endpoint: str) -> dict[str, dict[str, Any]]:
    pages = aws("cloudwatch", endpoint).get_paginator("describe_alarms").paginate()
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def tags(endpoint: str, alarm: dict[str, Any]) -> dict[str, str]:
    listed = aws("cloudwatch", endpoint).list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    return {t["Key"]: t["Value"] for t in listed}


def retention(endpoint: str) -> dict[str, int | None]:
    groups = aws("logs", endpoint).describe_log_groups()["logGroups"]
    return {g["logGroupName"]: g.get("retentionInDays") for g in groups}


def group_tags(endpoint: str) -> dict[str, dict[str, str]]:
    logs = aws("logs", endpoint)
    return {
        g["logGroupName"]: logs.list_tags_for_resource(resourceArn=g["logGroupArn"])["tags"]
        for g in logs.describe_log_groups()["logGroups"]
    }


def create_groups(endpoint: str, groups: dict[str, int | None], tags: dict[str, str] | None = None) -> None:
    logs = aws("logs", endpoint)
    for group, days in groups.items():
        logs.create_log_group(logGroupName=group, **({"tags": tags} if tags else {}))
        if days is not None:
            logs.put_retention_policy(logGroupName=group, retentionInDays=days)


def put_unowned_alarm(endpoint: str, name: str, threshold: float) -> None:
    aws("cloudwatch", endpoint).put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/RDS",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold",
    )


def edited_fleet(tmp_path: Path, old: str, new: str, *more: str, name: str = "inventory") -> Path:
    """A copy of the fleet with `old` replaced by `new` (and further old/new pairs in `more`)."""
    folder = tmp_path / name
    shutil.copytree(FLEET, folder)
    text = (folder / "fleet.yaml").read_text()
    pairs = [(old, new), *zip(more[::2], more[1::2], strict=True)]
    for before, after in pairs:
        assert before in text
        text = text.replace(before, after)
    (folder / "fleet.yaml").write_text(text)
    return folder


ORDERS_DB = (
    "  - kind: mysql\n    name: orders-db\n    domain: shop\n    endpoint: orders-db.example.internal:3306\n"
)
ORDERS_DB_ALARMS = sum("/mysql/orders-db/" in name for name in FLEET_WANTED)


@pytest.fixture
def proxy(moto: MotoServer) -> Iterator[FaultProxy]:
    started = FaultProxy(moto.url, throttle_share=0.3, seed=7).start()
    yield started
    started.stop()


def test_create_from_empty_sets_retention_on_existing_groups_and_then_plans_nothing(
    moto: MotoServer,
) -> None:
    create_groups(
        moto.url,
        {
            "/aws/rds/instance/orders-db/slowquery": None,
            "/aws/lambda/thumbnails": None,
            "/app/checkout": None,
            "/app/audit": 365,
        },
    )

    pending = plan(FLEET, moto.url, "--allow-shorten-retention")
    assert pending.exit_code == 1, pending.output
    assert (
        f"Plan: {FLEET_ALARMS} to create, 0 to update, 0 to delete, 3 retention policies to set."
        in pending.output
    )

    applied = apply(FLEET, moto.url, "--allow-shorten-retention")
    assert applied.exit_code == 0, applied.output
    live = alarms(moto.url)
    assert len(live) == FLEET_ALARMS
    controller = live["acme/test/kafka/events/no-active-controller"]
    assert controller["Dimensions"] == [{"Name": "Cluster Name", "Value": "acme-events"}]
    assert controller["Statistic"] == "Sum"
    assert controller["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:acme-shop-critical"]
    assert tags(moto.url, controller)["managed-by"] == "mac"
    assert retention(moto.url) == {
        "/aws/rds/instance/orders-db/slowquery": 30,
        "/aws/lambda/thumbnails": 14,
        "/app/checkout": 90,
        "/app/audit": 365,
    }
    ours = {"managed-by": "mac", "mac:inventory": "acme/test"}
    assert {name: t for name, t in group_tags(moto.url).items() if t} == {
        "/aws/rds/instance/orders-db/slowquery": ours,
        "/aws/lambda/thumbnails": ours,
        "/app/checkout": ours,
    }

    again = plan(FLEET, moto.url)
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output
    assert "1 slow-query log groups do not exist yet" in again.output  # billing-db: never created


def test_changed_threshold_updates_only_that_alarm(moto: MotoServer, tmp_path: Path) -> None:
    assert apply(FLEET, moto.url).exit_code == 0
    changed = edited_fleet(
        tmp_path,
        "    endpoint: orders-db.example.internal:3306\n",
        "    endpoint: orders-db.example.internal:3306\n    thresholds:\n      max_cpu_percent: 70\n",
    )
    pending = plan(changed, moto.url, "--format", "json")
    assert pending.exit_code == 1
    document = json.loads(pending.output)
    assert [(a["action"], a["name"]) for a in document["alarms"]] == [
        ("update", "acme/test/mysql/orders-db/cpu-high")
    ]
    assert document["alarms"][0]["changes"]["Threshold"] == {"before": 80.0, "after": 70.0}

    assert apply(changed, moto.url).exit_code == 0
    assert alarms(moto.url)["acme/test/mysql/orders-db/cpu-high"]["Threshold"] == 70.0
    assert plan(changed, moto.url).exit_code == 0


def test_prune_deletes_owned_leftovers_only_and_never_unowned_alarms(
    moto: MotoServer,
    tmp_path: Path,
) -> None:
    assert apply(FLEET, moto.url).exit_code == 0
    put_unowned_alarm(moto.url, "acme/test/mysql/legacy-db/cpu-high", 50)
    put_unowned_alarm(moto.url, "someone-elses-alarm", 60)
    without_orders = edited_fleet(tmp_path, ORDERS_DB, "")
    kept = apply(without_orders, moto.url)
    assert kept.exit_code == 0
    assert (
        f"{ORDERS_DB_ALARMS} owned alarms are no longer in the inventory; --prune deletes them" in kept.output
    )
    assert "acme/test/mysql/orders-db/cpu-high" in alarms(moto.url)

    pruned = apply(without_orders, moto.url, "--prune")
    assert pruned.exit_code == 0, pruned.output
    live = alarms(moto.url)
    assert not [name for name in live if name.startswith("acme/test/mysql/orders-db/")]
    assert live["acme/test/mysql/legacy-db/cpu-high"]["Threshold"] == 50.0
    assert live["someone-elses-alarm"]["Threshold"] == 60.0
    assert len(live) == FLEET_ALARMS - ORDERS_DB_ALARMS + 2
    assert plan(without_orders, moto.url, "--prune").exit_code == 0


def test_an_unowned_alarm_with_a_wanted_name_is_a_conflict_not_overwritten(moto: MotoServer) -> None:
    put_unowned_alarm(moto.url, "acme/test/mysql/orders-db/cpu-high", 50)
    applied = apply(FLEET, moto.url)
    assert applied.exit_code == 1, applied.output
    assert "1 wanted alarm names belong to alarms we do not own (left untouched):" in applied.output
    assert "1 conflicts: alarms with these names exist and are not owned by this inventory" in applied.output
    assert f"Applied {FLEET_ALARMS - 1} changes, 0 failed." in applied.output
    taken = alarms(moto.url)["acme/test/mysql/orders-db/cpu-high"]
    assert taken["Threshold"] == 50.0
    assert tags(moto.url, taken) == {}

    # Nothing else to do, but the conflict stands: plan and apply still exit 1, and say why.
    without_detailed_exitcode = mac(
        "plan", "cloudwatch", "-i", FLEET, "-o", generated(FLEET), "--endpoint-url", moto.url
    )
    for result in (plan(FLEET, moto.url), without_detailed_exitcode):
        assert result.exit_code == 1, result.output
        assert result.output.rstrip().endswith(
            "No changes to apply. 1 conflicts: alarms with these names exist and are not owned by this "
            "inventory."
        )
    assert apply(FLEET, moto.url).exit_code == 1


def test_apply_converges_through_throttling(proxy: FaultProxy) -> None:
    applied = apply(FLEET, proxy.url)
    assert applied.exit_code == 0, applied.output
    assert proxy.throttled["PutMetricAlarm"] > 0
    assert proxy.requests["PutMetricAlarm"] == FLEET_ALARMS + proxy.throttled["PutMetricAlarm"]
    assert plan(FLEET, proxy.url).exit_code == 0


def test_failed_alarms_are_reported_by_name_and_a_rerun_finishes(proxy: FaultProxy) -> None:
    proxy.failing_alarms = {
        "acme/test/mysql/orders-db/cpu-high",
        "acme/test/redis/sessions/sessions-002/evictions",
    }
    partial = apply(FLEET, proxy.url)
    assert partial.exit_code == 1
    assert f"Applied {FLEET_ALARMS - 2} changes, 2 failed." in partial.output
    assert "failed: acme/test/mysql/orders-db/cpu-high: InternalFailure: injected failure" in partial.output

    proxy.failing_alarms = set()
    pending = plan(FLEET, proxy.url, "--format", "json")
    assert sorted(a["name"] for a in json.loads(pending.output)["alarms"]) == sorted(
        ["acme/test/mysql/orders-db/cpu-high", "acme/test/redis/sessions/sessions-002/evictions"]
    )
    assert apply(FLEET, proxy.url).exit_code == 0
    assert plan(FLEET, proxy.url).exit_code == 0


def test_deletes_respect_the_100_name_limit(proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.throttle_share = 0.0
    databases = "".join(
        f"  - kind: mysql\n    name: db-{n:02d}\n    domain: shop\n"
        f"    endpoint: db-{n:02d}.example.internal:3306\n"
        for n in range(20)
    )
    bigger = edited_fleet(tmp_path, "services:\n", f"services:\n{databases}")
    assert apply(bigger, proxy.url).exit_code == 0
    assert len(alarms(proxy.url)) == FLEET_ALARMS + 20 * ORDERS_DB_ALARMS

    pruned = apply(FLEET, proxy.url, "--prune", "--prune-max", str(20 * ORDERS_DB_ALARMS))
    assert pruned.exit_code == 0, pruned.output
    assert len(alarms(proxy.url)) == FLEET_ALARMS
    assert proxy.rejected == {}
    assert proxy.requests["DeleteAlarms"] == 2


def test_inventories_of_one_organization_never_prune_each_others_alarms(
    moto: MotoServer,
    tmp_path: Path,
) -> None:
    production = edited_fleet(tmp_path, "  environment: test\n", "  environment: production\n", name="prod")
    staging = edited_fleet(
        tmp_path, "  environment: test\n", "  environment: staging\n", ORDERS_DB, "", name="staging"
    )
    assert apply(production, moto.url).exit_code == 0
    before = alarms(moto.url)
    assert len(before) == FLEET_ALARMS

    pruned = apply(staging, moto.url, "--prune")
    assert pruned.exit_code == 0, pruned.output
    live = alarms(moto.url)
    assert len(live) == FLEET_ALARMS + FLEET_ALARMS - ORDERS_DB_ALARMS
    for name, alarm in before.items():
        assert name.startswith("acme/production/")
        assert live[name]["Threshold"] == alarm["Threshold"]
        assert tags(moto.url, live[name])["mac:inventory"] == "acme/production"
    assert plan(production, moto.url, "--prune").exit_code == 0


def test_an_inventory_id_that_extends_ours_is_not_ours(moto: MotoServer, tmp_path: Path) -> None:
    # "acme/prod/" is a name prefix of every "acme/prod/eu/..." alarm: only the exact tag decides.
    europe = edited_fleet(
        tmp_path, "  environment: test\n", "  environment: test\n  inventory_id: acme/prod/eu\n"
    )
    prod = edited_fleet(
        tmp_path,
        "  environment: test\n",
        "  environment: test\n  inventory_id: acme/prod\n",
        ORDERS_DB,
        "",
        name="prod",
    )
    assert apply(europe, moto.url).exit_code == 0
    pruned = apply(prod, moto.url, "--prune")
    assert pruned.exit_code == 0, pruned.output
    live = alarms(moto.url)
    assert sum(name.startswith("acme/prod/eu/") for name in live) == FLEET_ALARMS
    assert "acme/prod/eu/mysql/orders-db/cpu-high" in live
    assert "acme/prod/mysql/orders-db/cpu-high" not in live
    assert len(live) == 2 * FLEET_ALARMS - ORDERS_DB_ALARMS


def test_prune_refuses_to_delete_more_than_the_limit_unless_allowed(
    moto: MotoServer,
    tmp_path: Path,
) -> None:
    databases = "".join(
        f"  - kind: mysql\n    name: db-{n:02d}\n    domain: shop\n"
        f"    endpoint: db-{n:02d}.example.internal:3306\n"
        for n in range(20)
    )
    bigger = edited_fleet(tmp_path, "services:\n", f"services:\n{databases}")
    assert apply(bigger, moto.url).exit_code == 0
    owned = FLEET_ALARMS + 20 * ORDERS_DB_ALARMS

    refused = apply(FLEET, moto.url, "--prune")
    assert refused.exit_code == 2, refused.output
    assert (
        f"refusing to prune: {20 * ORDERS_DB_ALARMS} owned alarms of 20 services would be deleted, more "
        f"than the default limit of {owned // 10} (10% of the {owned} owned alarms live, at least 10, at "
        "most 100). Nothing was changed." in refused.stderr
    )
    assert f"re-run with --prune-max {20 * ORDERS_DB_ALARMS}" in refused.stderr
    assert "Applied" not in refused.output
    assert len(alarms(moto.url)) == owned

    planned = plan(FLEET, moto.url, "--prune")
    assert planned.exit_code == 1
    assert "`mac apply cloudwatch --prune` would refuse this plan" in planned.stderr

    assert apply(FLEET, moto.url, "--prune", "--prune-max", str(20 * ORDERS_DB_ALARMS - 1)).exit_code == 2
    assert len(alarms(moto.url)) == owned
    allowed = apply(FLEET, moto.url, "--prune", "--prune-max", "140")
    assert allowed.exit_code == 0, allowed.output
    assert len(alarms(moto.url)) == FLEET_ALARMS


def test_retention_only_on_owned_groups_and_shortening_is_held_back(moto: MotoServer) -> None:
    ours = {"managed-by": "mac", "mac:inventory": "acme/test"}
    create_groups(
        moto.url,
        {
            "/aws/lambda/thumbnails": 365,  # claimed, matches the 14-day rule: a shortening
            "/aws/lambda/resizer": 7,  # claimed, 7 -> 14 lengthens: applied without asking
            "/team-b/api": None,  # not claimed, not named, not tagged: never touched
            "/aws/ecs/billing": 365,
        },
    )
    create_groups(moto.url, {"/legacy/ours": None}, tags=ours)  # tagged by an earlier apply: ours

    held = apply(FLEET, moto.url)
    assert held.exit_code == 1, held.output
    assert (
        "  ~ /aws/lambda/thumbnails: 365 days -> 14 days (stored 0 B; rule /aws/lambda/*) "
        "[SHORTENS, held back]" in held.output
    )
    assert "  ~ /aws/lambda/resizer: 7 days -> 14 days (stored 0 B; rule /aws/lambda/*)\n" in held.output
    assert "2 retention changes held back: they shorten retention" in held.output
    assert "Allow them with --allow-shorten-retention, or with `allow_shorten: true` on their rule." in (
        held.output
    )
    assert "/team-b/api" not in held.output and "/aws/ecs/billing" not in held.output
    assert retention(moto.url) == {
        "/aws/lambda/thumbnails": 365,
        "/aws/lambda/resizer": 14,
        "/team-b/api": None,
        "/aws/ecs/billing": 365,
        "/legacy/ours": None,
    }
    assert plan(FLEET, moto.url).exit_code == 1  # still pending

    allowed = apply(FLEET, moto.url, "--allow-shorten-retention")
    assert allowed.exit_code == 0, allowed.output
    assert retention(moto.url) == {
        "/aws/lambda/thumbnails": 14,
        "/aws/lambda/resizer": 14,
        "/team-b/api": None,
        "/aws/ecs/billing": 365,
        "/legacy/ours": 90,
    }
    assert group_tags(moto.url)["/team-b/api"] == {}
    assert group_tags(moto.url)["/aws/lambda/thumbnails"] == ours
    assert plan(FLEET, moto.url).exit_code == 0


def test_a_rule_may_opt_in_to_shortening(moto: MotoServer, tmp_path: Path) -> None:
    create_groups(moto.url, {"/aws/lambda/thumbnails": 365})
    opted_in = edited_fleet(
        tmp_path,
        "    - pattern: /aws/lambda/*\n      days: 14\n",
        "    - pattern: /aws/lambda/*\n      days: 14\n      allow_shorten: true\n",
    )
    applied = apply(opted_in, moto.url)
    assert applied.exit_code == 0, applied.output
    assert "(stored 0 B; rule /aws/lambda/*) [shortens]" in applied.output
    assert retention(moto.url)["/aws/lambda/thumbnails"] == 14


def test_apply_converges_in_one_run_through_throttling_server_errors_and_resets(
    moto: MotoServer,
) -> None:
    create_groups(moto.url, {"/aws/rds/instance/orders-db/slowquery": None, "/aws/lambda/thumbnails": 365})
    weather = FaultProxy(moto.url, throttle_share=0.3, seed=3, server_error_share=0.05, reset_share=0.05)
    weather.start()
    try:
        applied = apply(FLEET, weather.url, "--allow-shorten-retention")
        assert applied.exit_code == 0, applied.output
        assert f"Applied {FLEET_ALARMS + 2} changes, 0 failed." in applied.output
        assert weather.throttled["PutMetricAlarm"] > 0
        assert sum(weather.server_errors.values()) > 0
        assert sum(weather.resets.values()) > 0
        assert "retried with backoff:" in applied.stderr
        assert "Traceback" not in applied.output
    finally:
        weather.stop()
    converged = plan(FLEET, moto.url)
    assert converged.exit_code == 0, converged.output
    assert len(alarms(moto.url)) == FLEET_ALARMS


def test_tags_are_read_in_bulk_and_per_alarm_only_where_the_bulk_answer_has_none(
    proxy: FaultProxy,
) -> None:
    proxy.throttle_share = 0.0
    put_unowned_alarm(proxy.url, "acme/test/someone-elses/cpu", 50)
    assert apply(FLEET, proxy.url).exit_code == 0
    proxy.requests.clear()
    assert plan(FLEET, proxy.url).exit_code == 0
    assert proxy.requests["GetResources"] >= 2  # alarms by ARN list, log groups by our tags
    assert proxy.requests["ListTagsForResource"] == 1  # only the untagged alarm under our prefix


def test_unreachable_aws_exits_3_with_one_line_and_no_traceback(moto: MotoServer) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    for extra in (["plan", "cloudwatch"], ["apply", "cloudwatch", "--yes"]):
        result = mac(
            *extra, "-i", FLEET, "-o", generated(FLEET), "--endpoint-url", closed, "--max-attempts", "2"
        )
        assert result.exit_code == 3, result.output
        assert result.stderr.startswith(f"cannot reach AWS at {closed}: ")
        assert "(2 attempts)" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output


def test_aws_dropping_every_write_stops_the_run_with_exit_3(moto: MotoServer) -> None:
    dropping = FaultProxy(moto.url, reset_share=1.0, weather_operations=frozenset({"PutMetricAlarm"}))
    dropping.start()
    try:
        result = apply(FLEET, dropping.url, "--max-attempts", "2")
    finally:
        dropping.stop()
    assert result.exit_code == 3, result.output
    assert dropping.requests["PutMetricAlarm"] == 2  # the run stopped at the first alarm
    assert "Applied 0 changes, 0 failed." in result.stdout
    assert "cannot reach AWS at " in result.stderr and "put_metric_alarm" in result.stderr
    assert "Traceback" not in result.output


def test_missing_credentials_are_bad_setup_exit_2(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in (
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    result = plan(FLEET, moto.url)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("cannot read CloudWatch: NoCredentialsError")
    assert "Traceback" not in result.output
