"""catalog/exporter-version: no rule relies on a series the supported exporter version never emits."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import expr_position, name_offset, parsed, selectors
from monitoring.metric_catalog import catalog_version, load_catalog, unsupported
from monitoring.problems import Problem


class ExporterVersion(RuleCheck):
    id = "catalog/exporter-version"
    summary = "metrics exist in the exporter version each catalog was captured from (its `# version:`)"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        tree = parsed(rule)
        if tree is None:
            return
        for target in selectors(tree):
            name, job = target.name, target.equal("job")
            if name is None or job is None or name in context.recorded:
                continue
            for catalog in context.catalogs_by_job.get(job, ()):
                entry = load_catalog(catalog).get(name)
                if entry is None:
                    continue
                if unsupported(catalog, entry):
                    yield self.finding(
                        file,
                        expr_position(rule, file.text, name_offset(rule.expr, name)),
                        f"{name} is emitted from {catalog} {entry.since} on, but the supported version is"
                        f" {catalog_version(catalog)} (monitoring/catalog/{catalog}.txt): this rule can"
                        " never fire there",
                        "derive it from series that version emits, or raise the supported version",
                    )
                break
