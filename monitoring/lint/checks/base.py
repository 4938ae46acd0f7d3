"""The interface of a lint check: an id `group/name`, a severity, a profile, and findings for one file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from monitoring.lint.context import LintContext
from monitoring.lint.model import Position, Rule, RuleFile
from monitoring.problems import Location, Problem, Severity

TYPE_CHECKING = False
# correctness: the check can prove a rule broken; style: it enforces our house conventions.
if TYPE_CHECKING:
    from typing import ClassVar, Literal

    Profile = Literal["correctness", "style"]
else:
    Profile = str
PROFILES: tuple[Profile, ...] = ("correctness", "style")


class Check:
    id: ClassVar[str]
    severity: ClassVar[Severity] = "error"
    profile: ClassVar[Profile]
    summary: ClassVar[str]

    def run(self, file: RuleFile, context: LintContext) -> Iterable[Problem]:
        raise NotImplementedError

    def finding(self, file: RuleFile, where: Position, message: str, hint: str = "") -> Problem:
        return Problem(Location(file.path, where.line, where.col), message, hint, self.id, self.severity)


class RuleCheck(Check):
    """A check looking at one rule at a time."""

    def run(self, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        for rule in file.rules:
            yield from self.check_rule(rule, file, context)

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterable[Problem]:
        raise NotImplementedError
