"""lint/unused-disable: every disable comment suppresses something.

`# mac-lint disable ID[, ID]` inside a rule (or on the line just above it) skips checks for that
rule; `# mac-lint file/disable ID[, ID]` anywhere skips them for the whole file. Words after the
ids (an explanation) are ignored. The runner applies the comments (`apply`), since only it sees
what each one suppressed; `run` reports the ids no check has.
"""

from __future__ import annotations

import re

from monitoring.lint.checks.base import Check
from monitoring.lint.model import Position, RuleFile, last_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from monitoring.lint.context import LintContext
    from monitoring.problems import Problem

# Compiled (and cached by re) for a file with a disable comment: most have none.
_COMMENT = r"#\s*mac-lint\s+(file/disable|disable)(?=\s|$)(.*)"
_CHECK_ID = r"[a-z0-9-]+/[a-z0-9-]+"


class DisableComment:
    """`lines` are the rule's lines for a per-rule comment; empty if it is next to no rule."""

    __slots__ = ("at", "ids", "lines", "whole_file")

    def __init__(self, at: Position, ids: tuple[str, ...], whole_file: bool, lines: range) -> None:
        self.at, self.ids, self.whole_file, self.lines = at, ids, whole_file, lines

    def covers(self, finding: Problem) -> bool:
        return self.whole_file or finding.line in self.lines


def disable_comments(file: RuleFile) -> list[DisableComment]:
    if "mac-lint" not in file.text:
        return []
    comments: list[DisableComment] = []
    comment, check_id = re.compile(_COMMENT), re.compile(_CHECK_ID)
    for number, line in enumerate(file.text.splitlines(), start=1):
        match = comment.search(line)
        if match is None:
            continue
        ids: list[str] = []
        for word in re.split(r"[,\s]+", match.group(2).strip()):
            if not check_id.fullmatch(word):
                break
            ids.append(word)
        whole_file = match.group(1) == "file/disable"
        lines = range(0)
        if not whole_file:
            rule = next((r for r in file.rules if r.start_line - 1 <= number <= last_line(r.node)), None)
            if rule is not None:
                lines = range(rule.start_line - 1, last_line(rule.node) + 1)
        comments.append(DisableComment(Position(number, match.start() + 1), tuple(ids), whole_file, lines))
    return comments


class UnusedDisable(Check):
    id = "lint/unused-disable"
    profile = "correctness"
    severity = "warning"
    summary = "every `# mac-lint disable` / `file/disable` comment names a check and suppresses a finding"

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        from monitoring.lint.checks import LINT_IDS

        for comment in disable_comments(file):
            if not comment.ids:
                yield self.finding(
                    file,
                    comment.at,
                    "disable comment names no check id",
                    "write `# mac-lint disable group/name`",
                )
            for check in comment.ids:
                if check not in LINT_IDS:
                    yield self.finding(
                        file,
                        comment.at,
                        f"disable comment names unknown check {check}: it suppresses nothing",
                        "`mac lint --list-checks` shows the ids",
                    )

    def apply(self, file: RuleFile, findings: Sequence[Problem], ran: frozenset[str]) -> list[Problem]:
        """The findings no comment disables, and a finding for each comment id of a check that ran
        here but whose findings it did not suppress."""
        comments = disable_comments(file)
        if not comments:
            return list(findings)
        used: set[tuple[int, str]] = set()
        kept: list[Problem] = []
        for finding in findings:
            hits = [c for c in comments if finding.check in c.ids and c.covers(finding)]
            used.update((c.at.line, finding.check) for c in hits)
            if not hits:
                kept.append(finding)
        if self.id not in ran:
            return kept
        for comment in comments:
            for check in comment.ids:
                if check in ran and check != self.id and (comment.at.line, check) not in used:
                    kept.append(self._unmatched(file, comment, check))
        return kept

    def _unmatched(self, file: RuleFile, comment: DisableComment, check: str) -> Problem:
        if not comment.whole_file and not comment.lines:
            return self.finding(
                file,
                comment.at,
                f"disable comment for {check} is next to no rule: it suppresses nothing",
                "put it in the rule or on the line above it; `# mac-lint file/disable ID` covers the file",
            )
        scope = "this file" if comment.whole_file else "this rule"
        return self.finding(
            file,
            comment.at,
            f"{check} finds nothing in {scope}: the disable comment suppresses nothing",
            "remove the comment (or the id)",
        )
