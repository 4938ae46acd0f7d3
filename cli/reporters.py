"""How problems are printed: one reporter per --format value."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from monitoring.problems import Problem

Reporter = Callable[[Sequence[Problem]], str]


def _text(problems: Sequence[Problem]) -> str:
    lines = [
        f"{p.location}: error: {p.message}" + (f"\n    hint: {p.hint}" if p.hint else "") for p in problems
    ]
    noun = "problem" if len(problems) == 1 else "problems"
    return "\n".join([*lines, f"{len(problems)} {noun} in the inventory"])


def _json(problems: Sequence[Problem]) -> str:
    return json.dumps(
        [
            {
                "file": p.location.file,
                "line": p.location.line,
                "col": p.location.col,
                "message": p.message,
                "hint": p.hint,
            }
            for p in problems
        ],
        indent=2,
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_annotation(command: str, properties: Mapping[str, object], message: str) -> str:
    """One workflow command, `::command key=value,...::message`, escaped per GitHub's rules so that
    a file name like `x,line=99::y.yaml` cannot add properties or start a second command."""
    escaped = ",".join(
        f"{key}={_escape_data(str(value)).replace(':', '%3A').replace(',', '%2C')}"
        for key, value in properties.items()
    )
    return f"::{command} {escaped}::{_escape_data(message)}"


def _github(problems: Sequence[Problem]) -> str:
    return "\n".join(
        github_annotation(
            "error",
            {"file": p.location.file, "line": p.location.line, "col": p.location.col},
            p.message + (f" ({p.hint})" if p.hint else ""),
        )
        for p in problems
    )


REPORTERS: dict[str, Reporter] = {"text": _text, "json": _json, "github": _github}
