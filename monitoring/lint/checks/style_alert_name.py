"""style/alert-name: alert names are CamelCase and at most 40 characters, as monitoring mixins write them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile, position
from monitoring.problems import Problem

MAX_ALERT_NAME = 40
# UpperCamelCase, or a lower-case product prefix before it (etcdMembersDown).
CAMEL_CASE = re.compile(r"(?:[A-Z]|[a-z]+[A-Z])[A-Za-z0-9]*")


class StyleAlertName(RuleCheck):
    id = "style/alert-name"
    severity = "warning"
    profile = "style"
    summary = f"alert names are CamelCase and at most {MAX_ALERT_NAME} characters"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        if rule.kind != "alert" or not rule.name:
            return
        where = position(rule.value_nodes["alert"])
        if CAMEL_CASE.fullmatch(rule.name) is None:
            yield self.finding(
                file,
                where,
                f"alert name {rule.name!r} is not CamelCase",
                "write it like KubePodCrashLooping: words joined, each capitalised, no spaces, _ or -",
            )
        if len(rule.name) > MAX_ALERT_NAME:
            yield self.finding(
                file,
                where,
                f"alert name {rule.name} has {len(rule.name)} characters, over {MAX_ALERT_NAME}",
                "shorten it: labels and annotations carry the detail",
            )
