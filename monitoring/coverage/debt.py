"""The monitoring-debt table: per dimension, the figure before adopting mac (settings.coverage.baseline),
the recommended minimum, what the generated output has, and the gap left."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.kinds import KINDS
from monitoring.metric_catalog import load_catalog
from monitoring.model import CoverageRange, Inventory

# Alertmanager integrations that page a person; chat, e-mail and webhooks notify but do not page.
PAGING_CONFIGS = ("pagerduty_configs", "opsgenie_configs", "victorops_configs")
_SUMMARY_SUFFIXES = ("_bucket", "_sum", "_count")
_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')

DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("prometheus_scrape_jobs", "Prometheus scrape jobs"),
    ("alert_rules", "Active alert rules"),
    ("dashboards", "Dashboards"),
    ("cloudwatch_alarms", "CloudWatch alarms"),
    ("metric_families", "Metric families collected"),
    ("on_call_domains", "Domains paged on critical alerts (on-call)"),
)


@dataclass(frozen=True)
class DebtRow:
    dimension: str
    title: str
    before: int | None
    before_note: str
    recommended: CoverageRange | None
    # Where the recommended minimum comes from: "inventory" or the default's rule.
    recommended_from: str
    generated: int
    generated_note: str

    @property
    def gap(self) -> str:
        """What is left to reach the minimum (and the top of its range): "0" when reached, "-"
        when there is no minimum."""
        if self.recommended is None:
            return "-"
        low = max(0, self.recommended.min - self.generated)
        if self.recommended.max is None or low == 0:
            return str(low)
        return f"{low}-{max(0, self.recommended.max - self.generated)}"


def shown_range(value: CoverageRange | None) -> str:
    if value is None:
        return "-"
    return f"{value.min}-{value.max}" if value.max is not None and value.max != value.min else str(value.min)


def _matches(route: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    for key, value in (route.get("match") or {}).items():
        if labels.get(key, "") != str(value):
            return False
    for key, value in (route.get("match_re") or {}).items():
        if not re.fullmatch(str(value), labels.get(key, "")):
            return False
    for matcher in route.get("matchers") or ():
        parsed = _MATCHER.match(str(matcher))
        if parsed is None:
            return False
        name, op, value = parsed.groups()
        actual = labels.get(name, "")
        ok = {
            "=": actual == value,
            "!=": actual != value,
            "=~": re.fullmatch(value, actual) is not None,
            "!~": re.fullmatch(value, actual) is None,
        }[op]
        if not ok:
            return False
    return True


def routed_receivers(route: Mapping[str, Any], labels: Mapping[str, str], inherited: str = "") -> list[str]:
    """The receivers Alertmanager sends an alert with these labels to (first matching child, more
    with `continue: true`; a route without a receiver inherits its parent's)."""
    receiver = str(route.get("receiver") or inherited)
    found: list[str] = []
    for child in route.get("routes") or ():
        if _matches(child, labels):
            found += routed_receivers(child, labels, receiver)
            if not child.get("continue", False):
                break
    return found or [receiver]


def paged_domains(inventory: Inventory, artifacts: Sequence[Artifact]) -> int:
    config = next((a.data for a in artifacts if a.path == "alertmanager/alertmanager.yml"), None)
    if not isinstance(config, dict) or not isinstance(config.get("route"), dict):
        return 0
    paging = {r["name"] for r in config.get("receivers") or () if any(r.get(key) for key in PAGING_CONFIGS)}
    return sum(
        1
        for domain in inventory.domains
        if paging & set(routed_receivers(config["route"], {"domain": domain.name, "severity": "critical"}))
    )


def metric_families(kinds: Sequence[str]) -> int:
    """Metric families the exporters of these kinds emit, from their catalogs: a histogram's or a
    summary's _bucket/_sum/_count samples are one family."""
    families: set[str] = set()
    for kind in kinds:
        for catalog in KINDS[kind].catalogs:
            for entry in load_catalog(catalog).values():
                name = entry.name
                if entry.type in ("histogram", "summary") and name.endswith(_SUMMARY_SUFFIXES):
                    name = name.rsplit("_", 1)[0]
                families.add(name)
    return len(families)


def _defaults(inventory: Inventory) -> dict[str, tuple[CoverageRange, str]]:
    kinds = inventory.kinds_present()
    return {
        "prometheus_scrape_jobs": (
            CoverageRange(sum(len(KINDS[k].jobs) for k in kinds)),
            "one per job of each kind present that Prometheus scrapes",
        ),
        "alert_rules": (CoverageRange(len(kinds)), "one per kind present"),
        "dashboards": (
            CoverageRange(len(kinds) + len(inventory.domains)),
            "one per kind present and one overview per domain",
        ),
        "on_call_domains": (CoverageRange(len(inventory.domains)), "every domain"),
    }


def debt_rows(
    inventory: Inventory,
    artifacts: Sequence[Artifact],
    jobs: Sequence[Mapping[str, Any]],
    rules: Sequence[Mapping[str, Any]],
    boards: int,
    scraped_kinds: Sequence[str],
) -> tuple[DebtRow, ...]:
    """`jobs` every scrape job, `rules` every rule of every rule file, `scraped_kinds` the kinds
    Prometheus scrapes (passthrough jobs left out: their exporters are unknown)."""
    coverage = inventory.settings.coverage
    defaults = _defaults(inventory)
    alarms = sum(len(a.data) for a in artifacts if a.path == "cloudwatch/alarms.json")
    alert_rules = sum(1 for rule in rules if "alert" in rule)
    generated: dict[str, tuple[int, str]] = {
        "prometheus_scrape_jobs": (len(jobs), ""),
        "alert_rules": (alert_rules, "every rule file, passthrough and mixins included"),
        "dashboards": (boards, ""),
        "cloudwatch_alarms": (alarms, ""),
        "metric_families": (
            metric_families(scraped_kinds),
            "what the scraped exporters emit, by their metric catalogs",
        ),
        "on_call_domains": (
            paged_domains(inventory, artifacts),
            f"of {len(inventory.domains)} domains, critical alerts reach PagerDuty, Opsgenie or VictorOps",
        ),
    }
    rows = []
    for dimension, title in DIMENSIONS:
        given = coverage.recommended.get(dimension)
        default = defaults.get(dimension)
        recommended, origin = (
            (given, "inventory") if given is not None else default if default is not None else (None, "")
        )
        figure, note = generated[dimension]
        rows.append(
            DebtRow(
                dimension=dimension,
                title=title,
                before=coverage.baseline.get(dimension),
                before_note=coverage.baseline_notes.get(dimension, ""),
                recommended=recommended,
                recommended_from=origin,
                generated=figure,
                generated_note=note,
            )
        )
    return tuple(rows)
