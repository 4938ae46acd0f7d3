"""`mac plan cloudwatch` and `mac apply cloudwatch`: CloudWatch alarms and log retention.

boto3 is imported inside the commands, so `mac` starts fast when they are not used.
Exit codes: 0 ok, 1 pending changes / conflicts / held-back changes / failures, 2 bad input or a
refused prune, 3 AWS unreachable.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from cli import exit_codes
from cli.options import format_option, out_option
from cli.reporters import Report, emit
from monitoring.problems import InputError, Location, Problem

if TYPE_CHECKING:
    from monitoring.aws.apply import ApplyReport
    from monitoring.aws.calls import AwsUnreachable, Backoff
    from monitoring.aws.plan import Plan
    from monitoring.aws.reviewed import Reviewed
    from monitoring.aws.session import CloudWatchClients
    from monitoring.model import Inventory

EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 pending changes (plan with --detailed-exitcode), conflicts (wanted names "
    "taken by alarms this inventory does not own), held-back retention shortenings or failed "
    "changes; 2 bad input, bad AWS credentials or a refused --prune; 3 AWS unreachable (after retries)."
)

_inventory = click.option(
    "--inventory",
    "-i",
    type=click.Path(path_type=Path),
    default=Path("inventory"),
    show_default=True,
    help="Inventory folder (every *.yaml in it, recursively) or a single file.",
)
_JSON_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"):')
_out = out_option(
    "its cloudwatch/alarms.json and log-retention.json are what is planned and applied (refused, "
    "exit 2, when they are missing or stale against the inventory: run `mac generate` first)."
)
_region = click.option(
    "--region",
    "regions",
    multiple=True,
    help="Only this region's alarms and log groups (repeatable). Regions come from the inventory "
    "(settings, domain and service `region`), never from this option: by default every (account, "
    "region) its services live in is planned, one session each (cloudwatch/placements.json).",
)
_account = click.option(
    "--account",
    "accounts",
    multiple=True,
    help="Only this account's alarms and log groups (repeatable): a name from settings.accounts.",
)
_endpoint = click.option(
    "--endpoint-url",
    default=None,
    help="Send CloudWatch, CloudWatch Logs, tagging and STS calls here (testing, moto).",
)
_prune = click.option(
    "--prune",
    is_flag=True,
    help="Delete owned alarms (tags managed-by=mac and mac:inventory=<inventory_id>, exactly) that are "
    "no longer in the inventory.",
)
_allow_shorten = click.option(
    "--allow-shorten-retention",
    is_flag=True,
    help="Apply retention changes that shorten a log group's retention (never-expire counts as "
    "infinite), deleting the older stored logs for good. Without it they are shown and held back, "
    "unless their rule says `allow_shorten: true`.",
)
_max_attempts = click.option(
    "--max-attempts",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Attempts per AWS call on throttling, 5xx answers, timeouts and dropped connections "
    "(exponential backoff with full jitter; every call is idempotent).",
)


@click.group("plan")
def plan_group() -> None:
    """Show what `mac apply` would change, without changing anything."""


@click.group("apply")
def apply_group() -> None:
    """Apply the inventory to a live system."""


def _load(inventory_path: Path, output_format: str) -> Inventory:
    from monitoring.inventory.build import load_inventory

    try:
        return load_inventory(inventory_path)
    except InputError as error:
        emit(Report(error.problems, ("inventory",), "the inventory"), output_format)
        sys.exit(exit_codes.BAD_INPUT)


def _reviewed(inventory: Inventory, out: Path) -> Reviewed:
    from monitoring.aws.reviewed import StaleArtifact, load_reviewed

    try:
        return load_reviewed(inventory, out)
    except StaleArtifact as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exit_codes.BAD_INPUT)


def _key_lines(path: Path) -> Callable[[str], Location]:
    """Where each top-level key of a generated JSON artifact is (one key per line); the file if absent."""
    lines: dict[str, int] = {}
    if path.is_file():
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            match = _JSON_KEY.match(line)
            if match:
                lines.setdefault(json.loads(match.group(1)), number)
    return lambda key: Location(str(path), lines.get(key, 0))


def plan_problems(plan: Plan, out: Path) -> list[Problem]:
    """The plan as problems, for the github and sarif formats: pending changes (info), conflicts,
    held-back retention shortenings (warning), located in the reviewed artifacts under out."""
    from monitoring.generate.cloudwatch import ALARMS_PATH, RETENTION_PATH

    alarm, group = _key_lines(out / ALARMS_PATH), _key_lines(out / RETENTION_PATH)
    problems = [
        Problem(
            alarm(change.name),
            f"{change.action} alarm {change.name}",
            check="cloudwatch/pending-change",
            severity="info",
        )
        for change in plan.alarm_changes
    ]
    problems += [
        Problem(
            group(change.group),
            f"set the retention of {change.group} to {change.after_days} days",
            check="cloudwatch/pending-change",
            severity="info",
        )
        for change in plan.retention_to_apply
    ]
    problems += [
        Problem(
            alarm(name),
            f"alarm {name} exists and is not owned by this inventory (tags managed-by and mac:inventory)",
            "rename the service, or remove or re-tag the other alarm",
            "cloudwatch/conflict",
        )
        for name in plan.conflicts
    ]
    problems += [
        Problem(
            group(change.group),
            f"retention of {change.group} shortens to {change.after_days} days "
            f"({change.expiring_bytes} stored bytes would be deleted): held back",
            "allow it with --allow-shorten-retention, or `allow_shorten: true` on its rule",
            "cloudwatch/retention-held",
            "warning",
        )
        for change in plan.retention_held
    ]
    problems += [
        Problem(
            alarm(name),
            f"alarm {name} watches {metric}, which CloudWatch does not list in {plan.region}: "
            "it cannot see data yet",
            "check the resource's identifier in the inventory, or that it exists and publishes the metric",
            "cloudwatch/metric-missing",
            "warning",
        )
        for name, metric in plan.unseen_metrics.items()
    ]
    return problems


def _unreachable(error: AwsUnreachable, endpoint: str | None) -> NoReturn:
    where = f" at {endpoint}" if endpoint else ""
    click.echo(
        f"cannot reach AWS{where}: {error}; check the network, the region or --endpoint-url, "
        "then run again (nothing is remembered: the next run plans what is still missing)",
        err=True,
    )
    sys.exit(exit_codes.ENVIRONMENT)


def _placements(reviewed: Reviewed, regions: tuple[str, ...], accounts: tuple[str, ...]) -> list[str]:
    """The placements ("<account>/<region>") to plan: all of them, or those --region/--account keep."""
    chosen = [
        key
        for key, placement in reviewed.placements.items()
        if (not regions or placement["region"] in regions)
        and (not accounts or placement["account"] in accounts)
    ]
    if not chosen:
        click.echo(
            f"error: no alarms or log groups of this inventory are in {', '.join(regions + accounts)}; "
            f"its accounts and regions: {', '.join(reviewed.placements)}",
            err=True,
        )
        sys.exit(exit_codes.BAD_INPUT)
    return chosen


def _read(
    inventory: Inventory,
    out: Path,
    placements: tuple[tuple[str, ...], tuple[str, ...]],
    endpoint_url: str | None,
    *,
    prune: bool,
    allow_shorten_retention: bool,
    max_attempts: int,
    check_metrics: bool = False,
) -> tuple[list[tuple[Plan, CloudWatchClients]], Backoff]:
    """One plan per (account, region), each read through its own session."""
    from botocore.exceptions import BotoCoreError, ClientError

    from monitoring.aws.calls import AwsUnreachable, Backoff, error_text, transient_kind
    from monitoring.aws.session import connect, read_plan

    reviewed = _reviewed(inventory, out)
    backoff = Backoff(max_attempts=max_attempts)
    plans = []
    try:
        for key in _placements(reviewed, *placements):
            placement = reviewed.placements[key]
            clients = connect(
                placement["region"],
                endpoint_url,
                role_arn=placement["role_arn"],
                placement=key,
                backoff=backoff,
            )
            plan = read_plan(
                inventory,
                reviewed,
                clients,
                prune=prune,
                now_ms=int(time.time() * 1000),
                backoff=backoff,
                allow_shorten_retention=allow_shorten_retention,
                check_metrics=check_metrics,
            )
            plans.append((plan, clients))
    except AwsUnreachable as error:
        _unreachable(error, endpoint_url)
    except (BotoCoreError, ClientError) as error:
        if transient_kind(error) is not None:  # still throttled or failing after every attempt
            click.echo(f"AWS is unavailable: {error_text(error)} after {max_attempts} attempts", err=True)
            sys.exit(exit_codes.ENVIRONMENT)
        click.echo(
            f"cannot read CloudWatch: {error_text(error)} (check credentials, roles and regions)", err=True
        )
        sys.exit(exit_codes.BAD_INPUT)
    return plans, backoff


def _emit_plan(plans: list[Plan], out: Path, output_format: str) -> None:
    """text and json print the plans themselves; github and sarif print them as problems."""
    from monitoring.aws.render import plans_document, render_text

    if output_format == "text":
        click.echo("\n\n".join(render_text(plan) for plan in plans))
    elif output_format == "json":
        click.echo(json.dumps(plans_document(plans), indent=2, sort_keys=True))
    else:
        problems = [p for plan in plans for p in plan_problems(plan, out)]
        emit(Report(problems, ("cloudwatch",), "the plan"), output_format)


_AGAIN = "Run `mac apply cloudwatch` again to finish: it plans only what is still missing."


def _emit_applied(plans: list[Plan], out: Path, output_format: str, report: ApplyReport | None) -> None:
    """apply's result in json (plan and outcome) or as problems; report is None when nothing was applied."""
    from monitoring.aws.render import plans_document

    applied, failures = (report.applied, report.failures) if report is not None else ([], {})
    if output_format == "json":
        document = {"plan": plans_document(plans), "applied": applied, "failed": failures}
        click.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    from monitoring.generate.cloudwatch import ALARMS_PATH

    problems = [
        p
        for plan in plans
        for p in plan_problems(plan, out)
        if report is None or p.check != "cloudwatch/pending-change"
    ]
    alarm = _key_lines(out / ALARMS_PATH)
    problems += [
        Problem(alarm(name), f"{name}: {reason}", _AGAIN, "cloudwatch/apply-failed")
        for name, reason in failures.items()
    ]
    emit(Report(problems, ("cloudwatch",), "the plan"), output_format)


