"""`mac lint`: lint Prometheus rule files natively (no promtool), for generated and hand-written rules.

Its arguments and options are declared here as data: cli/lint_command.py builds the click command
from them, and cli/entry.py runs `lint` on them without importing click.
"""

from __future__ import annotations

import sys

from cli import exit_codes
from cli.lint_config import (
    LINT_CONFIG_OPTIONS,
    failing,
    generated_mixins_at_correctness,
    lint_settings,
    with_generated_scrape_interval,
)
from cli.lint_modes import CHANGED_SINCE_HELP, PROMETHEUS_HELP, PROMETHEUS_TIMEOUT_HELP, apply_modes
from cli.options import (
    Arguments,
    FloatAtLeast,
    Option,
    PathValue,
    disable_option,
    format_option,
    list_checks_option,
    out_option,
    select_checks,
)
from cli.reporters import Report, counted, echo, emit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

GENERATED_RULES_GLOB = "prometheus/rules/*.rules.yml"

# Paths as text: a lint of FILES starts without importing pathlib.
LINT_FILES = Arguments("files", PathValue(as_text=True))
LINT_OPTIONS = (
    out_option(
        f"its {GENERATED_RULES_GLOB} (or grafana/dashboards/*/*.json) are linted when no FILES are given.",
        as_text=True,
    ),
    format_option,
    disable_option,
    list_checks_option,
    *LINT_CONFIG_OPTIONS,
    Option(
        "--dashboards",
        dest="dashboards",
        flag=True,
        help="Check Grafana dashboards (FILES or <out>/grafana/dashboards) instead.",
    ),
    Option("--changed-since", dest="changed_since", metavar="REF", help=CHANGED_SINCE_HELP),
    Option("--prometheus", dest="prometheus", metavar="URL", help=PROMETHEUS_HELP),
    Option(
        "--prometheus-timeout",
        dest="prometheus_timeout",
        value=FloatAtLeast(0.1),
        default=10.0,
        show_default=True,
        help=PROMETHEUS_TIMEOUT_HELP,
    ),
)


def lint(
    files: tuple[str, ...],
    out: str,
    output_format: str,
    disabled: tuple[str, ...],
    list_checks: bool,
    dashboards: bool,
    changed_since: str | None,
    prometheus: str | None,
    prometheus_timeout: float,
    profile: str | None,
    config_path: str | None,
    fail_on: str,
) -> NoReturn:
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
        from pathlib import Path

        from cli.grafana import lint_dashboard_files

        lint_dashboard_files(tuple(Path(file) for file in files), Path(out), output_format, off)
    settings = lint_settings(profile, config_path, bool(files), output_format)
    from monitoring.lint.runner import lint_run
    from monitoring.lint.sources import collect, path_text

    arguments = [path_text(file) for file in files]
    if not files:
        settings = generated_mixins_at_correctness(with_generated_scrape_interval(settings, out), out)
        arguments = _generated_rule_files(out)
        if not arguments:
            where = path_text(f"{out}/{GENERATED_RULES_GLOB}")
            echo(f"error: no rule files given and none under {where}", err=True)
            sys.exit(exit_codes.BAD_INPUT)
    sources = collect(arguments)
    for problem in sources.unreadable:
        echo(f"error: cannot read {problem}", err=True)
    offline = lint_run(sources.texts, off, settings)
    findings = apply_modes(offline, changed_since, prometheus, prometheus_timeout, off, settings)
    emit(Report(findings, ("rules",), counted(len(sources.texts), "rule file")), output_format)
    if sources.unreadable:
        sys.exit(exit_codes.BAD_INPUT)
    sys.exit(exit_codes.FINDINGS if failing(findings, fail_on) else exit_codes.OK)


def _generated_rule_files(out: str) -> list[str]:
    """<out>/prometheus/rules/*.rules.yml, sorted, spelled as pathlib spells them."""
    import glob

    from monitoring.lint.sources import path_text

    found = glob.glob(f"{glob.escape(out)}/{GENERATED_RULES_GLOB}", include_hidden=True)
    return sorted((path_text(path) for path in found), key=lambda path: path.split("/"))
