"""How problems are printed: one reporter per --format value."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

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


def _github(problems: Sequence[Problem]) -> str:
    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    return "\n".join(
        f"::error file={p.location.file},line={p.location.line},col={p.location.col}::"
        + escape(p.message + (f" ({p.hint})" if p.hint else ""))
        for p in problems
    )


REPORTERS: dict[str, Reporter] = {"text": _text, "json": _json, "github": _github}
