"""`mac lint`: lint Prometheus rule files natively (no promtool), for generated and hand-written rules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli import exit_codes
from cli.lint_config import config_epilog, failing, lint_config_options, lint_settings
from cli.lint_modes import CHANGED_SINCE_HELP, PROMETHEUS_HELP, PROMETHEUS_TIMEOUT_HELP, apply_modes
from cli.options import disable_option, format_option, list_checks_option, out_option, select_checks
from cli.reporters import Report, counted, emit

GENERATED_RULES_GLOB = "prometheus/rules/*.rules.yml"


@click.command(epilog=config_epilog())
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@out_option(
    f"its {GENERATED_RULES_GLOB} (or grafana/dashboards/*/*.json) are linted when no FILES are given."
)
@format_option
@disable_option
@list_checks_option
@lint_config_options
@click.option(
    "--dashboards", is_flag=True, help="Check Grafana dashboards (FILES or <out>/grafana/dashboards) instead."
)
@click.option("--changed-since", metavar="REF", help=CHANGED_SINCE_HELP)
@click.option("--prometheus", metavar="URL", help=PROMETHEUS_HELP)
@click.option(
    "--prometheus-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help=PROMETHEUS_TIMEOUT_HELP,
)
def lint(
    files: tuple[Path, ...],
    out: Path,
    output_format: str,
    disabled: tuple[str, ...],
    list_checks: bool,
    dashboards: bool,
    changed_since: str | None,
    prometheus: str | None,
    prometheus_timeout: float,
    profile: str | None,
    config_path: Path | None,
    fail_on: str,
) -> None:
    """Lint Prometheus rule files: YAML and rule-file structure, PromQL syntax, metric names
    against the exporters' catalogs, counter functions, impossible selectors, `for`, duplicates,
    required labels and annotations, and annotation template syntax. Per rule, a comment
    `# mac-lint disable ID` skips a check.

    FILES are rule files (plain, or Prometheus Operator PrometheusRule resources), directories
    (searched recursively for *.yml and *.yaml, hidden ones left out), quoted globs
    (`'rules/**/*.yml'`, expanded here) or `-` for stdin. A file named explicitly is always linted;
    in a directory or a glob, YAML that is not a rule file (no top-level `groups:`, not a
    PrometheusRule) is skipped; a directory or glob without any rule file is unreadable input.

    PR mode (--changed-since REF) keeps the findings on rules changed since a git ref; online mode
    (--prometheus URL) adds checks against a live Prometheus.

    Exit codes: 0 clean (or no finding at --fail-on's severity or above), 1 findings, 2 unreadable
    input, an unknown check id, not a git repository or an unknown ref; 3 the Prometheus given is
    unreachable.
    """
    off = select_checks(("dashboards",) if dashboards else ("rules",), disabled, list_checks, output_format)
    if dashboards:
        from cli.grafana import lint_dashboard_files

        lint_dashboard_files(files, out, output_format, off)
    settings = lint_settings(profile, config_path, bool(files), output_format)
    from monitoring.lint.runner import lint_texts
    from monitoring.lint.sources import collect

    arguments = [str(file) for file in files] or [str(p) for p in sorted(out.glob(GENERATED_RULES_GLOB))]
    if not arguments:
        click.echo(f"error: no rule files given and none under {out / GENERATED_RULES_GLOB}", err=True)
        sys.exit(exit_codes.BAD_INPUT)
    sources = collect(arguments)
    for problem in sources.unreadable:
        click.echo(f"error: cannot read {problem}", err=True)
    offline = lint_texts(sources.texts, off, settings)
    findings = apply_modes(
        offline, sources.texts, changed_since, prometheus, prometheus_timeout, off, settings
    )
    emit(Report(findings, ("rules",), counted(len(sources.texts), "rule file")), output_format)
    if sources.unreadable:
        sys.exit(exit_codes.BAD_INPUT)
    sys.exit(exit_codes.FINDINGS if failing(findings, fail_on) else exit_codes.OK)
