"""`mac discover`: read the fleet from AWS into inventory YAML (new, or merged into an existing one)."""

from __future__ import annotations

import re
import sys
from functools import partial
from pathlib import Path

import click

from cli import exit_codes
from cli.options import format_option
from cli.reporters import Report, emit
from monitoring.aws.retention import ALLOWED_RETENTION_DAYS
from monitoring.discover.aws import FAMILIES, Target
from monitoring.model import DEFAULT_ACCOUNT, Inventory
from monitoring.problems import InputError, Location, Problem

ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account_id>[0-9]{12}):role/[A-Za-z0-9+=,.@_/-]{1,512}$")
ACCOUNT_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$")


def _target(text: str) -> Target:
    name, _, value = text.partition("=")
    if not ACCOUNT_NAME.match(name) or not value:
        raise click.BadParameter(f"{text!r}: expected NAME=ROLE_ARN or NAME=ACCOUNT_ID (NAME lower case)")
    if ACCOUNT_ID.match(value):
        return Target(name, value)
    role = ROLE_ARN.match(value)
    if role is None:
        raise click.BadParameter(f"{text!r}: {value!r} is neither a 12-digit account id nor an IAM role ARN")
    return Target(name, role["account_id"], value)


def _targets(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> tuple[Target, ...]:
    return tuple(_target(value) for value in values)


def _patterns(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    patterns = []
    for value in values:
        try:
            pattern = re.compile(value)
        except re.error as error:
            raise click.BadParameter(f"{value!r} is not a regular expression: {error}") from error
        if "domain" not in pattern.groupindex:
            raise click.BadParameter(f"{value!r} has no (?P<domain>...) group")
        patterns.append(pattern)
    return tuple(patterns)


def _retention_days(_: click.Context, __: click.Parameter, value: int) -> int:
    if value not in ALLOWED_RETENTION_DAYS:
        allowed = ", ".join(str(days) for days in ALLOWED_RETENTION_DAYS)
        raise click.BadParameter(f"{value} is not a retention CloudWatch Logs accepts ({allowed})")
    return value


def _existing(inventory: Path, output_format: str) -> Inventory | None:
    """The inventory to merge into, validated; None when the path holds no YAML yet."""
    from cli.main import report_input_error
    from monitoring.inventory.build import load_inventory

    if not inventory.exists() or (inventory.is_dir() and not any(inventory.rglob("*.y*ml"))):
        return None
    try:
        return load_inventory(inventory)
    except InputError as error:
        report_input_error(error, output_format)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(exit_codes.BAD_INPUT)


@click.command()
@click.option(
    "--inventory",
    "-i",
    type=click.Path(path_type=Path, file_okay=True),
    default=Path("inventory"),
    show_default=True,
    help="Inventory folder (or file) to merge into; created when missing or empty.",
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region to read (repeatable). Default: the inventory's settings.region and settings.regions.",
)
@click.option(
    "--account",
    "accounts",
    multiple=True,
    callback=_targets,
    metavar="NAME=ROLE_ARN|ACCOUNT_ID",
    help="Account to read (repeatable), through its role (STS AssumeRole) or with the caller's own "
    "credentials when an id is given. Default: the inventory's settings.accounts, else the caller's account.",
)
@click.option(
    "--domain-tag",
    "domain_tags",
    multiple=True,
    help="Tag whose value names a resource's domain (repeatable, first present wins); EC2 instances "
    "become one discovery rule per value of it.",
)
@click.option(
    "--domain-pattern",
    "domain_patterns",
    multiple=True,
    callback=_patterns,
    help="Regex searched in resource ids where no domain tag is present; its (?P<domain>...) group "
    "names the domain (repeatable, first match wins).",
)
@click.option(
    "--default-domain",
    default="unassigned",
    show_default=True,
    help="Domain of resources nothing else names.",
)
@click.option("--organization", help="settings.organization of a new inventory (required for one).")
@click.option(
    "--environment", default="production", show_default=True, help="settings.environment of a new inventory."
)
@click.option(
    "--default-retention-days",
    type=int,
    callback=_retention_days,
    default=30,
    show_default=True,
    metavar="DAYS",
    help="Retention of a new log family none of whose groups has one (and default_days of a new "
    "section); a value CloudWatch Logs accepts.",
)
@click.option(
    "--only",
    "families",
    multiple=True,
    type=click.Choice([family for family, _, _ in FAMILIES]),
    help="Read only these service families (repeatable); the others are neither added nor reported missing.",
)
@click.option("--endpoint-url", default=None, help="Send every AWS call here (testing, moto).")
@format_option
def discover(
    inventory: Path,
    regions: tuple[str, ...],
    accounts: tuple[Target, ...],
    domain_tags: tuple[str, ...],
    domain_patterns: tuple[re.Pattern[str], ...],
    default_domain: str,
    organization: str | None,
    environment: str,
    default_retention_days: int,
    families: tuple[str, ...],
    endpoint_url: str | None,
    output_format: str,
) -> None:
    """Build a starting inventory from AWS, or add what is new to an existing one.

    Reads RDS instances and Aurora and DocumentDB clusters (engine, replicas, slow-query log
    exports), ElastiCache replication groups (cluster mode, shards, replicas) and Memcached
    clusters, OpenSearch domains, MSK clusters, EKS clusters, Lambda functions, API Gateway stages,
    EC2 instances (as one ec2_sd discovery rule per --domain-tag value, never a list) and log groups
    (one log_retention rule per family, with the retention and bytes found), in every account and
    region given. Lists are paginated; botocore's adaptive retries absorb throttling. Progress, one
    line per account, region and family, goes to stderr.

    Re-running on an edited inventory keeps its comments, order and overrides: services are
    matched by their AWS identity (kind, account, region, id), not their name, and only
    appended. A service AWS no longer shows is reported (a discover/disappeared warning at
    its file:line) and left in place: delete it yourself. The result is validated as
    `mac validate` would.

    \b
    Examples:
      mac discover -i inventory --organization acme --region us-east-1 --domain-tag team
      mac discover -i inventory --account prod=arn:aws:iam::111111111111:role/mac-read \\
          --domain-pattern '^(?P<domain>[a-z]+)-'
      mac discover -i inventory            # again later: adds what is new, reports what is gone

    Exit codes: 0 done (disappeared resources are reported, not failures); 2 bad input
    (an invalid inventory, an option, credentials AWS refuses or lacks); 3 AWS unreachable.
    """
    from cli.cloudwatch import _unreachable
    from cli.main import report_input_error
    from monitoring.aws.calls import AwsUnreachable
    from monitoring.discover.aws import AccountUnreadable, WrongAccount, scan
    from monitoring.discover.build import DomainRules, plain_name
    from monitoring.discover.merge import Fresh, Tree, merge
    from monitoring.inventory.build import load_inventory
    from monitoring.inventory.loader import inventory_files

    if plain_name(default_domain) != default_domain:
        _fail(f"--default-domain {default_domain!r} is not a plain lower-case name")
    model = _existing(inventory, output_format)
    if model is None and not organization:
        _fail(f"{inventory} holds no inventory yet: give --organization (and --region) to start one")
    scanned_regions = regions or (model.settings.regions or (model.settings.region,) if model else ())
    if not scanned_regions:
        _fail("give --region: a new inventory has no settings.regions to read")
    targets = list(accounts)
    if model is not None and accounts:
        if any(account.name == DEFAULT_ACCOUNT for account in model.settings.accounts):
            _fail("the inventory declares settings.account_id: move it to settings.accounts to add --account")
    elif model is not None:
        targets = [Target(a.name, a.account_id, a.role_arn) for a in model.settings.accounts]
    if not targets:
        targets = [Target(DEFAULT_ACCOUNT)]
    try:
        result = scan(
            targets,
            list(scanned_regions),
            endpoint_url,
            want_tags=bool(domain_tags),
            progress=lambda line: click.echo(f"discover: {line}", err=True),
            families=families,
        )
    except AwsUnreachable as error:
        _unreachable(error, endpoint_url)
    except (WrongAccount, AccountUnreadable) as error:
        _fail(str(error))
    files = inventory_files(inventory)[0] if model is not None else []
    tree = Tree.load(inventory, files)
    outcome = merge(
        tree,
        model,
        result,
        DomainRules(domain_tags, domain_patterns, default_domain),
        regions=scanned_regions,
        accounts=[
            (target.name, target.account_id or result.account_ids.get(target.name, ""), target.role_arn)
            for target in targets
        ],
        fresh=Fresh(organization or "", environment, default_retention_days) if model is None else None,
    )
    if model is None and not outcome.added:
        _fail(f"found nothing to monitor in {', '.join(scanned_regions)}: {inventory} is not started")
    disappeared = [
        Problem(
            Location(str(gone.path), gone.line, gone.column),
            f"{gone.kind} {gone.name} is no longer in {gone.account}/{gone.region}",
            hint="discover leaves it in place: delete it once it is gone for good",
            check="discover/disappeared",
            severity="warning",
        )
        for gone in outcome.disappeared
    ]
    emit(Report(disappeared, ("discover",), "the inventory"), output_format)
    say = partial(click.echo, err=output_format != "text")
    kinds: dict[str, int] = {}
    for service in outcome.added:
        kinds[service.entry["kind"]] = kinds.get(service.entry["kind"], 0) + 1
    counts = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    say(
        f"discover: {len(outcome.added)} services added{f' ({counts})' if counts else ''}, "
        f"{outcome.kept} kept, "
        f"{len(outcome.disappeared)} disappeared; {len(outcome.retention_rules)} log retention rules added, "
        f"{outcome.unclaimed_log_groups} log groups of no known family left unclaimed"
        + (f"; {len(result.skipped)} service families not read (see above)" if result.skipped else "")
    )
    for change in outcome.settings_added:
        say(f"discover: {change}")
    if outcome.claimed_prefixes:
        say(
            f"discover: log_retention now claims {', '.join(outcome.claimed_prefixes)}: "
            "review that their groups are all yours"
        )
    for path in tree.write():
        say(f"wrote {path}")
    try:
        load_inventory(inventory)
    except InputError as error:
        report_input_error(error, output_format)
