"""Every entry under the inventory folder is loaded or reported: a skipped file would let a later
`apply --prune` delete its alarms. Symlinks are followed; what cannot be read is a located error."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.helpers import MAC, REPO

MINIMAL = REPO / "tests" / "fixtures" / "inventory" / "valid" / "minimal" / "inventory.yaml"
MORE_SERVICES = """services:
  - kind: redis
    name: cache-b
    domain: shop
    endpoint: cache-b.example.internal:6379
"""


@pytest.fixture
def inv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/inv with the minimal valid inventory; the working folder is tmp_path."""
    root = tmp_path / "inv"
    root.mkdir()
    shutil.copy(MINIMAL, root / "inventory.yaml")
    monkeypatch.chdir(tmp_path)
    return root


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    # A subprocess with a short timeout: a FIFO opened for reading would block forever.
    return subprocess.run(
        [*MAC, "validate", "--inventory", "inv", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def first_problem(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    message, _, check = result.stdout.splitlines()[0].rpartition(" [")
    assert check.startswith("inventory/") and check.endswith("]"), check
    return message


def service_count(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stdout + result.stderr
    found = re.search(r"(\d+) services", result.stdout)
    assert found, result.stdout
    return int(found[1])


def test_symlinked_folder_is_followed(inv: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "more.yaml").write_text(MORE_SERVICES)
    (inv / "linked").symlink_to(elsewhere, target_is_directory=True)
    assert service_count(validate()) == 2


def test_symlinked_file_is_followed(inv: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text(MORE_SERVICES)
    (inv / "more.yaml").symlink_to(tmp_path / "outside.yaml")
    assert service_count(validate()) == 2


def test_files_of_other_suffixes_are_ignored(inv: Path) -> None:
    (inv / "README.md").write_text("services: [not yaml we read\n")
    assert service_count(validate()) == 1


def test_dangling_symlink(inv: Path) -> None:
    (inv / "gone.yaml").symlink_to("nowhere.yaml")
    assert first_problem(validate()) == (
        "inv/gone.yaml:1:1: error: dangling symlink: its target 'nowhere.yaml' does not exist"
    )


def test_dangling_symlink_of_any_name(inv: Path) -> None:
    (inv / "notes").symlink_to("nowhere")
    assert first_problem(validate()).startswith("inv/notes:1:1: error: dangling symlink")


def test_symlink_to_itself_loops(inv: Path) -> None:
    (inv / "loop.yaml").symlink_to("loop.yaml")
    assert first_problem(validate()) == (
        "inv/loop.yaml:1:1: error: symlink loops: it resolves to itself through other symlinks"
    )


def test_symlink_to_an_enclosing_folder_loops(inv: Path) -> None:
    (inv / "sub").mkdir()
    (inv / "sub" / "back").symlink_to("..", target_is_directory=True)
    assert first_problem(validate()) == "inv/sub/back:1:1: error: symlink loops: it leads back to folder inv"


def test_fifo_is_an_error_and_never_opened(inv: Path) -> None:
    os.mkfifo(inv / "pipe.yaml")
    assert (
        first_problem(validate())
        == "inv/pipe.yaml:1:1: error: a FIFO (named pipe) cannot hold inventory data"
    )


def test_fifo_behind_a_symlink(inv: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (inv / "through.yaml").symlink_to(tmp_path / "pipe")
    assert first_problem(validate()).startswith("inv/through.yaml:1:1: error: a FIFO (named pipe)")


def test_fifo_as_the_inventory_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "inv")
    assert first_problem(validate()) == "inv:1:1: error: a FIFO (named pipe) is not an inventory"


def test_socket(inv: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("inv/control.sock")
        assert first_problem(validate()) == "inv/control.sock:1:1: error: a socket cannot hold inventory data"


def test_device_behind_a_symlink(inv: Path) -> None:
    (inv / "null.yaml").symlink_to("/dev/null")
    assert (
        first_problem(validate()) == "inv/null.yaml:1:1: error: a character device cannot hold inventory data"
    )


def test_device_node(inv: Path) -> None:
    try:
        os.mknod(inv / "zero.yaml", 0o600 | 0o020000, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    assert (
        first_problem(validate()) == "inv/zero.yaml:1:1: error: a character device cannot hold inventory data"
    )


def test_file_whose_read_fails_even_for_root(inv: Path) -> None:
    # stat calls /proc/self/mem a regular file, but reading it at offset 0 fails with EIO for anyone.
    if not Path("/proc/self/mem").exists():
        pytest.skip("no /proc")
    (inv / "mem.yaml").symlink_to("/proc/self/mem")
    assert first_problem(validate()) == "inv/mem.yaml:1:1: error: cannot read file: Input/output error"


@pytest.fixture
def unreadable_for_users(inv: Path) -> Iterator[Path]:
    if os.geteuid() == 0:
        pytest.skip("root reads files and folders whatever their mode")
    locked = inv / "locked"
    locked.mkdir()
    (locked / "more.yaml").write_text(MORE_SERVICES)
    (inv / "secret.yaml").write_text(MORE_SERVICES.replace("cache-b", "cache-c"))
    (inv / "secret.yaml").chmod(0)
    locked.chmod(0)
    yield inv
    locked.chmod(0o700)


def test_unreadable_folder_and_file_by_mode(unreadable_for_users: Path) -> None:
    result = validate()
    assert result.returncode == 2
    assert result.stdout.splitlines()[:2] == [
        "inv/locked:1:1: error: cannot read folder: Permission denied",
        "inv/secret.yaml:1:1: error: cannot read file: Permission denied",
    ]


def test_folder_whose_listing_fails(inv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root can list any folder by mode, so the failing listing is simulated (EIO from a broken disk
    # or a stale network mount looks the same to the walk).
    (inv / "broken").mkdir()
    (inv / "broken" / "more.yaml").write_text(MORE_SERVICES)
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "broken":
            raise OSError(5, "Input/output error")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = CliRunner().invoke(cli, ["validate", "--inventory", "inv"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0] == (
        "inv/broken:1:1: error: cannot read folder: Input/output error [inventory/file]"
    )


def test_every_walk_problem_is_reported(inv: Path) -> None:
    (inv / "gone.yaml").symlink_to("nowhere.yaml")
    os.mkfifo(inv / "pipe.yaml")
    (inv / "bad.yaml").write_text("services: [\n")
    result = validate()
    assert result.returncode == 2
    assert "3 problems in the inventory" in result.stdout
