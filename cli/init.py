"""`mac init`: scaffold a GitOps repository for an inventory (monitoring/scaffold)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from cli import exit_codes

if TYPE_CHECKING:
    from monitoring.model import Settings

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


def _kept_inventory(inventory: Path) -> tuple[Settings, list[Path]] | None:
    """The settings (the README and Makefile name them) and files of the inventory init keeps,
    if it validates."""
    from monitoring.inventory.build import load_inventory
    from monitoring.inventory.loader import inventory_files
    from monitoring.problems import InputError

    try:
        return load_inventory(inventory).settings, inventory_files(inventory)[0]
    except InputError:
        click.echo(f"init: {inventory} does not validate yet (`mac validate` shows why)", err=True)
        return None


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@click.option(
    "--organization",
    callback=_matching(PLAIN_NAME, "a plain lower-case name (a-z, 0-9, '.', '_', '-')"),
    help="settings.organization (alarm names, uids, SNS topic names). Default: the kept "
    "inventory's, else DIRECTORY's name.",
)
@click.option(
    "--environment",
    callback=_matching(PLAIN_NAME, "a plain lower-case name"),
    help="settings.environment, the `env` label of every target. Default: the kept inventory's, "
    "else production.",
)
@click.option(
    "--region",
    callback=_matching(AWS_REGION, "an AWS region name (e.g. us-east-1)"),
    help="settings.region, the AWS region of the fleet. Default: the kept inventory's, else us-east-1.",
)
@click.option(
    "--account-id",
    callback=_matching(ACCOUNT_ID, "a 12-digit AWS account id"),
    help=f"settings.account_id of a new inventory. Default: {PLACEHOLDER_ACCOUNT_ID}, a placeholder: "
    "set yours before `make apply`.",
)
@click.option("--force", is_flag=True, help="Overwrite files that are already there.")
def init(
    directory: Path,
    organization: str | None,
    environment: str | None,
    region: str | None,
    account_id: str | None,
    force: bool,
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
                                         diff, plan, apply, schema; MAC=... picks the mac binary
      .github/workflows/monitoring.yml   CI: validate, generate --check, lint, promtool tests;
                                         on pull requests the mac diff in the job summary
      .pre-commit-config.yaml            hooks: mac validate, mac generate --check
      .gitignore, README.md

    The inventory validates and generates as written. When DIRECTORY/inventory already holds
    YAML (from `mac discover`, say), it is kept: the two inventory files are not written, the
    README names its organization, environment and region, and each of its files without a
    `# yaml-language-server` comment gets one as its first line. Nothing is overwritten without
    --force: files already there are listed and the exit code is 2.

    \b
    Examples:
      mac init acme-monitoring --region eu-west-1 --account-id 111111111111
      cd acme-monitoring && make generate lint test
      mac discover --organization acme --region eu-west-1 && mac init   # adopt a live fleet
    """
    from monitoring.scaffold import (
        SCHEMA_FILE,
        RepositoryValues,
        existing,
        point_at_schema,
        scaffold_files,
        write,
    )

    kept = _has_inventory(directory / "inventory")
    if kept:
        click.echo(f"init: {directory / 'inventory'} already holds an inventory: kept as it is", err=True)
    inventory = _kept_inventory(directory / "inventory") if kept else None
    settings = inventory[0] if inventory else None
    organization = organization or (settings.organization if settings else directory.resolve().name)
    if not PLAIN_NAME.match(organization):
        _fail(f"{directory.resolve().name!r} is not a plain lower-case name: give --organization")
    values = RepositoryValues(
        organization,
        environment or (settings.environment if settings else "production"),
        region or (settings.region if settings else "us-east-1"),
        account_id or PLACEHOLDER_ACCOUNT_ID,
    )
    files = scaffold_files(values)
    if kept:
        files = [file for file in files if not file.path.startswith("inventory/")]
    taken = existing(directory, files)
    if taken and not force:
        listed = "".join(f"\n  {path}" for path in taken)
        _fail(f"{len(taken)} files are already there (--force overwrites them):{listed}")
    try:
        written = write(directory, files)
        pointed = point_at_schema(directory, inventory[1]) if inventory else []
    except OSError as error:
        _fail(f"cannot write {error.filename or directory}: {error.strerror or error}")
    for path in written:
        click.echo(f"wrote {path}")
    for path in pointed:
        click.echo(f"pointed {path} at {SCHEMA_FILE} (its first line, for editors)")
    here = directory.resolve() == Path.cwd().resolve()
    click.echo(f"next: {'' if here else f'cd {directory} && '}make generate lint test, then commit", err=True)
