"""Located problems: in user input, in generated artifacts and in live state, one type for all.

Every problem names its check (`group/name`, registered in monitoring/check_registry.py), a
severity and a location; the CLI prints them through one set of reporters (cli/reporters.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, order=True)
class Location:
    """file:line:col, 1-based; 0 for a line or column that is not known (a file as a whole)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    location: Location
    message: str
    hint: str = ""
    check: str = ""
    severity: Severity = "error"

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def col(self) -> int:
        return self.location.col

    def _key(self) -> tuple[Location, str, str, str, str]:
        return (self.location, self.check, self.severity, self.message, self.hint)

    def __lt__(self, other: Problem) -> bool:
        return self._key() < other._key()

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class InputError(Exception):
    """Bad user input: every problem found, each naming file:line:col. Exit code 2."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
