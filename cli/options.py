"""Options that mean the same in every command: --inventory, -o/--out, --format, --disable, --list-checks."""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from cli import exit_codes
from cli.reporters import FORMATS
from monitoring.check_registry import Scope, checks_in, registry

F = TypeVar("F", bound=Callable[..., Any])

inventory_option = click.option(
    "--inventory",
    "-i",
    type=click.Path(path_type=Path),
    default=Path("inventory"),
    show_default=True,
    help="Inventory folder (every *.yaml in it, recursively) or a single file.",
)


def out_option(help_text: str) -> Callable[[F], F]:
    """-o/--out is the generated folder everywhere: generate writes it, lint and plan/apply read it."""
    return click.option(
        "--out",
        "-o",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("generated"),
        show_default=True,
        help=f"The generated folder: {help_text}",
    )


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How results are printed on stdout: text for people, json for tools, github for workflow "
    "annotations, sarif (2.1.0) for code scanning, checkstyle (XML) for CI tools that read it.",
)
disable_option = click.option(
    "--disable",
    "disabled",
    multiple=True,
    metavar="ID",
    help="Skip a check by id, e.g. --disable rule/for (repeatable); --list-checks shows the ids.",
)
list_checks_option = click.option(
    "--list-checks",
    is_flag=True,
    help="Print the ids of this command's checks and what each checks, then exit.",
)


def _bad_id(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(exit_codes.BAD_INPUT)


def select_checks(
    scopes: Iterable[Scope], disabled: Iterable[str], list_checks: bool, output_format: str
) -> frozenset[str]:
    """The disabled ids once checked (exit 2 on an unknown or a guarding one), or the listing (exit 0)."""
    if not disabled and not list_checks:
        return frozenset()  # the registry imports every check module: only when asked
    mine = checks_in(scopes)
    if list_checks:
        if output_format == "json":
            rows = [
                {
                    "id": c.id,
                    "severity": c.severity,
                    "disableable": c.disableable,
                    "summary": c.summary,
                    **({"profile": c.profile} if c.profile else {}),
                }
                for c in mine
            ]
            click.echo(json.dumps(rows, indent=2))
        else:
            for c in mine:
                always = "" if c.disableable else "  (cannot be disabled)"
                click.echo(f"{c.id:32} {c.severity:8} {c.summary}{always}")
        sys.exit(exit_codes.OK)
    known = registry()
    ids = {c.id: c for c in mine}
    for check in dict.fromkeys(disabled):
        if check not in known:
            close = difflib.get_close_matches(check, list(ids) or list(known), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            _bad_id(f"unknown check id {check!r}; {hint}--list-checks shows this command's checks")
        elif check not in ids:
            _bad_id(f"check {check!r} does not run in this command; --list-checks shows the ones that do")
        elif not ids[check].disableable:
            _bad_id(
                f"check {check!r} cannot be disabled: it guards what is generated from the inventory "
                "or what AWS accepts"
            )
    return frozenset(disabled)
