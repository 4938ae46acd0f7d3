"""Write the whole output tree atomically, or compare it (--check) without writing.

The tree is rendered into a sibling staging folder, then swapped with the output folder in one
renameat2(RENAME_EXCHANGE) where Linux offers it (else two renames). A process killed at any
moment leaves the output folder whole, old or new; the next run restores or removes what such
a kill left behind. A lock file beside the output folder keeps two runs from interleaving.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from monitoring.artifacts import Artifact
from monitoring.naming import GENERATED_HEADER

# Written into every output tree: write_tree replaces only folders that carry it (or are empty),
# so `--out .` or `--out inventory` cannot wipe a repository.
MARKER = ".mac-generated"

AT_FDCWD = -100
RENAME_EXCHANGE = 2

# Errors that say --out is unusable (the user's to fix) rather than that the machine failed.
_BAD_PATH_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOTDIR,
        errno.EEXIST,
        errno.EISDIR,
        errno.ENAMETOOLONG,
        errno.ELOOP,
    }
)


def marker_artifact() -> Artifact:
    return Artifact(MARKER, GENERATED_HEADER, "text")


class ForeignOutputError(Exception):
    """The output folder holds files mac did not write: replacing it could destroy work."""


class OutputBusyError(Exception):
    """Another `mac generate` holds the output folder's lock."""


class OutputWriteError(Exception):
    """The output could not be written; the previous tree is unchanged.

    environment is True when the machine failed (disk full, I/O error), False when --out is
    unusable (permission, read-only filesystem, not a folder).
    """

    def __init__(self, message: str, environment: bool) -> None:
        super().__init__(message)
        self.environment = environment


def _refuse_foreign_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ForeignOutputError(f"refusing to replace {out}: it is not a folder; choose a folder for --out")
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


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    path = lock_path(out)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputBusyError(
                f"another `mac generate` is writing {out} (it holds {path}); wait for it to finish"
            ) from None
        except OSError as error:
            if error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                os.close(fd)
                raise
            break  # a filesystem without locks (some NFS mounts): write unlocked rather than not at all
        # The previous holder unlinks the file before unlocking: if it did so after we opened it,
        # our lock is on a file nobody else will see, so take the lock on the current one instead.
        try:
            current = os.stat(path)
            mine = os.fstat(fd)
            if (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        finally:
            os.close(fd)


def _remove_tree(path: Path) -> None:
    """Delete a leftover tree, its marker last: a kill midway leaves it recognisable as ours."""
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.name == MARKER:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
        (path / MARKER).unlink(missing_ok=True)
        path.rmdir()
    except FileNotFoundError:
        pass


def _leftovers(out: Path) -> list[Path]:
    """Staging and previous trees an earlier, killed run left beside out: ours if marked or empty."""
    prefixes = (f".{out.name}.new-", f".{out.name}.old-")
    found = []
    with os.scandir(out.parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefixes) and entry.is_dir(follow_symlinks=False):
                path = Path(entry.path)
                if (path / MARKER).is_file() or not any(path.iterdir()):
                    found.append(path)
    return found


def _recover(out: Path) -> None:
    leftovers = _leftovers(out)
    if not out.exists():
        # Killed between the two renames of the fallback swap: the previous tree is complete.
        previous = [p for p in leftovers if p.name.startswith(f".{out.name}.old-") and (p / MARKER).is_file()]
        if previous:
            newest = max(previous, key=lambda p: p.stat().st_mtime_ns)
            os.rename(newest, out)
            leftovers.remove(newest)
    for path in leftovers:
        _remove_tree(path)


@cache
def _renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # no libc symbol (glibc < 2.28, musl)
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    function.restype = ctypes.c_int
    found: Callable[[int, bytes, int, bytes, int], int] = function
    return found


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the kernel or filesystem cannot."""
    function = _renameat2()
    if function is None:
        return False
    import ctypes

    if function(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _swap(staging: Path, out: Path) -> Path | None:
    """Put staging in place of out; returns where the previous tree now is, if there was one."""
    if not out.exists():
        os.rename(staging, out)
        return None
    if _exchange(staging, out):
        return staging
    previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rename(out, previous)  # replaces the empty folder mkdtemp made, under a name no one else has
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(previous, out)
        raise
    return previous


def _write_staging(artifacts: list[Artifact], out: Path) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        staging.chmod(0o755)
        # The marker goes first so that a staging folder left by a kill is recognisably ours.
        (staging / MARKER).write_bytes(marker_artifact().render())
        for artifact in artifacts:
            if artifact.path == MARKER:
                continue
            target = staging / artifact.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(artifact.render())
    except BaseException:
        with contextlib.suppress(OSError):
            _remove_tree(staging)
        raise
    return staging


def _write_error(out: Path, error: OSError) -> OutputWriteError:
    reason = error.strerror or str(error) or type(error).__name__
    where = f" ({error.filename})" if error.filename and Path(str(error.filename)) != out else ""
    if error.errno in _BAD_PATH_ERRNOS:
        return OutputWriteError(
            f"cannot write {out}: {reason}{where}; choose a writable folder for --out", environment=False
        )
    return OutputWriteError(
        f"cannot write {out}: {reason}{where}; the previous output is unchanged (free space or fix"
        " the device, then rerun)",
        environment=True,
    )


def write_tree(artifacts: list[Artifact], out: Path) -> None:
    """Render everything into a sibling staging folder, then swap it in place of out.

    A failure (or a kill) while writing leaves out as it was. Raises OutputBusyError when another
    run holds the lock, OutputWriteError for filesystem failures, ForeignOutputError for a folder
    mac did not write.
    """
    out = out.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _locked(out):
            _recover(out)
            _refuse_foreign_folder(out)
            staging = _write_staging(artifacts, out)
            try:
                previous = _swap(staging, out)
            except BaseException:
                with contextlib.suppress(OSError):
                    _remove_tree(staging)
                raise
            if previous is not None:
                # The new tree is in place; what a failure here leaves, the next run removes.
                with contextlib.suppress(OSError):
                    _remove_tree(previous)
    except OSError as error:
        raise _write_error(out, error) from error
