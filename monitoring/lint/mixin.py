"""The lint of a mixin's generated rule file (prometheus/rules/mixin-<name>.rules.yml).

A mixin is someone else's rule set: it is held to the correctness profile (what proves a rule
broken: schema, PromQL, catalogs, templates), not to our house style (naming, group sizes, label
survival), and the labels and annotations routing needs are added by the generator. A finding is
reported where the rule's name is written in the mixin's jsonnet, the generated position in its hint.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from monitoring.artifacts import Artifact
from monitoring.lint.config import LintSettings
from monitoring.lint.model import Rule, last_line, parse_rule_file
from monitoring.lint.runner import lint_texts
from monitoring.problems import Location, Problem

MIXIN_LINT = LintSettings(profile="correctness")
_JSONNET_SUFFIXES = (".libsonnet", ".jsonnet")


def _sources(source: str) -> list[str]:
    """The mixin's own jsonnet files (not its vendor folder), its mixin.libsonnet first."""
    folder = os.path.dirname(source)
    found = []
    for directory, folders, files in os.walk(folder):
        folders[:] = sorted(
            f for f in folders if os.path.join(directory, f) != os.path.join(folder, "vendor")
        )
        found += [os.path.join(directory, f) for f in sorted(files) if f.endswith(_JSONNET_SUFFIXES)]
    return sorted(found, key=lambda path: path != source)


def _written_at(source: str, name: str) -> Location:
    pattern = re.compile(r"""(['"])""" + re.escape(name) + r"\1")
    for path in _sources(source):
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        match = pattern.search(text)
        if match is not None:
            line_start = text.rfind("\n", 0, match.start()) + 1
            return Location(path, text.count("\n", 0, match.start()) + 1, match.start() - line_start + 1)
    return Location(source)


def _rule_at(rules: list[Rule], line: int) -> Rule | None:
    return next((r for r in rules if r.start_line <= line <= last_line(r.node)), None)


def check_mixin_rules(artifact: Artifact) -> list[Problem]:
    text = artifact.render().decode("utf-8")
    interval = artifact.scrape_interval_s
    settings = MIXIN_LINT if interval is None else MIXIN_LINT.replace(scrape_interval_s=interval)
    findings = lint_texts([(artifact.path, text)], settings=settings)
    if not findings:
        return findings
    rules = parse_rule_file(text, artifact.path).rules
    located = []
    for finding in findings:
        rule = _rule_at(rules, finding.line)
        where = _written_at(artifact.source, rule.name) if rule is not None else Location(artifact.source)
        generated = f"generated as {finding.location}"
        hint = f"{finding.hint}; {generated}" if finding.hint else generated
        located.append(finding.replace(location=where, hint=hint))
    return located
