"""catalog/exporter-version: no rule relies on a series the supported exporter version never emits."""

from __future__ import annotations

from collections.abc import Iterator

from monitoring.lint.checks.base import RuleCheck
from monitoring.lint.context import LintContext
from monitoring.lint.model import Rule, RuleFile
from monitoring.lint.promql import expr_position, name_offset, rule_selectors
from monitoring.metric_catalog import catalog_version, load_catalog, unsupported
from monitoring.problems import Problem


class ExporterVersion(RuleCheck):
    id = "catalog/exporter-version"
    profile = "correctness"
    summary = "metrics exist in the exporter version each catalog was captured from (its `# version:`)"

    def check_rule(self, rule: Rule, file: RuleFile, context: LintContext) -> Iterator[Problem]:
        for target in rule_selectors(rule):
            name, job = target.name, target.equal("job")
            if name is None or job is None or name in context.recorded:
                continue
            # Only bundled catalogs (names, not the lint config's catalog files by path) have a version.
            catalogs = context.catalogs_by_job.get(job, ())
            bundled = [c for c in catalogs if "/" not in c and not c.endswith(".txt")]
            for catalog in bundled:
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
