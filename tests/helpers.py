"""Small helpers shared by tests: the repo root, golden-file comparison, running `mac` and promtool."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from monitoring.artifacts import Artifact

REPO = Path(__file__).resolve().parents[1]
GENERATED = REPO / "generated"
MAC = [sys.executable, "-m", "cli"]


def update_golden() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"


def assert_golden(path: Path, actual: str | bytes) -> None:
    """Compare with a committed golden file; UPDATE_GOLDEN=1 rewrites it instead. Generated files
    are compared as bytes (Artifact.render(), what the writer writes), messages as text."""
    data = actual if isinstance(actual, bytes) else actual.encode("utf-8")
    if update_golden():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"missing golden {path}; run with UPDATE_GOLDEN=1 to create it"
    assert path.read_bytes() == data, f"{path} differs; if the change is intended, rerun with UPDATE_GOLDEN=1"


def run_mac(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MAC, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def promtool_test_failures(files: Sequence[str | Path]) -> str:
    """`promtool test rules` on each file, as many files at once as there are CPUs (one promtool
    runs the files it is given one after another, on one core). Returns the output of every file
    that failed under its name, "" when all passed."""
    from tests.servers import tool

    assert files, "no promtool test file to run"
    promtool = tool("promtool")

    def run(path: str | Path) -> subprocess.CompletedProcess[str]:
        argv = [promtool, "test", "rules", str(path)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)

    with ThreadPoolExecutor(max_workers=min(len(files), os.cpu_count() or 1)) as pool:
        runs = list(pool.map(run, files))
    return "".join(
        f"--- {path}: promtool exit {done.returncode}\n{done.stdout}{done.stderr}"
        for path, done in zip(files, runs, strict=True)
        if done.returncode != 0
    )


@functools.cache
def _regenerate() -> None:
    """generated/ rewritten whole by `mac generate`'s own pipeline and writer, once per session."""
    from monitoring.pipeline import build_artifacts
    from monitoring.writer import write_tree

    write_tree([a for family in build_artifacts(REPO / "inventory").values() for a in family], GENERATED)


def assert_generated(artifacts: Sequence[Artifact]) -> None:
    """The artifacts are in generated/ as `mac generate` writes them, compared by the writer's
    `--check`; UPDATE_GOLDEN=1 regenerates generated/ first (never a file at a time)."""
    from monitoring.writer import compare_tree

    if update_golden():
        _regenerate()
    staleness = compare_tree(list(artifacts), GENERATED)
    stale = [*staleness.missing, *staleness.changed]
    assert not stale, f"generated/ is stale ({', '.join(stale)}): run `make generate` or UPDATE_GOLDEN=1"
