"""The lint as an artifact check of `mac generate`: generated rule files are linted before writing.

A finding is reported at the rule pack line the generated rule came from (rules/<kind>.yaml is
what a contributor edits), with the generated file's position in its hint.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from monitoring.artifacts import Artifact
from monitoring.generate.passthrough import HEADER_LINES
from monitoring.lint.config import LintSettings
from monitoring.lint.mixin import check_mixin_rules
from monitoring.lint.model import Rule, last_line, parse_rule_file
from monitoring.lint.runner import lint_texts
from monitoring.mixin_files import RULES_PREFIX as MIXIN_RULES_PREFIX
from monitoring.problems import Location, Problem
from monitoring.rule_packs import available_packs, load_pack


def check_rule_artifact(artifact: Artifact) -> list[Problem]:
    if PurePosixPath(artifact.path).name.startswith(MIXIN_RULES_PREFIX):
        return check_mixin_rules(artifact)
    text = artifact.render().decode("utf-8")
    interval = artifact.scrape_interval_s
    settings = LintSettings() if interval is None else LintSettings(scrape_interval_s=interval)
    findings = lint_texts([(artifact.path, text)], settings=settings)
    if artifact.source:
        return [_at_source_line(finding, artifact) for finding in findings]
    kind = PurePosixPath(artifact.path).name.split(".")[0]
    if not findings or kind not in available_packs():
        return findings
    rules = parse_rule_file(text, artifact.path).rules
    return [_at_pack_line(finding, rules, kind) for finding in findings]


def _at_source_line(finding: Problem, artifact: Artifact) -> Problem:
    """A finding on a passthrough rule file, at the line of the file it copies."""
    line = finding.line - HEADER_LINES
    if line < 1:
        return finding.replace(location=Location(artifact.source))
    generated = f"copied to {finding.location}"
    hint = f"{finding.hint}; {generated}" if finding.hint else generated
    return finding.replace(location=Location(artifact.source, line, finding.col), hint=hint)


def _at_pack_line(finding: Problem, rules: list[Rule], kind: str) -> Problem:
    rule = next((r for r in rules if r.start_line <= finding.line <= last_line(r.node)), None)
    if rule is None:
        return finding
    field = next(
        (
            key
            for key, node in rule.value_nodes.items()
            if node.start_mark.line + 1 <= finding.line <= last_line(node)
        ),
        "",
    )
    source = load_pack(kind).source(rule.name, field)
    if source is None:
        return finding
    generated = f"generated as {finding.location}"
    hint = f"{finding.hint}; {generated}" if finding.hint else generated
    return finding.replace(location=source, hint=hint)
