"""catalog/unknown-metric: metrics of a job whose exporter we know are in its catalogs or recorded.

A selector with no job, or a job we know nothing about, is never flagged here (any exporter may emit
it); catalog/coverage, house style, reports those. One finding per metric and rule, at its first use.
"""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import Profile, RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import expr_position, name_offset, rule_selectors
from monitoring.lint.suggest import closest_name
from monitoring.problems import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar


class UnknownMetric(RuleCheck):
    id = "catalog/unknown-metric"
    profile: ClassVar[Profile] = "correctness"
    summary = "metrics of a job whose exporter we know are in its catalogs (monitoring/catalog/) or recorded"
    # A selector without a job we know is catalog/coverage's (house style): any exporter may emit it.
    of_known_job: ClassVar[bool] = True

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        reported: set[str] = set()
        for target in rule_selectors(rule):
            name = target.name
            if name is None or name in context.recorded or name in reported:
                continue
            scope = context.job_scope(target)
            if (scope is not None) != self.of_known_job:
                continue
            if scope is not None:
                # Exporters never emit colons (Prometheus reserves them for recording rules): such a
                # series is recorded, maybe in a file not linted with this one.
                if name in scope.metrics or name in context.everything or ":" in name:
                    continue  # a metric of another job is promql/impossible-selector's finding
                where_from = f'the catalogs of job "{scope.job}" ({", ".join(scope.catalogs)})'
                close = closest_name(name, scope.metrics) or closest_name(name, context.recorded)
            else:
                if name in context.everything:
                    continue
                where_from = "any metric catalog"
                close = closest_name(name, context.everything) or closest_name(name, context.recorded)
            reported.add(name)
            yield self.finding(
                file,
                expr_position(rule, file.text, name_offset(rule.expr, name)),
                f"unknown metric {name}: not in {where_from}, nor recorded by a linted rule",
                f"did you mean {close}?"
                if close
                else "check the exporter's metric names in monitoring/catalog/",
            )
