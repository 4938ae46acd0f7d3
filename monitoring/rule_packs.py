"""Rule packs (rules/<kind>.yaml): loaded once with positions, checked against their schema, their
kind and what the rule generator can render; every problem names the pack's file:line:col.

`mac validate` (so every command that reads the inventory) reports `pack_problems()`, so a typo in
a pack is a located error before anything is generated.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import json
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitoring.alert_templates import UnsupportedTemplate, expand
from monitoring.inventory.loader import Document, NodePath, load_file, shown
from monitoring.inventory.validate import (
    inline_refs,
    located_schema_problems,
    strict_validator,
    strict_validity,
)
from monitoring.kinds import KINDS
from monitoring.problems import Location, Problem
from monitoring.rate_window import (
    DEFAULT_RATE_WINDOW,
    MAX_SCRAPE_INTERVAL_SECONDS,
    RATE_WINDOW_SCRAPES,
    duration_seconds,
    rate_window,
    rate_window_minutes,
    rate_window_words,
    window_minutes,
)
from monitoring.schema_validity import Validity

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "rule-pack.schema.json"

# `${name}` in expr, labels and annotations; `${arithmetic}` in test series values.
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
# What `${...}` may name in an alert's expr, labels and annotations (monitoring/generate/rules.py
# fills them per threshold group, or per domain).
THRESHOLD_VARIABLES = ("services", "threshold")
DOMAIN_VARIABLES = ("domain", "team")
# Every alert's summary and description may name its `for`: an override changes it.
ANNOTATION_FOR_VARIABLE = "for"
# `${rate_window}` or `${rate_window:<least>}` (`10m`, `1h`) anywhere in an alert or recording rule,
# record names included: the window of a rate over the scraped series (monitoring/rate_window.py),
# in words in alert texts. Any other window is fixed, so at least four scrapes at the slowest
# interval allowed.
WINDOW_VARIABLE = "rate_window"
FIXED_WINDOW_MINUTES = RATE_WINDOW_SCRAPES * MAX_SCRAPE_INTERVAL_SECONDS // 60
_FIXED_WINDOW = re.compile(r"\[([0-9][0-9a-z]*)(?::[^\]]*)?\]")
_NAMED_WINDOW = re.compile(r"(?<=[a-z_])[0-9]+[smhdwy](?=_|$)")
_OPERATORS: Mapping[type[ast.AST], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class RulePackError(ValueError):
    """A rule pack with problems, loaded anyway: validation reports them first, so a bug if seen."""


@dataclass(frozen=True)
class SeriesTemplate:
    metric: str
    labels: Mapping[str, str]
    firing_values: str
    quiet_values: str


@dataclass(frozen=True)
class AlertTest:
    firing: str
    quiet: str
    series: tuple[SeriesTemplate, ...]
    labels: tuple[str, ...] | None
    added_labels: Mapping[str, str]
    eval_minutes: int | None
    # How much longer than the pack's the longest rate window of the pack is once filled
    # (windowed): a rate over a window longer than its series reads low.
    window_growth_minutes: int = 0

    @property
    def fires_on_absence(self) -> bool:
        return self.firing == "absent"


@dataclass(frozen=True)
class AlertTemplate:
    alert: str
    expr: str
    for_: str
    severity: str
    threshold: str | None
    per_domain: bool
    labels: Mapping[str, str]
    summary: str
    description: str
    test: AlertTest
    # Where the template and each of its fields are in the pack, for findings on what it renders.
    location: Location
    fields: Mapping[str, Location]
    # The label whose values a service may give to another domain (Kind.owners); "" for none.
    owner_label: str = ""


@dataclass(frozen=True)
class RecordingTemplate:
    record: str
    expr: str
    labels: Mapping[str, str]
    location: Location
    fields: Mapping[str, Location]


@dataclass(frozen=True)
class RulePack:
    kind: str
    recording_rules: tuple[RecordingTemplate, ...]
    alerts: tuple[AlertTemplate, ...]

    def source(self, rule: str, field: str = "") -> Location | None:
        """Where the template of the generated rule named `rule` (its `field`, if the template has
        it) is in the pack; None when the pack has no such rule."""
        named = [(a.alert, a.location, a.fields) for a in self.alerts]
        named += [(r.record, r.location, r.fields) for r in self.recording_rules]
        found = (fields.get(field, where) for n, where, fields in named if _name_pattern(n).fullmatch(rule))
        return next(found, None)


def _name_pattern(name: str) -> re.Pattern[str]:
    """A template's name as the names it renders to: its window placeholders become windows."""
    parts = PLACEHOLDER.split(name)
    return re.compile(
        "".join(re.escape(part) if index % 2 == 0 else "[0-9]+[mhd]" for index, part in enumerate(parts))
    )


