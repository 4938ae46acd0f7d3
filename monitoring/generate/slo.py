"""SLO rule files and their promtool tests: the writer step of monitoring/slo/.

Per SLO, one rule file `prometheus/rules/slo-<service>-<slo>.rules.yml` with one group, in
evaluation order: the SLI error ratio per window (Sloth's `slo:sli_error:ratio_rate<window>`,
the period's one averaged from the 5m ratio as Sloth does), Sloth's metadata rules (objective,
budget, period, burn rates, budget remaining, info) and the page and ticket alerts. Every series
carries sloth_id, sloth_service and sloth_slo plus the service's routing labels (service,
domain, team and its custom labels), so the alerts route like every other alert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitoring.artifacts import Artifact
from monitoring.model import Inventory, Settings
from monitoring.naming import board_url, runbook_url, slo_board_uid
from monitoring.slo.model import (
    ID_LABEL,
    SERVICE_LABEL,
    SEVERITY_LABEL,
    SLI_METRIC,
    SLO_LABEL,
    WINDOW_LABEL,
    BurnAlert,
    EventsSli,
    LatencySli,
    Selector,
    Slo,
    UpSli,
    burn_alerts,
    duration,
    example_labels,
    matches,
    sli_windows,
)

RULES_DIR = "prometheus/rules"
TESTS_DIR = "prometheus/tests"
RUNBOOK_KIND = "slo"
SEVERITIES = {"page": "critical", "ticket": "warning"}
ALERT_NAMES = {"page": "SLOErrorBudgetBurnFast", "ticket": "SLOErrorBudgetBurnSlow"}
SPEC_VERSIONS = {"inventory": "prometheus/v1", "openslo": "openslo/v1"}
# Sloth's alerts wait no `for`: each condition's short window is what keeps one bad evaluation
# from paging, and a `for` would only delay the page past its window's promise.
NO_FOR = "mac-lint file/disable rule/for (a burn-rate alert's short window is its debounce)"
_DIGITS = 10
# Test traffic: events per minute of the total counter.
_EVENTS_PER_MINUTE = 1000


def slo_rule_files(inventory: Inventory) -> list[Artifact]:
    interval = inventory.settings.prometheus.scrape_interval_seconds
    artifacts: list[Artifact] = []
    for slo in inventory.slos:
        name = f"slo-{slo.id}"
        rules = {"groups": [{"name": name, "rules": slo_rules(slo, inventory.settings)}]}
        artifacts.append(
            Artifact(
                f"{RULES_DIR}/{name}.rules.yml",
                rules,
                "yaml",
                scrape_interval_s=interval,
                comments=(NO_FOR,),
            )
        )
        artifacts.append(Artifact(f"{TESTS_DIR}/{name}.test.yml", slo_tests(slo, inventory.settings), "yaml"))
    return artifacts


def number(value: float) -> str:
    rounded = round(value, _DIGITS)
    return str(int(rounded)) if rounded.is_integer() else repr(rounded)


def slo_labels(slo: Slo) -> dict[str, str]:
    """The labels of every series of the SLO: Sloth's identity, then the service's routing labels."""
    return dict(
        sorted(
            {
                **slo.labels,
                "service": slo.service,
                "domain": slo.domain,
                "team": slo.team,
                ID_LABEL: slo.id,
                SERVICE_LABEL: slo.service,
                SLO_LABEL: slo.name,
            }.items()
        )
    )


def _filter(slo: Slo) -> str:
    return f'{{{ID_LABEL}="{slo.id}", {SERVICE_LABEL}="{slo.service}", {SLO_LABEL}="{slo.name}"}}'


def sli_metric(minutes: int) -> str:
    return SLI_METRIC.format(window=duration(minutes))


def error_ratio(slo: Slo, window: str) -> str:
    """The SLI's error ratio over one window, from the raw series."""
    sli = slo.sli
    if isinstance(sli, UpSli):
        return f"1 - avg(avg_over_time({sli.gauge.text()}[{window}]))"
    if isinstance(sli, LatencySli):
        good = sli.bucket.text((("le", "=", number(sli.le)),))
        return f"1 - (\n  sum(rate({good}[{window}]))\n  /\n  sum(rate({sli.count.text()}[{window}]))\n)"
    numerator = f"sum(rate({sli.numerator.text()}[{window}]))"
    total = f"sum(rate({sli.total.text()}[{window}]))"
    ratio = f"(\n  {numerator}\n  /\n  {total}\n)"
    return ratio if sli.counts_errors else f"1 - {ratio}"


