"""An SLO as the generators read it, and the windows and burn rates its alerts derive from it.

Sloth's conventions (github.com/slok/sloth, internal/prometheus): the error ratio of the SLI is
recorded as `slo:sli_error:ratio_rate<window>` for every alert window plus the full period, with
the labels sloth_id, sloth_service, sloth_slo and sloth_window; the period's ratio is the mean of
the 5m ratio over the period. Alerts are multi-window, multi-burn-rate (Google SRE workbook,
"Alerting on SLOs"): a burn-rate factor is the share of the budget a window may spend, times the
period over the window. A window spans at least four scrapes (monitoring/rate_window.py): 12m
instead of 5m for series scraped every 3m.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from monitoring.problems import Location
from monitoring.rate_window import duration as duration
from monitoring.rate_window import rate_window_minutes

PERIOD_DAYS = (28, 30)
SLI_METRIC = "slo:sli_error:ratio_rate{window}"
ID_LABEL = "sloth_id"
SERVICE_LABEL = "sloth_service"
SLO_LABEL = "sloth_slo"
WINDOW_LABEL = "sloth_window"
SEVERITY_LABEL = "sloth_severity"


@dataclass(frozen=True)
class Selector:
    """A PromQL series selector, parsed: metric name and (label, operator, value) matchers."""

    metric: str
    matchers: tuple[tuple[str, str, str], ...]

    def text(self, extra: tuple[tuple[str, str, str], ...] = ()) -> str:
        body = ", ".join(f'{n}{op}"{_escape(v)}"' for n, op, v in (*self.matchers, *extra))
        return f"{self.metric}{{{body}}}"

    def renamed(self, metric: str) -> Selector:
        return Selector(metric, self.matchers)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


@dataclass(frozen=True)
class EventsSli:
    """Counters: `numerator` counts good events (or errors when `counts_errors`), `total` all."""

    numerator: Selector
    total: Selector
    counts_errors: bool


@dataclass(frozen=True)
class UpSli:
    """Availability from a 0/1 gauge such as `up` or `mysql_up`: the share of samples at 1."""

    gauge: Selector


@dataclass(frozen=True)
class LatencySli:
    """A histogram: requests under `le` seconds (its `_bucket`) out of all (its `_count`)."""

    bucket: Selector
    le: float

    @property
    def count(self) -> Selector:
        return self.bucket.renamed(self.bucket.metric.removesuffix("_bucket") + "_count")


Sli = EventsSli | UpSli | LatencySli


@dataclass(frozen=True)
class Slo:
    service: str
    name: str
    kind: str
    domain: str
    team: str
    objective: float  # percent, 0 < objective < 100
    period_days: int
    sli: Sli
    description: str
    location: Location
    source: Literal["inventory", "openslo"]
    # The service's custom labels: every SLO series carries them, like its alerts'.
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.service}-{self.name}"

    @property
    def budget(self) -> float:
        return 1 - self.objective / 100

    @property
    def category(self) -> str:
        return "latency" if isinstance(self.sli, LatencySli) else "availability"


# ---- steps: windows and burn-rate alerts


@dataclass(frozen=True)
class BurnWindow:
    """One condition of a multi-window alert: both windows burn faster than `factor`."""

    long_minutes: int
    short_minutes: int
    budget_share: float

    def factor(self, period_days: int) -> float:
        return self.budget_share * period_days * 24 * 60 / self.long_minutes


@dataclass(frozen=True)
class BurnAlert:
    severity: Literal["page", "ticket"]
    windows: tuple[BurnWindow, BurnWindow]


# The SRE workbook's recommendation, as Sloth uses it for every period.
BURN_ALERTS = (
    BurnAlert("page", (BurnWindow(60, 5, 0.02), BurnWindow(6 * 60, 30, 0.05))),
    BurnAlert("ticket", (BurnWindow(24 * 60, 2 * 60, 0.1), BurnWindow(3 * 24 * 60, 6 * 60, 0.1))),
)


def burn_alerts(scrape_interval_seconds: int) -> tuple[BurnAlert, ...]:
    """BURN_ALERTS with every window at least four scrapes long."""

    def scaled(window: BurnWindow) -> BurnWindow:
        return BurnWindow(
            rate_window_minutes(scrape_interval_seconds, window.long_minutes),
            rate_window_minutes(scrape_interval_seconds, window.short_minutes),
            window.budget_share,
        )

    return tuple(BurnAlert(a.severity, (scaled(a.windows[0]), scaled(a.windows[1]))) for a in BURN_ALERTS)


def alert_windows(scrape_interval_seconds: int) -> tuple[int, ...]:
    """Minutes of every window an alert reads, shortest first."""
    alerts = burn_alerts(scrape_interval_seconds)
    found = {w.long_minutes for a in alerts for w in a.windows}
    found |= {w.short_minutes for a in alerts for w in a.windows}
    return tuple(sorted(found))


def sli_windows(slo: Slo, scrape_interval_seconds: int) -> tuple[int, ...]:
    """The alert windows and the full period: the SLI recording rules, shortest first."""
    return (*alert_windows(scrape_interval_seconds), slo.period_days * 24 * 60)


def fastest_factor(period_days: int) -> float:
    return max(w.factor(period_days) for a in BURN_ALERTS for w in a.windows)


# ---- the series a rule unit test feeds a selector

_PLAIN = re.compile(r"^[A-Za-z0-9_:.-]+$")


def example_labels(selector: Selector) -> dict[str, str] | None:
    """Labels of a series the selector matches: `=` values, the first plain alternative of a
    `=~`, nothing for negative matchers; None when no such series matches it."""
    labels = {"__name__": selector.metric}
    for name, op, value in selector.matchers:
        if op == "=":
            labels[name] = value
        elif op == "=~":
            choice = value.split("|")[0].strip("()")
            if not _PLAIN.match(choice):
                return None
            labels[name] = choice
    return labels if matches(selector, labels) else None


def matches(selector: Selector, labels: Mapping[str, str]) -> bool:
    if labels.get("__name__") != selector.metric:
        return False
    for name, op, value in selector.matchers:
        have = labels.get(name, "")
        hit = have == value if op in ("=", "!=") else re.fullmatch(value, have) is not None
        if hit != (op in ("=", "=~")):
            return False
    return True
