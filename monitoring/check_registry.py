"""Every check id (`group/name`) with what it checks: for `--list-checks`, `--disable` and SARIF rules.

A scope says which command runs a check: `inventory` (validate, and generate before it
generates), `artifacts` (generate's checks of its output), `rules` (lint, and generate on the
generated rule files), `dashboards` (lint --dashboards, and generate on the generated boards),
`cloudwatch` (plan and apply), `discover` (discover). The lint checks (monitoring/lint/checks/)
and the kinds' semantic checks (`Kind.checks`) describe themselves; the others are listed here.
Checks guarding what generation reads or what AWS accepts cannot be disabled.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from monitoring.problems import Severity

Scope = Literal["inventory", "artifacts", "rules", "dashboards", "cloudwatch", "discover"]


@dataclass(frozen=True)
class CheckInfo:
    id: str
    summary: str
    scopes: frozenset[Scope]
    severity: Severity = "error"
    disableable: bool = False
    profile: str = ""  # lint checks: correctness or style (monitoring/lint/checks/base.py)


def _checks(
    scope: Scope, disableable: bool, *entries: tuple[str, str] | tuple[str, str, Severity]
) -> list[CheckInfo]:
    return [
        CheckInfo(
            entry[0], entry[1], frozenset({scope}), entry[2] if len(entry) == 3 else "error", disableable
        )
        for entry in entries
    ]


_DECLARED: tuple[CheckInfo, ...] = (
    *_checks(
        "inventory",
        False,
        ("inventory/file", "every entry of the inventory path is a readable UTF-8 .yaml or .yml file"),
        ("inventory/yaml", "each file parses as YAML, without anchors, aliases or excessive nesting"),
        ("inventory/value", "numbers are finite and integers fit in 64 bits"),
        ("inventory/limits", "the inventory keeps within the size, file and service limits"),
        ("inventory/unknown-key", "every key is one the schema knows (with a did-you-mean)"),
        ("inventory/missing-key", "every required key is there"),
        ("inventory/schema", "values have the type, pattern and range the inventory schema asks"),
        ("inventory/singleton", "settings (required) and log_retention are declared in exactly one file"),
        ("inventory/duplicate-domain", "domain names are unique"),
        ("inventory/duplicate-service", "service names are unique"),
        ("inventory/unknown-domain", "every service names a declared domain"),
        ("inventory/unknown-receiver", "every domain names a declared Alertmanager receiver"),
        (
            "inventory/operator-secret-key",
            "with prometheus_operator: credential file names are distinct, valid Secret keys",
        ),
        ("inventory/unknown-account", "settings, domains and services name accounts of settings.accounts"),
        ("inventory/unknown-region", "domains and services name regions settings declares (region, regions)"),
        ("inventory/duplicate-account", "account names are unique in settings.accounts"),
        ("inventory/topic-region", "a domain's SNS topics are in the region of each of its services' alarms"),
        (
            "inventory/account-conflict",
            "accounts are declared one way (account_id or accounts), each role_arn in its own account",
        ),
        ("inventory/smtp-missing", "e-mail receivers have the SMTP settings Alertmanager needs"),
        ("inventory/global-store", "settings.prometheus.global_store names exactly the URLs of its type"),
        ("inventory/slo", "SLO selectors are series selectors, the fast page can fire, names are unique"),
        ("inventory/openslo", "OpenSLO v1 SLOs have the fields the inventory maps (ratioMetric, one window)"),
        ("inventory/unknown-alert", "alert overrides name a per-service alert of the kind's rule pack"),
        ("inventory/unknown-alarm", "alarm overrides name a check of the kind's alarm table"),
        ("inventory/maintenance-window", "maintenance windows use a known time zone and ascending ranges"),
        ("inventory/coverage", "settings.coverage recommended ranges run upwards (max at least min)"),
        ("inventory/no-services", "the inventory declares at least one service"),
        (
            "inventory/scrape-interval",
            "the scrape interval leaves the rule packs' fixed (hour-long) windows four scrapes",
        ),
        ("inventory/grafana-uid", "no two domains (nor a domain and the fleet folder) share a Grafana uid"),
        ("inventory/reserved-label", "labels do not override the ones the tool sets"),
        ("inventory/retention-prefix", "log retention rules lie inside a claimed prefix"),
        ("inventory/replica-source", "replica_of names another service of the same kind"),
        ("inventory/consumer-group-owner", "a Kafka consumer group is owned by a declared domain"),
        (
            "inventory/template",
            "templates (runbook_url, exporter addresses, ...) use only the placeholders allowed",
        ),
        ("secrets/inline-secret", "no value looks like a secret: credentials come by file or environment"),
        (
            "passthrough/path",
            "passthrough files lie inside the inventory folder, each named once, rule files by plain names",
        ),
        ("passthrough/file", "every passthrough file named exists"),
        ("passthrough/rule-file", "a passthrough rule file is a mapping with a list of groups"),
        ("passthrough/scrape-configs", "a passthrough scrape file is a list of jobs, each with a job_name"),
        (
            "passthrough/alertmanager",
            "a passthrough Alertmanager file holds lists of named receivers and of routes",
        ),
        (
            "passthrough/job-name",
            "passthrough scrape jobs are named unlike the generated ones and each other",
        ),
        (
            "passthrough/receiver-name",
            "passthrough receivers are named unlike the generated ones and each other",
        ),
        ("passthrough/unknown-receiver", "passthrough routes name a generated or passthrough receiver"),
        ("mixin/path", "mixin and vendor folders exist inside the inventory folder, with a mixin.libsonnet"),
        ("mixin/name", "mixin names are unique in the inventory (they name output files and folders)"),
        ("mixin/jsonnet", "a mixin evaluates (jsonnet syntax, runtime), importing only from its folders"),
        ("mixin/shape", "a mixin's alerts and rules are lists of groups, its dashboards a mapping of boards"),
        ("pack/unknown-key", "rule packs (rules/<kind>.yaml) use only the keys their schema knows"),
        ("pack/missing-key", "rule packs have every required key"),
        ("pack/schema", "rule pack values have the type and shape their schema asks"),
        ("pack/kind", "a rule pack is named after a registered kind"),
        ("pack/unknown-threshold", "rule packs reference only thresholds their kind declares"),
        ("pack/duplicate-alert", "alert names are unique in a rule pack"),
        ("pack/placeholder", "rule pack templates use only the placeholders allowed"),
        ("pack/template", "rule pack annotations are templates the generator can expand"),
        ("pack/test-value", "rule pack test values fit the alert they test"),
        ("pack/selector", "alerts without ${services} start every selector with its job matcher"),
        (
            "pack/fixed-window",
            "rate windows (and names that say one) follow the scrape interval: ${rate_window}",
        ),
        ("pack/per-domain-service", "per_domain (absent()) alerts set no service label: none is real"),
    ),
    *_checks(
        "artifacts",
        False,
        ("prometheus/duplicate-job", "scrape job names are unique per Prometheus config"),
        ("prometheus/target", "static targets are host:port"),
        ("prometheus/label-name", "target label names are valid Prometheus label names"),
        ("cloudwatch/parameters", "alarms and retention requests pass botocore's model of the API"),
        ("cloudwatch/alarm-name", "each alarm's AlarmName is its key in the artifact"),
        ("cloudwatch/period", "alarm periods are 10, 20, 30 or a multiple of 60 seconds"),
        ("cloudwatch/evaluation-range", "periods times evaluation periods stay within CloudWatch's limit"),
        ("cloudwatch/datapoints", "DatapointsToAlarm does not exceed EvaluationPeriods"),
        ("cloudwatch/controller-statistic", "controller metrics are never averaged"),
        ("cloudwatch/metric-catalog", "alarms use metrics and dimension sets CloudWatch publishes (catalog)"),
        ("cloudwatch/retention-days", "log retentions are days CloudWatch Logs accepts"),
        ("kubernetes/schema", "Prometheus Operator resources match their CRD's schema (monitoring/schema/)"),
        ("kubernetes/reference", "AlertmanagerConfig routes name receivers and time intervals it declares"),
        ("secrets/output-secret", "no generated file holds a value that looks like a secret"),
        ("generate/stale", "with generate --check: the generated folder is what the inventory generates"),
    ),
    *_checks(
        "dashboards",
        True,
        ("grafana/json", "the dashboard file is JSON"),
        ("grafana/schema", "the board matches monitoring/schema/grafana-dashboard.schema.json"),
        ("grafana/panel-id", "panel ids are unique on a board"),
        ("grafana/layout", "panels fit the 24-column grid and do not overlap"),
        ("grafana/datasource", "every datasource a panel, target or variable uses is provisioned"),
        ("grafana/promql-syntax", "Prometheus queries parse (template variables replaced)"),
        ("grafana/unknown-metric", "queries name metrics of the exporters' catalogs or our recording rules"),
        ("grafana/duplicate-uid", "dashboard uids are unique across the files checked"),
    ),
    *_checks(
        "cloudwatch",
        False,
        ("cloudwatch/pending-change", "a change apply would make to an alarm or a log retention", "info"),
        ("cloudwatch/conflict", "no wanted alarm name is held by an alarm this inventory does not own"),
        ("cloudwatch/retention-held", "a retention shortening is held back until allowed", "warning"),
        (
            "cloudwatch/metric-missing",
            "plan: every alarm's metric and dimensions are listed by CloudWatch (ListMetrics)",
            "warning",
        ),
        ("cloudwatch/apply-failed", "every change apply made succeeded"),
    ),
    *_checks(
        "discover",
        False,
        ("discover/disappeared", "every service of the accounts and regions read is still in AWS", "warning"),
    ),
    *_checks(
        "rules",
        False,
        ("lint/config", "the lint config (.mac-lint.yaml or [tool.mac.lint]) has known keys, ids and values"),
    ),
)


@functools.cache
def registry() -> dict[str, CheckInfo]:
    from monitoring.kinds import KINDS
    from monitoring.lint.checks import CHECKS
    from monitoring.lint.online_checks import ONLINE_CHECKS

    lint = [CheckInfo(c.id, c.summary, frozenset({"rules"}), c.severity, True, c.profile) for c in CHECKS]
    lint += [CheckInfo(id_, summary, frozenset({"rules"}), sev, True) for id_, summary, sev in ONLINE_CHECKS]
    # The semantic checks each kind owns (Kind.checks), run by validate.
    kinds = [CheckInfo(c.id, c.summary, frozenset({"inventory"})) for k in KINDS.values() for c in k.checks]
    return {info.id: info for info in sorted((*_DECLARED, *lint, *kinds), key=lambda info: info.id)}


def checks_in(scopes: Iterable[Scope]) -> list[CheckInfo]:
    wanted = frozenset(scopes)
    return [info for info in registry().values() if info.scopes & wanted]
