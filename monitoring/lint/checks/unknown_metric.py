"""catalog/unknown-metric: every metric is in its job's exporter catalog or recorded by a linted rule."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import expr_position, name_offset, parsed, selectors
from monitoring.problems import Problem


class UnknownMetric(RuleCheck):
    id = "catalog/unknown-metric"
    summary = "metric names exist in the exporters' catalogs (monitoring/catalog/) or are recorded"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        tree = parsed(rule)
        if tree is None:
            return
        for target in selectors(tree):
            name = target.name
            if name is None or name in context.recorded:
                continue
            job, scope = context.catalog_scope(target)
            if name in scope or (job is not None and name in context.everything):
                continue  # a metric of another job is promql/impossible-selector's finding
            where_from = f'the catalogs of job "{job}"' if job else "any metric catalog"
            close = difflib.get_close_matches(name, [*scope, *context.recorded], n=1, cutoff=0.75)
            yield self.finding(
                file,
                expr_position(rule, file.text, name_offset(rule.expr, name)),
                f"unknown metric {name}: not in {where_from}, nor recorded by a linted rule",
                f"did you mean {close[0]}?"
                if close
                else "check the exporter's metric names in monitoring/catalog/",
            )
