"""`mac lint` stays lean: linting rule files (or valid dashboards) imports none of the libraries that
only validation and generation need, so it starts about as fast as the interpreter allows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Libraries (and our modules) for the inventory, generation and AWS, never for linting.
NOT_FOR_LINT = (
    "jsonschema",
    "referencing",
    "grafanalib",
    "boto3",
    "botocore",
    "ruamel",
    "monitoring.inventory",
    "monitoring.generate",
)


def imported_modules(*args: str) -> tuple[int, set[str]]:
    """The exit code of `mac ARGS` and every module the process imported (from -X importtime)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    modules = {
        line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    return done.returncode, modules


def _forbidden(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in NOT_FOR_LINT))


def test_linting_rule_files_imports_no_generation_or_validation_library() -> None:
    rules = sorted(str(p) for p in (REPO / "generated" / "prometheus" / "rules").glob("*.rules.yml"))
    assert rules
    code, modules = imported_modules("lint", *rules)
    assert code in (0, 1)
    assert "monitoring.lint.runner" in modules and "promql_parser" in modules  # the lint did run
    assert _forbidden(modules) == []


def test_linting_rule_files_starts_without_click_or_the_kinds() -> None:
    """The CLI and the kinds' modules cost more than the lint of a small file (cli/entry.py)."""
    code, modules = imported_modules("lint", "--format", "json", "tests/fixtures/lint-corpus/valid")
    assert code in (0, 1)
    assert "monitoring.lint.runner" in modules
    assert sorted(m for m in modules if m.split(".")[0] == "click" or m.startswith("monitoring.kinds")) == []


# Standard modules a lint of rule files (text, github or checkstyle output) does without: each costs
# its start-up more than the lint of a small file (dataclasses brings inspect, ast and dis; pathlib
# urllib.parse and ipaddress).
STARTUP_HEAVY = ("dataclasses", "inspect", "ast", "typing", "pathlib", "urllib", "json")


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in STARTUP_HEAVY)


@pytest.mark.parametrize(
    "args",
    [
        ("lint", "tests/fixtures/lint-corpus/valid/catalog-kafka.yml"),
        ("lint", "--format", "github", "tests/fixtures/lint-corpus/invalid"),
        ("lint", "--profile", "house", "tests/fixtures/lint-corpus/valid/prometheusrule-coredns.yaml"),
        ("lint",),  # the generated rules, with the generated config's scrape interval and mixins
    ],
)
def test_linting_files_starts_without_dataclasses_typing_pathlib_or_json(args: tuple[str, ...]) -> None:
    code, modules = imported_modules(*args)
    assert code in (0, 1)
    assert "monitoring.lint.runner" in modules
    assert _heavy(modules) == []


def test_a_finding_is_reported_on_the_same_lean_path(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules.yml"
    broken.write_text("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rate(up[5m]\n")
    code, modules = imported_modules("lint", str(broken))
    assert code == 1
    assert _forbidden(modules) == []
    assert _heavy(modules) == []


@pytest.mark.parametrize("args", [("lint", "--dashboards"), ("lint", "--list-checks")])
def test_other_lint_modes_import_no_generation_library(args: tuple[str, ...]) -> None:
    code, modules = imported_modules(*args)
    assert code == 0
    assert _forbidden(modules) == []


def test_a_block_style_rule_file_is_linted_without_pyyaml(tmp_path: Path) -> None:
    """Importing PyYAML costs more than linting a small file: monitoring.lint.block_yaml composes
    block-style YAML, and PyYAML reads only what it declines (here an anchor and its alias)."""
    code, modules = imported_modules("lint", "tests/fixtures/lint-corpus/valid/catalog-kafka.yml")
    assert code in (0, 1)
    assert "monitoring.lint.runner" in modules
    assert "yaml" not in modules
    anchored = tmp_path / "anchored.rules.yml"
    anchored.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: &team\n"
        "          team: a\n      - alert: B\n        expr: up == 1\n        labels: *team\n"
    )
    code, modules = imported_modules("lint", str(anchored))
    assert code in (0, 1)
    assert "yaml" in modules
