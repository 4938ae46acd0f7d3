"""Run the registered checks over rule files; per-rule `# mac-lint disable ID` comments apply here."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from monitoring.lint.checks import CHECKS
from monitoring.lint.context import LintContext, all_catalogs, job_catalogs
from monitoring.lint.model import last_line, parse_rule_file
from monitoring.problems import Problem


@dataclass(frozen=True)
class LintResult:
    findings: list[Problem]
    unreadable: list[str]


def lint_texts(sources: Sequence[tuple[str, str]], disabled: Iterable[str] = ()) -> list[Problem]:
    """Lint (path, text) pairs together: a series recorded in one file is known in all of them."""
    # Node trees are acyclic; the cyclic collector would rescan them on every allocation burst.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint(sources, disabled)
    finally:
        if collecting:
            gc.enable()


def _lint(sources: Sequence[tuple[str, str]], disabled: Iterable[str]) -> list[Problem]:
    files = [parse_rule_file(text, path) for path, text in sources]
    context = LintContext(
        recorded=frozenset(rule.name for file in files for rule in file.rules if rule.kind == "record"),
        catalogs_by_job=job_catalogs(),
        everything=all_catalogs(),
    )
    off = frozenset(disabled)
    checks = [check for check in CHECKS if check.id not in off]
    findings: list[Problem] = []
    for file in files:
        spans = [
            (rule.start_line - 1, last_line(rule.node), rule.disabled) for rule in file.rules if rule.disabled
        ]
        for check in checks:
            findings += [f for f in check.run(file, context) if not _disabled_here(f, spans)]
    return sorted(findings)


def _disabled_here(finding: Problem, spans: list[tuple[int, int, set[str]]]) -> bool:
    return any(first <= finding.line <= last and finding.check in ids for first, last, ids in spans)


def lint_paths(paths: Sequence[Path], disabled: Iterable[str] = ()) -> LintResult:
    sources: list[tuple[str, str]] = []
    unreadable: list[str] = []
    for path in paths:
        try:
            sources.append((str(path), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            unreadable.append(f"{path}: {error.strerror if isinstance(error, OSError) else error}")
    return LintResult(lint_texts(sources, disabled), unreadable)
