"""Options that mean the same in every command: --inventory, -o/--out, --format, --disable, --list-checks.

An option is declared once, as data (`Option`): click builds it for every command (help, errors), and
`parse` reads the plain runs of `mac lint` without importing click (cli/entry.py), so the lint of a
small file starts about as fast as the interpreter allows. Nothing here imports click until a command
is built.
"""

from __future__ import annotations

import os
import stat
import sys

from cli import exit_codes
from cli.reporters import FORMATS, echo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path
    from typing import Any, TypeVar

    import click

    from monitoring.check_registry import Scope

    F = TypeVar("F", bound=Callable[..., Any])


class Invalid(Exception):
    """A value `parse` does not take as it is: click reads the arguments again and says why."""


class Text:
    def convert(self, text: str) -> object:
        return text

    def click_type(self) -> click.ParamType[Any] | None:
        return None


class Choice(Text):
    def __init__(self, *choices: str) -> None:
        self.choices = choices

    def convert(self, text: str) -> object:
        if text not in self.choices:
            raise Invalid(text)
        return text

    def click_type(self) -> click.ParamType[Any]:
        import click

        return click.Choice(self.choices)


class FloatAtLeast(Text):
    def __init__(self, minimum: float) -> None:
        self.minimum = minimum

    def convert(self, text: str) -> object:
        try:
            number = float(text)
        except ValueError:
            raise Invalid(text) from None
        if not number >= self.minimum:
            raise Invalid(text)
        return number

    def click_type(self) -> click.ParamType[Any]:
        import click

        return click.FloatRange(min=self.minimum)


class PathValue(Text):
    """A Path, checked as click.Path(path_type=Path, ...) checks it; with as_text the path as it was
    written (a str), for `mac lint`, which starts without importing pathlib."""

    def __init__(
        self, file_okay: bool = True, dir_okay: bool = True, exists: bool = False, as_text: bool = False
    ) -> None:
        self.file_okay, self.dir_okay, self.exists, self.as_text = file_okay, dir_okay, exists, as_text

    def convert(self, text: str) -> object:
        try:
            mode = os.stat(text).st_mode
        except OSError:
            if self.exists:
                raise Invalid(text) from None
            return self._value(text)
        if (not self.file_okay and stat.S_ISREG(mode)) or (not self.dir_okay and stat.S_ISDIR(mode)):
            raise Invalid(text)
        if not os.access(text, os.R_OK):
            raise Invalid(text)
        return self._value(text)

    def _value(self, text: str) -> object:
        if self.as_text:
            return text
        from pathlib import Path

        return Path(text)

    def click_type(self) -> click.ParamType[Any]:
        import click

        path_type: type[str] | type[Path] = str
        if not self.as_text:
            from pathlib import Path

            path_type = Path
        return click.Path(
            path_type=path_type, file_okay=self.file_okay, dir_okay=self.dir_okay, exists=self.exists
        )


class Option:
    """One option: its names (long first), the parameter it fills, and how its value is read."""

    def __init__(
        self,
        *names: str,
        dest: str,
        help: str,
        value: Text | None = None,
        default: object = None,
        flag: bool = False,
        multiple: bool = False,
        metavar: str | None = None,
        show_default: bool = False,
    ) -> None:
        self.names, self.dest, self.help = names, dest, help
        self.value = value or Text()
        self.default, self.flag, self.multiple = default, flag, multiple
        self.metavar, self.show_default = metavar, show_default

    def decorator(self) -> Callable[[F], F]:
        import click

        settings: dict[str, Any] = {"help": self.help}
        if self.flag:
            settings["is_flag"] = True
        else:
            settings |= {"type": self.value.click_type(), "default": self.default, "multiple": self.multiple}
        if self.metavar is not None:
            settings["metavar"] = self.metavar
        if self.show_default:
            settings["show_default"] = True
        return click.option(*self.names, self.dest, **settings)

    def __call__(self, function: F) -> F:
        return self.decorator()(function)


class Arguments:
    """The positional arguments of a command: any number, each read as `value` reads it."""

    def __init__(self, dest: str, value: Text) -> None:
        self.dest, self.value = dest, value

    def __call__(self, function: F) -> F:
        import click

        decorate: Callable[[F], F] = click.argument(self.dest, nargs=-1, type=self.value.click_type())
        return decorate(function)


