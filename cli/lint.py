"""`mac lint`: lint Prometheus rule files natively (no promtool), for generated and hand-written rules."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from monitoring.lint.model import Finding

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
GENERATED_RULES_GLOB = "prometheus/rules/*.rules.yml"


def _text(findings: Sequence[Finding], files: int) -> str:
    lines = [
        f"{f.file}:{f.line}:{f.col}: {f.severity}: {f.message} [{f.check}]"
        + (f"\n    hint: {f.hint}" if f.hint else "")
        for f in findings
    ]
    noun = "finding" if len(findings) == 1 else "findings"
    return "\n".join([*lines, f"{len(findings)} {noun} in {files} rule file{'s' if files != 1 else ''}"])


def _json(findings: Sequence[Finding], files: int) -> str:
    return json.dumps(
        [
            {
                "file": f.file,
                "line": f.line,
                "col": f.col,
                "check": f.check,
                "severity": f.severity,
                "message": f.message,
                "hint": f.hint,
            }
            for f in findings
        ],
        indent=2,
    )


def _github(findings: Sequence[Finding], files: int) -> str:
    from cli.reporters import github_annotation

    return "\n".join(
        github_annotation(
            f.severity,
            {"file": f.file, "line": f.line, "col": f.col, "title": f.check},
            f.message + (f" ({f.hint})" if f.hint else ""),
        )
        for f in findings
    )


LINT_REPORTERS = {"text": _text, "json": _json, "github": _github}


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("generated"),
    show_default=True,
    help=f"Output folder whose {GENERATED_RULES_GLOB} are linted when no FILES are given.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(LINT_REPORTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations.",
)
@click.option(
    "--disable",
    "disabled",
    multiple=True,
    metavar="ID",
    help="Skip a check, e.g. --disable rule/for (repeatable). Per rule: `# mac-lint disable ID`.",
)
@click.option("--list-checks", is_flag=True, help="Print the check ids and what each checks, then exit.")
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
    required labels and annotations, and annotation template syntax.

    Exit codes: 0 clean, 1 findings, 2 unreadable input or an unknown check id.
    """
    if dashboards:
        from cli.grafana import lint_dashboard_files

        lint_dashboard_files(files, out, output_format)
    from monitoring.lint.checks import CHECK_IDS, CHECKS
    from monitoring.lint.runner import lint_paths

    if list_checks:
        for check in CHECKS:
            click.echo(f"{check.id:28} {check.severity:8} {check.summary}")
        return
    unknown = sorted(set(disabled) - CHECK_IDS)
    if unknown:
        click.echo(
            f"unknown check id(s) {', '.join(unknown)}; known: {', '.join(sorted(CHECK_IDS))}", err=True
        )
        sys.exit(EXIT_BAD_INPUT)
    paths = list(files) or sorted(out.glob(GENERATED_RULES_GLOB))
    if not paths:
        click.echo(f"no rule files given and none under {out / GENERATED_RULES_GLOB}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    result = lint_paths(paths, disabled)
    for problem in result.unreadable:
        click.echo(f"cannot read {problem}", err=True)
    if result.findings or output_format == "json":
        click.echo(LINT_REPORTERS[output_format](result.findings, len(paths)))
    if result.unreadable:
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(EXIT_FINDINGS if result.findings else EXIT_OK)
