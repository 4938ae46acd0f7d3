"""What `mac lint` reads: files, directories (recursive), globs it expands itself, and `-` for stdin.

A file named on the command line is always linted. In a directory walk or a glob, only *.yml and
*.yaml files that look like rule files are: a top-level `groups:` key or a PrometheusRule resource.
Other YAML (prometheus.yml, Helm values, kustomization.yaml, CI config) is skipped and counted, and
a walk leaves out hidden directories and files.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

STDIN = "-"
STDIN_PATH = "<stdin>"
RULE_FILE_SUFFIXES = (".yml", ".yaml")
_GLOB_CHARS = re.compile(r"[*?\[]")
_RULE_FILE_HINT = re.compile(r"^(?:groups\s*:|kind\s*:\s*[\"']?PrometheusRule\b)", re.MULTILINE)


@dataclass
class Sources:
    texts: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def looks_like_rule_file(text: str) -> bool:
    return _RULE_FILE_HINT.search(text) is not None


def collect(arguments: Iterable[str], stdin: TextIO | None = None) -> Sources:
    """Each argument once, in the order given; files found by a walk or a glob in sorted order."""
    sources = Sources()
    seen: set[str] = set()
    for argument in arguments:
        if argument == STDIN:
            sources.texts.append((STDIN_PATH, (stdin or sys.stdin).read()))
            continue
        path = Path(argument)
        if path.is_dir():
            if not _read_found(_walk(path), sources, seen):
                sources.unreadable.append(f"{path}: no rule file in this directory")
        elif not path.exists() and _GLOB_CHARS.search(argument):
            import glob

            matches = sorted(Path(match) for match in glob.glob(argument, recursive=True))
            found = [p for match in matches for p in (_walk(match) if match.is_dir() else [match])]
            if not _read_found(found, sources, seen):
                sources.unreadable.append(f"{argument}: no rule file matches this pattern")
        elif str(path) not in seen:
            seen.add(str(path))
            _read(path, sources, explicit=True)
    return sources


def _walk(directory: Path) -> list[Path]:
    """YAML files below the directory, leaving out hidden ones (.git, .venv, .github)."""
    return sorted(
        path
        for path in directory.rglob("*")
        if path.suffix in RULE_FILE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
        and path.is_file()
    )


def _read_found(paths: list[Path], sources: Sources, seen: set[str]) -> bool:
    """Whether any of the paths is a rule file (read now or for an earlier argument)."""
    for path in paths:
        if str(path) not in seen:
            seen.add(str(path))
            _read(path, sources, explicit=False)
    wanted = {str(path) for path in paths}
    return any(path in wanted for path, _text in sources.texts)


def _read(path: Path, sources: Sources, explicit: bool) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        sources.unreadable.append(f"{path}: {reason}")
        return
    if explicit or looks_like_rule_file(text):
        sources.texts.append((str(path), text))
    else:
        sources.skipped.append(str(path))