def _sli_rules(slo: Slo, settings: Settings) -> list[dict[str, Any]]:
    labels = slo_labels(slo)
    windows = sli_windows(slo, settings.prometheus.scrape_interval_seconds)
    shortest, period = windows[0], windows[-1]
    rules = [
        {
            "record": sli_metric(minutes),
            "expr": error_ratio(slo, duration(minutes)),
            "labels": dict(sorted({**labels, WINDOW_LABEL: duration(minutes)}.items())),
        }
        for minutes in windows[:-1]
    ]
    # The period's ratio from the 5m one (Sloth's optimisation): a ratio of ratios' sums, each
    # 5m ratio counting once; its labels come from the 5m series.
    short, span = f"{sli_metric(shortest)}{_filter(slo)}", duration(period)
    rules.append(
        {
            "record": sli_metric(period),
            "expr": f"sum_over_time({short}[{span}])\n/ ignoring ({WINDOW_LABEL})\n"
            f"count_over_time({short}[{span}])",
            "labels": {WINDOW_LABEL: span},
        }
    )
    return rules


def _burn_rate(slo: Slo, minutes: int) -> str:
    ids = f"{ID_LABEL}, {SLO_LABEL}, {SERVICE_LABEL}"
    return (
        f"{sli_metric(minutes)}{_filter(slo)}\n/ on ({ids}) group_left\nslo:error_budget:ratio{_filter(slo)}"
    )


def _metadata_rules(slo: Slo, settings: Settings) -> list[dict[str, Any]]:
    labels = slo_labels(slo)
    windows = sli_windows(slo, settings.prometheus.scrape_interval_seconds)
    objective = number(slo.objective / 100)
    info = {**labels, "sloth_objective": number(slo.objective), "sloth_spec": SPEC_VERSIONS[slo.source]}
    records = [
        ("slo:objective:ratio", f"vector({objective})"),
        ("slo:error_budget:ratio", f"vector(1 - {objective})"),
        ("slo:time_period:days", f"vector({slo.period_days})"),
        ("slo:current_burn_rate:ratio", _burn_rate(slo, windows[0])),
        ("slo:period_burn_rate:ratio", _burn_rate(slo, windows[-1])),
        ("slo:period_error_budget_remaining:ratio", f"1 - slo:period_burn_rate:ratio{_filter(slo)}"),
    ]
    # A mapping per rule: a shared one would be written as a YAML anchor.
    return [{"record": record, "expr": expr, "labels": dict(labels)} for record, expr in records] + [
        {"record": "sloth_slo_info", "expr": "vector(1)", "labels": dict(sorted(info.items()))}
    ]


def _condition(slo: Slo, minutes: int, factor: float) -> str:
    threshold = f"({number(factor)} * {number(slo.budget)})"
    return f"max({sli_metric(minutes)}{_filter(slo)} > {threshold}) without ({WINDOW_LABEL})"


def _alert_expr(slo: Slo, alert: BurnAlert) -> str:
    parts = []
    for window in alert.windows:
        factor = window.factor(slo.period_days)
        short = _condition(slo, window.short_minutes, factor)
        long = _condition(slo, window.long_minutes, factor)
        parts.append(f"(\n  {short}\n  and\n  {long}\n)")
    return "\nor\n".join(parts)


