"""Run the checks of a profile over rule files; config disables, severities and the `# mac-lint disable`
comments (checks/unused_disable.py) apply here."""

from __future__ import annotations

import bisect
import gc

from monitoring.lint.checks import CHECKS
from monitoring.lint.checks.unused_disable import UnusedDisable
from monitoring.lint.config import LintSettings
from monitoring.lint.context import LintContext, all_catalogs, job_catalogs
from monitoring.lint.model import RuleFile, last_line, parse_rule_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from monitoring.problems import Problem


class LintRun:
    """The findings, and the files as parsed (PromQL trees included) for online mode to reuse."""

    __slots__ = ("files", "findings")

    def __init__(self, findings: list[Problem], files: list[RuleFile]) -> None:
        self.findings, self.files = findings, files


def lint_texts(
    sources: Sequence[tuple[str, str]], disabled: Iterable[str] = (), settings: LintSettings | None = None
) -> list[Problem]:
    """Lint (path, text) pairs together: a series recorded in one file is known in all of them.
    Without settings every check runs (the house profile, as for generated rules)."""
    return lint_run(sources, disabled, settings).findings


def lint_run(
    sources: Sequence[tuple[str, str]], disabled: Iterable[str] = (), settings: LintSettings | None = None
) -> LintRun:
    """lint_texts, keeping the parsed files."""
    # Node trees are acyclic; the cyclic collector would rescan them on every allocation burst.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint(sources, disabled, settings or LintSettings())
    finally:
        if collecting:
            gc.enable()


def _lint(sources: Sequence[tuple[str, str]], disabled: Iterable[str], settings: LintSettings) -> LintRun:
    files = [parse_rule_file(text, path) for path, text in sources]
    context = LintContext(
        recorded=frozenset(rule.name for file in files for rule in file.rules if rule.kind == "record"),
        catalogs_by_job=settings.catalogs_by_job(job_catalogs()),
        everything=all_catalogs(settings.catalog_files()),
        scrape_interval_seconds=settings.scrape_interval_s,
        policy=settings.policy,
    )
    off = frozenset(disabled)
    checks = [check for check in CHECKS if check.id not in off and settings.runs(check)]
    findings: list[Problem] = []
    for file in files:
        path_off = settings.disabled_for(file.path)
        here = [check for check in checks if check.id not in path_off]
        found = _once_per_rule(file, [finding for check in here for finding in check.run(file, context)])
        findings += _COMMENTS.apply(file, found, frozenset(check.id for check in here))
    return LintRun(sorted(settings.reported(finding) for finding in findings), files)


_COMMENTS = UnusedDisable()


def _once_per_rule(file: RuleFile, found: list[Problem]) -> list[Problem]:
    """One finding per problem: a check's same message within one rule is kept at its first position
    (findings outside any rule are all kept)."""
    if len(found) < 2:
        return found
    starts = [rule.start_line for rule in file.rules]
    ends: dict[int, int] = {}
    seen: set[tuple[int, str, str]] = set()
    kept: list[Problem] = []
    for finding in sorted(found):
        index = bisect.bisect_right(starts, finding.line) - 1
        if index >= 0 and index not in ends:
            ends[index] = last_line(file.rules[index].node)
        if index < 0 or finding.line > ends[index]:
            kept.append(finding)
            continue
        key = (index, finding.check, finding.message)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept
