"""The CLI contract, pinned by scripted cases: every tests/cli/*.txt is one case.

A case, in the spirit of pint's cmd/pint/tests/*.txt:

    # what the case shows (comment lines)
    env NAME=value                     optional, repeatable
    $ mac <arguments>                  setup commands (each must exit 0), then the command checked
    exit <code>
    -- file: <relative path> --        optional input files, created in an empty working folder
    <content>
    -- stdout --
    <expected stdout>
    -- stderr --
    <expected stderr>

Expected output matches exactly, except `{*}` (any text within a line) and a line `...` (any
lines). `$REPO` in arguments is the repository, `$CLOSED_PORT` a loopback port nobody listens on.
UPDATE_GOLDEN=1 rewrites the stdout/stderr sections that do not match.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import REPO, update_golden

CASES = Path(__file__).parent / "cli"
_SECTION = re.compile(r"^-- (file: .+|stdout|stderr) --$")


@dataclass
class Case:
    commands: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    exit_code: int = 0
    files: dict[str, str] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)


def parse(text: str) -> Case:
    case = Case()
    section: str | None = None
    for line in text.splitlines(keepends=True):
        header = _SECTION.match(line.rstrip("\n"))
        if header:
            section = header.group(1)
            if section.startswith("file: "):
                case.files[section[len("file: ") :]] = ""
            else:
                case.expected[section] = ""
        elif section is None:
            if line.startswith("$ mac "):
                case.commands.append(line[len("$ mac ") :].strip())
            elif line.startswith("env "):
                name, _, value = line[len("env ") :].strip().partition("=")
                case.env[name] = value
            elif line.startswith("exit "):
                case.exit_code = int(line.split()[1])
            else:
                assert not line.strip() or line.startswith("#"), f"unexpected line {line!r}"
        elif section.startswith("file: "):
            case.files[section[len("file: ") :]] += line
        else:
            case.expected[section] += line
    assert case.commands, "a case runs at least one `$ mac ...` command"
    return case


def matches(expected: str, actual: str) -> bool:
    pattern = "".join(
        r"(?:.*\n)*?" if line == "...\n" else ".*?".join(map(re.escape, line.split("{*}")))
        for line in expected.splitlines(keepends=True)
    )
    return re.fullmatch(pattern, actual) is not None


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _run(arguments: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    expanded = arguments.replace("$REPO", str(REPO)).replace("$CLOSED_PORT", str(_closed_port()))
    return subprocess.run(
        [sys.executable, "-m", "cli", *shlex.split(expanded)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _rewrite(path: Path, case: Case, actual: dict[str, str]) -> None:
    text = path.read_text("utf-8")
    head = text[
        : min((m.start() for m in re.finditer(r"^-- (stdout|stderr) --$", text, re.M)), default=len(text))
    ]
    sections = {
        name: case.expected[name]
        if name in case.expected and matches(case.expected[name], actual[name])
        else actual[name]
        for name in ("stdout", "stderr")
    }
    path.write_text(head + "".join(f"-- {name} --\n{body}" for name, body in sections.items()), "utf-8")


@dataclass
class SetUpFolders:
    """The folder each distinct setup (input files, env and setup commands) left, made once per
    module and copied into each case using it: several cases check commands on one `mac generate`."""

    root: Path
    made: dict[tuple[object, ...], Path] = field(default_factory=dict)

    def copy_into(self, case: Case, env: dict[str, str], cwd: Path) -> None:
        key = (tuple(sorted(case.files.items())), tuple(sorted(case.env.items())), tuple(case.commands[:-1]))
        if key not in self.made:
            folder = self.root / str(len(self.made))
            folder.mkdir()
            for name, content in case.files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text(content, "utf-8")
            for setup in case.commands[:-1]:
                done = _run(setup, folder, env)
                assert done.returncode == 0, f"setup `mac {setup}` failed:\n{done.stdout}{done.stderr}"
            self.made[key] = folder
        shutil.copytree(self.made[key], cwd, symlinks=True, dirs_exist_ok=True)


@pytest.fixture(scope="module")
def set_up_folders(tmp_path_factory: pytest.TempPathFactory) -> SetUpFolders:
    return SetUpFolders(tmp_path_factory.mktemp("scenario-setups"))


@pytest.mark.parametrize("path", sorted(CASES.glob("*.txt")), ids=lambda p: p.stem)
def test_scenario(path: Path, tmp_path: Path, set_up_folders: SetUpFolders) -> None:
    case = parse(path.read_text("utf-8"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "GITHUB_")) and key not in ("UPDATE_GOLDEN", "NO_COLOR")
    }
    env.update({"COLUMNS": "100", **case.env})
    set_up_folders.copy_into(case, env, tmp_path)
    result = _run(case.commands[-1], tmp_path, env)
    actual = {"stdout": result.stdout, "stderr": result.stderr}
    if update_golden():
        _rewrite(path, case, actual)
        return
    assert result.returncode == case.exit_code, f"exit {result.returncode}\n{result.stdout}{result.stderr}"
    for name in ("stdout", "stderr"):
        expected = case.expected.get(name, "")
        assert matches(expected, actual[name]), f"{name} differs:\n{actual[name]}"


def _command_and_format(arguments: str) -> tuple[str, str]:
    words = shlex.split(arguments)
    command = " ".join(words[:2]) if words[0] in ("plan", "apply") else words[0]
    if command == "lint" and "--dashboards" in words:
        command = "lint --dashboards"
    output_format = words[words.index("--format") + 1] if "--format" in words else "text"
    return command, output_format


def test_every_command_format_and_exit_code_has_a_case() -> None:
    cases = [parse(p.read_text("utf-8")) for p in sorted(CASES.glob("*.txt"))]
    covered = {_command_and_format(case.commands[-1]) for case in cases}
    commands = ("validate", "generate", "lint", "lint --dashboards", "plan cloudwatch", "apply cloudwatch")
    wanted = {(command, f) for command in commands for f in ("text", "json", "github", "sarif")}
    assert sorted(wanted - covered) == []
    assert {case.exit_code for case in cases} >= {0, 1, 2, 3}
