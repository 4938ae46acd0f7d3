"""`mac plan cloudwatch` and `mac apply cloudwatch`: CloudWatch alarms and log retention.

boto3 is imported inside the commands, so `mac` starts fast when they are not used.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.reporters import REPORTERS
from monitoring.problems import InputError

if TYPE_CHECKING:
    from monitoring.aws.calls import Backoff
    from monitoring.aws.plan import Plan
    from monitoring.aws.session import CloudWatchClients
    from monitoring.model import Inventory

EXIT_OK, EXIT_CHANGES, EXIT_BAD_INPUT = 0, 1, 2

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
    help="Send CloudWatch and CloudWatch Logs calls here (testing, moto).",
)
_prune = click.option(
    "--prune", is_flag=True, help="Delete owned alarms that are no longer in the inventory."
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


def _read(
    inventory: Inventory, region: str | None, endpoint_url: str | None, prune: bool
) -> tuple[Plan, CloudWatchClients, Backoff]:
    from botocore.exceptions import BotoCoreError, ClientError

    from monitoring.aws.calls import Backoff, error_text
    from monitoring.aws.session import connect, read_plan

    backoff = Backoff()
    try:
        clients = connect(region or inventory.settings.region, endpoint_url)
        plan = read_plan(inventory, clients, prune=prune, now_ms=int(time.time() * 1000), backoff=backoff)
    except (BotoCoreError, ClientError) as error:
        click.echo(f"cannot read CloudWatch: {error_text(error)}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return plan, clients, backoff


def _echo_requests(clients: CloudWatchClients) -> None:
    total = sum(clients.requests.values())
    detail = ", ".join(f"{op} {n}" for op, n in sorted(clients.requests.items()))
    click.echo(f"AWS requests: {total} ({detail})", err=True)


@plan_group.command("cloudwatch")
@_inventory
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 1 when changes are pending, 0 when there are none."
)
@_prune
@_region
@_endpoint
def plan_cloudwatch(
    inventory: Path,
    output_format: str,
    detailed_exitcode: bool,
    prune: bool,
    region: str | None,
    endpoint_url: str | None,
) -> None:
    """Compare the inventory's CloudWatch alarms and log retention with live AWS.

    \b
    Reads alarms named <organization>/... (their tags decide ownership) and every log group.
    Exit codes: 0 ok (or no changes with --detailed-exitcode), 1 changes pending with
    --detailed-exitcode, 2 bad input or AWS unreachable.
    """
    from monitoring.aws.render import plan_document, render_text

    plan, _, _ = _read(_load(inventory), region, endpoint_url, prune)
    if output_format == "json":
        click.echo(json.dumps(plan_document(plan), indent=2, sort_keys=True))
    else:
        click.echo(render_text(plan))
    sys.exit(EXIT_CHANGES if detailed_exitcode and plan.has_changes else EXIT_OK)


@apply_group.command("cloudwatch")
@_inventory
@_prune
@click.option("--yes", "-y", is_flag=True, help="Apply without asking for confirmation (CI).")
@click.option("--dry-run", is_flag=True, help="Only print the plan (same as `mac plan cloudwatch`).")
@click.option(
    "--max-calls-per-second",
    type=click.FloatRange(min=0.01),
    default=3.0,
    show_default=True,
    help="Client-side limit on alarm writes; CloudWatch allows about 3 PutMetricAlarm calls a second.",
)
@_region
@_endpoint
def apply_cloudwatch(
    inventory: Path,
    prune: bool,
    yes: bool,
    dry_run: bool,
    max_calls_per_second: float,
    region: str | None,
    endpoint_url: str | None,
) -> None:
    """Create and update owned alarms, set log retention; with --prune delete owned leftovers.

    Never touches an alarm without the ownership tags, never creates log groups. Progress and an
    ETA go to stderr. Exit 1 when some changes failed: each is listed, and re-running finishes the job.
    """
    from monitoring.aws.apply import Progress, apply_plan
    from monitoring.aws.calls import RateLimiter
    from monitoring.aws.render import render_text

    plan, clients, backoff = _read(_load(inventory), region, endpoint_url, prune)
    click.echo(render_text(plan))
    if dry_run or not plan.has_changes:
        sys.exit(EXIT_OK)
    if not yes:
        click.confirm("Apply these changes?", abort=True)
    total = len(plan.alarm_changes) + len(plan.retention_changes)
    report = apply_plan(
        plan,
        clients.cloudwatch,
        clients.logs,
        limiter=RateLimiter(max_calls_per_second),
        backoff=backoff,
        progress=Progress(total, max_calls_per_second, sys.stderr),
    )
    _echo_requests(clients)
    if backoff.throttled:
        click.echo(f"throttled {backoff.throttled} times; retried with backoff", err=True)
    click.echo(f"Applied {len(report.applied)} changes, {len(report.failures)} failed.")
    for name, reason in sorted(report.failures.items()):
        click.echo(f"  failed: {name}: {reason}")
    if report.failures:
        click.echo("Run `mac apply cloudwatch` again to finish: it plans only what is still missing.")
    sys.exit(EXIT_CHANGES if report.failures else EXIT_OK)
