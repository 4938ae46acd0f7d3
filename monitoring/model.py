"""The validated inventory as frozen dataclasses; defaults are already merged in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from monitoring.problems import Location
from monitoring.slo.model import Slo

SEVERITIES = ("critical", "warning")


@dataclass(frozen=True)
class Datasource:
    name: str
    uid: str
    type: str
    url: str = ""
    database: str = ""
    user: str = ""
    password_env: str = ""
    is_default: bool = False
    purpose: str = ""
    # CloudWatch: one datasource per (account, region) the fleet lives in, through the account's role.
    region: str = ""
    assume_role_arn: str = ""


@dataclass(frozen=True)
class Receiver:
    name: str
    slack_channel: str = ""
    slack_api_url_file: str = ""
    pagerduty_routing_key_file: str = ""
    email_to: str = ""
    webhook_url: str = ""


StoreType = Literal["victoriametrics", "victoriametrics-cluster", "remote-write"]
RulerType = Literal["vmalert", "thanos"]


@dataclass(frozen=True)
class GlobalStore:
    """Where every Prometheus remote-writes, and what the global ruler and Grafana read: the one
    place that sees the whole fleet. URLs are resolved from the store's type when built."""

    type: StoreType
    write_url: str
    read_url: str
    # vmalert's -remoteWrite.url takes the base URL and appends /api/v1/write itself.
    ruler_write_url: str
    ruler: RulerType = "vmalert"


@dataclass(frozen=True)
class PrometheusSettings:
    scrape_interval_seconds: int = 60
    evaluation_interval_seconds: int = 60
    shards: int = 1
    alertmanagers: tuple[str, ...] = ()
    # settings.prometheus.exporters.<kind>.address as the inventory sets it; a kind's ExporterSpec
    # holds the default.
    exporters: Mapping[str, str] = field(default_factory=dict)
    basic_auth_password_file: str = ""
    # The `prometheus_cluster` external label: tells this Prometheus cluster's series from others'.
    cluster: str = ""
    global_store: GlobalStore | None = None

    @property
    def split_rules(self) -> bool:
        """Whether fleet-wide rules leave the shards for the global ruler."""
        return self.shards > 1 and self.global_store is not None


@dataclass(frozen=True)
class PrometheusOperatorSettings:
    """settings.prometheus_operator: Operator resources per EKS cluster, off unless enabled."""

    enabled: bool = False
    namespace: str = "monitoring"
    labels: Mapping[str, str] = field(default_factory=dict)
    # The Secret whose keys (credential files' base names) the AlertmanagerConfig's receivers read.
    secret: str = "alertmanager-receivers"


@dataclass(frozen=True)
class SmtpSettings:
    smarthost: str
    from_: str
    auth_username: str = ""
    auth_password_file: str = ""


@dataclass(frozen=True)
class AlertmanagerSettings:
    default_receiver: str = "default"
    receivers: tuple[Receiver, ...] = ()
    smtp: SmtpSettings | None = None
    group_wait_seconds: int = 30
    repeat_interval_hours: int = 4


@dataclass(frozen=True)
class Account:
    """An AWS account the fleet lives in; `role_arn`, when set, is assumed to read and write it."""

    name: str
    account_id: str = ""
    role_arn: str = ""


# The one account of an inventory that declares `settings.account_id` (or nothing) instead of
# `settings.accounts`.
DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True)
class PassthroughRuleFile:
    """A rule file of settings.passthrough, copied verbatim as prometheus/rules/<name>.rules.yml."""

    name: str
    source: str
    text: str


@dataclass(frozen=True)
class Passthrough:
    """What the inventory does not model, merged into the output as written (settings.passthrough)."""

    scrape_configs: tuple[Mapping[str, Any], ...] = ()
    rule_files: tuple[PassthroughRuleFile, ...] = ()
    receivers: tuple[Mapping[str, Any], ...] = ()
    routes: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class CoverageRange:
    """A recommended minimum of the monitoring-debt table, with the top of its range when given."""

    min: int
    max: int | None = None


@dataclass(frozen=True)
class CoverageBefore:
    """settings.coverage.before.<kind>: the level of each signal before adopting mac."""

    levels: Mapping[str, str]
    note: str = ""


@dataclass(frozen=True)
class CoverageSettings:
    """settings.coverage as given: the figures before adopting mac and the minimums aimed for;
    unset minimums are defaulted by monitoring/coverage (they depend on the generated output)."""

    source: str = ""
    baseline: Mapping[str, int] = field(default_factory=dict)
    baseline_notes: Mapping[str, str] = field(default_factory=dict)
    recommended: Mapping[str, CoverageRange] = field(default_factory=dict)
    before: Mapping[str, CoverageBefore] = field(default_factory=dict)
    # settings.grafana.url when the inventory sets one: the report links boards there, else to files.
    grafana_url: str = ""


