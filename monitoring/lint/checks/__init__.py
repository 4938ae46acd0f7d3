"""The registry of lint checks: one module per check, listed here once, run in this order."""

from __future__ import annotations

from monitoring.lint.checks.absent_regex import AbsentRegex
from monitoring.lint.checks.base import Check
from monitoring.lint.checks.catalog_coverage import CatalogCoverage
from monitoring.lint.checks.exporter_version import ExporterVersion
from monitoring.lint.checks.ignored_document import IgnoredDocument
from monitoring.lint.checks.impossible_selector import ImpossibleSelector
from monitoring.lint.checks.never_matches import NeverMatches
from monitoring.lint.checks.placement_fleet_rule import FleetRuleOnShard
from monitoring.lint.checks.promql_syntax import PromqlSyntax
from monitoring.lint.checks.rate_on_counter import RateOnCounter
from monitoring.lint.checks.rate_window import RateWindow
from monitoring.lint.checks.rule_annotations import RuleAnnotations
from monitoring.lint.checks.rule_duplicate import RuleDuplicate
from monitoring.lint.checks.rule_file_schema import RuleFileSchema
from monitoring.lint.checks.rule_for import RuleFor
from monitoring.lint.checks.rule_labels import RuleLabels
from monitoring.lint.checks.style_alert_name import StyleAlertName
from monitoring.lint.checks.style_group_size import StyleGroupSize
from monitoring.lint.checks.template_aggregated_label import TemplateAggregatedLabel
from monitoring.lint.checks.template_syntax import TemplateSyntax
from monitoring.lint.checks.template_value_humanize import TemplateValueHumanize
from monitoring.lint.checks.unicode_name import UnicodeName
from monitoring.lint.checks.unknown_metric import UnknownMetric
from monitoring.lint.checks.unused_disable import UnusedDisable
from monitoring.lint.checks.yaml_parse import YamlParse
from monitoring.lint.online_checks import ONLINE_CHECK_IDS

CHECKS: tuple[Check, ...] = (
    YamlParse(),
    RuleFileSchema(),
    IgnoredDocument(),
    UnicodeName(),
    PromqlSyntax(),
    RateOnCounter(),
    RateWindow(),
    AbsentRegex(),
    FleetRuleOnShard(),
    NeverMatches(),
    ImpossibleSelector(),
    UnknownMetric(),
    CatalogCoverage(),
    ExporterVersion(),
    RuleFor(),
    RuleDuplicate(),
    RuleLabels(),
    RuleAnnotations(),
    TemplateSyntax(),
    TemplateAggregatedLabel(),
    TemplateValueHumanize(),
    StyleAlertName(),
    StyleGroupSize(),
    UnusedDisable(),
)

CHECK_IDS: frozenset[str] = frozenset(check.id for check in CHECKS)
# What a config or a disable comment may name: these and the online checks of `--prometheus`.
LINT_IDS: frozenset[str] = CHECK_IDS | ONLINE_CHECK_IDS
