"""template/syntax: labels and annotations are Go templates Prometheus can execute."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from monitoring.alert_templates import HUMANIZERS
from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Position, Rule, RuleFile, mapping_items, position
from monitoring.problems import Problem

GO_FUNCTIONS = frozenset(
    {
        "and",
        "call",
        "html",
        "index",
        "slice",
        "js",
        "len",
        "not",
        "or",
        "print",
        "printf",
        "println",
        "urlquery",
        "eq",
        "ge",
        "gt",
        "le",
        "lt",
        "ne",
    }
)
PROMETHEUS_FUNCTIONS = frozenset(
    {
        "query",
        "first",
        "label",
        "value",
        "strvalue",
        "args",
        "reReplaceAll",
        "safeHtml",
        "match",
        "title",
        "toUpper",
        "toLower",
        "graphLink",
        "tableLink",
        "sortByLabel",
        "humanizeTimestamp",
        "toTime",
        "pathPrefix",
        "externalURL",
        "parseDuration",
        "stripPort",
        "stripDomain",
        "toDuration",
        "now",
        *HUMANIZERS,
    }
)
CONSTANTS = frozenset({"nil", "true", "false"})
OPENERS = frozenset({"if", "range", "with", "define", "block"})
PREDEFINED_VARIABLES = frozenset({"", "labels", "value", "externalLabels", "externalURL"})

_CALLABLE = GO_FUNCTIONS | PROMETHEUS_FUNCTIONS | CONSTANTS
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)*\')'
    r"|(?P<number>[-+]?[0-9][0-9a-fA-FxX._eE+-]*)"
    r"|(?P<variable>\$[A-Za-z0-9_]*)(?P<fields>(?:\.[A-Za-z0-9_]+)*)"
    r"|(?P<field>(?:\.[A-Za-z0-9_]+)+|\.)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<punct>:=|=|\||\(|\)|,))"
)
# A token's kind by the last group it matched: the alternatives exclude each other, and a variable's
# group is followed by its fields' (matched, maybe empty).
_TOKEN_KINDS: dict[str | None, str] = {
    "string": "string",
    "number": "number",
    "variable": "variable",
    "fields": "variable",
    "field": "field",
    "ident": "ident",
    "punct": "punct",
}


@functools.lru_cache(maxsize=4096)
def template_problems(text: str) -> tuple[str, ...]:
    """What Go's text/template parser (with Prometheus' functions) would reject in `text`.
    Cached: rules repeat their templates."""
    problems: list[str] = []
    variables = set(PREDEFINED_VARIABLES)
    blocks: list[str] = []
    for match in _ACTION.finditer(text):
        body = match.group(1)
        body = body[1:] if body.startswith("-") else body
        body = body[:-1] if body.endswith("-") else body
        if "/*" in body:
            body = _COMMENT.sub("", body)
        body = body.strip()
        if not body:
            problems.append(f"empty action {match.group(0)!r}")
            continue
        problems += _action_problems(body, variables, blocks)
    if "{{" in _ACTION.sub("", text):
        problems.append("an action is opened with {{ but never closed with }}")
    problems += [f"{{{{{keyword}}}}} is never closed by {{{{end}}}}" for keyword in blocks]
    return tuple(problems)


@functools.lru_cache(maxsize=4096)
def _tokens(body: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """(kind, text) tokens of an action body, and whatever could not be tokenised. Cached: the same
    actions ({{ $labels.instance }}, {{ $value | humanize }}) recur in most templates."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while True:
        match = _TOKEN.match(body, position)
        if match is None or match.end() == position:
            break
        kind = _TOKEN_KINDS[match.lastgroup]
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tuple(tokens), body[position:].strip()


def _action_problems(body: str, variables: set[str], blocks: list[str]) -> list[str]:
    tokens, rest = _tokens(body)
    if rest:
        return [f"cannot parse {rest!r} in {{{{{body}}}}}"]
    problems: list[str] = []
    first = tokens[0][1] if tokens else ""
    if first in OPENERS:
        blocks.append(first)
        tokens = tokens[1:]
    elif first == "end":
        if not blocks:
            problems.append("{{end}} without an open {{if}}, {{range}} or {{with}}")
        else:
            blocks.pop()
        return problems
    elif first == "else":
        if not blocks:
            problems.append("{{else}} outside an {{if}}, {{range}} or {{with}}")
        tokens = tokens[2:] if len(tokens) > 1 and tokens[1][1] == "if" else tokens[1:]
    elif first in ("template", "break", "continue"):
        return problems
    depth = 0
    for index, (kind, text) in enumerate(tokens):
        if kind == "variable":
            name = text[1:]
            declares = index + 1 < len(tokens) and tokens[index + 1][1] in (":=", ",")
            if declares:
                variables.add(name)
            elif name not in variables:
                problems.append(f"undefined variable ${name}")
        elif kind == "ident" and text not in _CALLABLE:
            problems.append(f"unknown function {text!r}")
        elif text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth < 0:
                problems.append(f"unbalanced ')' in {{{{{body}}}}}")
                depth = 0
        elif text == "|" and (index == 0 or index == len(tokens) - 1):
            problems.append(f"pipe with nothing on one side in {{{{{body}}}}}")
    if depth:
        problems.append(f"unclosed '(' in {{{{{body}}}}}")
    return problems


class TemplateSyntax(RuleCheck):
    id = "template/syntax"
    profile = "correctness"
    summary = "labels and annotations are valid Prometheus templates"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert":
            return
        for section, values in (("labels", rule.labels), ("annotations", rule.annotations)):
            for name, text in values.items():
                if "{{" not in text:
                    continue
                for problem in template_problems(text):
                    yield self.finding(
                        file,
                        self._where(rule, section, name),
                        f"{section[:-1]} {name}: {problem}",
                        "Prometheus would fail to expand this template when the alert fires",
                    )

    def _where(self, rule: Rule, section: str, name: str) -> Position:
        for key, _key_node, value in mapping_items(rule.value_nodes[section]):
            if key == name:
                return position(value)
        return rule.name_pos