def _alert_text(slo: Slo, alert: BurnAlert) -> tuple[str, str]:
    budget = f"{number(slo.budget * 100)}%"
    conditions = []
    for window in alert.windows:
        factor = window.factor(slo.period_days)
        conditions.append(
            f"over {duration(window.long_minutes)} and {duration(window.short_minutes)} above"
            f" {factor:.3g}x the budget ({number(window.budget_share * 100)}% of it in"
            f" {duration(window.long_minutes)}; the period's budget would last"
            f" {number(round(slo.period_days / factor, 1))} days)"
        )
    speed = "fast" if alert.severity == "page" else "steadily"
    summary = f"{slo.service} SLO {slo.name}: error budget burning {speed}"
    description = (
        f"{slo.category.capitalize()} objective {number(slo.objective)}% over {slo.period_days} days"
        f" (error budget {budget}): the error ratio is " + ", or ".join(conditions) + "."
    )
    return summary, description


def _alert_rules(slo: Slo, settings: Settings) -> list[dict[str, Any]]:
    rules = []
    for alert in burn_alerts(settings.prometheus.scrape_interval_seconds):
        name = ALERT_NAMES[alert.severity]
        summary, description = _alert_text(slo, alert)
        rules.append(
            {
                "alert": name,
                "expr": _alert_expr(slo, alert),
                "labels": {
                    "category": slo.category,
                    "severity": SEVERITIES[alert.severity],
                    SEVERITY_LABEL: alert.severity,
                },
                "annotations": {
                    "summary": summary,
                    "description": description,
                    "runbook_url": runbook_url(settings, RUNBOOK_KIND, name),
                    "dashboard": board_url(settings, slo_board_uid(settings, slo.id), "orgId=1"),
                },
            }
        )
    return rules


def slo_rules(slo: Slo, settings: Settings) -> list[dict[str, Any]]:
    return [*_sli_rules(slo, settings), *_metadata_rules(slo, settings), *_alert_rules(slo, settings)]


# ---- promtool tests: a total outage pages within the page's long window, a slow burn files a
# ticket, traffic just within the objective does neither.

_TEST_INTERVAL_MINUTES = 1
# Rules evaluate every 5m in the tests: the shortest window still holds five samples, and a
# test of a 6h window costs 74 evaluations instead of 370.
_TEST_EVALUATION_MINUTES = 5
_GOOD_MINUTES = 60
# Quiet traffic burns a little under the slowest alert's rate (and the objective's), so float
# rounding cannot decide.
_QUIET_SHARE = 0.95
# Past the ticket's slowest long window's short window, with a margin.
_SETTLE_MINUTES = 10


@dataclass(frozen=True)
class Phase:
    minutes: int
    error_ratio: float


@dataclass(frozen=True)
class _Series:
    """One input series of a test and how its rate follows the error ratio."""

    labels: Mapping[str, str]
    # counter increments per minute (or a gauge's value) for an error ratio
    share: str  # "good", "errors", "total", "up"


def _series_text(labels: Mapping[str, str]) -> str:
    body = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{labels['__name__']}{{{body}}}"


def _inputs(slo: Slo) -> list[_Series]:
    sli = slo.sli
    if isinstance(sli, UpSli):
        return [_Series(_example(sli.gauge), "up")]
    if isinstance(sli, LatencySli):
        bucket = {**_example(sli.bucket), "le": number(sli.le)}
        return [_Series(bucket, "good"), _Series(_example(sli.count), "total")]
    assert isinstance(sli, EventsSli)
    numerator = _example(sli.numerator)
    total = _example(sli.total)
    first = "errors" if sli.counts_errors else "good"
    if matches(sli.total, numerator):
        # The total counts the numerator's series too: the other series holds the rest.
        return [_Series(numerator, first), _Series(total, "good" if sli.counts_errors else "errors")]
    return [_Series(numerator, first), _Series(total, "total")]


def _example(selector: Selector) -> dict[str, str]:
    labels = example_labels(selector)
    if labels is None:
        raise ValueError(f"no example series for {selector.text()} (validation refuses such selectors)")
    return labels


