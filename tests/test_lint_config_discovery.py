"""A pyproject.toml is the lint config when it has [tool.mac.lint], however TOML spells the table;
one without a tool.mac table is not (and is not parsed as TOML: most are not the lint's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring.lint.config import find_config

SPELLINGS = [
    '[tool.mac.lint]\nprofile = "house"\n',
    '[ tool . "mac" . lint ]\nprofile = "house"\n',
    "['tool'.'mac'.'lint']\nprofile = 'house'\n",
    '[tool]\nmac.lint.profile = "house"\n',
    '[tool.mac]\nlint = { profile = "house" }\n',
    'tool.mac.lint.profile = "house"\n',
    'tool = { mac = { lint = { profile = "house" } } }\n',
]
NOT_A_LINT_CONFIG = [
    '[project]\nname = "x"\n[project.scripts]\nmac = "cli:main"\n[tool.ruff.lint]\nselect = ["E"]\n',
    '[tool.mac]\ngenerate = { out = "generated" }\n',
    "[tool.mac.lint\nbroken",
]


@pytest.mark.parametrize("text", SPELLINGS)
def test_every_spelling_of_the_table_is_found(tmp_path: Path, text: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    assert find_config(tmp_path) == str(tmp_path / "pyproject.toml")


@pytest.mark.parametrize("text", NOT_A_LINT_CONFIG)
def test_a_pyproject_without_the_table_is_not_the_config(tmp_path: Path, text: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    assert find_config(tmp_path) is None
