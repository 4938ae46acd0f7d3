"""`mac coverage`: the coverage matrix and the monitoring-debt table of what the inventory generates."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cli import exit_codes
from cli.options import inventory_option, out_option
from cli.reporters import Report, emit
from monitoring.problems import InputError

COVERAGE_FORMATS = ("text", "markdown", "json")


@click.command()
@inventory_option
@out_option("the --html page links its boards and rule files into it.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(COVERAGE_FORMATS),
    default="text",
    show_default=True,
    help="text for people, markdown (as COVERAGE.md) for a pull-request comment, json for tools.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the HTML page (as COVERAGE.html) to this file.",
)
@click.option(
    "--min",
    "minimum",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help="Exit 1 when the fleet coverage is below PERCENT (a CI gate).",
)
def coverage(
    inventory: Path, out: Path, output_format: str, html_file: Path | None, minimum: float | None
) -> None:
    """Show what the generated monitoring covers, per system and signal, and the debt left.

    \b
    mac coverage                      the matrix and the debt table, as text
    mac coverage --format json        the same for tools
    mac coverage --min 80             CI: exit 1 when the fleet coverage drops below 80%
    mac coverage --html report.html   also the heat map page

    Each system (a kind of the inventory) gets four signals: metrics (scraped by Prometheus or
    read by a CloudWatch alarm), logs (a log group it writes is under the managed retention),
    alerts (a CloudWatch alarm, or its kind's Prometheus alert rules and a scrape) and dashboards
    (a board of its kind shows its domain). A signal is yes when it covers every service of the
    system, partial when some, no when none; a system is FULL when all four are yes, NONE when all
    are no, else PARTIAL. The fleet coverage is the share of (service, signal) pairs covered,
    100 x covered / (4 x services), rounded to one decimal: --min compares that figure.

    The debt table puts the figures before adopting mac and the recommended minimums
    (settings.coverage of the inventory) beside what is generated, and the gap left.

    The output is generated in memory, as `mac generate` would write it; nothing is written to
    --out (`mac generate` writes COVERAGE.md and COVERAGE.html there). Exit 0; 1 below --min or
    when the generated output fails its checks; 2 on bad input.
    """
    from monitoring.coverage.html import html
    from monitoring.coverage.model import coverage_model
    from monitoring.coverage.render import json_text, markdown, text
    from monitoring.inventory.build import load_inventory
    from monitoring.pipeline import OutputCheckError, build_artifacts

    report_format = "json" if output_format == "json" else "text"
    try:
        model = load_inventory(inventory)
        families = build_artifacts(inventory, parallel=True)
    except InputError as error:
        emit(Report(error.problems, ("inventory",), "the inventory"), report_format)
        sys.exit(exit_codes.BAD_INPUT)
    except OutputCheckError as error:
        click.echo("error: the generated output failed its checks", err=True)
        emit(Report(error.problems, ("artifacts",), "the generated output"), report_format)
        sys.exit(exit_codes.FINDINGS)
    result = coverage_model(model, families)
    render = {"text": text, "markdown": markdown, "json": json_text}[output_format]
    click.echo(render(result), nl=False)
    if html_file is not None:
        prefix = Path(os.path.relpath(out.resolve(), html_file.resolve().parent)).as_posix()
        try:
            html_file.write_text(html(result, "" if prefix == "." else prefix), encoding="utf-8")
        except OSError as error:
            click.echo(f"error: cannot write {html_file}: {error.strerror or error}", err=True)
            sys.exit(exit_codes.BAD_INPUT)
    if minimum is not None and result.fleet_percent < minimum:
        click.echo(
            f"fleet coverage {result.fleet_percent:.1f}% is below --min {minimum:g}%",
            err=True,
        )
        sys.exit(exit_codes.FINDINGS)
