"""Write the whole output tree atomically, or compare it (--check) without writing."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from monitoring.artifacts import Artifact
from monitoring.naming import GENERATED_HEADER

# Written into every output tree: write_tree replaces only folders that carry it (or are empty),
# so `--out .` or `--out inventory` cannot wipe a repository.
MARKER = ".mac-generated"


def marker_artifact() -> Artifact:
    return Artifact(MARKER, GENERATED_HEADER, "text")


class ForeignOutputError(Exception):
    """The output folder holds files mac did not write: replacing it could destroy work."""


def _refuse_foreign_folder(out: Path) -> None:
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ForeignOutputError(
            f"refusing to replace {out}: it is not empty and was not written by mac (no {MARKER} in it);"
            " choose an empty or new folder for --out"
        )


@dataclass(frozen=True)
class Staleness:
    missing: tuple[str, ...]
    changed: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def stale(self) -> bool:
        return bool(self.missing or self.changed or self.extra)


def _existing_files(out: Path) -> set[str]:
    if not out.is_dir():
        return set()
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def compare_tree(artifacts: list[Artifact], out: Path) -> Staleness:
    wanted = {a.path: a.render() for a in artifacts}
    existing = _existing_files(out)
    changed = sorted(p for p in wanted if p in existing and (out / p).read_bytes() != wanted[p])
    return Staleness(
        missing=tuple(sorted(set(wanted) - existing)),
        changed=tuple(changed),
        extra=tuple(sorted(existing - set(wanted))),
    )


def write_tree(artifacts: list[Artifact], out: Path) -> None:
    """Render everything into a sibling temp folder, then swap it in place of out.

    A failure while rendering or writing leaves out untouched; the swap is two renames on the
    same filesystem.
    """
    out = out.resolve()
    _refuse_foreign_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    staging.chmod(0o755)
    try:
        for artifact in artifacts:
            target = staging / artifact.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(artifact.render())
        previous = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            os.rename(out, previous)
        try:
            os.rename(staging, out)
        except OSError:
            if previous.exists():
                os.rename(previous, out)
            raise
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
