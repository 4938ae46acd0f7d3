"""`mac diff`: what a change to the inventory (two git refs, or the working tree) does to the monitoring."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import NoReturn

import click

from cli import exit_codes
from cli.options import inventory_option
from cli.reporters import Report, emit
from monitoring.problems import InputError, Problem

DIFF_FORMATS = ("text", "markdown", "json")


class GitError(Exception):
    """The inventory's repository or a ref cannot be read: bad input, exit 2."""


def _git(repo: Path, *args: str) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if result.returncode != 0:
        raise GitError(result.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed")
    return result.stdout


def _repository(inventory: Path) -> tuple[Path, str]:
    """The repository's top folder and the inventory's path in it (posix)."""
    absolute = inventory.resolve()
    start = absolute if absolute.is_dir() else absolute.parent
    while not start.exists():
        start = start.parent
    try:
        top = Path(_git(start, "rev-parse", "--show-toplevel").decode().strip()).resolve()
    except GitError:
        raise GitError(f"{inventory} is not in a git repository") from None
    try:
        relative = absolute.relative_to(top).as_posix()
    except ValueError:
        raise GitError(f"{inventory} is outside the repository {top}") from None
    return top, relative or "."


def _materialise(top: Path, relative: str, ref: str, into: Path) -> Path:
    """The inventory as committed at `ref`, extracted under `into`."""
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"unknown revision {ref!r}") from None
    try:
        archive = _git(top, "archive", "--format=tar", commit, "--", relative)
    except GitError:
        raise GitError(f"{relative} does not exist at {ref}") from None
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(into, filter="data")
    except tarfile.TarError as error:  # a link out of the inventory, refused by the data filter
        raise GitError(f"cannot extract {relative} at {ref}: {error}") from None
    return into / relative


def _at(ref: str, error: InputError, root: Path) -> InputError:
    """The error with its files named REF:path (as git show takes them), not the temporary folder's."""
    prefix = f"{root}/"

    def renamed(problem: Problem) -> Problem:
        file = problem.location.file
        if file.startswith(prefix):
            file = f"{ref}:{file[len(prefix) :]}"
        return problem.replace(location=problem.location.replace(file=file))

    return InputError([renamed(problem) for problem in error.problems])


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(exit_codes.BAD_INPUT)


@click.command()
@click.argument("refs", nargs=-1, metavar="[REF_A [REF_B]]")
@inventory_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(DIFF_FORMATS),
    default="text",
    show_default=True,
    help="text for people, markdown for a pull-request comment, json for tools.",
)
@click.option(
    "--exit-code", is_flag=True, help="Exit 1 when the monitoring changes, as git diff --exit-code."
)
def diff(refs: tuple[str, ...], inventory: Path, output_format: str, exit_code: bool) -> None:
    """Show what a change to the inventory changes in the generated monitoring.

    \b
    mac diff                  HEAD against the working tree
    mac diff main             main against the working tree
    mac diff main HEAD        main against HEAD (e.g. in a pull request's CI)

    Grouped by family: scrape jobs and targets, alert rules, dashboards, CloudWatch alarms (with
    the monthly cost delta) and log retention. Exit 0, or 1 with --exit-code when something
    changes; 2 when a ref, the repository or an inventory is bad; 1 when the output generated
    at a ref fails its checks, as `mac generate` does.
    """
    if len(refs) > 2:
        _fail("expected at most two refs: mac diff [REF_A [REF_B]]")
    from monitoring.diff.compare import compare, summarise
    from monitoring.diff.render import RENDERERS
    from monitoring.pipeline import OutputCheckError, build_artifacts

    report_format = "json" if output_format == "json" else "text"
    before_ref = refs[0] if refs else "HEAD"
    after_ref = refs[1] if len(refs) > 1 else None
    with tempfile.TemporaryDirectory(prefix="mac-diff-") as scratch:
        try:
            top, relative = _repository(inventory)
            sides: list[tuple[str, Path, Path | None]] = []
            for index, ref in enumerate((before_ref, after_ref)):
                if ref is None:
                    sides.append(("the working tree", inventory, None))
                else:
                    extracted = Path(scratch) / str(index)
                    sides.append((ref, _materialise(top, relative, ref, extracted), extracted))
        except GitError as error:
            _fail(str(error))
        runs = []
        for name, path, root in sides:
            try:
                runs.append(summarise(build_artifacts(path)))
            except InputError as error:
                click.echo(f"error: the inventory at {name} is invalid", err=True)
                shown = _at(name, error, root) if root is not None else error
                emit(Report(shown.problems, ("inventory",), f"the inventory at {name}"), report_format)
                sys.exit(exit_codes.BAD_INPUT)
            except OutputCheckError as error:
                click.echo(f"error: the output generated at {name} failed its checks", err=True)
                emit(Report(error.problems, ("artifacts",), f"the output at {name}"), report_format)
                sys.exit(exit_codes.FINDINGS)
    result = compare(runs[0], runs[1])
    click.echo(RENDERERS[output_format](result), nl=False)
    sys.exit(exit_codes.FINDINGS if exit_code and result.changes else exit_codes.OK)
