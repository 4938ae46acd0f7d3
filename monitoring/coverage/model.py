"""The coverage model: per system (kind) and signal, which services the generated artifacts cover.

Pure: the inventory and the artifact families of one run in, a frozen model out. Each signal is
counted per service, so a level says how much of the system it reaches:

    metrics     the service is scraped by Prometheus (a static target, or the discovery job
                labelled with it) or has a CloudWatch alarm (its CloudWatch metrics are read)
    logs        a log group the service writes is under the managed retention
                (cloudwatch/log-retention.json)
    alerts      the service has a CloudWatch alarm, or its kind has Prometheus alert rules and
                the service is scraped
    dashboards  a board tagged kind:<kind> shows the service's domain (its domain:<domain> tag)

A cell is `yes` when every service of the system is covered, `partial` when some are, `no` when
none is. A system is FULL when its four cells are yes, NONE when all are no, else PARTIAL. The
fleet coverage is the share of (service, signal) pairs covered:

    100 * sum over systems and signals of covered services / (4 * services)

that is, the cells weighted by the services of their system, rounded to one decimal; `--min`
compares that rounded figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from monitoring.artifacts import Artifact
from monitoring.aws.retention import named_log_groups
from monitoring.coverage.debt import DebtRow, debt_rows
from monitoring.inventory.coverage_settings import SIGNALS
from monitoring.kinds import KINDS
from monitoring.model import CoverageBefore, Inventory, Passthrough

Level = Literal["yes", "partial", "no"]
Overall = Literal["FULL", "PARTIAL", "NONE"]
LEVELS: tuple[Level, ...] = ("yes", "partial", "no")
RULES_DIRS = ("prometheus/rules/", "vmalert/rules/", "thanos/rules/")
BOARDS_DIR = "grafana/dashboards/"
FORMULA = (
    "fleet coverage = 100 x (services covered, summed over every system and its 4 signals) "
    "/ (4 x services): the share of (service, signal) pairs covered"
)


def level_of(covered: int, total: int) -> Level:
    if total and covered >= total:
        return "yes"
    return "partial" if covered else "no"


def overall_of(levels: Iterable[str]) -> Overall:
    seen = set(levels)
    if seen == {"yes"}:
        return "FULL"
    return "NONE" if seen == {"no"} else "PARTIAL"


@dataclass(frozen=True)
class Cell:
    signal: str
    covered: int
    services: int
    # What the cell counts, e.g. ("Prometheus targets", "61"), in display order.
    details: tuple[tuple[str, str], ...]

    @property
    def level(self) -> Level:
        return level_of(self.covered, self.services)


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class SystemCounts:
    """What the generators produced for a kind (the counts table of COVERAGE.md)."""

    targets: int
    discovered: bool
    alert_rules: int
    recording_rules: int
    alarms: int
    boards: int


@dataclass(frozen=True)
class SystemRow:
    kind: str
    title: str
    services: int
    cells: tuple[Cell, ...]
    counts: SystemCounts
    boards: tuple[Link, ...]
    rule_files: tuple[Link, ...]
    before: CoverageBefore | None

    @property
    def coverage(self) -> Overall:
        return overall_of(cell.level for cell in self.cells)

    @property
    def before_coverage(self) -> Overall | None:
        return None if self.before is None else overall_of(self.before.levels.values())


@dataclass(frozen=True)
class RetentionRow:
    pattern: str
    days: int
    count: int | None


@dataclass(frozen=True)
class CoverageModel:
    systems: tuple[SystemRow, ...]
    debt: tuple[DebtRow, ...]
    # (service, signal) pairs covered, and all of them.
    covered_cells: int
    total_cells: int
    source: str
    passthrough: str  # one line on settings.passthrough, "" without it
    mixins: tuple[str, ...]  # one line per mixin
    # None: the inventory manages no log retention.
    retention: tuple[RetentionRow, ...] | None
    retention_default_days: int
    named_log_groups: int
    total_boards: int
    total_targets: int
    total_alert_rules: int
    total_recording_rules: int
    total_alarms: int

    @property
    def fleet_percent(self) -> float:
        return round(100 * self.covered_cells / self.total_cells, 1) if self.total_cells else 0.0


def _all(families: Mapping[str, Sequence[Artifact]]) -> list[Artifact]:
    return sorted((a for family in families.values() for a in family), key=lambda a: a.path)


def _is_prometheus_config(path: str) -> bool:
    return path == "prometheus/prometheus.yml" or (
        path.startswith("prometheus/shard-") and path.endswith("/prometheus.yml")
    )


def scrape_jobs(artifacts: Sequence[Artifact]) -> list[Mapping[str, Any]]:
    """Every scrape job of the run, once per job name (shards repeat discovery jobs)."""
    jobs: dict[str, Mapping[str, Any]] = {}
    for artifact in artifacts:
        if _is_prometheus_config(artifact.path):
            for job in artifact.data["scrape_configs"]:
                jobs.setdefault(job["job_name"], job)
    return [jobs[name] for name in sorted(jobs)]


def _scraped(artifacts: Sequence[Artifact], passthrough: set[str]) -> tuple[Counter[str], set[str], set[str]]:
    """Static targets per kind (each once: every shard lists them all), kinds discovered, and the
    services scraped either way."""
    targets: set[tuple[str, str, str]] = set()
    discovered: set[str] = set()
    services: set[str] = set()
    for artifact in artifacts:
        if not _is_prometheus_config(artifact.path):
            continue
        for job in artifact.data["scrape_configs"]:
            if job["job_name"] in passthrough:
                continue
            for group in job.get("static_configs", []):
                targets.update((group["labels"]["kind"], job["job_name"], t) for t in group["targets"])
                services.add(group["labels"]["service"])
            if "static_configs" not in job:
                replaced = {
                    r["target_label"]: r["replacement"]
                    for r in job.get("relabel_configs", [])
                    if "target_label" in r and "replacement" in r
                }
                if "kind" in replaced:
                    discovered.add(replaced["kind"])
                if "service" in replaced:
                    services.add(replaced["service"])
    return Counter(kind for kind, _, _ in targets), discovered, services


def rule_groups(artifact: Artifact) -> list[Mapping[str, Any]]:
    """The groups of a rule file artifact (a passthrough one is text: parsed after its header)."""
    data = yaml.safe_load(artifact.data) if isinstance(artifact.data, str) else artifact.data
    groups: list[Mapping[str, Any]] = (data or {}).get("groups") or []
    return groups


def rule_files(artifacts: Sequence[Artifact]) -> list[Artifact]:
    return [a for a in artifacts if a.path.startswith(RULES_DIRS) and a.path.endswith(".rules.yml")]


def _kind_of_rule_file(artifact: Artifact) -> str | None:
    name = artifact.path.rsplit("/", 1)[1].removesuffix(".rules.yml")
    return name if name in KINDS and not artifact.source else None


def boards(artifacts: Sequence[Artifact]) -> list[Artifact]:
    return [a for a in artifacts if a.path.startswith(BOARDS_DIR) and a.path.endswith(".json")]


def _tags(board: Artifact) -> set[str]:
    return {str(tag) for tag in board.data.get("tags", [])}


def _alarm_tags(artifacts: Sequence[Artifact]) -> list[dict[str, str]]:
    return [
        {tag["Key"]: tag["Value"] for tag in params["Tags"]}
        for a in artifacts
        if a.path == "cloudwatch/alarms.json"
        for params in a.data.values()
    ]


def _board_link(board: Artifact, grafana_url: str) -> Link:
    uid = board.data.get("uid", "")
    href = f"{grafana_url.rstrip('/')}/d/{uid}/{uid}" if grafana_url and uid else board.path
    return Link(str(board.data.get("title", board.path)), href)


def _passthrough_line(extra: Passthrough) -> str:
    if extra == Passthrough():
        return ""
    return (
        f"Passthrough (settings.passthrough, not counted above): {len(extra.scrape_configs)} "
        f"scrape jobs, {len(extra.rule_files)} rule files, {len(extra.receivers)} receivers, "
        f"{len(extra.routes)} routes."
    )


def _mixin_lines(inventory: Inventory) -> tuple[str, ...]:
    lines = []
    for mixin in inventory.mixins:
        rules = [r for g in (*mixin.rule_groups, *mixin.alert_groups) for r in g.get("rules", ())]
        alerts = sum(1 for r in rules if "alert" in r)
        lines.append(
            f"{mixin.name} ({mixin.domain}): {alerts} alert rules, {len(rules) - alerts} recording rules, "
            f"{len(mixin.dashboards)} dashboards"
        )
    return tuple(lines)


def coverage_model(inventory: Inventory, families: Mapping[str, Sequence[Artifact]]) -> CoverageModel:
    artifacts = _all(families)
    settings = inventory.settings
    passthrough_jobs = {str(job["job_name"]) for job in settings.passthrough.scrape_configs}
    static, discovered, scraped = _scraped(artifacts, passthrough_jobs)

    alerts: Counter[str] = Counter()
    records: Counter[str] = Counter()
    files_of: dict[str, list[Link]] = {}
    for artifact in rule_files(artifacts):
        kind = _kind_of_rule_file(artifact)
        if kind is None:
            continue
        files_of.setdefault(kind, []).append(Link(artifact.path, artifact.path))
        for group in rule_groups(artifact):
            for rule in group["rules"]:
                (alerts if "alert" in rule else records)[kind] += 1

    alarm_tags = _alarm_tags(artifacts)
    alarms = Counter(tags["mac:kind"] for tags in alarm_tags)
    alarmed = {tags["mac:service"] for tags in alarm_tags}
    alarm_metrics: dict[str, set[str]] = {}
    for a in artifacts:
        if a.path == "cloudwatch/alarms.json":
            for params in a.data.values():
                kind = next(t["Value"] for t in params["Tags"] if t["Key"] == "mac:kind")
                metric = params.get("MetricName") or "metric math"
                alarm_metrics.setdefault(kind, set()).add(f"{params.get('Namespace', '')}/{metric}")

    retention: Mapping[str, Any] = next(
        (a.data for a in artifacts if a.path == "cloudwatch/log-retention.json"), {}
    )
    managed_groups = set(retention.get("log_groups", {}))
    logged: Counter[str] = Counter()
    logged_services: set[str] = set()
    for log_group, writer in named_log_groups(inventory).items():
        if log_group in managed_groups:
            logged[writer.kind] += 1
            logged_services.add(writer.name)

    all_boards = boards(artifacts)
    systems = []
    for kind in inventory.kinds_present():
        members = [s for s in inventory.services if s.kind == kind]
        total = len(members)
        kind_boards = [b for b in all_boards if f"kind:{kind}" in _tags(b)]
        domains_shown: set[str] = set()
        for board in kind_boards:
            board_domains = {t.removeprefix("domain:") for t in _tags(board) if t.startswith("domain:")}
            domains_shown |= board_domains or {s.domain for s in members}
        targets = "discovered" if kind in discovered else str(static[kind])
        metric_names = len(alarm_metrics.get(kind, ()))
        cells = (
            Cell(
                "metrics",
                sum(1 for s in members if s.name in scraped or s.name in alarmed),
                total,
                (("Prometheus targets", targets), ("CloudWatch metrics alarmed", str(metric_names))),
            ),
            Cell(
                "logs",
                sum(1 for s in members if s.name in logged_services),
                total,
                (("log groups under managed retention", str(logged[kind])),),
            ),
            Cell(
                "alerts",
                sum(1 for s in members if s.name in alarmed or (alerts[kind] and s.name in scraped)),
                total,
                (("Prometheus alert rules", str(alerts[kind])), ("CloudWatch alarms", str(alarms[kind]))),
            ),
            Cell(
                "dashboards",
                sum(1 for s in members if s.domain in domains_shown),
                total,
                (("dashboards", str(len(kind_boards))),),
            ),
        )
        systems.append(
            SystemRow(
                kind=kind,
                title=KINDS[kind].title,
                services=total,
                cells=cells,
                counts=SystemCounts(
                    static[kind],
                    kind in discovered,
                    alerts[kind],
                    records[kind],
                    alarms[kind],
                    len(kind_boards),
                ),
                boards=tuple(_board_link(b, settings.coverage.grafana_url) for b in kind_boards),
                rule_files=tuple(files_of.get(kind, ())),
                before=settings.coverage.before.get(kind),
            )
        )

    every_rule = [r for a in rule_files(artifacts) for g in rule_groups(a) for r in g.get("rules") or ()]
    own_rules = [
        r for a in rule_files(artifacts) if not a.source for g in rule_groups(a) for r in g.get("rules") or ()
    ]
    log_retention = inventory.log_retention
    return CoverageModel(
        systems=tuple(systems),
        debt=debt_rows(
            inventory,
            artifacts,
            scrape_jobs(artifacts),
            every_rule,
            len(all_boards),
            sorted(kind for kind in {*static, *discovered} if kind in KINDS),
        ),
        covered_cells=sum(c.covered for s in systems for c in s.cells),
        total_cells=len(SIGNALS) * sum(s.services for s in systems),
        source=settings.coverage.source,
        passthrough=_passthrough_line(settings.passthrough),
        mixins=_mixin_lines(inventory),
        retention=(
            None
            if log_retention is None
            else tuple(RetentionRow(r.pattern, r.days, r.count) for r in log_retention.rules)
        ),
        retention_default_days=log_retention.default_days if log_retention else 0,
        named_log_groups=len(managed_groups),
        total_boards=len(all_boards),
        total_targets=sum(static.values()),
        total_alert_rules=sum(1 for r in own_rules if "alert" in r),
        total_recording_rules=sum(1 for r in own_rules if "record" in r),
        total_alarms=len(alarm_tags),
    )
