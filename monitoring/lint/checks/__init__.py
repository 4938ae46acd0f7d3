"""The registry of lint checks: one module per check, listed here once, run in this order."""

from __future__ import annotations

from monitoring.lint.checks.base import Check
from monitoring.lint.checks.exporter_version import ExporterVersion
from monitoring.lint.checks.impossible_selector import ImpossibleSelector
from monitoring.lint.checks.promql_syntax import PromqlSyntax
from monitoring.lint.checks.rate_on_counter import RateOnCounter
from monitoring.lint.checks.rule_annotations import RuleAnnotations
from monitoring.lint.checks.rule_duplicate import RuleDuplicate
from monitoring.lint.checks.rule_file_schema import RuleFileSchema
from monitoring.lint.checks.rule_for import RuleFor
from monitoring.lint.checks.rule_labels import RuleLabels
from monitoring.lint.checks.template_syntax import TemplateSyntax
from monitoring.lint.checks.unknown_metric import UnknownMetric
from monitoring.lint.checks.yaml_parse import YamlParse

CHECKS: tuple[Check, ...] = (
    YamlParse(),
    RuleFileSchema(),
    PromqlSyntax(),
    RateOnCounter(),
    ImpossibleSelector(),
    UnknownMetric(),
    ExporterVersion(),
    RuleFor(),
    RuleDuplicate(),
    RuleLabels(),
    RuleAnnotations(),
    TemplateSyntax(),
)

CHECK_IDS: frozenset[str] = frozenset(check.id for check in CHECKS)
