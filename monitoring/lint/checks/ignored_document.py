"""rule-file/ignored-document: Prometheus reads only a rule file's first YAML document."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import Check
from monitoring.lint.context import LintContext
from monitoring.lint.model import RuleFile
from monitoring.problems import Problem


class IgnoredDocument(Check):
    id = "rule-file/ignored-document"
    severity = "warning"
    profile = "correctness"
    summary = "no YAML document after the first, which Prometheus never loads"

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if file.ignored_document is not None:
            yield self.finding(
                file,
                file.ignored_document,
                "Prometheus loads only the first YAML document of a rule file; this one is never read",
                "move its groups into the first document or into a file of their own",
            )
