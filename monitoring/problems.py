"""Located problems: in user input, in generated artifacts and in live state, one type for all.

Every problem names its check (`group/name`, registered in monitoring/check_registry.py), a
severity and a location; the CLI prints them through one set of reporters (cli/reporters.py).

Plain immutable classes rather than dataclasses: every command imports this module, and the
dataclasses module (with inspect, ast and dis behind it) costs `mac lint` a tenth of its start-up.
They compare, hash, order and print as the frozen dataclasses they replaced; `replace` makes a copy
with some fields changed.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    Severity = Literal["error", "warning", "info"]
else:
    Severity = str
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

_set = object.__setattr__


class _Frozen:
    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")


class Location(_Frozen):
    """file:line:col, 1-based; 0 for a line or column that is not known (a file as a whole)."""

    __slots__ = ("col", "file", "line")
    file: str
    line: int
    col: int

    def __init__(self, file: str, line: int = 0, col: int = 0) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "col", col)

    def replace(
        self, *, file: str | None = None, line: int | None = None, col: int | None = None
    ) -> Location:
        return Location(
            self.file if file is None else file,
            self.line if line is None else line,
            self.col if col is None else col,
        )

    def _fields(self) -> tuple[str, int, int]:
        return (self.file, self.line, self.col)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Location:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __lt__(self, other: Location) -> bool:
        if other.__class__ is not Location:
            return NotImplemented
        return self._fields() < other._fields()

    def __le__(self, other: Location) -> bool:
        if other.__class__ is not Location:
            return NotImplemented
        return self._fields() <= other._fields()

    def __gt__(self, other: Location) -> bool:
        if other.__class__ is not Location:
            return NotImplemented
        return self._fields() > other._fields()

    def __ge__(self, other: Location) -> bool:
        if other.__class__ is not Location:
            return NotImplemented
        return self._fields() >= other._fields()

    def __reduce__(self) -> tuple[type[Location], tuple[str, int, int]]:
        return (Location, self._fields())

    def __repr__(self) -> str:
        return f"Location(file={self.file!r}, line={self.line!r}, col={self.col!r})"

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"


class Problem(_Frozen):
    __slots__ = ("check", "hint", "location", "message", "severity")
    location: Location
    message: str
    hint: str
    check: str
    severity: Severity

    def __init__(
        self, location: Location, message: str, hint: str = "", check: str = "", severity: Severity = "error"
    ) -> None:
        _set(self, "location", location)
        _set(self, "message", message)
        _set(self, "hint", hint)
        _set(self, "check", check)
        _set(self, "severity", severity)

    def replace(
        self,
        *,
        location: Location | None = None,
        message: str | None = None,
        hint: str | None = None,
        check: str | None = None,
        severity: Severity | None = None,
    ) -> Problem:
        return Problem(
            self.location if location is None else location,
            self.message if message is None else message,
            self.hint if hint is None else hint,
            self.check if check is None else check,
            self.severity if severity is None else severity,
        )

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def col(self) -> int:
        return self.location.col

    def _fields(self) -> tuple[Location, str, str, str, Severity]:
        return (self.location, self.message, self.hint, self.check, self.severity)

    def _key(self) -> tuple[Location, str, str, str, str]:
        return (self.location, self.check, self.severity, self.message, self.hint)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Problem:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __lt__(self, other: Problem) -> bool:
        return self._key() < other._key()

    def __reduce__(self) -> tuple[type[Problem], tuple[Location, str, str, str, Severity]]:
        return (Problem, self._fields())

    def __repr__(self) -> str:
        return (
            f"Problem(location={self.location!r}, message={self.message!r}, hint={self.hint!r}, "
            f"check={self.check!r}, severity={self.severity!r})"
        )

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class InputError(Exception):
    """Bad user input: every problem found, each naming file:line:col. Exit code 2."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
