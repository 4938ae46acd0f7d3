"""`mac lint` without click (cli/entry.py): the lint's options are declared once (cli/lint.py), and
the plain parser reads exactly what click reads, or leaves the arguments to click."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from cli.lint import LINT_FILES, LINT_OPTIONS
from cli.lint_command import lint as lint_command
from cli.options import Invalid, parse

REPO = Path(__file__).resolve().parents[1]
VALID = "tests/fixtures/lint-corpus/valid/catalog-jvm.yml"


def click_parameters(argv: list[str]) -> dict[str, object] | None:
    """What click passes to the command for argv, None when click refuses it."""
    try:
        with lint_command.make_context("lint", list(argv), resilient_parsing=False) as context:
            return dict(context.params)
    except (click.UsageError, click.exceptions.Exit):
        return None


ACCEPTED = [
    [],
    [VALID],
    [VALID, "-", "rules/"],
    ["--format", "json", VALID],
    ["--format=sarif", VALID, "--fail-on", "warning"],
    ["-o", "generated"],
    ["-ogenerated", "--profile", "house"],
    ["--out=generated", "--disable", "rule/for", "--disable=rule/labels", VALID],
    ["--list-checks", "--format", "json"],
    ["--dashboards"],
    ["--changed-since", "HEAD~1", "--prometheus", "http://127.0.0.1:9", "--prometheus-timeout", "2.5"],
    ["--prometheus-timeout=0.1", "--", "--not-an-option.yml"],
    ["--config", "pyproject.toml", VALID],
]
REFUSED = [
    ["--help"],
    ["-h"],
    ["--formt", "json"],
    ["--format", "yaml"],
    ["--format"],
    ["--fail-on", "info"],
    ["--profile", "style"],
    ["--list-checks=yes"],
    ["--prometheus-timeout", "0"],
    ["--prometheus-timeout", "soon"],
    ["--config", "no-such-file.yaml"],
    ["--config", "tests"],
    ["--out", "pyproject.toml"],
    ["-x"],
]


@pytest.mark.parametrize("argv", ACCEPTED, ids=" ".join)
def test_the_plain_parser_reads_what_click_reads(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    expected = click_parameters(argv)
    assert expected is not None
    assert parse(LINT_FILES, LINT_OPTIONS, argv) == expected


@pytest.mark.parametrize("argv", REFUSED, ids=" ".join)
def test_what_click_refuses_or_helps_with_is_left_to_click(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    assert click_parameters(argv) is None
    with pytest.raises(Invalid):
        parse(LINT_FILES, LINT_OPTIONS, argv)


def run_mac(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_usage_error_is_clicks_on_either_path() -> None:
    done = run_mac("lint", "--format", "yaml", VALID)
    assert done.returncode == 2
    assert "Invalid value for '--format'" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_is_clicks() -> None:
    done = run_mac("lint", "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: ")
    assert "--prometheus-timeout FLOAT RANGE" in done.stdout


def test_a_closed_pipe_ends_the_lint_quietly(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules.yml"
    rules = "".join(f"      - alert: A{n}\n        expr: rate(up[5m]\n" for n in range(2000))
    broken.write_text(f"groups:\n  - name: g\n    rules:\n{rules}")
    with subprocess.Popen(
        [sys.executable, "-m", "cli", "lint", str(broken)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        code = process.wait(timeout=120)
    assert code == 1
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
