"""How problems are printed: one reporter per --format value, the same for every command.

text is for people, json for tools (an array of problems), github for workflow annotations,
sarif (2.1.0) for code-scanning UIs, checkstyle (XML) for CI tools that read it. A report with no
problems prints nothing in text and github.
"""

from __future__ import annotations

import os
import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    # the registry imports every check: only SARIF needs it
    from monitoring.check_registry import CheckInfo, Scope
    from monitoring.problems import Problem, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_GITHUB_COMMANDS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVELS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}


class Report:
    """The problems one command found; scopes name the checks it ran (monitoring/check_registry.py);
    subject is what was checked, for the text summary: "the inventory", "3 rule files"."""

    __slots__ = ("problems", "scopes", "subject")

    def __init__(self, problems: Sequence[Problem], scopes: Iterable[Scope], subject: str) -> None:
        self.problems, self.scopes, self.subject = problems, scopes, subject


if TYPE_CHECKING:
    Reporter = Callable[[Report], str]


def _text(report: Report) -> str:
    if not report.problems:
        return ""
    lines = [
        f"{p.location}: {p.severity}: {p.message} [{p.check}]" + (f"\n    hint: {p.hint}" if p.hint else "")
        for p in report.problems
    ]
    noun = "problem" if len(report.problems) == 1 else "problems"
    return "\n".join([*lines, f"{len(report.problems)} {noun} in {report.subject}"])


def _json(report: Report) -> str:
    import json

    return json.dumps(
        [
            {
                "check": p.check,
                "severity": p.severity,
                "file": p.file,
                "line": p.line or None,
                "col": p.col or None,
                "message": p.message,
                "hint": p.hint,
            }
            for p in report.problems
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


def _github(report: Report) -> str:
    lines = []
    for p in report.problems:
        where: dict[str, object] = {"file": p.file}
        where.update({key: value for key, value in (("line", p.line), ("col", p.col)) if value})
        lines.append(
            github_annotation(
                _GITHUB_COMMANDS[p.severity],
                {**where, "title": p.check},
                p.message + (f" ({p.hint})" if p.hint else ""),
            )
        )
    return "\n".join(lines)


def _uri(path: str) -> str:
    """A SARIF artifact URI: relative paths stay relative (to the repository), absolute ones file://."""
    from pathlib import PurePath
    from urllib.parse import quote

    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(path.replace(os.sep, "/"))


def _sarif_rule(info: CheckInfo) -> dict[str, object]:
    return {
        "id": info.id,
        "shortDescription": {"text": info.summary},
        "defaultConfiguration": {"level": _SARIF_LEVELS[info.severity]},
    }


def _sarif_result(problem: Problem, index: int) -> dict[str, object]:
    region = {"startLine": problem.line, **({"startColumn": problem.col} if problem.col else {})}
    location: dict[str, object] = {"artifactLocation": {"uri": _uri(problem.file)}}
    if problem.line:
        location["region"] = region
    return {
        "ruleId": problem.check,
        "ruleIndex": index,
        "level": _SARIF_LEVELS[problem.severity],
        "message": {"text": problem.message + (f" ({problem.hint})" if problem.hint else "")},
        "locations": [{"physicalLocation": location}],
    }


def _sarif(report: Report) -> str:
    from importlib.metadata import version

    from monitoring.check_registry import CheckInfo, checks_in, registry

    known = registry()
    rules = checks_in(report.scopes)
    unlisted = sorted({p.check for p in report.problems} - {r.id for r in rules})
    rules += [known.get(c) or CheckInfo(c, c, frozenset()) for c in unlisted]
    index = {rule.id: number for number, rule in enumerate(rules)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mac",
                        "version": version("monitoring-as-code"),
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                "results": [_sarif_result(p, index[p.check]) for p in report.problems],
            }
        ],
    }
    import json

    return json.dumps(log, indent=2)


def _checkstyle(report: Report) -> str:
    """Checkstyle's XML report: a <file> per file, an <error> per problem (whatever its severity)."""
    from xml.etree import ElementTree

    root = ElementTree.Element("checkstyle", version="4.3")
    files: dict[str, ElementTree.Element] = {}
    for p in report.problems:
        if p.file not in files:
            files[p.file] = ElementTree.SubElement(root, "file", name=p.file)
        attributes = {"line": str(p.line), **({"column": str(p.col)} if p.col else {})}
        attributes |= {"severity": p.severity, "message": p.message + (f" ({p.hint})" if p.hint else "")}
        ElementTree.SubElement(files[p.file], "error", {**attributes, "source": p.check})
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
    "checkstyle": _checkstyle,
}
FORMATS = tuple(REPORTERS)


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def emit(report: Report, output_format: str) -> None:
    """Print the report on stdout (results go there; progress and diagnostics go to stderr)."""
    text = REPORTERS[output_format](report)
    if text:
        echo(text)


_ANSI = re.compile(r"\033\[[0-?]*[ -/]*[@-~]")


def echo(message: str, err: bool = False) -> None:
    """A line on stdout (stderr with err), as click.echo writes it (terminal escapes dropped unless
    a terminal shows them), without importing click: `mac lint` starts without it."""
    stream = sys.stderr if err else sys.stdout
    text = message + "\n"
    try:
        terminal = stream.isatty()
    except Exception:  # a closed or unusual stream: click treats it as no terminal
        terminal = False
    stream.write(text if terminal else _ANSI.sub("", text))
    stream.flush()
