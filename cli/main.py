"""The `mac` command line: parse options, call the library, map outcomes to exit codes.

The contract of every command (README "The CLI contract"): results on stdout through the
reporters of cli/reporters.py, progress and diagnostics on stderr, exit codes of cli/exit_codes.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NoReturn

import click

from cli import exit_codes
from cli.options import (
    disable_option,
    format_option,
    inventory_option,
    list_checks_option,
    out_option,
    select_checks,
)
from cli.reporters import Report, emit
from monitoring.check_registry import Scope
from monitoring.lazy import resolve
from monitoring.problems import InputError, Location, Problem

if TYPE_CHECKING:
    from monitoring.writer import Staleness

VALIDATE_SCOPES: tuple[Scope, ...] = ("inventory",)
GENERATE_SCOPES: tuple[Scope, ...] = ("inventory", "artifacts", "rules", "dashboards")


def report_input_error(error: InputError, output_format: str) -> NoReturn:
    emit(Report(error.problems, VALIDATE_SCOPES, "the inventory"), output_format)
    sys.exit(exit_codes.BAD_INPUT)


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs, so `mac lint` starts fast."""

    lazy_commands: ClassVar[dict[str, str]] = {
        "lint": "cli.lint_command:lint",
        "plan": "cli.cloudwatch:plan_group",
        "apply": "cli.cloudwatch:apply_group",
        "discover": "cli.discover:discover",
        "init": "cli.init:init",
        "diff": "cli.diff:diff",
        "coverage": "cli.coverage:coverage",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        command: click.Command = resolve(target)
        return command


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(package_name="monitoring-as-code", prog_name="mac")
def cli() -> None:
    """Monitoring as code: one service inventory drives Prometheus scrape configs, alert and
    recording rules, Alertmanager routing, Grafana dashboards and CloudWatch alarms.

    \b
    Typical use in a GitOps repository:
      mac validate                 check the inventory, report every problem
      mac generate                 write generated/ for the inventory
      mac generate --check         CI gate: exit 1 when generated/ is stale

    Exit codes: 0 ok, 1 problems found by a check, 2 bad input, 3 the environment failed
    (AWS unreachable, disk full).
    """


@cli.command()
@inventory_option
@format_option
@disable_option
@list_checks_option
def validate(inventory: Path, output_format: str, disabled: tuple[str, ...], list_checks: bool) -> None:
    """Validate the inventory against its JSON Schema and semantic rules.

    Every problem is reported with file:line:col before exiting 2; nothing is written.
    """
    select_checks(VALIDATE_SCOPES, disabled, list_checks, output_format)
    from monitoring.inventory.build import load_inventory

    try:
        model = load_inventory(inventory)
    except InputError as error:
        report_input_error(error, output_format)
    if output_format != "text":
        emit(Report([], VALIDATE_SCOPES, "the inventory"), output_format)
        return
    summary = {kind: len([s for s in model.services if s.kind == kind]) for kind in model.kinds_present()}
    counts = ", ".join(f"{n} {kind}" for kind, n in summary.items())
    click.echo(f"inventory is valid: {len(model.domains)} domains, {len(model.services)} services ({counts})")


def _stale_problems(out: Path, staleness: Staleness) -> list[Problem]:
    hint = "run `mac generate` (or `make generate`) and commit"
    return [
        Problem(Location(str(out / path)), message, hint, "generate/stale")
        for paths, message in (
            (staleness.missing, "missing: the inventory generates this file"),
            (staleness.changed, "changed: differs from what the inventory generates"),
            (staleness.extra, "not generated: the inventory does not generate this file"),
        )
        for path in paths
    ]


@cli.command()
@inventory_option
@out_option("generate replaces it as a whole.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list stale files if --out differs.")
@format_option
@disable_option
@list_checks_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@click.option(
    "--parallel/--serial",
    default=True,
    show_default=True,
    help="Generate and check output families on two cores when the machine has them.",
)
def generate(
    inventory: Path,
    out: Path,
    check: bool,
    output_format: str,
    disabled: tuple[str, ...],
    list_checks: bool,
    quiet: bool,
    parallel: bool,
) -> None:
    """Generate every output family for the inventory into --out.

    The inventory is validated first; on bad input nothing is written and the exit code is 2.
    Every generated file is checked before anything is written (exit 1 on a problem). The output
    folder is replaced atomically, so a failure leaves it as it was: exit 2 when --out is unusable
    or another run is writing it, 3 when the disk is full or fails.
    """
    off = select_checks(GENERATE_SCOPES, disabled, list_checks, output_format)
    from monitoring.pipeline import OutputCheckError, build_artifacts
    from monitoring.writer import (
        ForeignOutputError,
        OutputBusyError,
        OutputWriteError,
        compare_tree,
        write_tree,
    )

    started = time.perf_counter()
    try:
        families = build_artifacts(inventory, parallel=parallel, disabled=off)
    except InputError as error:
        report_input_error(error, output_format)
    except OutputCheckError as error:
        click.echo("generated output failed its checks (nothing written)", err=True)
        emit(Report(error.problems, GENERATE_SCOPES, "the generated output"), output_format)
        sys.exit(exit_codes.FINDINGS)
    except OSError as error:  # fork or a temp file failed: the machine, not the input
        click.echo(f"error: cannot generate: {error.strerror or error}", err=True)
        sys.exit(exit_codes.ENVIRONMENT)
    artifacts = [a for family in families.values() for a in family]
    if check:
        staleness = compare_tree(artifacts, out)
        problems = _stale_problems(out, staleness)
        if problems:
            click.echo(f"{out} is stale; run `mac generate` (or `make generate`) and commit", err=True)
        if problems or output_format != "text":
            emit(Report(problems, GENERATE_SCOPES, str(out)), output_format)
        elif not quiet:
            click.echo(f"{out} is up to date ({len(artifacts)} files)")
        sys.exit(exit_codes.FINDINGS if problems else exit_codes.OK)
    try:
        write_tree(artifacts, out)
    except (ForeignOutputError, OutputBusyError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exit_codes.BAD_INPUT)
    except OutputWriteError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exit_codes.ENVIRONMENT if error.environment else exit_codes.BAD_INPUT)
    if not quiet:
        per_family = ", ".join(f"{name} {len(files)}" for name, files in families.items() if files)
        elapsed = time.perf_counter() - started
        click.echo(f"wrote {len(artifacts)} files to {out} ({per_family}) in {elapsed:.2f}s", err=True)
    if output_format != "text":
        emit(Report([], GENERATE_SCOPES, str(out)), output_format)


@cli.command()
def schema() -> None:
    """Print the inventory's JSON Schema (draft 2020-12).

    Point yaml-language-server at it for completion and hover help:
    `# yaml-language-server: $schema=../monitoring/schema/inventory.schema.json`
    """
    from monitoring.inventory.schema import schema_text

    click.echo(schema_text(), nl=False)


def main() -> None:
    cli()
