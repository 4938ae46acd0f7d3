"""PR mode: which lines of the linted files changed since a git ref, and the findings on changed rules.

Like pint's ci mode, a rule counts as changed when any of its lines is in `git diff REF` (the working
tree against REF, renames followed); every finding on a changed rule is kept, findings on unchanged
rules and unchanged files are dropped. Untracked files are new, so wholly changed.
"""

from __future__ import annotations

import codecs
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from monitoring.lint.model import last_line, parse_rule_file
from monitoring.problems import Problem

GIT_TIMEOUT_S = 60.0
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class ChangesError(Exception):
    """Not a git repository, git missing, or a ref git does not know: bad input (exit 2)."""


@dataclass(frozen=True)
class FileChanges:
    """The changed lines of one file (1-based); `whole` for a file new since the ref."""

    lines: frozenset[int] = frozenset()
    whole: bool = False

    def touches(self, first: int, last: int) -> bool:
        return self.whole or any(first <= line <= last for line in self.lines)


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotepath=false", "-C", str(directory), *args],
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as error:
        raise ChangesError("--changed-since needs git, which is not installed") from error
    except subprocess.TimeoutExpired as error:
        raise ChangesError(f"git {' '.join(args)} took longer than {GIT_TIMEOUT_S:.0f} s") from error


def _toplevel(directory: Path) -> Path:
    done = _git(directory, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise ChangesError(f"--changed-since: {directory} is not inside a git repository")
    return Path(done.stdout.decode().strip()).resolve()


def _unquote(path: str) -> str:
    """git's C-style quoting of unusual file names ("a\\tb", octal bytes)."""
    if not path.startswith('"'):
        return path
    raw = codecs.escape_decode(path[1:-1].encode("utf-8"))[0]
    return bytes(raw).decode("utf-8", errors="replace")


def parse_diff(diff: str) -> dict[str, set[int]]:
    """Changed lines per new-side path of a `git diff --unified=0` (a deletion marks the line above)."""
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            current = None if target == "/dev/null" else changed.setdefault(_unquote(target)[2:], set())
        elif line.startswith("@@") and current is not None:
            hunk = _HUNK.match(line)
            if hunk is None:
                continue
            start, count = int(hunk.group(1)), int(hunk.group(2) or "1")
            current.update(range(start, start + count) if count else [max(start, 1)])
    return changed


def _repo_changes(top: Path, ref: str) -> tuple[dict[str, set[int]], set[str]]:
    verified = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if verified.returncode != 0:
        raise ChangesError(f"--changed-since: {ref!r} is not a commit the git repository at {top} knows")
    diff = _git(top, "diff", "--no-color", "--no-ext-diff", "--unified=0", "-M", "--diff-filter=d", ref, "--")
    if diff.returncode != 0:
        raise ChangesError(f"git diff {ref} failed: {diff.stderr.decode(errors='replace').strip()}")
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z")
    new = {name for name in untracked.stdout.decode(errors="replace").split("\0") if name}
    return parse_diff(diff.stdout.decode(errors="replace")), new


def changes_since(ref: str, paths: Iterable[Path]) -> dict[str, FileChanges]:
    """Per path (spelled as given), what changed in it since `ref`; a path with no change maps to no lines."""
    tops: dict[Path, Path] = {}
    per_repo: dict[Path, tuple[dict[str, set[int]], set[str]]] = {}
    result: dict[str, FileChanges] = {}
    for path in paths:
        if not path.is_file():
            continue  # stdin: nothing in git to compare it with
        resolved = path.resolve()
        directory = resolved.parent
        if directory not in tops:
            tops[directory] = _toplevel(directory)
        top = tops[directory]
        if top not in per_repo:
            per_repo[top] = _repo_changes(top, ref)
        changed, untracked = per_repo[top]
        relative = resolved.relative_to(top).as_posix()
        if relative in untracked:
            result[str(path)] = FileChanges(whole=True)
        else:
            result[str(path)] = FileChanges(frozenset(changed.get(relative, ())))
    return result


def rule_spans(text: str, path: str) -> list[tuple[int, int]]:
    return [(rule.start_line, last_line(rule.node)) for rule in parse_rule_file(text, path).rules]


def only_changed(
    findings: Sequence[Problem], changes: Mapping[str, FileChanges], texts: Mapping[str, str]
) -> list[Problem]:
    """The findings on changed rules; a finding outside every rule is kept when its own line changed."""
    spans: dict[str, list[tuple[int, int]]] = {}
    kept: list[Problem] = []
    for finding in findings:
        change = changes.get(finding.file)
        if change is None:
            kept.append(finding)  # not a file from git (stdin): nothing to compare it with
            continue
        if change.whole:
            kept.append(finding)
            continue
        if not change.lines:
            continue
        if finding.file not in spans:
            spans[finding.file] = rule_spans(texts.get(finding.file, ""), finding.file)
        rule = next(((a, b) for a, b in spans[finding.file] if a <= finding.line <= b), None)
        first, last = rule if rule is not None else (finding.line, finding.line)
        if change.touches(first, last):
            kept.append(finding)
    return kept
