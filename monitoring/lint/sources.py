"""What `mac lint` reads: files, directories (recursive), globs it expands itself, and `-` for stdin.

A file named on the command line is always linted. In a directory walk or a glob, only *.yml and
*.yaml files that look like rule files are: a top-level `groups:` key or a PrometheusRule resource.
Other YAML (prometheus.yml, Helm values, kustomization.yaml, CI config) is skipped and counted, and
a walk leaves out hidden directories and files.
"""

from __future__ import annotations

import os
import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import TextIO

STDIN = "-"
STDIN_PATH = "<stdin>"
RULE_FILE_SUFFIXES = (".yml", ".yaml")
# Compiled (and cached by re) when used: a lint of the files named needs neither.
_GLOB_CHARS = r"[*?\[]"
_RULE_FILE_HINT = r"(?m)^(?:groups\s*:|kind\s*:\s*[\"']?PrometheusRule\b)"


class Sources:
    __slots__ = ("skipped", "texts", "unreadable")

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.unreadable: list[str] = []
        self.skipped: list[str] = []


def looks_like_rule_file(text: str) -> bool:
    return re.search(_RULE_FILE_HINT, text) is not None


def collect(arguments: Iterable[str], stdin: TextIO | None = None) -> Sources:
    """Each argument once, in the order given; files found by a walk or a glob in sorted order."""
    sources = Sources()
    seen: set[str] = set()
    for argument in arguments:
        if argument == STDIN:
            sources.texts.append((STDIN_PATH, (stdin or sys.stdin).read()))
            continue
        path = path_text(argument)
        if os.path.isdir(path):
            if not _read_found(_walk(path), sources, seen):
                sources.unreadable.append(f"{path}: no rule file in this directory")
        elif not os.path.exists(path) and re.search(_GLOB_CHARS, argument):
            import glob

            matches = sorted((path_text(match) for match in glob.glob(argument, recursive=True)), key=_parts)
            found = [p for match in matches for p in (_walk(match) if os.path.isdir(match) else [match])]
            if not _read_found(found, sources, seen):
                sources.unreadable.append(f"{argument}: no rule file matches this pattern")
        elif path not in seen:
            seen.add(path)
            _read(path, sources, explicit=True)
    return sources


def path_text(text: str) -> str:
    """The path as pathlib spells it (`./a//b/` is `a/b`), without importing pathlib (start-up time)."""
    root = "//" if text[:2] == "//" and text[2:3] != "/" else "/" if text[:1] == "/" else ""
    return root + "/".join(part for part in text.split("/") if part and part != ".") or "."


def _parts(path: str) -> list[str]:
    """Sorts paths as pathlib does: by their parts, so `a/x` comes before `a-b/x`."""
    return path.split("/")


def _walk(directory: str) -> list[str]:
    """YAML files below the directory, leaving out hidden ones (.git, .venv, .github); as
    Path.rglob finds them, it does not descend into linked directories."""
    found: list[str] = []
    prefix = "" if directory == "." else directory.rstrip("/") + "/"
    for folder, folders, files in os.walk(directory):
        folders[:] = [name for name in folders if not name.startswith(".")]
        below = os.path.relpath(folder, directory)
        start = prefix if below == "." else f"{prefix}{below}/"
        found += [
            f"{start}{name}"
            for name in files
            if name.endswith(RULE_FILE_SUFFIXES)
            and not name.startswith(".")
            and os.path.isfile(f"{start}{name}")
        ]
    return sorted(found, key=_parts)


def _read_found(paths: list[str], sources: Sources, seen: set[str]) -> bool:
    """Whether any of the paths is a rule file (read now or for an earlier argument)."""
    for path in paths:
        if path not in seen:
            seen.add(path)
            _read(path, sources, explicit=False)
    wanted = set(paths)
    return any(path in wanted for path, _text in sources.texts)


def _read(path: str, sources: Sources, explicit: bool) -> None:
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        sources.unreadable.append(f"{path}: {reason}")
        return
    if explicit or looks_like_rule_file(text):
        sources.texts.append((path, text))
    else:
        sources.skipped.append(path)
