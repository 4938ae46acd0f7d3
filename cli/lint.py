"""`mac lint`: lint Prometheus rule files natively (no promtool), for generated and hand-written rules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli import exit_codes
from cli.options import disable_option, format_option, list_checks_option, out_option, select_checks
from cli.reporters import Report, counted, emit

GENERATED_RULES_GLOB = "prometheus/rules/*.rules.yml"


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@out_option(
    f"its {GENERATED_RULES_GLOB} (or grafana/dashboards/*/*.json) are linted when no FILES are given."
)
@format_option
@disable_option
@list_checks_option
@click.option(
    "--dashboards", is_flag=True, help="Check Grafana dashboards (FILES or <out>/grafana/dashboards) instead."
)
def lint(
    files: tuple[Path, ...],
    out: Path,
    output_format: str,
    disabled: tuple[str, ...],
    list_checks: bool,
    dashboards: bool,
) -> None:
    """Lint Prometheus rule files: YAML and rule-file structure, PromQL syntax, metric names
    against the exporters' catalogs, counter functions, impossible selectors, `for`, duplicates,
    required labels and annotations, and annotation template syntax. Per rule, a comment
    `# mac-lint disable ID` skips a check.

    Exit codes: 0 clean, 1 findings, 2 unreadable input or an unknown check id.
    """
    off = select_checks(("dashboards",) if dashboards else ("rules",), disabled, list_checks, output_format)
    if dashboards:
        from cli.grafana import lint_dashboard_files

        lint_dashboard_files(files, out, output_format, off)
    from monitoring.lint.runner import lint_paths

    paths = list(files) or sorted(out.glob(GENERATED_RULES_GLOB))
    if not paths:
        click.echo(f"error: no rule files given and none under {out / GENERATED_RULES_GLOB}", err=True)
        sys.exit(exit_codes.BAD_INPUT)
    result = lint_paths(paths, off)
    for problem in result.unreadable:
        click.echo(f"error: cannot read {problem}", err=True)
    emit(Report(result.findings, ("rules",), counted(len(paths), "rule file")), output_format)
    if result.unreadable:
        sys.exit(exit_codes.BAD_INPUT)
    sys.exit(exit_codes.FINDINGS if result.findings else exit_codes.OK)
