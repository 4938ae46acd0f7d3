"""`mac lint --dashboards`: the Grafana dashboard checks of `mac generate`, on dashboard files."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

from cli.reporters import REPORTERS

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
GENERATED_DASHBOARDS_GLOB = "grafana/dashboards/*/*.json"


def lint_dashboard_files(files: Sequence[Path], out: Path, output_format: str) -> NoReturn:
    """Check FILES, or every board under <out>/grafana/dashboards; exit 0 clean, 1 findings, 2 none found."""
    from monitoring.grafana_checks import lint_dashboards

    paths = list(files) or sorted(out.glob(GENERATED_DASHBOARDS_GLOB))
    missing = [p for p in paths if not p.is_file()]
    if not paths or missing:
        where = ", ".join(map(str, missing)) or str(out / GENERATED_DASHBOARDS_GLOB)
        click.echo(f"no dashboard files at {where}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    problems = lint_dashboards(paths)
    if output_format == "text":
        for problem in problems:
            click.echo(f"{problem.location}: error: {problem.message}")
        noun = "finding" if len(problems) == 1 else "findings"
        click.echo(f"{len(problems)} {noun} in {len(paths)} dashboard{'s' if len(paths) != 1 else ''}")
    elif problems or output_format == "json":
        click.echo(REPORTERS[output_format](problems))
    sys.exit(EXIT_FINDINGS if problems else EXIT_OK)
