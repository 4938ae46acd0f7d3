"""The `mac` command line: parse options, call the library, map outcomes to exit codes.

Exit codes: 0 ok, 1 a check found problems (stale output, lint findings, pending changes),
2 bad input (inventory, rule file or options).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import ClassVar

import click

from cli.reporters import REPORTERS
from monitoring.lazy import resolve
from monitoring.problems import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
EXIT_ENVIRONMENT = 3  # the environment failed: disk full, I/O error

inventory_option = click.option(
    "--inventory",
    "-i",
    type=click.Path(path_type=Path),
    default=Path("inventory"),
    show_default=True,
    help="Inventory folder (every *.yaml in it, recursively) or a single file.",
)
out_option = click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("generated"),
    show_default=True,
    help="Output folder; it is replaced as a whole.",
)
format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="How problems are printed: text for people, json for tools, github for workflow annotations.",
)


def report_input_error(error: InputError, output_format: str) -> None:
    click.echo(REPORTERS[output_format](error.problems), err=output_format == "text")
    sys.exit(EXIT_BAD_INPUT)


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs, so `mac lint` starts fast."""

    lazy_commands: ClassVar[dict[str, str]] = {
        "lint": "cli.lint:lint",
        "plan": "cli.cloudwatch:plan_group",
        "apply": "cli.cloudwatch:apply_group",
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

    Exit codes: 0 ok, 1 problems found by a check, 2 bad input.
    """


@cli.command()
@inventory_option
@format_option
def validate(inventory: Path, output_format: str) -> None:
    """Validate the inventory against its JSON Schema and semantic rules.

    Every problem is reported with file:line:col before exiting 2; nothing is written.
    """
    from monitoring.inventory.build import load_inventory

    try:
        model = load_inventory(inventory)
    except InputError as error:
        report_input_error(error, output_format)
    summary = {kind: len([s for s in model.services if s.kind == kind]) for kind in model.kinds_present()}
    if output_format == "json":
        click.echo(json.dumps({"valid": True, "services": summary, "domains": len(model.domains)}))
    else:
        counts = ", ".join(f"{n} {kind}" for kind, n in summary.items())
        click.echo(
            f"inventory is valid: {len(model.domains)} domains, {len(model.services)} services ({counts})"
        )


@cli.command()
@inventory_option
@out_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list stale files if --out differs.")
@format_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@click.option(
    "--parallel/--serial",
    default=True,
    show_default=True,
    help="Generate and check output families on two cores when the machine has them.",
)
def generate(
    inventory: Path, out: Path, check: bool, output_format: str, quiet: bool, parallel: bool
) -> None:
    """Generate every output family for the inventory into --out.

    The inventory is validated first; on bad input nothing is written and the exit code is 2.
    The output folder is replaced atomically, so a failure leaves it as it was: exit 2 when
    --out is unusable or another run is writing it, 3 when the disk is full or fails.
    """
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
        families = build_artifacts(inventory, parallel=parallel)
    except InputError as error:
        report_input_error(error, output_format)
    except OutputCheckError as error:
        click.echo("generated output failed its checks (nothing written):", err=True)
        for finding in error.findings:
            click.echo(f"  {finding}", err=True)
        sys.exit(EXIT_FINDINGS)
    except OSError as error:  # fork or a temp file failed: the machine, not the input
        click.echo(f"error: cannot generate: {error.strerror or error}", err=True)
        sys.exit(EXIT_ENVIRONMENT)
    artifacts = [a for family in families.values() for a in family]
    if check:
        staleness = compare_tree(artifacts, out)
        if output_format == "json":
            click.echo(
                json.dumps(
                    {
                        "stale": staleness.stale,
                        "missing": staleness.missing,
                        "changed": staleness.changed,
                        "extra": staleness.extra,
                    }
                )
            )
        elif staleness.stale:
            click.echo(f"{out} is stale; run `mac generate` (or `make generate`) and commit:", err=True)
            for label, paths in (
                ("missing", staleness.missing),
                ("changed", staleness.changed),
                ("not generated", staleness.extra),
            ):
                for path in paths:
                    click.echo(f"  {label}: {out / path}", err=True)
        elif not quiet:
            click.echo(f"{out} is up to date ({len(artifacts)} files)")
        sys.exit(EXIT_FINDINGS if staleness.stale else EXIT_OK)
    try:
        write_tree(artifacts, out)
    except (ForeignOutputError, OutputBusyError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except OutputWriteError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_ENVIRONMENT if error.environment else EXIT_BAD_INPUT)
    if not quiet:
        per_family = ", ".join(f"{name} {len(files)}" for name, files in families.items())
        elapsed = time.perf_counter() - started
        click.echo(f"wrote {len(artifacts)} files to {out} ({per_family}) in {elapsed:.2f}s", err=True)


@cli.command()
def schema() -> None:
    """Print the inventory's JSON Schema (draft 2020-12).

    Point yaml-language-server at it for completion and hover help:
    `# yaml-language-server: $schema=../monitoring/schema/inventory.schema.json`
    """
    from importlib import resources

    click.echo(
        resources.files("monitoring").joinpath("schema/inventory.schema.json").read_text("utf-8"), nl=False
    )


def main() -> None:
    cli()
