"""yaml/parse: the file is YAML at all (the parse error is located by the C loader)."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import Check
from monitoring.lint.context import LintContext
from monitoring.lint.model import RuleFile
from monitoring.problems import Problem


class YamlParse(Check):
    id = "yaml/parse"
    profile = "correctness"
    summary = "the file parses as YAML"

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if file.parse_error is not None:
            yield file.parse_error
