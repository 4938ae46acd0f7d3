"""`mac init`: scaffold a GitOps repository for an inventory (monitoring/scaffold)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click

from cli import exit_codes

# As the inventory schema has them (monitoring/schema/inventory.schema.json, $defs name, aws_region).
PLAIN_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$")
AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
# The account id of AWS's own documentation: it validates, and a reader sees it is a placeholder.
PLACEHOLDER_ACCOUNT_ID = "123456789012"


def _matching(
    pattern: re.Pattern[str], what: str
) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    def check(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
        if value is not None and not pattern.match(value):
            raise click.BadParameter(f"{value!r} is not {what}")
        return value

    return check


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(exit_codes.BAD_INPUT)


def _has_inventory(folder: Path) -> bool:
    return folder.is_dir() and any(folder.rglob("*.y*ml"))


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@click.option(
    "--organization",
    callback=_matching(PLAIN_NAME, "a plain lower-case name (a-z, 0-9, '.', '_', '-')"),
    help="settings.organization (alarm names, uids, SNS topic names). Default: DIRECTORY's name.",
)
@click.option(
    "--environment",
    callback=_matching(PLAIN_NAME, "a plain lower-case name"),
    default="production",
    show_default=True,
    help="settings.environment, the `env` label of every target.",
)
@click.option(
    "--region",
    callback=_matching(AWS_REGION, "an AWS region name (e.g. us-east-1)"),
    default="us-east-1",
    show_default=True,
    help="settings.region, the AWS region of the fleet.",
)
@click.option(
    "--account-id",
    callback=_matching(ACCOUNT_ID, "a 12-digit AWS account id"),
    default=PLACEHOLDER_ACCOUNT_ID,
    show_default=True,
    help="settings.account_id (the default is a placeholder: set yours before `make apply`).",
)
@click.option("--force", is_flag=True, help="Overwrite files that are already there.")
def init(
    directory: Path, organization: str | None, environment: str, region: str, account_id: str, force: bool
) -> None:
    """Scaffold a GitOps repository for monitoring as code in DIRECTORY (default: here).

    \b
    Writes:
      inventory/settings.yaml            fleet-wide settings
      inventory/example.yaml             one domain and one service (replace them)
      inventory.schema.json              the inventory's JSON Schema; the inventory's
                                         `# yaml-language-server: $schema=` comments point
                                         editors at it for completion and hover help
      Makefile                           validate, generate, check, lint, test (promtool),
                                         plan, apply, schema; MAC=... picks the mac binary
      .github/workflows/monitoring.yml   CI: validate, generate --check, lint, promtool tests
      .pre-commit-config.yaml            hooks: mac validate, mac generate --check
      .gitignore, README.md

    The inventory validates and generates as written. When DIRECTORY/inventory already holds
    YAML (from `mac discover`, say), it is kept as it is and the two inventory files are not
    written. Nothing is overwritten without --force: files already there are listed and the exit
    code is 2.

    \b
    Examples:
      mac init acme-monitoring --region eu-west-1 --account-id 111111111111
      cd acme-monitoring && make generate lint test
    """
    from monitoring.scaffold import RepositoryValues, existing, scaffold_files, write

    organization = organization or directory.resolve().name
    if not PLAIN_NAME.match(organization):
        _fail(f"{directory.resolve().name!r} is not a plain lower-case name: give --organization")
    files = scaffold_files(RepositoryValues(organization, environment, region, account_id))
    if _has_inventory(directory / "inventory"):
        files = [file for file in files if not file.path.startswith("inventory/")]
        click.echo(f"init: {directory / 'inventory'} already holds an inventory: kept as it is", err=True)
    taken = existing(directory, files)
    if taken and not force:
        listed = "".join(f"\n  {path}" for path in taken)
        _fail(f"{len(taken)} files are already there (--force overwrites them):{listed}")
    try:
        written = write(directory, files)
    except OSError as error:
        _fail(f"cannot write {error.filename or directory}: {error.strerror or error}")
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {directory} && make generate lint test, then commit", err=True)
