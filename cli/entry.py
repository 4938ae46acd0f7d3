"""The `mac` console script. `mac lint` with plain arguments runs without importing click: the lint of
a small file would otherwise spend most of its time starting the CLI. Anything else (another command,
--help, a usage error, shell completion) goes to the click CLI of cli/main.py, which reads the
arguments again and reports as it always does."""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Sequence


def main() -> None:
    arguments = sys.argv[1:]
    if arguments[:1] == ["lint"] and "_MAC_COMPLETE" not in os.environ:
        _lint_without_click(arguments[1:])
    from cli.main import main as click_main

    click_main()


def _lint_without_click(argv: Sequence[str]) -> None:
    """Runs the lint (and exits) when argv is a plain use of its options; returns for click otherwise.

    The lint's objects (every YAML node, every PromQL tree) live until the process ends: the cyclic
    collector only rescans them, and tearing them down at exit costs as much as building them, so the
    process ends without either (as mypy does), once its output is flushed."""
    gc.disable()
    from cli.lint import LINT_FILES, LINT_OPTIONS, lint
    from cli.options import Invalid, parse
    from cli.reporters import echo

    try:
        parameters = parse(LINT_FILES, LINT_OPTIONS, argv)
    except Invalid:
        gc.enable()
        return
    # What click's standalone mode does around a command.
    try:
        lint(**parameters)
    except SystemExit as done:
        _exit_now(done.code)
    except (EOFError, KeyboardInterrupt):
        echo("", err=True)
        echo("Aborted!", err=True)
        _exit_now(1)
    except OSError as error:
        if error.errno != errno.EPIPE:
            raise
        _exit_now(1)


def _exit_now(code: object) -> None:
    if code is not None and not isinstance(code, int):
        sys.stderr.write(f"{code}\n")  # what the interpreter prints for sys.exit("message")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError as error:  # `mac lint | head`: the reader is gone, as click ends quietly
            if error.errno != errno.EPIPE:
                raise
            code = 1
    os._exit(code or 0)
