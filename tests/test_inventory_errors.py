"""Every bad inventory gives exit 2, a located message (golden), no traceback, no write."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.helpers import REPO, assert_golden, run_mac

INVALID = REPO / "tests" / "fixtures" / "inventory" / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())


def test_there_are_enough_bad_inventories() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_validate_reports_located_problem(case: str) -> None:
    result = run_mac("validate", "--inventory", ".", cwd=INVALID / case)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr == ""
    first = result.stdout.splitlines()[0]
    file_part, line, col = first.split(":")[:3]
    assert (INVALID / case / file_part).is_file() and line.isdigit() and col.isdigit(), first
    assert_golden(INVALID / case / "expected.txt", result.stdout)


@pytest.mark.parametrize("case", CASES)
def test_generate_leaves_output_untouched(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "generated"
    (out / "prometheus").mkdir(parents=True)
    sentinel = out / "prometheus" / "prometheus.yml"
    sentinel.write_text("previous content\n")
    monkeypatch.chdir(INVALID / case)
    result = CliRunner().invoke(cli, ["generate", "--inventory", ".", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert sorted(p.name for p in out.rglob("*")) == ["prometheus", "prometheus.yml"]
    assert sentinel.read_text() == "previous content\n"


def test_empty_folder(tmp_path: Path) -> None:
    result = run_mac("validate", "--inventory", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout.startswith(f"{tmp_path}:1:1: error: inventory folder holds no .yaml or .yml file")


def test_missing_inventory_path(tmp_path: Path) -> None:
    result = run_mac("validate", "--inventory", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "inventory path does not exist" in result.stdout


def test_json_format_is_machine_readable() -> None:
    import json

    result = run_mac("validate", "--inventory", ".", "--format", "json", cwd=INVALID / "trailing-space-host")
    assert result.returncode == 2
    [problem] = json.loads(result.stdout)
    assert problem["file"] == "inventory.yaml" and problem["line"] == 13
    assert "luckyus-iopenlinkeradmin" in problem["message"]


def test_every_problem_is_reported_before_exiting() -> None:
    result = run_mac("validate", "--inventory", ".", cwd=INVALID / "unknown-key")
    assert "2 problems in the inventory" in result.stdout
