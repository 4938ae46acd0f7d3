"""`mac plan cloudwatch` and `mac apply cloudwatch`: CloudWatch alarms and log retention.

boto3 is imported inside the commands, so `mac` starts fast when they are not used.
Exit codes: 0 ok, 1 pending changes / conflicts / held-back changes / failures, 2 bad input or a
refused prune, 3 AWS unreachable.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from cli.reporters import REPORTERS
from monitoring.problems import InputError

if TYPE_CHECKING:
    from monitoring.aws.calls import AwsUnreachable, Backoff
    from monitoring.aws.plan import Plan
    from monitoring.aws.session import CloudWatchClients
    from monitoring.model import Inventory

EXIT_OK, EXIT_CHANGES, EXIT_BAD_INPUT, EXIT_UNREACHABLE = 0, 1, 2, 3

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
_region = click.option(
    "--region",
    default=None,
    help="AWS region; defaults to settings.region of the inventory.",
)
_endpoint = click.option(
    "--endpoint-url",
    default=None,
    help="Send CloudWatch, CloudWatch Logs and tagging calls here (testing, moto).",
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


def _load(inventory_path: Path) -> Inventory:
    from monitoring.inventory.build import load_inventory

    try:
        return load_inventory(inventory_path)
    except InputError as error:
        click.echo(REPORTERS["text"](error.problems), err=True)
        sys.exit(EXIT_BAD_INPUT)


def _unreachable(error: AwsUnreachable, endpoint: str | None) -> NoReturn:
    where = f" at {endpoint}" if endpoint else ""
    click.echo(
        f"cannot reach AWS{where}: {error}; check the network, the region or --endpoint-url, "
        "then run again (nothing is remembered: the next run plans what is still missing)",
        err=True,
    )
    sys.exit(EXIT_UNREACHABLE)


def _read(
    inventory: Inventory,
    region: str | None,
    endpoint_url: str | None,
    *,
    prune: bool,
    allow_shorten_retention: bool,
    max_attempts: int,
) -> tuple[Plan, CloudWatchClients, Backoff]:
    from botocore.exceptions import BotoCoreError, ClientError

    from monitoring.aws.calls import AwsUnreachable, Backoff, error_text, transient_kind
    from monitoring.aws.session import connect, read_plan

    backoff = Backoff(max_attempts=max_attempts)
    try:
        clients = connect(region or inventory.settings.region, endpoint_url)
        plan = read_plan(
            inventory,
            clients,
            prune=prune,
            now_ms=int(time.time() * 1000),
            backoff=backoff,
            allow_shorten_retention=allow_shorten_retention,
        )
    except AwsUnreachable as error:
        _unreachable(error, endpoint_url)
    except (BotoCoreError, ClientError) as error:
        if transient_kind(error) is not None:  # still throttled or failing after every attempt
            click.echo(f"AWS is unavailable: {error_text(error)} after {max_attempts} attempts", err=True)
            sys.exit(EXIT_UNREACHABLE)
        click.echo(f"cannot read CloudWatch: {error_text(error)} (check credentials and region)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return plan, clients, backoff


def _echo_requests(clients: CloudWatchClients, backoff: Backoff) -> None:
    total = sum(clients.requests.values())
    detail = ", ".join(f"{op} {n}" for op, n in sorted(clients.requests.items()))
    click.echo(f"AWS requests: {total} ({detail})", err=True)
    if backoff.summary():
        click.echo(backoff.summary(), err=True)


@plan_group.command("cloudwatch", epilog=EXIT_CODES_HELP)
@_inventory
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 1 when changes are pending, 0 when there are none."
)
@_prune
@_allow_shorten
@_max_attempts
@_region
@_endpoint
def plan_cloudwatch(
    inventory: Path,
    output_format: str,
    detailed_exitcode: bool,
    prune: bool,
    allow_shorten_retention: bool,
    max_attempts: int,
    region: str | None,
    endpoint_url: str | None,
) -> None:
    """Compare the inventory's CloudWatch alarms and log retention with live AWS.

    \b
    Reads alarms named <inventory_id>/... (their tags decide ownership) and every log group;
    retention is planned only for log groups the inventory names, claims by prefix or has
    tagged as its own. A wanted alarm name taken by an alarm this inventory does not own is a
    conflict: exit 1 even without --detailed-exitcode.
    """
    from monitoring.aws.plan import prune_refusal
    from monitoring.aws.render import plan_document, render_text

    plan, _, _ = _read(
        _load(inventory),
        region,
        endpoint_url,
        prune=prune,
        allow_shorten_retention=allow_shorten_retention,
        max_attempts=max_attempts,
    )
    if output_format == "json":
        click.echo(json.dumps(plan_document(plan), indent=2, sort_keys=True))
    else:
        click.echo(render_text(plan))
    refusal = prune_refusal(plan, None)
    if refusal:
        click.echo(f"note: `mac apply cloudwatch --prune` would refuse this plan: {refusal}", err=True)
    if plan.conflicts:
        sys.exit(EXIT_CHANGES)
    sys.exit(EXIT_CHANGES if detailed_exitcode and plan.has_changes else EXIT_OK)


@apply_group.command("cloudwatch", epilog=EXIT_CODES_HELP)
@_inventory
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
@_endpoint
def apply_cloudwatch(
    inventory: Path,
    prune: bool,
    prune_max: int | None,
    allow_shorten_retention: bool,
    yes: bool,
    dry_run: bool,
    max_calls_per_second: float,
    max_attempts: int,
    region: str | None,
    endpoint_url: str | None,
) -> None:
    """Create and update owned alarms, set log retention; with --prune delete owned leftovers.

    Never touches an alarm without this inventory's ownership tags, never creates log groups,
    tags the log groups whose retention it sets. Retries throttling, 5xx answers and dropped
    connections. Progress and an ETA go to stderr. When some changes failed each is listed, and
    re-running finishes the job.
    """
    from monitoring.aws.apply import Progress, apply_plan
    from monitoring.aws.calls import RateLimiter
    from monitoring.aws.plan import prune_refusal
    from monitoring.aws.render import CONFLICTS_TEXT, held_text, render_text

    plan, clients, backoff = _read(
        _load(inventory),
        region,
        endpoint_url,
        prune=prune,
        allow_shorten_retention=allow_shorten_retention,
        max_attempts=max_attempts,
    )
    click.echo(render_text(plan))
    refusal = prune_refusal(plan, prune_max)
    if refusal:
        click.echo(refusal, err=True)
        sys.exit(EXIT_BAD_INPUT)
    blocked = bool(plan.conflicts or plan.retention_held)
    if dry_run or not plan.has_changes_to_apply:
        sys.exit(EXIT_CHANGES if blocked else EXIT_OK)
    if not yes:
        click.confirm("Apply these changes?", abort=True)
    total = sum(1 for c in plan.alarm_changes if c.action != "delete")
    total += len(plan.deletions) + len(plan.retention_to_apply)
    report = apply_plan(
        plan,
        clients.cloudwatch,
        clients.logs,
        limiter=RateLimiter(max_calls_per_second),
        backoff=backoff,
        progress=Progress(total, max_calls_per_second, sys.stderr),
    )
    _echo_requests(clients, backoff)
    click.echo(f"Applied {len(report.applied)} changes, {len(report.failures)} failed.")
    for name, reason in sorted(report.failures.items()):
        click.echo(f"  failed: {name}: {reason}")
    if plan.retention_held:
        click.echo(held_text(plan))
    if plan.conflicts:
        click.echo(f"{len(plan.conflicts)} {CONFLICTS_TEXT} (left untouched).")
    if report.unreachable is not None:
        _unreachable(report.unreachable, endpoint_url)
    if report.failures:
        click.echo("Run `mac apply cloudwatch` again to finish: it plans only what is still missing.")
    sys.exit(EXIT_CHANGES if report.failures or blocked else EXIT_OK)