def window_least(placeholder: str) -> str | None:
    """The least window a window placeholder asks for (`rate_window:10m` -> `10m`); None for another
    placeholder."""
    name, colon, least = placeholder.partition(":")
    if name != WINDOW_VARIABLE:
        return None
    return least if colon else DEFAULT_RATE_WINDOW


def fill_windows(text: str, scrape_interval_seconds: int, words: bool = False) -> str:
    """`text` with its window placeholders filled for series scraped every `scrape_interval_seconds`."""

    def replace(match: re.Match[str]) -> str:
        least = window_least(match.group(1))
        if least is None:
            return match.group(0)
        window = rate_window(scrape_interval_seconds, least)
        return rate_window_words(window) if words else window

    return PLACEHOLDER.sub(replace, text)


def windowed(pack: RulePack, scrape_interval_seconds: int) -> RulePack:
    """The pack with every window placeholder filled; locations stay the templates'."""

    def fill(text: str, words: bool = False) -> str:
        return fill_windows(text, scrape_interval_seconds, words)

    texts = [t for r in pack.recording_rules for t in (r.record, r.expr)] + [a.expr for a in pack.alerts]
    leasts = {
        minutes
        for text in texts
        for used in PLACEHOLDER.findall(text)
        if (least := window_least(used)) and (minutes := window_minutes(least))
    }
    growth = max((rate_window_minutes(scrape_interval_seconds, m) - m for m in leasts), default=0)

    return dataclasses.replace(
        pack,
        recording_rules=tuple(
            dataclasses.replace(r, record=fill(r.record), expr=fill(r.expr)) for r in pack.recording_rules
        ),
        alerts=tuple(
            dataclasses.replace(
                a,
                expr=fill(a.expr),
                labels={name: fill(value) for name, value in a.labels.items()},
                summary=fill(a.summary, True),
                description=fill(a.description, True),
                test=dataclasses.replace(a.test, window_growth_minutes=growth),
            )
            for a in pack.alerts
        ),
    )