def _rate(share: str, error_ratio: float) -> float:
    per_minute = {"good": 1 - error_ratio, "errors": error_ratio, "total": 1.0, "up": 1 - error_ratio}
    return per_minute[share] * (1 if share == "up" else _EVENTS_PER_MINUTE)


def _values(series: _Series, phases: Sequence[Phase]) -> str:
    segments = []
    value = 0.0
    for index, phase in enumerate(phases):
        step = _rate(series.share, phase.error_ratio)
        if series.share == "up":
            segments.append(f"{number(step)}+0x{phase.minutes - 1}")
            continue
        start = value if index == 0 else value + step
        segments.append(f"{number(start)}+{number(step)}x{phase.minutes - 1}")
        value = start + step * (phase.minutes - 1)
    return " ".join(segments)


def _case(
    slo: Slo, name: str, phases: Sequence[Phase], checks: Sequence[tuple[int, str, list[dict[str, Any]]]]
) -> dict[str, Any]:
    return {
        "name": name,
        "interval": f"{_TEST_INTERVAL_MINUTES}m",
        "input_series": [
            {"series": _series_text(s.labels), "values": _values(s, phases)} for s in _inputs(slo)
        ],
        "alert_rule_test": [
            {"eval_time": f"{minutes}m", "alertname": alert, "exp_alerts": expected}
            for minutes, alert, expected in checks
        ],
    }


def _expected(slo: Slo, rule: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "exp_labels": dict(sorted({**slo_labels(slo), **rule["labels"]}.items())),
            "exp_annotations": dict(sorted(rule["annotations"].items())),
        }
    ]


def slo_tests(slo: Slo, settings: Settings) -> dict[str, Any]:
    alerts = {rule["alert"]: rule for rule in _alert_rules(slo, settings)}
    page, ticket = ALERT_NAMES["page"], ALERT_NAMES["ticket"]
    windowed = burn_alerts(settings.prometheus.scrape_interval_seconds)
    by_severity = {a.severity: a for a in windowed}
    page_window = by_severity["page"].windows[0].long_minutes
    ticket_factors = [w.factor(slo.period_days) for w in by_severity["ticket"].windows]
    # Between the ticket's two burn rates: only its slow condition holds, and no page's.
    slow_burn = (min(ticket_factors) + max(ticket_factors)) / 2 * slo.budget
    # A 28-day period's slowest ticket burns at 0.93x: quiet traffic stays under it too.
    slowest = min(w.factor(slo.period_days) for a in windowed for w in a.windows)
    quiet_burn = min(1.0, slowest) * _QUIET_SHARE * slo.budget
    settle = max(w.short_minutes for w in by_severity["ticket"].windows) + _SETTLE_MINUTES
    length = settle + _SETTLE_MINUTES
    outage = [Phase(_GOOD_MINUTES, 0.0), Phase(page_window + _SETTLE_MINUTES, 1.0)]
    slow = [Phase(length, slow_burn)]
    burn = f"{slo.id} ({number(slow_burn / slo.budget)}x the budget)"
    tests = [
        _case(
            slo,
            f"{page} fires within {duration(page_window)} of a total outage of {slo.id}",
            outage,
            [
                (_GOOD_MINUTES + page_window, page, _expected(slo, alerts[page])),
                (_GOOD_MINUTES - _TEST_EVALUATION_MINUTES, page, []),
            ],
        ),
        _case(
            slo,
            f"{ticket} fires for a slow burn of {burn}",
            slow,
            [(settle, ticket, _expected(slo, alerts[ticket]))],
        ),
        _case(slo, f"{page} stays quiet for a slow burn of {burn}", slow, [(settle, page, [])]),
        _case(
            slo,
            f"neither alert fires for {slo.id} within its objective"
            f" ({number(quiet_burn / slo.budget)}x the budget)",
            [Phase(length, quiet_burn)],
            [(settle, ticket, []), (settle, page, [])],
        ),
    ]
    return {
        "rule_files": [f"../rules/slo-{slo.id}.rules.yml"],
        "evaluation_interval": f"{_TEST_EVALUATION_MINUTES}m",
        "tests": tests,
    }
