"""`mac lint --dashboards`: the Grafana dashboard checks of `mac generate`, on dashboard files."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

from cli import exit_codes
from cli.reporters import Report, counted, emit

GENERATED_DASHBOARDS_GLOB = "grafana/dashboards/*/*.json"


def lint_dashboard_files(
    files: Sequence[Path], out: Path, output_format: str, disabled: frozenset[str]
) -> NoReturn:
    """Check FILES, or every board under <out>/grafana/dashboards; exit 0 clean, 1 findings, 2 none found."""
    from monitoring.grafana_checks import lint_dashboards

    paths = list(files) or sorted(out.glob(GENERATED_DASHBOARDS_GLOB))
    missing = [p for p in paths if not p.is_file()]
    if not paths or missing:
        where = ", ".join(map(str, missing)) or str(out / GENERATED_DASHBOARDS_GLOB)
        click.echo(f"error: no dashboard files at {where}", err=True)
        sys.exit(exit_codes.BAD_INPUT)
    problems = [p for p in lint_dashboards(paths) if p.check not in disabled]
    emit(Report(problems, ("dashboards",), counted(len(paths), "dashboard")), output_format)
    sys.exit(exit_codes.FINDINGS if problems else exit_codes.OK)