def _echo_requests(sessions: list[CloudWatchClients], backoff: Backoff) -> None:
    requests = sum((clients.requests for clients in sessions), Counter[str]())
    total = sum(requests.values())
    detail = ", ".join(f"{op} {n}" for op, n in sorted(requests.items()))
    click.echo(f"AWS requests: {total} ({detail})", err=True)
    if backoff.summary():
        click.echo(backoff.summary(), err=True)


@plan_group.command("cloudwatch", epilog=EXIT_CODES_HELP)
@_inventory
@_out
@format_option
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 1 when changes are pending, 0 when there are none."
)
@_prune
@_allow_shorten
@_max_attempts
@_region
@_account
@_endpoint
def plan_cloudwatch(
    inventory: Path,
    out: Path,
    output_format: str,
    detailed_exitcode: bool,
    prune: bool,
    allow_shorten_retention: bool,
    max_attempts: int,
    regions: tuple[str, ...],
    accounts: tuple[str, ...],
    endpoint_url: str | None,
) -> None:
    """Compare the generated CloudWatch alarms and log retention (--out) with live AWS.

    \b
    One plan per (account, region) the inventory's services live in, each read through its own
    session (the account's role_arn assumed with STS when set). Reads alarms named
    <inventory_id>/... (their tags decide ownership) and every log group; retention is planned only
    for log groups the inventory names, claims by prefix or has tagged as its own. A wanted alarm
    name taken by an alarm this inventory does not own is a conflict: exit 1 even without
    --detailed-exitcode.
    """
    from monitoring.aws.plan import prune_refusal

    read, _ = _read(
        _load(inventory, output_format),
        out,
        (regions, accounts),
        endpoint_url,
        prune=prune,
        allow_shorten_retention=allow_shorten_retention,
        max_attempts=max_attempts,
        check_metrics=True,
    )
    plans = [plan for plan, _ in read]
    _emit_plan(plans, out, output_format)
    for plan in plans:
        refusal = prune_refusal(plan, None)
        if refusal:
            click.echo(f"note: `mac apply cloudwatch --prune` would refuse this plan: {refusal}", err=True)
    if any(plan.conflicts for plan in plans):
        sys.exit(exit_codes.FINDINGS)
    pending = any(plan.has_changes for plan in plans)
    sys.exit(exit_codes.FINDINGS if detailed_exitcode and pending else exit_codes.OK)


