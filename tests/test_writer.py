"""The output swap: crash-safe (SIGKILL at any moment), self-healing, locked, clean errors."""

from __future__ import annotations

import errno
import fcntl
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from monitoring import writer
from monitoring.artifacts import Artifact
from monitoring.pipeline import build_artifacts
from monitoring.writer import MARKER, OutputWriteError, lock_path, write_tree
from tests.helpers import MAC, REPO, run_mac

VALID = REPO / "tests" / "fixtures" / "inventory" / "valid"
MINIMAL = VALID / "minimal"
SPLIT = VALID / "split-over-files"

Snapshot = dict[str, bytes]


def _artifacts(inventory: Path) -> list[Artifact]:
    return [a for family in build_artifacts(inventory).values() for a in family]


def _snapshot(out: Path) -> Snapshot | None:
    if not out.is_dir():
        return None
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def _old_tree(out: Path) -> Snapshot:
    """An earlier run's output, recognisably different from anything generated now."""
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by an earlier run\n")
    (out / "prometheus").mkdir()
    (out / "prometheus" / "prometheus.yml").write_text("# previous\n")
    snapshot = _snapshot(out)
    assert snapshot is not None
    return snapshot


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p != out)


def _fail_writes_after(monkeypatch: pytest.MonkeyPatch, code: int, writes: int = 2) -> None:
    """Path.write_bytes raises OSError(code) after `writes` successful calls, as a filling disk would."""
    real = Path.write_bytes
    calls = {"n": 0}

    def write_bytes(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] > writes:
            raise OSError(code, os.strerror(code), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


@pytest.mark.parametrize(
    ("code", "exit_code"),
    [
        (errno.ENOSPC, 3),
        (errno.EDQUOT, 3),
        (errno.EIO, 3),
        (errno.EROFS, 2),
        (errno.EACCES, 2),
        (errno.EPERM, 2),
    ],
)
def test_write_failure_is_one_line_and_keeps_the_old_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, exit_code: int
) -> None:
    out = tmp_path / "work" / "generated"
    before = _old_tree(out)
    _fail_writes_after(monkeypatch, code)
    result = CliRunner().invoke(cli, ["generate", "-q", "-i", str(MINIMAL), "--out", str(out)])
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    [line] = result.output.splitlines()
    assert line.startswith(f"error: cannot write {out}: {os.strerror(code)}")
    assert "Traceback" not in result.output
    assert _snapshot(out) == before
    assert _siblings(out) == []


def test_failed_write_raises_a_typed_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "generated"
    before = _old_tree(out)
    _fail_writes_after(monkeypatch, errno.ENOSPC, writes=0)
    with pytest.raises(OutputWriteError) as raised:
        write_tree(_artifacts(MINIMAL), out)
    assert raised.value.environment
    assert _snapshot(out) == before


