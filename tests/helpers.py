"""Small helpers shared by tests: the repo root, golden-file comparison, running `mac`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAC = [sys.executable, "-m", "cli"]


def update_golden() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"


def assert_golden(path: Path, actual: str) -> None:
    """Compare with a committed golden file; UPDATE_GOLDEN=1 rewrites it instead."""
    if update_golden():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"missing golden {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs; if the change is intended, rerun with UPDATE_GOLDEN=1"


def run_mac(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MAC, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
