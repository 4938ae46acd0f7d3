"""The click command of `mac lint` (help, usage errors), built from what cli/lint.py declares."""

from __future__ import annotations

from cli.lint import LINT_FILES, LINT_OPTIONS
from cli.lint import lint as run_lint
from cli.lint_config import config_epilog
from cli.options import click_command

lint = click_command(run_lint, LINT_FILES, LINT_OPTIONS, epilog=config_epilog())
