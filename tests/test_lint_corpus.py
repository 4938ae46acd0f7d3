"""`mac lint` on a corpus of hand-written rule files in the styles real teams use (rendered mixins,
catalog-style files, large team files, PrometheusRule resources): no error on what promtool accepts,
and promtool's verdict on what it rejects (each invalid file holds one problem: one error).

The valid files are linted under the profile `mac lint FILES` uses when there is no config
(correctness); warnings are allowed there, errors are not. Every verdict is checked against Debian's
promtool on the same file, so the corpus cannot drift into files promtool would reject.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monitoring.lint.config import LintSettings
from monitoring.lint.runner import lint_texts
from monitoring.lint.sources import collect
from monitoring.problems import Problem
from tests.servers import tool

CORPUS = Path(__file__).parent / "fixtures" / "lint-corpus"
VALID = sorted((CORPUS / "valid").glob("*.y*ml"))
INVALID = sorted((CORPUS / "invalid").glob("*.y*ml"))
DEFAULT_FOR_FILES = LintSettings(profile="correctness")
PROMETHEUS_RULE_KIND = "PrometheusRule"


def lint_errors(path: Path) -> list[Problem]:
    sources = collect([str(path)])
    assert not sources.unreadable, sources.unreadable
    return [f for f in lint_texts(sources.texts, (), DEFAULT_FOR_FILES) if f.severity == "error"]


def promtool_input(path: Path, scratch: Path) -> Path:
    """promtool reads plain rule files only; a PrometheusRule resource is checked through its spec,
    which is what the Prometheus Operator hands to Prometheus."""
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return path
    if not isinstance(document, dict) or document.get("kind") != PROMETHEUS_RULE_KIND:
        return path
    spec = scratch / path.name
    spec.write_text(yaml.safe_dump(document["spec"], sort_keys=False), encoding="utf-8")
    return spec


def promtool_accepts(path: Path, scratch: Path) -> tuple[bool, str]:
    done = subprocess.run(
        [tool("promtool"), "check", "rules", str(promtool_input(path, scratch))],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0, done.stdout + done.stderr


def describe(findings: list[Problem]) -> str:
    return "\n".join(f"{f} [{f.check}]" for f in findings)


def test_corpus_is_large_enough() -> None:
    rules = 0
    for path in VALID:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        groups = (
            document["spec"]["groups"] if document.get("kind") == PROMETHEUS_RULE_KIND else document["groups"]
        )
        rules += sum(len(group["rules"]) for group in groups)
    assert len(VALID) >= 40
    assert rules >= 600
    assert len(INVALID) >= 15


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_file_is_accepted_by_promtool_and_has_no_lint_error(path: Path, tmp_path: Path) -> None:
    accepted, output = promtool_accepts(path, tmp_path)
    assert accepted, f"promtool rejects a file of the valid corpus:\n{output}"
    errors = lint_errors(path)
    assert not errors, f"mac lint reports errors on a file promtool accepts:\n{describe(errors)}"


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_file_is_rejected_by_promtool_and_by_lint(path: Path, tmp_path: Path) -> None:
    accepted, output = promtool_accepts(path, tmp_path)
    assert not accepted, f"promtool accepts a file of the invalid corpus:\n{output}"
    errors = lint_errors(path)
    assert errors, f"mac lint accepts a file promtool rejects:\n{output}"
    assert len(errors) == 1, f"each file holds one problem, reported once:\n{describe(errors)}"


def test_cli_lints_the_valid_corpus_directory_without_errors(tmp_path: Path) -> None:
    """The whole valid corpus as one directory argument, from a folder with no lint config."""
    done = subprocess.run(
        [sys.executable, "-m", "cli", "lint", "--format", "text", str(CORPUS / "valid")],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
