"""GitHub workflow annotations escape hostile file names and messages (validate and lint)."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli.reporters import github_annotation
from tests.helpers import REPO, run_mac

HOSTILE = "x,line=99::y.yaml"
INVALID = REPO / "tests" / "fixtures" / "inventory" / "invalid"
MIXIN = REPO / "tests" / "fixtures" / "lint" / "invalid" / "postgres_mixin_lag.yml"


def test_properties_and_message_are_escaped() -> None:
    line = github_annotation(
        "error", {"file": "a%b,c:d\r\ne", "line": 3, "title": "x::y"}, "100% bad\r\n::warning::forged"
    )
    assert (
        line == "::error file=a%25b%2Cc%3Ad%0D%0Ae,line=3,title=x%3A%3Ay::100%25 bad%0D%0A::warning::forged"
    )
    assert "\n" not in line


def _properties(line: str) -> dict[str, str]:
    assert line.startswith("::error ")
    head = line[len("::error ") : line.index("::", 2)]
    return dict(item.split("=", 1) for item in head.split(","))


def test_validate_escapes_a_hostile_file_name(tmp_path: Path) -> None:
    shutil.copy(INVALID / "unknown-receiver" / "inventory.yaml", tmp_path / HOSTILE)
    result = run_mac("validate", "--inventory", ".", "--format", "github", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    [line] = result.stdout.splitlines()
    assert _properties(line) == {
        "file": "x%2Cline=99%3A%3Ay.yaml",
        "line": "11",
        "col": "15",
        "title": "inventory/unknown-receiver",
    }


def test_validate_escapes_a_newline_in_a_file_name(tmp_path: Path) -> None:
    name = "a\n::warning file=forged.yaml::b.yaml"
    shutil.copy(INVALID / "unknown-receiver" / "inventory.yaml", tmp_path / name)
    result = run_mac("validate", "--inventory", ".", "--format", "github", cwd=tmp_path)
    [line] = result.stdout.splitlines()
    assert _properties(line)["file"] == "a%0A%3A%3Awarning file=forged.yaml%3A%3Ab.yaml"


def test_lint_escapes_a_hostile_file_name(tmp_path: Path) -> None:
    hostile = tmp_path / "x,line=99::y.yml"
    shutil.copy(MIXIN, hostile)
    result = run_mac("lint", "--format", "github", str(hostile))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        assert line.startswith(
            f"::error file={str(tmp_path).replace(':', '%3A')}/x%2Cline=99%3A%3Ay.yml,line="
        )
        assert ",line=99" not in line