def click_command(
    function: Callable[..., Any], arguments: Arguments, options: Sequence[Option], epilog: str
) -> click.Command:
    """The click command running function, with the arguments first and the options in order."""
    import click

    for option in reversed(options):
        function = option(function)
    return click.command(epilog=epilog)(arguments(function))


def parse(arguments: Arguments, options: Sequence[Option], argv: Sequence[str]) -> dict[str, Any]:
    """The parameters click would pass for argv, for the plain uses of options; Invalid for anything
    else (help, an unknown option, a value click would refuse), which click then handles."""
    by_name = {name: option for option in options for name in option.names}
    values: dict[str, Any] = {}
    repeated: dict[str, list[object]] = {}
    positional: list[str] = []
    pending = list(argv)
    while pending:
        token = pending.pop(0)
        if token == "--":
            positional += pending
            break
        if not token.startswith("-") or token == "-":
            positional.append(token)
            continue
        if token.startswith("--"):
            name, equals, attached = token.partition("=")
            text: str | None = attached if equals else None
        else:
            name, text = token[:2], token[2:] or None
        option = by_name.get(name)
        if option is None:
            raise Invalid(token)
        if option.flag:
            if text is not None:
                raise Invalid(token)
            values[option.dest] = True
            continue
        if text is None:
            if not pending:
                raise Invalid(token)
            text = pending.pop(0)
        converted = option.value.convert(text)
        if option.multiple:
            repeated.setdefault(option.dest, []).append(converted)
        else:
            values[option.dest] = converted
    for option in options:
        if option.multiple:
            values[option.dest] = tuple(repeated.get(option.dest, ()))
        elif option.dest not in values:
            values[option.dest] = (
                False
                if option.flag
                else None
                if option.default is None
                else option.value.convert(str(option.default))
            )
    values[arguments.dest] = tuple(arguments.value.convert(text) for text in positional)
    return values


inventory_option = Option(
    "--inventory",
    "-i",
    dest="inventory",
    value=PathValue(),
    default="inventory",  # a Path once read: click and parse convert defaults too
    show_default=True,
    help="Inventory folder (every *.yaml in it, recursively) or a single file.",
)


def out_option(help_text: str, as_text: bool = False) -> Option:
    """-o/--out is the generated folder everywhere: generate writes it, lint and plan/apply read it."""
    return Option(
        "--out",
        "-o",
        dest="out",
        value=PathValue(file_okay=False, as_text=as_text),
        default="generated",
        show_default=True,
        help=f"The generated folder: {help_text}",
    )


format_option = Option(
    "--format",
    dest="output_format",
    value=Choice(*FORMATS),
    default="text",
    show_default=True,
    help="How results are printed on stdout: text for people, json for tools, github for workflow "
    "annotations, sarif (2.1.0) for code scanning, checkstyle (XML) for CI tools that read it.",
)
disable_option = Option(
    "--disable",
    dest="disabled",
    multiple=True,
    metavar="ID",
    help="Skip a check by id, e.g. --disable rule/for (repeatable); --list-checks shows the ids.",
)
list_checks_option = Option(
    "--list-checks",
    dest="list_checks",
    flag=True,
    help="Print the ids of this command's checks and what each checks, then exit.",
)


def _bad_id(message: str) -> None:
    echo(f"error: {message}", err=True)
    sys.exit(exit_codes.BAD_INPUT)


def select_checks(
    scopes: Iterable[Scope], disabled: Iterable[str], list_checks: bool, output_format: str
) -> frozenset[str]:
    """The disabled ids once checked (exit 2 on an unknown or a guarding one), or the listing (exit 0)."""
    if not disabled and not list_checks:
        return frozenset()  # the registry imports every check module: only when asked
    import difflib
    import json

    from monitoring.check_registry import checks_in, registry

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
            echo(json.dumps(rows, indent=2))
        else:
            for c in mine:
                always = "" if c.disableable else "  (cannot be disabled)"
                echo(f"{c.id:32} {c.severity:8} {c.summary}{always}")
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