def test_out_below_a_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a folder\n")
    result = run_mac("generate", "-q", "-i", str(MINIMAL), "--out", str(tmp_path / "afile" / "generated"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: cannot write {tmp_path / 'afile' / 'generated'}: ")
    assert len(result.stderr.splitlines()) == 1
    assert (tmp_path / "afile").read_text() == "not a folder\n"


def test_concurrent_run_is_refused_while_the_lock_is_held(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    before = _old_tree(out)
    with lock_path(out).open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run_mac("generate", "-q", "-i", str(MINIMAL), "--out", str(out))
        assert result.returncode == 2, result.stderr
        assert "another `mac generate` is writing" in result.stderr
        assert "Traceback" not in result.stderr
        assert _snapshot(out) == before
    assert run_mac("generate", "-q", "-i", str(MINIMAL), "--out", str(out)).returncode == 0
    assert _siblings(out) == []


def test_missing_output_is_restored_from_the_previous_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between the fallback's two renames: no output folder, the old tree beside it."""
    out = tmp_path / "generated"
    before = _old_tree(tmp_path / ".generated.old-4242")
    # This run fails after recovering: what is left at out is the restored tree.
    _fail_writes_after(monkeypatch, errno.ENOSPC, writes=0)
    with pytest.raises(OutputWriteError):
        write_tree(_artifacts(MINIMAL), out)
    assert _snapshot(out) == before
    assert _siblings(out) == []
    monkeypatch.undo()
    write_tree(_artifacts(MINIMAL), out)
    assert _snapshot(out) == {a.path: a.render() for a in _artifacts(MINIMAL)}


def test_stale_previous_tree_with_a_reused_pid_is_removed(tmp_path: Path) -> None:
    """A leftover `.generated.old-1` (pid 1 in every container) made every later run fail."""
    out = tmp_path / "generated"
    _old_tree(out)
    _old_tree(tmp_path / ".generated.old-1")
    result = run_mac("generate", "-q", "-i", str(MINIMAL), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert _snapshot(out) == {a.path: a.render() for a in _artifacts(MINIMAL)}
    assert _siblings(out) == []


def test_stale_staging_is_removed_and_foreign_folders_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    partial = tmp_path / ".generated.new-x1y2z3"
    partial.mkdir()
    (partial / MARKER).write_text("")
    (partial / "prometheus").mkdir()
    (tmp_path / ".generated.new-empty").mkdir()
    foreign = tmp_path / ".generated.new-notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("not written by mac\n")
    write_tree(_artifacts(MINIMAL), out)
    assert _siblings(out) == [".generated.new-notes"]
    assert (foreign / "mine.txt").read_text() == "not written by mac\n"


def test_the_swap_is_one_exchange_on_linux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if writer._renameat2() is None:
        pytest.skip("no renameat2 in this libc")
    out = tmp_path / "generated"
    _old_tree(out)

    def no_rename(*args: object) -> None:
        raise AssertionError("swapped by rename, not by exchange")

    monkeypatch.setattr(os, "rename", no_rename)
    write_tree(_artifacts(MINIMAL), out)
    assert _snapshot(out) == {a.path: a.render() for a in _artifacts(MINIMAL)}
    assert _siblings(out) == []


def test_fallback_without_exchange_replaces_the_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "_exchange", lambda first, second: False)
    out = tmp_path / "generated"
    _old_tree(out)
    for inventory in (MINIMAL, SPLIT, MINIMAL):
        write_tree(_artifacts(inventory), out)
        assert _snapshot(out) == {a.path: a.render() for a in _artifacts(inventory)}
        assert _siblings(out) == []


def _wait_for_staging(out: Path, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.name.startswith(f".{out.name}.new-") for p in out.parent.iterdir()):
            return
        time.sleep(0.0005)


def _generate_here(inventory: Path, out: Path) -> None:
    """`mac generate` in this process: only the runs that are killed need a process of their own."""
    result = CliRunner().invoke(cli, ["generate", "-q", "-i", str(inventory), "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_sigkill_at_any_moment_leaves_a_whole_tree(tmp_path: Path) -> None:
    references: dict[Path, Snapshot] = {}
    for inventory in (MINIMAL, SPLIT):
        reference = tmp_path / "reference" / inventory.name
        _generate_here(inventory, reference)
        snapshot = _snapshot(reference)
        assert snapshot
        references[inventory] = snapshot
    assert references[MINIMAL] != references[SPLIT]
    out = tmp_path / "work" / "generated"
    _generate_here(MINIMAL, out)
    rng = random.Random(os.getpid())
    killed = 0
    for run in range(15):
        previous, target = (MINIMAL, SPLIT) if run % 2 == 0 else (SPLIT, MINIMAL)
        process = subprocess.Popen(
            [*MAC, "generate", "-q", "-i", str(target), "--out", str(out)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        if run % 3 == 0:
            time.sleep(rng.uniform(0, 0.3))  # anywhere from start-up to generation
        else:
            _wait_for_staging(out, process, deadline)
            if run % 3 == 2:
                time.sleep(rng.uniform(0, 0.01))  # around the last writes and the swap
        process.send_signal(signal.SIGKILL)
        killed += process.wait(timeout=30) == -signal.SIGKILL
        state = _snapshot(out)
        assert state in (references[previous], references[target]), f"run {run}: torn output"
        _generate_here(target, out)
        assert _snapshot(out) == references[target]
        assert _siblings(out) == [], f"run {run}"
    assert killed >= 8, "too few runs were killed before they finished"


def test_environment_failure_while_generating_exits_3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_fork(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    monkeypatch.setattr("monitoring.pipeline.build_artifacts", no_fork)
    result = CliRunner().invoke(cli, ["generate", "-q", "-i", str(MINIMAL), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert result.output == f"error: cannot generate: {os.strerror(errno.EAGAIN)}\n"
    assert not (tmp_path / "out").exists()


def test_a_file_at_out_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    out.write_text("a file, not an output folder\n")
    with pytest.raises(writer.ForeignOutputError, match="it is not a folder"):
        write_tree(_artifacts(MINIMAL), out)
    assert out.read_text() == "a file, not an output folder\n"
    assert _siblings(out) == []