@apply_group.command("cloudwatch", epilog=EXIT_CODES_HELP)
@_inventory
@_out
@_prune
@click.option(
    "--prune-max",
    type=click.IntRange(min=0),
    default=None,
    help="With --prune, allow deleting up to this many owned alarms. Without it, --prune refuses "
    "(exit 2, nothing changed) to delete more than 10% of the owned alarms live, with at least 10 "
    "and at most 100 always allowed: like terraform asking before it destroys.",
)
@_allow_shorten
@format_option
@click.option("--yes", "-y", is_flag=True, help="Apply without asking for confirmation (CI).")
@click.option("--dry-run", is_flag=True, help="Only print the plan (same as `mac plan cloudwatch`).")
@click.option(
    "--max-calls-per-second",
    type=click.FloatRange(min=0.01),
    default=3.0,
    show_default=True,
    help="Client-side limit on alarm writes; CloudWatch allows about 3 PutMetricAlarm calls a second.",
)
@_max_attempts
@_region
@_account
@_endpoint
def apply_cloudwatch(
    inventory: Path,
    out: Path,
    prune: bool,
    prune_max: int | None,
    allow_shorten_retention: bool,
    output_format: str,
    yes: bool,
    dry_run: bool,
    max_calls_per_second: float,
    max_attempts: int,
    regions: tuple[str, ...],
    accounts: tuple[str, ...],
    endpoint_url: str | None,
) -> None:
    """Create and update owned alarms, set log retention; with --prune delete owned leftovers.

    Never touches an alarm without this inventory's ownership tags, never creates log groups,
    tags the log groups whose retention it sets. Retries throttling, 5xx answers and dropped
    connections. Progress and an ETA go to stderr. When some changes failed each is listed, and
    re-running finishes the job.
    """
    from monitoring.aws.apply import ApplyReport, Progress, apply_plan
    from monitoring.aws.calls import RateLimiter
    from monitoring.aws.plan import prune_refusal
    from monitoring.aws.render import CONFLICTS_TEXT, held_text, render_text

    read, backoff = _read(
        _load(inventory, output_format),
        out,
        (regions, accounts),
        endpoint_url,
        prune=prune,
        allow_shorten_retention=allow_shorten_retention,
        max_attempts=max_attempts,
    )
    plans = [plan for plan, _ in read]
    text = output_format == "text"
    if text:
        click.echo("\n\n".join(render_text(plan) for plan in plans))
    refusals = [refusal for plan in plans if (refusal := prune_refusal(plan, prune_max))]
    if refusals:
        for refusal in refusals:
            click.echo(f"error: {refusal}", err=True)
        sys.exit(exit_codes.BAD_INPUT)
    blocked = any(plan.conflicts or plan.retention_held for plan in plans)
    if dry_run or not any(plan.has_changes_to_apply for plan in plans):
        if not text:
            _emit_applied(plans, out, output_format, None)
        sys.exit(exit_codes.FINDINGS if blocked else exit_codes.OK)
    if not yes:
        click.confirm("Apply these changes?", abort=True, err=True)
    total = sum(
        sum(1 for c in plan.alarm_changes if c.action != "delete")
        + len(plan.deletions)
        + len(plan.retention_to_apply)
        for plan in plans
    )
    limiter = RateLimiter(max_calls_per_second)
    progress = Progress(total, max_calls_per_second, sys.stderr)
    report = ApplyReport()
    for plan, clients in read:
        done = apply_plan(
            plan, clients.cloudwatch, clients.logs, limiter=limiter, backoff=backoff, progress=progress
        )
        report.applied += done.applied
        report.failures.update(done.failures)
        if done.unreachable is not None:
            report.unreachable = done.unreachable
            break
    _echo_requests([clients for _, clients in read], backoff)
    if text:
        click.echo(f"Applied {len(report.applied)} changes, {len(report.failures)} failed.")
        for name, reason in sorted(report.failures.items()):
            click.echo(f"  failed: {name}: {reason}")
        for plan in plans:
            if plan.retention_held:
                click.echo(held_text(plan))
        conflicts = sum(len(plan.conflicts) for plan in plans)
        if conflicts:
            click.echo(f"{conflicts} {CONFLICTS_TEXT} (left untouched).")
    else:
        _emit_applied(plans, out, output_format, report)
    if report.unreachable is not None:
        _unreachable(report.unreachable, endpoint_url)
    if report.failures:
        click.echo(_AGAIN, err=not text)
    sys.exit(exit_codes.FINDINGS if report.failures or blocked else exit_codes.OK)