def evaluate(expression: str, variables: Mapping[str, float]) -> float:
    """Arithmetic (+ - * / and parentheses) on numbers and the given variables."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in variables:
            return float(variables[node.id])
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError(f"not arithmetic on {', '.join(sorted(variables)) or 'numbers'}: {expression!r}")

    try:
        return walk(ast.parse(expression, mode="eval"))
    except SyntaxError:
        raise ValueError(f"not arithmetic: {expression!r}") from None


def available_packs() -> list[str]:
    return sorted(path.stem for path in RULES_DIR.glob("*.yaml"))


@functools.cache
def _loaded(kind: str) -> RulePack | tuple[Problem, ...]:
    read = read_pack(RULES_DIR / f"{kind}.yaml", kind)
    return read if isinstance(read, RulePack) else tuple(read)


def pack_problems() -> list[Problem]:
    """Every problem of every pack under rules/ (loaded once per process, then cached)."""
    return [
        p for kind in available_packs() if not isinstance(found := _loaded(kind), RulePack) for p in found
    ]


def load_pack(kind: str) -> RulePack:
    found = _loaded(kind)
    if not isinstance(found, RulePack):
        raise RulePackError("\n".join(map(str, found)))
    return found


def read_pack(path: Path, kind: str) -> RulePack | list[Problem]:
    """The pack of `kind` in the file at `path`, or its problems."""
    loaded = load_file(path)
    if not isinstance(loaded, Document):
        return loaded
    problems = _schema_problems(loaded)
    if not problems:
        problems = _kind_problems(loaded, kind) + _template_problems(loaded)
    return problems or _pack(loaded)


@functools.cache
def _schema() -> dict[str, Any]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # $refs inlined: resolving them costs more than the rest of loading the packs.
    inlined: dict[str, Any] = inline_refs({k: v for k, v in schema.items() if k != "$defs"}, schema["$defs"])
    return inlined


@functools.cache
def _validator() -> Any:
    return strict_validator(_schema())


@functools.cache
def _valid_pack() -> Validity:
    return strict_validity(_schema())


def _schema_problems(doc: Document) -> list[Problem]:
    if _valid_pack()(doc.data):
        return []
    return [
        problem
        for error in _validator().iter_errors(doc.data)
        for problem in located_schema_problems(doc, error, group="pack")
    ]


def _kind_problems(doc: Document, kind: str) -> list[Problem]:
    raw = doc.data
    if raw["kind"] != kind or kind not in KINDS:
        return [
            Problem(
                doc.value_location(("kind",)),
                f"kind {shown(raw['kind'])} does not match the file name {kind!r} or no such kind exists",
                f"registered kinds: {', '.join(sorted(KINDS))}",
                check="pack/kind",
            )
        ]
    known = sorted(KINDS[kind].threshold_defaults)
    problems: list[Problem] = []
    first: dict[str, Location] = {}
    for index, alert in enumerate(raw["alerts"]):
        threshold = alert.get("threshold")
        if threshold is not None and threshold not in known:
            close = difflib.get_close_matches(threshold, known, n=1)
            problems.append(
                Problem(
                    doc.value_location(("alerts", index, "threshold")),
                    f"alert {shown(alert['alert'])}: {shown(threshold)} is not a threshold of kind {kind}",
                    (f"did you mean {close[0]!r}? " if close else "") + f"its thresholds: {', '.join(known)}",
                    check="pack/unknown-threshold",
                )
            )
        here = doc.value_location(("alerts", index, "alert"))
        if alert["alert"] in first:
            problems.append(
                Problem(
                    here,
                    f"alert {shown(alert['alert'])} appears more than once",
                    f"first at {first[alert['alert']]}",
                    check="pack/duplicate-alert",
                )
            )
        else:
            first[alert["alert"]] = here
    return problems


ANNOTATION_FIELDS = ("summary", "description")


def _strings(alert: Mapping[str, Any]) -> Iterator[tuple[NodePath, str]]:
    """The fields the generator substitutes `${name}` in, by path inside the alert."""
    for field in ("expr", *ANNOTATION_FIELDS):
        yield (field,), alert[field]
    for name, value in alert.get("labels", {}).items():
        yield ("labels", name), value


def _template_problems(doc: Document) -> list[Problem]:
    """What the generator would otherwise fail on: placeholders it does not fill, annotation
    templates outside the subset rule tests can expand, test values that are not arithmetic."""
    problems: list[Problem] = []
    for index, alert in enumerate(doc.data["alerts"]):
        at: NodePath = ("alerts", index)
        name = shown(alert["alert"])
        if alert.get("per_domain", False):
            variables: tuple[str, ...] = DOMAIN_VARIABLES
            scope = "a per_domain alert"
            if "service" in alert.get("labels", {}):
                problems.append(
                    Problem(
                        doc.value_location((*at, "labels", "service")),
                        f"alert {name}: a per_domain alert is about no one service (absent() has no"
                        " service label), so it may not set one",
                        "label it with kind and domain; its dashboard link opens the domain",
                        check="pack/per-domain-service",
                    )
                )
        elif "threshold" in alert:
            variables, scope = THRESHOLD_VARIABLES, "an alert with a threshold"
        else:
            variables, scope = (), "an alert without threshold or per_domain"
        for path, text in _strings(alert):
            allowed = (*variables, ANNOTATION_FOR_VARIABLE) if path[0] in ANNOTATION_FIELDS else variables
            problems += _placeholder_problems(doc, (*at, *path), f"alert {name}", text, allowed, scope)
        problems += _window_problems(doc, (*at, "expr"), f"alert {name}", alert["expr"])
        if not variables and any(not alert["expr"].startswith("job=", i + 1) for i in _braces(alert["expr"])):
            problems.append(
                Problem(
                    doc.value_location((*at, "expr")),
                    f"alert {name}: a selector does not start with its job matcher",
                    "an alert without ${services} is narrowed to some services (overrides) by a "
                    "matcher put before the job matcher of each selector: write {job=...} first",
                    check="pack/selector",
                )
            )
        for field in ("summary", "description"):
            try:
                expand(PLACEHOLDER.sub("1", alert[field]), {}, 1.0)
            except UnsupportedTemplate as error:
                problems.append(
                    Problem(doc.value_location((*at, field)), f"alert {name}: {error}", check="pack/template")
                )
        problems += _test_problems(doc, at, alert)
    return problems + _recording_problems(doc)


def _placeholder_problems(
    doc: Document, at: NodePath, subject: str, text: str, allowed: tuple[str, ...], scope: str
) -> list[Problem]:
    problems = []
    for used in PLACEHOLDER.findall(text):
        least = window_least(used)
        if least is None and used not in allowed:
            shown_allowed = ", ".join(f"${{{v}}}" for v in (*allowed, WINDOW_VARIABLE))
            problems.append(
                Problem(
                    doc.value_location(at),
                    f"{subject}: placeholder ${{{used}}} is not filled in {scope}",
                    f"allowed here: {shown_allowed}",
                    check="pack/placeholder",
                )
            )
        elif least is not None and window_minutes(least) is None:
            problems.append(
                Problem(
                    doc.value_location(at),
                    f"{subject}: ${{{used}}} does not name its least window in whole minutes or hours",
                    f"e.g. ${{{WINDOW_VARIABLE}}} ({DEFAULT_RATE_WINDOW}) or ${{{WINDOW_VARIABLE}:10m}}",
                    check="pack/placeholder",
                )
            )
    return problems


def _window_problems(doc: Document, at: NodePath, subject: str, text: str) -> list[Problem]:
    """Fixed windows shorter than four scrapes at the slowest interval allowed: rate windows must
    follow the scrape interval (`${rate_window}`), and so must a name that says its window."""
    field = at[-1]
    found = _NAMED_WINDOW.findall(text) if field == "record" else _FIXED_WINDOW.findall(text)
    short = [w for w in found if field == "record" or _shorter_than_fixed(w)]
    return [
        Problem(
            doc.value_location(at),
            f"{subject}: fixed window {window} "
            + (
                "in the name: the rule's window follows the scrape interval"
                if field == "record"
                else f"is shorter than {RATE_WINDOW_SCRAPES} scrapes at the slowest interval allowed"
                f" ({MAX_SCRAPE_INTERVAL_SECONDS // 60}m)"
            ),
            f"write ${{{WINDOW_VARIABLE}}} (${{{WINDOW_VARIABLE}:{window}}} keeps {window} as its least)",
            check="pack/fixed-window",
        )
        for window in short
    ]


def _shorter_than_fixed(window: str) -> bool:
    seconds = duration_seconds(window)
    return seconds is not None and seconds < 60 * FIXED_WINDOW_MINUTES


def _recording_problems(doc: Document) -> list[Problem]:
    problems: list[Problem] = []
    for index, rule in enumerate(doc.data["recording_rules"]):
        subject = f"recording rule {shown(rule['record'])}"
        for field in ("record", "expr"):
            at: NodePath = ("recording_rules", index, field)
            problems += _placeholder_problems(doc, at, subject, rule[field], (), "a recording rule")
            problems += _window_problems(doc, at, subject, rule[field])
    return problems


def _braces(expr: str) -> list[int]:
    """Where the selectors of `expr` open (a placeholder's `${` is none)."""
    return [index for index, char in enumerate(expr) if char == "{" and expr[index - 1 : index] != "$"]


def _test_problems(doc: Document, at: NodePath, alert: Mapping[str, Any]) -> list[Problem]:
    test = alert["test"]
    name = shown(alert["alert"])
    per_domain = alert.get("per_domain", False)
    names = ("threshold",) if "threshold" in alert and not per_domain else ()
    problems: list[Problem] = []

    def arithmetic(path: NodePath, expression: str, allowed: tuple[str, ...]) -> None:
        try:
            evaluate(expression, dict.fromkeys(allowed, 1.5))
        except ZeroDivisionError:
            pass
        except ValueError as error:
            problems.append(
                Problem(
                    doc.value_location((*at, "test", *path)),
                    f"alert {name}: test {'.'.join(map(str, path))}: {error}",
                    f"arithmetic on numbers{''.join(f', {n}' for n in allowed)}",
                    check="pack/test-value",
                )
            )

    if test["firing"] == "absent":
        if not per_domain:
            problems.append(
                Problem(
                    doc.value_location((*at, "test", "firing")),
                    f"alert {name}: firing: absent is for per_domain (absent()) alerts only",
                    check="pack/test-value",
                )
            )
    else:
        arithmetic(("firing",), str(test["firing"]), names)
    arithmetic(("quiet",), str(test["quiet"]), names)
    for index, series in enumerate(test["series"]):
        values = series["values"]
        cases = values.items() if isinstance(values, dict) else [("", values)]
        for case, text in cases:
            path: NodePath = ("series", index, "values", case) if case else ("series", index, "values")
            for expression in PLACEHOLDER.findall(text):
                arithmetic(path, expression, (*names, "value", "n"))
    return problems


def _fields(doc: Document, at: NodePath, item: Mapping[str, Any]) -> dict[str, Location]:
    return {field: doc.value_location((*at, field)) for field in item}


def _pack(doc: Document) -> RulePack:
    raw = doc.data
    return RulePack(
        kind=raw["kind"],
        recording_rules=tuple(
            RecordingTemplate(
                r["record"],
                r["expr"],
                r.get("labels", {}),
                doc.location(("recording_rules", index)),
                _fields(doc, ("recording_rules", index), r),
            )
            for index, r in enumerate(raw["recording_rules"])
        ),
        alerts=tuple(_alert(doc, index, a) for index, a in enumerate(raw["alerts"])),
    )


def _alert(doc: Document, index: int, raw: Mapping[str, Any]) -> AlertTemplate:
    test = raw["test"]
    series = tuple(
        SeriesTemplate(
            metric=s["metric"],
            labels=s.get("labels", {}),
            firing_values=s["values"]["firing"] if isinstance(s["values"], dict) else s["values"],
            quiet_values=s["values"]["quiet"] if isinstance(s["values"], dict) else s["values"],
        )
        for s in test["series"]
    )
    return AlertTemplate(
        alert=raw["alert"],
        expr=raw["expr"],
        for_=raw["for"],
        severity=raw["severity"],
        threshold=raw.get("threshold"),
        per_domain=raw.get("per_domain", False),
        labels=raw.get("labels", {}),
        summary=raw["summary"],
        description=raw["description"],
        test=AlertTest(
            firing=str(test["firing"]),
            quiet=str(test["quiet"]),
            series=series,
            labels=tuple(test["labels"]) if "labels" in test else None,
            added_labels=test.get("added_labels", {}),
            eval_minutes=test.get("eval_minutes"),
        ),
        location=doc.location(("alerts", index)),
        fields=_fields(doc, ("alerts", index), raw),
        owner_label=raw.get("owner_label", ""),
    )