@dataclass(frozen=True)
class Settings:
    organization: str
    environment: str
    # The default region of domains and services; always one of `regions`.
    region: str
    # Names and owns this inventory's CloudWatch resources; "<organization>/<environment>" by default.
    inventory_id: str = ""
    # The default account's id.
    account_id: str = ""
    accounts: tuple[Account, ...] = ()
    regions: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    runbook_url: str = "https://runbooks.example.com/{kind}#{alertname}"
    grafana_url: str = "http://grafana.example.com"
    datasources: tuple[Datasource, ...] = ()
    prometheus: PrometheusSettings = PrometheusSettings()
    alertmanager: AlertmanagerSettings = AlertmanagerSettings()
    prometheus_operator: PrometheusOperatorSettings = PrometheusOperatorSettings()
    passthrough: Passthrough = Passthrough()
    coverage: CoverageSettings = CoverageSettings()


@dataclass(frozen=True)
class Override:
    """A domain's or service's change to one alert (or alarm) of the packs; None keeps the pack's."""

    enabled: bool = True
    for_: str | None = None
    severity: Literal["critical", "warning"] | None = None


@dataclass(frozen=True)
class Domain:
    name: str
    title: str
    team: str
    receiver: str
    alarm_topic_arns: Mapping[str, str]
    labels: Mapping[str, str]
    location: Location
    account: Account
    region: str
    alert_overrides: Mapping[str, Override] = field(default_factory=dict)
    alarm_overrides: Mapping[str, Override] = field(default_factory=dict)
    # Alertmanager time intervals (validated inventory entries) muting the domain's alerts.
    maintenance: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Service:
    """Fields every kind shares; each kind's dataclass adds its own."""

    kind: str
    name: str
    domain: str
    team: str
    description: str
    labels: Mapping[str, str]
    thresholds: Mapping[str, float]
    location: Location
    # Where the service lives: inherited settings -> domain -> service.
    account: Account
    region: str
    # Domain overrides merged under the service's own, per alert / alarm name.
    alert_overrides: Mapping[str, Override] = field(default_factory=dict)
    alarm_overrides: Mapping[str, Override] = field(default_factory=dict)
    # The service's own maintenance windows (its domain's apply too).
    maintenance: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class RetentionRule:
    pattern: str
    days: int
    description: str
    count: int | None
    allow_shorten: bool = False


@dataclass(frozen=True)
class LogRetention:
    default_days: int
    rules: tuple[RetentionRule, ...]
    # Log group name prefixes this inventory owns: rules and the default apply only inside them.
    claimed_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mixin:
    """A domain's monitoring mixin (domains[].mixins), evaluated: what its jsonnet gave, as given."""

    name: str
    domain: str
    # Its mixin.libsonnet: findings on its rules are reported in its folder.
    source: str
    rule_groups: tuple[Mapping[str, Any], ...]
    alert_groups: tuple[Mapping[str, Any], ...]
    # grafanaDashboards: file name -> dashboard.
    dashboards: Mapping[str, Mapping[str, Any]]


ServiceT = TypeVar("ServiceT", bound=Service)


@dataclass(frozen=True)
class Inventory:
    settings: Settings
    domains: tuple[Domain, ...]
    services: tuple[Service, ...]
    log_retention: LogRetention | None
    # Threshold values per kind at fleet level (kind defaults + settings.thresholds), before
    # domain and service overrides: what a rule uses for services that override nothing.
    fleet_thresholds: Mapping[str, Mapping[str, float]]
    mixins: tuple[Mixin, ...] = ()
    # Service level objectives of every service, sorted by service and name (monitoring/slo/).
    slos: tuple[Slo, ...] = ()

    def placements(self) -> tuple[tuple[Account, str], ...]:
        """The (account, region) pairs services live in, sorted by account name and region."""
        pairs = {(s.account, s.region) for s in self.services}
        return tuple(sorted(pairs, key=lambda pair: (pair[0].name, pair[1])))

    def domain(self, name: str) -> Domain:
        return next(d for d in self.domains if d.name == name)

    def services_of(self, kind: str, cls: type[ServiceT]) -> tuple[ServiceT, ...]:
        return tuple(s for s in self.services if s.kind == kind and isinstance(s, cls))

    def kinds_present(self) -> tuple[str, ...]:
        return tuple(sorted({s.kind for s in self.services}))
